#!/usr/bin/env python3
"""Throwaway Hugging Face Llama checkpoint with random weights, for developing bench/models.sh before
`kernelhub make-model` exists (numpy only). Writes OUT/{config.json, generation_config.json,
model.safetensors, tokenizer.json, tokenizer_config.json}: what Jlama 0.8.4's loader reads.

  make_test_checkpoint.py OUT --preset small|1b --dtype f32|bf16 [--seed S]
"""
import argparse, json, os, struct
import numpy as np

PRESETS = {
    # hidden, layers, heads, kv_heads, intermediate, vocab  (head_dim = hidden / heads = 64)
    "small": dict(hidden_size=512, num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
                  intermediate_size=1536, vocab_size=32000),
    "1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=8192, vocab_size=32000),
}
BOS, EOS = 256, 257  # special tokens right after the 256 byte tokens


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (what byte-level BPE vocabularies are written in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json(vocab_size):
    b2u = bytes_to_unicode()
    byte_tokens = [b2u[b] for b in range(256)]
    vocab = {t: i for i, t in enumerate(byte_tokens)}
    specials = ["<|begin_of_text|>", "<|end_of_text|>"]
    for i, s in enumerate(specials):
        vocab[s] = 256 + i
    merges = []
    # synthetic merges of two byte tokens, printable ones first, until the vocabulary is full
    order = sorted(range(256), key=lambda b: (not (0x20 <= b < 0x7f), b))
    done = False
    for a in order:
        for b in order:
            if len(vocab) >= vocab_size:
                done = True
                break
            tok = byte_tokens[a] + byte_tokens[b]
            if tok in vocab:
                continue
            vocab[tok] = len(vocab)
            merges.append([byte_tokens[a], byte_tokens[b]])
        if done:
            break
    split = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
             "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": 256 + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for i, s in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }


def tensors(p):
    h, L, nh, nkv, inter, V = (p["hidden_size"], p["num_hidden_layers"], p["num_attention_heads"],
                               p["num_key_value_heads"], p["intermediate_size"], p["vocab_size"])
    hd = h // nh
    yield "model.embed_tokens.weight", (V, h), "normal"
    for i in range(L):
        b = f"model.layers.{i}."
        yield b + "input_layernorm.weight", (h,), "ones"
        yield b + "self_attn.q_proj.weight", (nh * hd, h), "normal"
        yield b + "self_attn.k_proj.weight", (nkv * hd, h), "normal"
        yield b + "self_attn.v_proj.weight", (nkv * hd, h), "normal"
        yield b + "self_attn.o_proj.weight", (h, nh * hd), "normal"
        yield b + "post_attention_layernorm.weight", (h,), "ones"
        yield b + "mlp.gate_proj.weight", (inter, h), "normal"
        yield b + "mlp.up_proj.weight", (inter, h), "normal"
        yield b + "mlp.down_proj.weight", (h, inter), "normal"
    yield "model.norm.weight", (h,), "ones"
    yield "lm_head.weight", (V, h), "normal"


def to_bytes(a, dtype):
    if dtype == "f32":
        return a.astype("<f4").tobytes()
    u = a.astype(np.float32).view(np.uint32)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")  # round to nearest even
    return r.tobytes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", choices=PRESETS, default="small")
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    p = PRESETS[a.preset]
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    esize = 4 if a.dtype == "f32" else 2
    st_dtype = "F32" if a.dtype == "f32" else "BF16"
    header, off, specs = {}, 0, list(tensors(p))
    for name, shape, _ in specs:
        n = int(np.prod(shape)) * esize
        header[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    header["__metadata__"] = {"format": "pt"}
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for name, shape, init in specs:
            if init == "ones":
                arr = np.ones(shape, np.float32)
            else:
                arr = rng.standard_normal(shape, dtype=np.float32)
                arr *= 0.02
            f.write(to_bytes(arr, a.dtype))
    cfg = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "torch_dtype": "float32" if a.dtype == "f32" else "bfloat16",
        "hidden_act": "silu", "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "rope_scaling": None, "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False,
        "head_dim": p["hidden_size"] // p["num_attention_heads"], "initializer_range": 0.02,
        "bos_token_id": BOS, "eos_token_id": EOS, "use_cache": True, "transformers_version": "4.44.0", **p,
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(a.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": BOS, "eos_token_id": EOS, "do_sample": False}, f, indent=2)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(p["vocab_size"]), f, ensure_ascii=False)
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>",
                   "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 2048}, f, indent=2)


if __name__ == "__main__":
    main()

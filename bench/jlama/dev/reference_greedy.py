#!/usr/bin/env python3
"""Reference greedy decode (Hugging Face Llama semantics, float64 numpy) of a small checkpoint, to check what a
runtime's greedy tokens should be:  reference_greedy.py MODEL_DIR IDS_FILE [N_NEW [FIRST_LOGITS_OUT]]   (prints the ids as JSON)."""
import json, struct, sys
import numpy as np


def load(path):
    with open(path + "/model.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        raw = np.frombuffer(data[a:b], dtype="<f4" if v["dtype"] == "F32" else "<u2")
        if v["dtype"] == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        out[k] = raw.astype(np.float64).reshape(v["shape"])
    return out


def main():
    d = sys.argv[1]
    ids = [int(x) for x in open(sys.argv[2]).read().replace(",", " ").split()]
    n_new = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    cfg = json.load(open(d + "/config.json"))
    W = load(d)
    H, nh, nkv, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    hd = cfg.get("head_dim") or H // nh
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    inv = 1.0 / theta ** (np.arange(0, hd, 2) / hd)

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

    def rope(x, pos):  # x [T, heads, hd], rotate_half convention
        ang = np.outer(pos, inv)
        cos = np.concatenate([np.cos(ang)] * 2, -1)[:, None, :]
        sin = np.concatenate([np.sin(ang)] * 2, -1)[:, None, :]
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return x * cos + np.concatenate([-x2, x1], -1) * sin

    kc = [np.zeros((0, nkv, hd)) for _ in range(L)]
    vc = [np.zeros((0, nkv, hd)) for _ in range(L)]

    def step(tokens, start):
        T = len(tokens)
        pos = np.arange(start, start + T)
        x = W["model.embed_tokens.weight"][tokens]
        for i in range(L):
            p = f"model.layers.{i}."
            h = rms(x, W[p + "input_layernorm.weight"])
            q = (h @ W[p + "self_attn.q_proj.weight"].T).reshape(T, nh, hd)
            k = (h @ W[p + "self_attn.k_proj.weight"].T).reshape(T, nkv, hd)
            v = (h @ W[p + "self_attn.v_proj.weight"].T).reshape(T, nkv, hd)
            q, k = rope(q, pos), rope(k, pos)
            kc[i] = np.concatenate([kc[i], k]); vc[i] = np.concatenate([vc[i], v])
            S = kc[i].shape[0]
            g = nh // nkv
            kk = np.repeat(kc[i], g, axis=1); vv = np.repeat(vc[i], g, axis=1)
            s = np.einsum("thd,shd->hts", q, kk) / np.sqrt(hd)
            mask = np.arange(S)[None, :] > pos[:, None]
            s = np.where(mask[None], -np.inf, s)
            s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
            o = np.einsum("hts,shd->thd", s, vv).reshape(T, nh * hd)
            x = x + o @ W[p + "self_attn.o_proj.weight"].T
            h = rms(x, W[p + "post_attention_layernorm.weight"])
            gt = h @ W[p + "mlp.gate_proj.weight"].T
            up = h @ W[p + "mlp.up_proj.weight"].T
            x = x + ((gt / (1 + np.exp(-gt))) * up) @ W[p + "mlp.down_proj.weight"].T
        h = rms(x[-1], W["model.norm.weight"])
        head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
        logits = head @ h
        if start == 0 and len(sys.argv) > 4:
            np.savetxt(sys.argv[4], logits)
        top = np.sort(logits)[-2:]
        return int(np.argmax(logits)), float(top[1] - top[0])

    out, margins = [], []
    t, m = step(ids, 0)
    out.append(t); margins.append(m)
    for j in range(n_new - 1):
        t, m = step([out[-1]], len(ids) + j)
        out.append(t); margins.append(m)
    print(json.dumps({"tokens": out, "top2_margin": [round(x, 6) for x in margins]}))


if __name__ == "__main__":
    main()

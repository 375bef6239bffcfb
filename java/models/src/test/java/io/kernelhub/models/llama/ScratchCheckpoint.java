package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.models.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Temporary: a tiny Llama directory until the checkpoint writer lands. */
final class ScratchCheckpoint {
    static Path write(Path dir, DType dtype, boolean tied, boolean bias) throws IOException {
        int vocab = 97, h = 32, inter = 48, layers = 2, heads = 4, kv = 2, d = 8;
        SplittableRandom rnd = new SplittableRandom(7);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add("model.embed_tokens.weight", dtype, normal(rnd, vocab * h, 1), vocab, h);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            w.add(p + "input_layernorm.weight", dtype, ones(rnd, h), h);
            lin(w, rnd, dtype, p + "self_attn.q_proj", heads * d, h, bias);
            lin(w, rnd, dtype, p + "self_attn.k_proj", kv * d, h, bias);
            lin(w, rnd, dtype, p + "self_attn.v_proj", kv * d, h, bias);
            lin(w, rnd, dtype, p + "self_attn.o_proj", h, heads * d, bias);
            w.add(p + "post_attention_layernorm.weight", dtype, ones(rnd, h), h);
            lin(w, rnd, dtype, p + "mlp.gate_proj", inter, h, false);
            lin(w, rnd, dtype, p + "mlp.up_proj", inter, h, false);
            lin(w, rnd, dtype, p + "mlp.down_proj", h, inter, false);
        }
        w.add("model.norm.weight", dtype, ones(rnd, h), h);
        if (!tied) {
            w.add("lm_head.weight", dtype, normal(rnd, vocab * h, 3.0 / Math.sqrt(h)), vocab, h);
        }
        Files.createDirectories(dir);
        w.writeFile(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": %d, "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "tie_word_embeddings": %s, "attention_bias": %s,
                 "torch_dtype": "%s", "bos_token_id": 1, "eos_token_id": 2}
                """.formatted(vocab, h, inter, layers, heads, kv, tied, bias,
                dtype == DType.F32 ? "float32" : dtype == DType.BF16 ? "bfloat16" : "float16"));
        return dir;
    }

    private static void lin(SafetensorsWriter w, SplittableRandom rnd, DType dt, String n, int out, int in, boolean b) {
        w.add(n + ".weight", dt, normal(rnd, out * in, 1 / Math.sqrt(in)), out, in);
        if (b) {
            w.add(n + ".bias", dt, normal(rnd, out, 0.1), out);
        }
    }

    private static float[] normal(SplittableRandom rnd, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    private static float[] ones(SplittableRandom rnd, int n) {
        float[] a = normal(rnd, n, 0.1);
        for (int i = 0; i < n; i++) {
            a[i] += 1;
        }
        return a;
    }
}

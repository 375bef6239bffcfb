package io.kernelhub.models.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The fields of a Hugging Face {@code config.json} that LlamaForCausalLM's forward pass reads,
 * with transformers' LlamaConfig defaults. Parsed here with Jackson, apart from kernelhub's own
 * config reader, so that the reference shares nothing with the runtime it judges.
 *
 * @param headDim {@code head_dim}, default {@code hidden_size / num_attention_heads} (it may differ:
 *     q_proj is {@code heads * head_dim} wide and o_proj reads that width)
 * @param ropeScaling null for plain RoPE, else the llama3 parameters
 */
public record LlamaReferenceConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, int headDim, double rmsNormEps, double ropeTheta,
        Llama3Scaling ropeScaling, boolean tieWordEmbeddings, boolean attentionBias, boolean mlpBias,
        int maxPositionEmbeddings) {

    /**
     * {@code rope_scaling} with {@code rope_type} (or the older key {@code type}) "llama3", the
     * inputs of transformers' {@code _compute_llama3_parameters}.
     */
    public record Llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {
    }

    public LlamaReferenceConfig {
        if (numAttentionHeads <= 0 || numKeyValueHeads <= 0 || numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a positive multiple of num_key_value_heads " + numKeyValueHeads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " must be positive and even (rotate_half)");
        }
    }

    /** Number of query heads sharing one kv head ({@code num_key_value_groups} in HF). */
    public int groups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Reads {@code dir/config.json}. */
    public static LlamaReferenceConfig read(Path dir) {
        try {
            return parse(new ObjectMapper().readTree(dir.resolve("config.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir.resolve("config.json"), e);
        }
    }

    /**
     * Parses a config.json tree. Supported: model_type llama (or absent), hidden_act silu,
     * rope_scaling null / default / llama3. transformers 5's {@code rope_parameters} object
     * (rope_theta and the scaling moved inside it) is read too. Anything the reference cannot
     * compute faithfully (another activation, another rope type) is an
     * {@link IllegalArgumentException}, never silently ignored.
     */
    public static LlamaReferenceConfig parse(JsonNode c) {
        String modelType = text(c, "model_type", "llama");
        if (!modelType.equals("llama")) {
            throw new IllegalArgumentException("model_type " + modelType + " is not llama");
        }
        String act = text(c, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("hidden_act " + act + " is not supported (silu only)");
        }
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        JsonNode rope = present(c, "rope_parameters") ? c.get("rope_parameters") : c.get("rope_scaling");
        double theta = present(c, "rope_theta") || rope == null || rope.isNull()
                ? number(c, "rope_theta", 10000.0) : number(rope, "rope_theta", 10000.0);
        return new LlamaReferenceConfig(
                required(c, "vocab_size"),
                hidden,
                required(c, "intermediate_size"),
                required(c, "num_hidden_layers"),
                heads,
                (int) number(c, "num_key_value_heads", heads),
                (int) number(c, "head_dim", hidden / heads),
                number(c, "rms_norm_eps", 1e-6),
                theta,
                scaling(rope),
                bool(c, "tie_word_embeddings", false),
                bool(c, "attention_bias", false),
                bool(c, "mlp_bias", false),
                (int) number(c, "max_position_embeddings", 2048));
    }

    private static Llama3Scaling scaling(JsonNode r) {
        if (r == null || r.isNull()) {
            return null;
        }
        String type = present(r, "rope_type") ? r.get("rope_type").asText() : text(r, "type", "default");
        return switch (type) {
            case "default" -> null;
            case "llama3" -> new Llama3Scaling(requiredNumber(r, "factor"), requiredNumber(r, "low_freq_factor"),
                    requiredNumber(r, "high_freq_factor"), (int) requiredNumber(r, "original_max_position_embeddings"));
            default -> throw new IllegalArgumentException("rope type " + type + " is not supported (default, llama3)");
        };
    }

    private static boolean present(JsonNode n, String key) {
        return n.has(key) && !n.get(key).isNull();
    }

    private static int required(JsonNode n, String key) {
        if (!present(n, key) || !n.get(key).canConvertToInt()) {
            throw new IllegalArgumentException("config.json: " + key + " is missing or not an int");
        }
        return n.get(key).intValue();
    }

    private static double number(JsonNode n, String key, double fallback) {
        return present(n, key) ? requiredNumber(n, key) : fallback;
    }

    private static double requiredNumber(JsonNode n, String key) {
        if (!present(n, key) || !n.get(key).isNumber()) {
            throw new IllegalArgumentException("config.json: " + key + " is missing or not a number");
        }
        return n.get(key).doubleValue();
    }

    private static boolean bool(JsonNode n, String key, boolean fallback) {
        return present(n, key) ? n.get(key).asBoolean() : fallback;
    }

    private static String text(JsonNode n, String key, String fallback) {
        return present(n, key) ? n.get(key).asText() : fallback;
    }
}

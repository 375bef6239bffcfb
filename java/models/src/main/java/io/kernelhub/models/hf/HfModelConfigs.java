package io.kernelhub.models.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads a Hugging Face model directory's {@code config.json} and {@code generation_config.json}
 * as they are on disk after a download. The model class is chosen by {@code model_type}; an
 * unknown type, a missing or malformed file, or a value kernelhub cannot run is one
 * {@link HfConfigException} naming the file and field.
 */
public final class HfModelConfigs {

    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    /** model_type -> reader: the supported families (messages list them sorted). */
    private static final Map<String, BiFunction<Path, ObjectNode, LlamaCheckpointConfig>> FAMILIES = Map.of(
            LlamaCheckpointConfig.MODEL_TYPE, HfModelConfigs::llama);

    private static final ObjectMapper JSON = new ObjectMapper();

    private HfModelConfigs() {
    }

    /** The model types kernelhub can load, sorted. */
    public static List<String> supportedModelTypes() {
        return FAMILIES.keySet().stream().sorted().toList();
    }

    /** {@code dir/config.json} of a supported family. */
    public static LlamaCheckpointConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        ObjectNode root = readObject(file, true);
        JsonNode type = root.get("model_type");
        if (type == null || !type.isTextual() || type.asText().isBlank()) {
            throw new HfConfigException(file, "no \"model_type\": is this a Hugging Face model directory? Supported: "
                    + String.join(", ", supportedModelTypes()));
        }
        var family = FAMILIES.get(type.asText());
        if (family == null) {
            throw new HfConfigException(file, "model_type '" + type.asText() + "' is not supported; supported: "
                    + String.join(", ", supportedModelTypes()));
        }
        return family.apply(file, root);
    }

    /**
     * {@code dir/generation_config.json}; without it, the special tokens of {@code config.json}
     * and transformers' sampling defaults.
     */
    public static GenerationDefaults readGenerationDefaults(Path dir) {
        Path gen = dir.resolve(GENERATION_CONFIG);
        ObjectNode g = readObject(gen, false);
        JsonFile generation = new JsonFile(gen, g);
        JsonFile config = new JsonFile(dir.resolve(CONFIG), readObject(dir.resolve(CONFIG), false));
        Integer bos = optionalId(tokenSource(generation, config, "bos_token_id"), "bos_token_id");
        Integer pad = optionalId(tokenSource(generation, config, "pad_token_id"), "pad_token_id");
        List<Integer> eos = eosIds(tokenSource(generation, config, "eos_token_id"));
        if (g == null) {
            return new GenerationDefaults(bos, eos, pad, false, GenerationDefaults.TEMPERATURE, GenerationDefaults.TOP_K,
                    GenerationDefaults.TOP_P, GenerationDefaults.REPETITION_PENALTY, null);
        }
        boolean doSample = bool(gen, g, "do_sample", false);
        double temperature = number(gen, g, "temperature", GenerationDefaults.TEMPERATURE, 0, Double.MAX_VALUE);
        int topK = integer(gen, g, "top_k", GenerationDefaults.TOP_K, 0);
        double topP = number(gen, g, "top_p", GenerationDefaults.TOP_P, Double.MIN_VALUE, 1);
        double penalty = number(gen, g, "repetition_penalty", GenerationDefaults.REPETITION_PENALTY, Double.MIN_VALUE,
                Double.MAX_VALUE);
        Integer maxNew = g.hasNonNull("max_new_tokens") ? integer(gen, g, "max_new_tokens", 0, 1) : null;
        return new GenerationDefaults(bos, eos, pad, doSample, temperature, topK, topP, penalty, maxNew);
    }

    private static LlamaCheckpointConfig llama(Path file, ObjectNode c) {
        int hidden = integer(file, c, "hidden_size", 4096, 1);
        int heads = integer(file, c, "num_attention_heads", 32, 1);
        int kvHeads = c.hasNonNull("num_key_value_heads") ? integer(file, c, "num_key_value_heads", heads, 1) : heads;
        if (heads % kvHeads != 0) {
            throw new HfConfigException(file, "num_attention_heads (" + heads + ") must be a multiple of "
                    + "num_key_value_heads (" + kvHeads + ")");
        }
        int headDim;
        if (c.hasNonNull("head_dim")) {
            headDim = integer(file, c, "head_dim", 0, 2);
        } else {
            if (hidden % heads != 0) {
                throw new HfConfigException(file, "hidden_size (" + hidden + ") is not a multiple of num_attention_heads ("
                        + heads + ") and no head_dim is given");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) {
            throw new HfConfigException(file, "head_dim " + headDim + " is odd: rotary embeddings need an even head_dim");
        }
        String act = c.hasNonNull("hidden_act") ? text(file, c, "hidden_act") : "silu";
        if (!act.equals("silu")) {
            throw new HfConfigException(file, "hidden_act '" + act + "' is not supported for llama (supported: silu)");
        }
        // pretraining_tp > 1 only makes transformers slice the projections to mimic tensor-parallel
        // rounding during pretraining; the function is the same, so it is not read
        return new LlamaCheckpointConfig(
                integer(file, c, "vocab_size", 32000, 1), hidden, integer(file, c, "intermediate_size", 11008, 1),
                integer(file, c, "num_hidden_layers", 32, 1), heads, kvHeads, headDim,
                integer(file, c, "max_position_embeddings", 2048, 1),
                number(file, c, "rms_norm_eps", 1e-6, Double.MIN_VALUE, 1),
                number(file, c, "rope_theta", 10000.0, Double.MIN_VALUE, Double.MAX_VALUE),
                ropeScaling(file, c.get("rope_scaling")),
                bool(file, c, "tie_word_embeddings", false), bool(file, c, "attention_bias", false),
                bool(file, c, "mlp_bias", false), act, checkpointDType(file, c));
    }

    private static RopeScaling ropeScaling(Path file, JsonNode s) {
        if (s == null || s.isNull()) {
            return new RopeScaling.None();
        }
        if (!s.isObject()) {
            throw new HfConfigException(file, "rope_scaling must be an object or null, got " + s);
        }
        ObjectNode o = (ObjectNode) s;
        // transformers renamed "type" to "rope_type"; checkpoints carry either
        String type = o.hasNonNull("rope_type") ? text(file, o, "rope_type")
                : o.hasNonNull("type") ? text(file, o, "type") : null;
        if (type == null) {
            throw new HfConfigException(file, "rope_scaling has no \"rope_type\" (or \"type\")");
        }
        if (type.equals("default")) {
            return new RopeScaling.None();
        }
        if (!type.equals("llama3")) {
            throw new HfConfigException(file, "rope_scaling type '" + type + "' is not supported (supported: default, llama3)");
        }
        try {
            return new RopeScaling.Llama3(number(file, o, "factor", Double.NaN, Double.MIN_VALUE, Double.MAX_VALUE),
                    number(file, o, "low_freq_factor", Double.NaN, Double.MIN_VALUE, Double.MAX_VALUE),
                    number(file, o, "high_freq_factor", Double.NaN, Double.MIN_VALUE, Double.MAX_VALUE),
                    integer(file, o, "original_max_position_embeddings", -1, 1));
        } catch (HfConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new HfConfigException(file, e.getMessage());
        }
    }

    private static DType checkpointDType(Path file, ObjectNode c) {
        String field = c.hasNonNull("torch_dtype") ? "torch_dtype" : c.hasNonNull("dtype") ? "dtype" : null;
        if (field == null) {
            return null;
        }
        String v = text(file, c, field);
        return switch (v) {
            case "float32" -> DType.F32;
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            default -> throw new HfConfigException(file, field + " '" + v + "' is not supported (supported: float32, "
                    + "float16, bfloat16)");
        };
    }

    /** A parsed JSON file (null node: the file does not exist) and its path, for messages. */
    private record JsonFile(Path path, ObjectNode node) {
        boolean hasNonNull(String field) {
            return node != null && node.hasNonNull(field);
        }
    }

    /** generation_config.json wins when it has the field; config.json is where older checkpoints keep the ids. */
    private static JsonFile tokenSource(JsonFile generation, JsonFile config, String field) {
        return generation.node() != null && generation.node().has(field) ? generation : config;
    }

    private static List<Integer> eosIds(JsonFile f) {
        if (!f.hasNonNull("eos_token_id")) {
            return List.of();
        }
        JsonNode n = f.node().get("eos_token_id");
        List<Integer> ids = new ArrayList<>();
        for (JsonNode e : n.isArray() ? n : List.of(n)) {
            ids.add(tokenId(f.path(), "eos_token_id", e));
        }
        return ids;
    }

    private static Integer optionalId(JsonFile f, String field) {
        return f.hasNonNull(field) ? tokenId(f.path(), field, f.node().get(field)) : null;
    }

    private static int tokenId(Path file, String field, JsonNode n) {
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
            throw new HfConfigException(file, field + " must be a token id (an integer >= 0), got " + n);
        }
        return n.asInt();
    }

    private static ObjectNode readObject(Path file, boolean required) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (!required) {
                return null;
            }
            throw new HfConfigException(file, "missing: a Hugging Face model directory holds config.json beside its "
                    + "weights (download the whole repository, not only the .safetensors)");
        } catch (IOException e) {
            throw new HfConfigException(file, "cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new HfConfigException(file, "not valid JSON (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage() + "; the file is damaged: download it again");
        }
        if (root == null || !root.isObject()) {
            throw new HfConfigException(file, "must hold a JSON object");
        }
        return (ObjectNode) root;
    }

    private static int integer(Path file, ObjectNode o, String field, int dflt, int min) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            if (dflt < min) {
                throw new HfConfigException(file, "\"" + field + "\" is required");
            }
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min) {
            throw new HfConfigException(file, "\"" + field + "\" must be an integer >= " + min + ", got " + n);
        }
        return n.asInt();
    }

    private static double number(Path file, ObjectNode o, String field, double dflt, double min, double max) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            if (Double.isNaN(dflt)) {
                throw new HfConfigException(file, "\"" + field + "\" is required");
            }
            return dflt;
        }
        if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
            throw new HfConfigException(file, "\"" + field + "\" must be a number in [" + min + ", " + max + "], got " + n);
        }
        return n.asDouble();
    }

    private static boolean bool(Path file, ObjectNode o, String field, boolean dflt) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new HfConfigException(file, "\"" + field + "\" must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private static String text(Path file, ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new HfConfigException(file, "\"" + field + "\" must be a string, got " + n);
        }
        return n.asText();
    }
}

package io.kernelhub.models;

import io.kernelhub.core.DType;
import io.kernelhub.models.hf.GenerationDefaults;
import io.kernelhub.models.hf.HfModelConfigs;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import io.kernelhub.models.llama.LlamaForCausalLM;
import io.kernelhub.models.safetensors.SafetensorsCheckpoint;
import io.kernelhub.models.safetensors.TensorSource;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads a Hugging Face model directory as it is on disk after a download: config.json picks the
 * model class by {@code model_type}, generation_config.json gives bos/eos ids and sampling
 * defaults, the safetensors files (single or sharded) are memory-mapped, tokenizer.json (when
 * present) is loaded through DJL's Hugging Face tokenizers binding.
 *
 * <pre>{@code
 * try (CausalLM model = AutoModel.fromPretrained(dir, ModelOptions.defaults()
 *         .withAttnImplementation("kernels-community/flash-attn2").withDtype(DType.BF16))) {
 *     ...
 * }
 * }</pre>
 */
public final class AutoModel {

    private AutoModel() {
    }

    /** With {@link ModelOptions#defaults()}. */
    public static CausalLM fromPretrained(Path dir) {
        return fromPretrained(dir, ModelOptions.defaults());
    }

    /**
     * @throws io.kernelhub.models.hf.HfConfigException for a missing or malformed config, or an
     *         unsupported model type (the message lists the supported ones)
     * @throws io.kernelhub.models.safetensors.CheckpointException for missing, damaged or mismatched weights
     * @throws IllegalArgumentException for an unknown attention implementation or one that cannot serve the model
     */
    public static CausalLM fromPretrained(Path dir, ModelOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a directory (pass a Hugging Face model directory "
                    + "holding config.json and the safetensors weights)");
        }
        LlamaCheckpointConfig config = HfModelConfigs.readConfig(dir);
        GenerationDefaults defaults = HfModelConfigs.readGenerationDefaults(dir);
        DType dtype = options.dtype() != null ? options.dtype()
                : config.checkpointDType() != null ? config.checkpointDType() : DType.F32;
        Map<String, String> attention = new HashMap<>(options.attnImplementation());
        attention.putIfAbsent("", ModelOptions.DEFAULT_ATTENTION);
        TextTokenizer tokenizer = TextTokenizer.fromModelDir(dir).orElse(null);
        TensorSource weights;
        try {
            weights = SafetensorsCheckpoint.open(dir);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
        LlamaForCausalLM model = new LlamaForCausalLM(config, defaults, weights, dtype, Map.of("", attention.get("")),
                options.registry(), options.threads(), options.prefillChunk(), tokenizer);
        if (attention.size() > 1) {
            try {
                model.setAttnImplementation(attention);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return model;
    }
}

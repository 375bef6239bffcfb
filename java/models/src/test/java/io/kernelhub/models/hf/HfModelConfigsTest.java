package io.kernelhub.models.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kernelhub.core.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json and generation_config.json as Hugging Face checkpoints ship them. */
class HfModelConfigsTest {

    @TempDir
    Path dir;

    /** Llama 3.1 8B's config.json, as published. */
    static final String LLAMA_31_8B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": 4096,
             "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
             "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
             "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256}
            """;

    void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void readsLlama31WithItsRopeScalingAndGenerationConfig() throws IOException {
        write("config.json", LLAMA_31_8B);
        write("generation_config.json", """
                {"bos_token_id": 128000, "do_sample": true, "eos_token_id": [128001, 128008, 128009],
                 "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.43.0.dev0"}
                """);
        LlamaCheckpointConfig c = HfModelConfigs.readConfig(dir);
        assertThat(c).isEqualTo(new LlamaCheckpointConfig(128256, 4096, 14336, 32, 32, 8, 128, 131072, 1e-5, 500000.0,
                new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), false, false, false, "silu", DType.BF16));
        assertThat(c.groupSize()).isEqualTo(4);
        GenerationDefaults g = HfModelConfigs.readGenerationDefaults(dir);
        assertThat(g).isEqualTo(new GenerationDefaults(128000, java.util.List.of(128001, 128008, 128009), null, true, 0.6,
                50, 0.9, 1.0, null));
    }

    @Test
    void llama2StyleFillsTransformersDefaults() throws IOException {
        // no num_key_value_heads, head_dim, rope_scaling, biases or generation_config.json
        write("config.json", """
                {"model_type": "llama", "hidden_size": 256, "intermediate_size": 688, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "vocab_size": 1000, "bos_token_id": 1, "eos_token_id": 2,
                 "tie_word_embeddings": true}
                """);
        LlamaCheckpointConfig c = HfModelConfigs.readConfig(dir);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.maxPositions()).isEqualTo(2048);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isEqualTo(new RopeScaling.None());
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.checkpointDType()).isNull();
        GenerationDefaults g = HfModelConfigs.readGenerationDefaults(dir);
        assertThat(g).isEqualTo(new GenerationDefaults(1, java.util.List.of(2), null, false, 1.0, 50, 1.0, 1.0, null));
    }

    @Test
    void anExplicitHeadDimWinsOverHiddenOverHeads() throws IOException {
        write("config.json", """
                {"model_type": "llama", "hidden_size": 96, "num_attention_heads": 4, "num_key_value_heads": 1,
                 "head_dim": 32, "dtype": "float32", "attention_bias": true, "mlp_bias": true,
                 "rope_scaling": {"type": "default"}}
                """);
        LlamaCheckpointConfig c = HfModelConfigs.readConfig(dir);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.kvHeads()).isEqualTo(1);
        assertThat(c.attentionBias()).isTrue();
        assertThat(c.mlpBias()).isTrue();
        assertThat(c.checkpointDType()).isEqualTo(DType.F32);
        assertThat(c.ropeScaling()).isEqualTo(new RopeScaling.None());
    }

    @Test
    void anUnknownModelTypeListsTheSupportedOnes() throws IOException {
        write("config.json", "{\"model_type\": \"gpt2\", \"n_embd\": 768}");
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).isInstanceOf(HfConfigException.class)
                .hasMessage(dir.resolve("config.json") + ": model_type 'gpt2' is not supported; supported: llama");
        write("config.json", "{\"hidden_size\": 768}");
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).hasMessageContaining("no \"model_type\"")
                .hasMessageContaining("Supported: llama");
    }

    @Test
    void missingOrDamagedFilesNameTheFile() throws IOException {
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).isInstanceOf(HfConfigException.class)
                .hasMessageStartingWith(dir.resolve("config.json") + ": missing");
        write("config.json", "{\"model_type\": \"llama\",\n \"hidden_size\": }");
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).hasMessageStartingWith(dir.resolve("config.json")
                + ": not valid JSON (line 2)").hasMessageContaining("download it again");
        write("config.json", "[1, 2]");
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).hasMessageEndingWith("must hold a JSON object");
        write("config.json", "{\"model_type\": \"llama\"}");
        write("generation_config.json", "{\"eos_token_id\": ");
        assertThatThrownBy(() -> HfModelConfigs.readGenerationDefaults(dir))
                .hasMessageStartingWith(dir.resolve("generation_config.json") + ": not valid JSON");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"num_attention_heads\": 6, \"num_key_value_heads\": 4 | num_attention_heads (6) must be a multiple of num_key_value_heads (4)",
            "\"hidden_size\": 100, \"num_attention_heads\": 8 | hidden_size (100) is not a multiple of num_attention_heads (8)",
            "\"head_dim\": 33 | head_dim 33 is odd",
            "\"hidden_size\": -4 | \"hidden_size\" must be an integer >= 1, got -4",
            "\"vocab_size\": 3.5 | \"vocab_size\" must be an integer >= 1, got 3.5",
            "\"rms_norm_eps\": \"small\" | \"rms_norm_eps\" must be a number",
            "\"tie_word_embeddings\": 1 | \"tie_word_embeddings\" must be true or false, got 1",
            "\"hidden_act\": \"gelu\" | hidden_act 'gelu' is not supported for llama (supported: silu)",
            "\"torch_dtype\": \"float64\" | torch_dtype 'float64' is not supported (supported: float32, float16, bfloat16)",
            "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0} | rope_scaling type 'yarn' is not supported (supported: default, llama3)",
            "\"rope_scaling\": {\"factor\": 4.0} | rope_scaling has no \"rope_type\"",
            "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0} | \"low_freq_factor\" is required",
            "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192} | 0 < low_freq_factor < high_freq_factor",
            "\"rope_scaling\": 3 | rope_scaling must be an object or null, got 3"})
    void valuesKernelhubCannotRunAreNamed(String fields, String expected) throws IOException {
        write("config.json", "{\"model_type\": \"llama\", " + fields + "}");
        assertThatThrownBy(() -> HfModelConfigs.readConfig(dir)).isInstanceOf(HfConfigException.class)
                .hasMessageStartingWith(dir.resolve("config.json") + ": ").hasMessageContaining(expected);
    }

    @Test
    void badTokenIdsAreNamed() throws IOException {
        write("config.json", "{\"model_type\": \"llama\"}");
        write("generation_config.json", "{\"eos_token_id\": [2, -1]}");
        assertThatThrownBy(() -> HfModelConfigs.readGenerationDefaults(dir))
                .hasMessage(dir.resolve("generation_config.json") + ": eos_token_id must be a token id (an integer >= 0), got -1");
        write("generation_config.json", "{\"eos_token_id\": 2, \"top_p\": 1.5}");
        assertThatThrownBy(() -> HfModelConfigs.readGenerationDefaults(dir)).hasMessageContaining("\"top_p\" must be a number");
    }

    /** Plain RoPE frequencies: theta^(-2i/d). */
    @Test
    void plainInverseFrequencies() {
        double[] inv = new RopeScaling.None().inverseFrequencies(8, 10000);
        assertThat(inv).containsExactly(1.0, Math.pow(10000, -0.25), Math.pow(10000, -0.5), Math.pow(10000, -0.75));
        assertThatThrownBy(() -> new RopeScaling.None().inverseFrequencies(7, 10000)).hasMessageContaining("even");
    }

    /**
     * Llama 3.1's scaled frequencies for head_dim 128, theta 500000, factor 8, low/high 1/4, original
     * context 8192: expected values computed with NumPy in float64 from transformers' llama3 rule
     * (index 20 keeps its frequency, 30 lies in the blended band, 35 and beyond are divided by 8).
     */
    @Test
    void llama3InverseFrequenciesMatchAnIndependentComputation() {
        double[] inv = new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192).inverseFrequencies(128, 500000.0);
        assertThat(inv).hasSize(64);
        double[][] expected = {{0, 1.0}, {1, 0.8146172338565447}, {20, 0.016560440080994446},
                {30, 0.0013718935677611381}, {35, 9.556212353964683e-05}, {40, 3.428102195952591e-05},
                {45, 1.2297638677963614e-05}, {63, 3.068925988914511e-07}};
        for (double[] e : expected) {
            assertThat(inv[(int) e[0]]).as("inv_freq[%d]", (int) e[0]).isCloseTo(e[1], within(Math.abs(e[1]) * 1e-12));
        }
    }
}

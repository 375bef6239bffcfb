package io.kernelhub.models.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kernelhub.core.DType;
import io.kernelhub.models.safetensors.SafetensorsCheckpoint;
import io.kernelhub.models.safetensors.SafetensorsDType;
import io.kernelhub.models.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The written directory is what transformers saves, reads back through kernelhub's readers, and is reproducible. */
class HfCheckpointWriterTest {

    @TempDir
    Path tmp;

    static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json");

    static LlamaCheckpointConfig config(int heads, int kvHeads, boolean tied, boolean attentionBias, boolean mlpBias,
            DType dtype) {
        return new LlamaCheckpointConfig(300, 32, 80, 2, heads, kvHeads, 8, 64, 1e-6, 10000.0, new RopeScaling.None(),
                tied, attentionBias, mlpBias, "silu", dtype);
    }

    /** The tiny preset's config.json, as transformers 4.46 saves a LlamaConfig (json.dumps, indent 2, sorted). */
    static final String TINY_CONFIG = """
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 510,
              "eos_token_id": 511,
              "head_dim": 16,
              "hidden_act": "silu",
              "hidden_size": 64,
              "initializer_range": 0.02,
              "intermediate_size": 176,
              "max_position_embeddings": 128,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 4,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "float32",
              "transformers_version": "4.46.3",
              "use_cache": true,
              "vocab_size": 512
            }
            """;

    @Test
    void tinyIsAHuggingFaceLlamaDirectory() throws IOException {
        HfCheckpointWriter.Spec spec = HfCheckpointWriter.tiny(1);
        Path dir = tmp.resolve("tiny");
        HfCheckpointWriter.Written written = HfCheckpointWriter.write(spec, dir);

        assertThat(written.directory()).isEqualTo(dir.toAbsolutePath());
        assertThat(written.files()).extracting(p -> p.getFileName().toString()).containsExactlyElementsOf(FILES);
        assertThat(Files.readString(dir.resolve("config.json"))).isEqualTo(TINY_CONFIG);
        assertThat(Files.readString(dir.resolve("generation_config.json"))).isEqualTo("""
                {
                  "_from_model_config": true,
                  "bos_token_id": 510,
                  "eos_token_id": 511,
                  "transformers_version": "4.46.3"
                }
                """);
        assertThat(HfModelConfigs.readConfig(dir)).isEqualTo(spec.config());
        GenerationDefaults g = HfModelConfigs.readGenerationDefaults(dir);
        assertThat(g.bosTokenId()).isEqualTo(510);
        assertThat(g.eosTokenIds()).containsExactly(511);
        assertThat(g.doSample()).isFalse();

        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.isSharded()).isFalse();
            assertThat(c.shards().getFirst().metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(c.names()).containsExactlyInAnyOrderElementsOf(
                    HfCheckpointWriter.weights(spec.config()).stream().map(HfCheckpointWriter.Weight::name).toList());
            assertThat(c.info("model.embed_tokens.weight").shape()).containsExactly(512, 64);
            assertThat(c.info("model.layers.1.self_attn.q_proj.weight").shape()).containsExactly(64, 64);
            assertThat(c.info("model.layers.1.self_attn.k_proj.weight").shape()).containsExactly(32, 64);
            assertThat(c.info("model.layers.1.mlp.down_proj.weight").shape()).containsExactly(64, 176);
            assertThat(c.info("lm_head.weight").shape()).containsExactly(512, 64);
            assertThat(written.weightBytes()).isEqualTo(c.names().stream().mapToLong(n -> c.info(n).byteLength()).sum());
        }
        assertThat(dir.getParent().toFile().list()).containsExactly("tiny"); // no temporary directory left
    }

    @ParameterizedTest(name = "heads {0}/{1} tied {2} attention bias {3} mlp bias {4} {5} shard {6}")
    @CsvSource({
            "4, 2, false, false, false, F32,  1000000000", // GQA, single file
            "4, 4, true,  true,  false, BF16, 20000",      // MHA, tied, q/k/v/o biases, sharded
            "4, 1, false, true,  true,  F16,  30000",      // MQA, every bias, sharded
    })
    void namesShapesAndDTypesFollowTheConfig(int heads, int kvHeads, boolean tied, boolean attentionBias, boolean mlpBias,
            DType dtype, long maxShardBytes) {
        LlamaCheckpointConfig config = config(heads, kvHeads, tied, attentionBias, mlpBias, dtype);
        HfCheckpointWriter.Spec spec = HfCheckpointWriter.Spec.of(config, 5).withMaxShardBytes(maxShardBytes);
        Path dir = tmp.resolve("m");
        HfCheckpointWriter.write(spec, dir);

        assertThat(HfModelConfigs.readConfig(dir)).isEqualTo(config);
        List<String> expected = new ArrayList<>(List.of("model.embed_tokens.weight", "model.norm.weight"));
        for (int i = 0; i < 2; i++) {
            for (String p : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")) {
                expected.add("model.layers." + i + "." + p + ".weight");
                if (attentionBias) {
                    expected.add("model.layers." + i + "." + p + ".bias");
                }
            }
            for (String p : List.of("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                expected.add("model.layers." + i + "." + p + ".weight");
                if (mlpBias) {
                    expected.add("model.layers." + i + "." + p + ".bias");
                }
            }
            expected.add("model.layers." + i + ".input_layernorm.weight");
            expected.add("model.layers." + i + ".post_attention_layernorm.weight");
        }
        if (!tied) {
            expected.add("lm_head.weight");
        }
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.isSharded()).isEqualTo(maxShardBytes < 1000000000);
            assertThat(c.names()).containsExactlyInAnyOrderElementsOf(expected);
            for (String name : c.names()) {
                assertThat(c.info(name).dtype()).as(name).isEqualTo(SafetensorsDType.of(dtype));
            }
            assertThat(c.info("model.layers.0.self_attn.q_proj.weight").shape()).containsExactly(heads * 8, 32);
            assertThat(c.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(kvHeads * 8, 32);
            assertThat(c.info("model.layers.0.self_attn.v_proj.weight").shape()).containsExactly(kvHeads * 8, 32);
            assertThat(c.info("model.layers.0.self_attn.o_proj.weight").shape()).containsExactly(32, heads * 8);
            assertThat(c.info("model.layers.0.mlp.gate_proj.weight").shape()).containsExactly(80, 32);
            assertThat(c.info("model.layers.0.mlp.down_proj.weight").shape()).containsExactly(32, 80);
            assertThat(c.info("model.layers.0.input_layernorm.weight").shape()).containsExactly(32);
            if (attentionBias) {
                assertThat(c.info("model.layers.1.self_attn.k_proj.bias").shape()).containsExactly(kvHeads * 8);
                assertThat(c.info("model.layers.1.self_attn.o_proj.bias").shape()).containsExactly(32);
            }
            if (mlpBias) {
                assertThat(c.info("model.layers.1.mlp.up_proj.bias").shape()).containsExactly(80);
                assertThat(c.info("model.layers.1.mlp.down_proj.bias").shape()).containsExactly(32);
            }
            for (SafetensorsFile shard : c.shards()) {
                assertThat(shard.metadata()).isEqualTo(Map.of("format", "pt"));
            }
        }
    }

    @Test
    void sameSpecGivesByteIdenticalFiles() throws IOException {
        HfCheckpointWriter.Spec spec = HfCheckpointWriter.tiny(42).withDType(DType.BF16).withMaxShardBytes(100_000);
        HfCheckpointWriter.write(spec, tmp.resolve("a"));
        HfCheckpointWriter.write(spec, tmp.resolve("b"));
        HfCheckpointWriter.write(spec.withSeed(43), tmp.resolve("c"));
        List<String> names = list(tmp.resolve("a"));
        assertThat(names).contains("model.safetensors.index.json").anyMatch(n -> n.matches("model-00001-of-0000\\d.safetensors"));
        assertThat(list(tmp.resolve("b"))).isEqualTo(names);
        assertThat(list(tmp.resolve("c"))).isEqualTo(names);
        for (String name : names) {
            Path a = tmp.resolve("a").resolve(name);
            assertThat(Files.mismatch(a, tmp.resolve("b").resolve(name))).as("rewrite changes %s", name).isEqualTo(-1L);
            boolean weights = name.endsWith(".safetensors");
            assertThat(Files.mismatch(a, tmp.resolve("c").resolve(name)) != -1L).as("another seed changes %s", name)
                    .isEqualTo(weights);
        }
        try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(tmp.resolve("a"));
                SafetensorsCheckpoint c = SafetensorsCheckpoint.open(tmp.resolve("c"))) {
            assertThat(c.readFloats("model.layers.0.mlp.up_proj.weight"))
                    .isNotEqualTo(a.readFloats("model.layers.0.mlp.up_proj.weight"));
        }
    }

    @Test
    void lowPrecisionFilesHoldTheF32ValuesRounded() {
        HfCheckpointWriter.write(HfCheckpointWriter.tiny(9), tmp.resolve("f32"));
        HfCheckpointWriter.write(HfCheckpointWriter.tiny(9).withDType(DType.BF16), tmp.resolve("bf16"));
        HfCheckpointWriter.write(HfCheckpointWriter.tiny(9).withDType(DType.F16), tmp.resolve("f16"));
        try (SafetensorsCheckpoint f32 = SafetensorsCheckpoint.open(tmp.resolve("f32"));
                SafetensorsCheckpoint bf16 = SafetensorsCheckpoint.open(tmp.resolve("bf16"));
                SafetensorsCheckpoint f16 = SafetensorsCheckpoint.open(tmp.resolve("f16"))) {
            for (String name : List.of("model.layers.1.self_attn.v_proj.weight", "model.norm.weight")) {
                float[] exact = f32.readFloats(name);
                float[] b = bf16.readFloats(name);
                float[] h = f16.readFloats(name);
                for (int i = 0; i < exact.length; i++) {
                    assertThat(b[i]).isEqualTo(DType.BF16.round(exact[i]));
                    assertThat(h[i]).isEqualTo(DType.F16.round(exact[i]));
                }
            }
        }
    }

    /** The scales the class javadoc promises: uniform values with the intended mean and std, and nothing outside mean ± sqrt(3) std. */
    @Test
    void weightStatisticsAreTheIntendedOnes() {
        HfCheckpointWriter.Spec spec = HfCheckpointWriter.tiny(3);
        HfCheckpointWriter.write(spec, tmp.resolve("m"));
        LlamaCheckpointConfig c = spec.config();
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(tmp.resolve("m"))) {
            expectStats(ckpt, "model.embed_tokens.weight", 0, 1.0);
            expectStats(ckpt, "model.layers.0.self_attn.q_proj.weight", 0, Math.sqrt(2.0 / 64));
            expectStats(ckpt, "model.layers.1.self_attn.k_proj.weight", 0, Math.sqrt(2.0 / 64));
            expectStats(ckpt, "model.layers.0.self_attn.v_proj.weight", 0, 1 / Math.sqrt(64));
            expectStats(ckpt, "model.layers.0.self_attn.o_proj.weight", 0, 1 / Math.sqrt(64 * 2 * 2));
            expectStats(ckpt, "model.layers.1.mlp.gate_proj.weight", 0, 1 / Math.sqrt(64));
            expectStats(ckpt, "model.layers.1.mlp.down_proj.weight", 0, 1 / Math.sqrt(176 * 2 * 2));
            expectStats(ckpt, "lm_head.weight", 0, 4 / Math.sqrt(64));
            // the five norms together (64 values each is too few for a tight bound alone)
            List<float[]> norms = new ArrayList<>();
            for (String n : ckpt.names()) {
                if (n.endsWith("norm.weight")) {
                    norms.add(ckpt.readFloats(n));
                }
            }
            assertThat(norms).hasSize(2 * c.layers() + 1);
            expectStats(norms.stream().reduce(new float[0], HfCheckpointWriterTest::concat), 1, 0.1, "norms");
        }
        // tied: a small shared embedding, ordinary residual scaling, the logit scale in the final norm
        HfCheckpointWriter.write(HfCheckpointWriter.Spec.of(config(4, 2, true, false, false, DType.F32), 3),
                tmp.resolve("tied"));
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(tmp.resolve("tied"))) {
            expectStats(ckpt, "model.embed_tokens.weight", 0, 1 / Math.sqrt(32));
            expectStats(ckpt, "model.norm.weight", 4, 0.4);
            assertThat(ckpt.contains("lm_head.weight")).isFalse();
        }
    }

    private static void expectStats(SafetensorsCheckpoint ckpt, String name, double mean, double std) {
        expectStats(ckpt.readFloats(name), mean, std, name);
    }

    private static void expectStats(float[] v, double mean, double std, String what) {
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += x * (double) x;
        }
        double m = sum / v.length;
        double s = Math.sqrt(sq / v.length - m * m);
        // a sample of n uniform values: the mean's error is about std/sqrt(n), the std's about 0.9 std/sqrt(n)
        double tolerance = 5 / Math.sqrt(v.length);
        assertThat(m).as(what + " mean").isCloseTo(mean, within(tolerance * std));
        assertThat(s).as(what + " std").isCloseTo(std, within(tolerance * std));
        double bound = mean + Math.sqrt(3) * std * (1 + 1e-6);
        for (float x : v) {
            assertThat(Math.abs(x - mean)).as(what + " value " + x).isLessThanOrEqualTo(bound - mean);
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void valuesAreSplittableRandomStreamsAddressedByIndex() {
        long seed = SplitMix.seedFor(11, "model.norm.weight");
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 1000; i++) {
            assertThat(SplitMix.at(seed, i)).isEqualTo(r.nextLong());
        }
    }

    @Test
    void refusesANonEmptyDirectoryUnlessAskedToOverwrite() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> HfCheckpointWriter.write(HfCheckpointWriter.tiny(1), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(dir.toAbsolutePath() + ": not empty (holds notes.txt); choose an empty or new directory, or "
                        + "ask to overwrite it");
        assertThat(list(dir)).containsExactly("notes.txt");
        assertThat(list(tmp)).containsExactly("model");

        HfCheckpointWriter.write(HfCheckpointWriter.tiny(1), dir, true);
        assertThat(list(dir)).containsExactlyElementsOf(FILES);
        assertThat(list(tmp)).containsExactly("model"); // the old contents went with their temporary name
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                    .isEqualTo("rwxr-xr-x");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("config.json")))).isEqualTo("rw-r--r--");
        }
    }

    @Test
    void anEmptyDirectoryIsFilledAndAFileIsRefused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        HfCheckpointWriter.write(HfCheckpointWriter.tiny(1), empty);
        assertThat(list(empty)).containsExactlyElementsOf(FILES);

        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> HfCheckpointWriter.write(HfCheckpointWriter.tiny(1), file, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exists and is not a directory");
    }

    @Test
    void presetsHaveTheAdvertisedShapes() throws IOException {
        LlamaCheckpointConfig small = HfCheckpointWriter.small(0).config();
        assertThat(small).extracting(LlamaCheckpointConfig::vocabSize, LlamaCheckpointConfig::hiddenSize,
                LlamaCheckpointConfig::intermediateSize, LlamaCheckpointConfig::heads, LlamaCheckpointConfig::kvHeads,
                LlamaCheckpointConfig::headDim).containsExactly(8192, 512, 1408, 8, 4, 64);
        LlamaCheckpointConfig oneB = HfCheckpointWriter.oneB(0).config();
        assertThat(oneB).isEqualTo(new LlamaCheckpointConfig(32000, 2048, 8192, 16, 32, 8, 64, 2048, 1e-5, 500000.0,
                new RopeScaling.None(), false, false, false, "silu", DType.BF16));
        long params = HfCheckpointWriter.weights(oneB).stream().mapToLong(HfCheckpointWriter.Weight::numel).sum();
        assertThat(params).isBetween(1_000_000_000L, 1_200_000_000L);
        // the 1B shape with llama3 rope scaling: its config reads back as written (weights not written here)
        LlamaCheckpointConfig scaled = new LlamaCheckpointConfig(32000, 2048, 8192, 16, 32, 8, 64, 2048, 1e-5, 500000.0,
                new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), false, false, false, "silu", DType.BF16);
        Path dir = Files.createDirectories(tmp.resolve("oneB"));
        Files.writeString(dir.resolve("config.json"), PythonJson.dumps(HfCheckpointWriter.configJson(
                HfCheckpointWriter.oneB(0).withConfig(scaled)), true));
        assertThat(Files.readString(dir.resolve("config.json"))).contains("""
                  "rope_scaling": {
                    "factor": 32.0,
                    "high_freq_factor": 4.0,
                    "low_freq_factor": 1.0,
                    "original_max_position_embeddings": 8192,
                    "rope_type": "llama3"
                  },
                  "rope_theta": 500000.0,
                """);
        assertThat(HfModelConfigs.readConfig(dir)).isEqualTo(scaled);
    }

    @Test
    void specRejectsWhatCannotBeWritten() {
        LlamaCheckpointConfig c = config(4, 2, false, false, false, null);
        assertThatThrownBy(() -> HfCheckpointWriter.Spec.of(c, 1)).hasMessageContaining("checkpointDType");
        LlamaCheckpointConfig ok = config(4, 2, false, false, false, DType.F32);
        assertThatThrownBy(() -> HfCheckpointWriter.Spec.of(ok, 1).withSpecialTokens(3, 3))
                .hasMessageContaining("two different ids");
        assertThatThrownBy(() -> HfCheckpointWriter.Spec.of(ok, 1).withMaxShardBytes(0)).hasMessageContaining("positive");
    }

    @Test
    void pythonFloatRepr() {
        assertThat(PythonJson.floatRepr(1e-5)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(1e-6)).isEqualTo("1e-06");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(0.02)).isEqualTo("0.02");
        assertThat(PythonJson.floatRepr(500000.0)).isEqualTo("500000.0");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(1234567890123456.0)).isEqualTo("1234567890123456.0");
        assertThat(PythonJson.floatRepr(-2.5)).isEqualTo("-2.5");
        assertThat(PythonJson.floatRepr(0.0)).isEqualTo("0.0");
        assertThat(PythonJson.floatRepr(1.5e-7)).isEqualTo("1.5e-07");
        assertThat(PythonJson.floatRepr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

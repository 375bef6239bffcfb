package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.generate.GenerationConfig;
import io.kernelhub.models.generate.GenerationListener;
import io.kernelhub.models.generate.Generator;
import io.kernelhub.models.hf.HfCheckpointWriter;
import io.kernelhub.models.reference.LlamaReference;
import io.kernelhub.models.reference.LogitsCriterion;
import io.kernelhub.models.reference.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Hugging Face checkpoint generating through the hub kernel kernels-community/flash-attn2
 * (built from this repository): prefill in chunks (seq_q < seq_k, bottom-right causal) and
 * decode with the KV cache (seq_q = 1), judged against the independent float64 reference with
 * FlashAttention's criterion, and through the CLI as a user runs it.
 */
class HubKernelGenerationTest {

    static final String FA2 = "kernels-community/flash-attn2";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path build;
    static AttentionInterface registry;

    @BeforeAll
    static void buildKernel() {
        build = KernelBuilds.repoKernel(FA2);
        registry = KernelBuilds.registryWith(FA2, build);
    }

    static Path checkpoint(DType dtype) {
        Path dir = shared.resolve("tiny-" + dtype.id());
        if (!dir.toFile().exists()) {
            HfCheckpointWriter.write(HfCheckpointWriter.tiny(11).withDType(dtype), dir);
        }
        return dir;
    }

    static double[][] widen(List<float[]> rows) {
        double[][] d = new double[rows.size()][];
        for (int i = 0; i < d.length; i++) {
            float[] r = rows.get(i);
            d[i] = new double[r.length];
            for (int j = 0; j < r.length; j++) {
                d[i][j] = r[j];
            }
        }
        return d;
    }

    static Precision precision(DType d) {
        return switch (d) {
            case F32 -> Precision.F32;
            case BF16 -> Precision.BF16;
            case F16 -> Precision.F16;
        };
    }

    /** Greedy generation through flash-attn2, then every logits row it saw (prefill and cached decode) vs f64. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void prefillAndCachedDecodeMeetTheCriterion(DType dtype) {
        Path dir = checkpoint(dtype);
        SplittableRandom rnd = new SplittableRandom(5);
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = rnd.nextInt(500);
        }
        ModelOptions options = ModelOptions.defaults().withRegistry(registry).withAttnImplementation(FA2)
                .withThreads(2).withPrefillChunk(16);
        try (CausalLM model = AutoModel.fromPretrained(dir, options)) {
            int[] generated = Generator.generate(model, prompt, GenerationConfig.greedy(12, List.of()),
                    GenerationListener.NONE).tokens();
            int[] all = new int[prompt.length + generated.length - 1];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(generated, 0, all, prompt.length, generated.length - 1);
            // the logits the generation used: chunked prefill, then one cached step per token
            List<float[]> seen = new java.util.ArrayList<>();
            try (InferenceSession s = model.newSession(all.length)) {
                float[][] promptRows = new float[all.length][];
                s.append(all, 0, prompt.length, promptRows);
                for (int i = 0; i < prompt.length; i++) {
                    seen.add(promptRows[i]);
                }
                for (int i = prompt.length; i < all.length; i++) {
                    seen.add(s.append(all, i, 1).clone());
                }
            }
            LlamaReference ref = LlamaReference.open(dir);
            LogitsCriterion c = LogitsCriterion.of(widen(seen), ref.logits(all), ref.logits(all, precision(dtype)), 1e-5);
            System.out.println(FA2 + " " + dtype + ": " + c);
            assertThat(c.passed()).as(c.toString()).isTrue();
        }
    }

    @Test
    void greedyTokensAgreeWithEagerInF32() {
        Path dir = checkpoint(DType.F32);
        int[] prompt = {510, 7, 300, 12, 45, 99, 4};
        ModelOptions options = ModelOptions.defaults().withRegistry(registry).withThreads(2).withPrefillChunk(3);
        try (CausalLM model = AutoModel.fromPretrained(dir, options.withAttnImplementation("eager"))) {
            int[] eager = Generator.generate(model, prompt, GenerationConfig.greedy(20, List.of()),
                    GenerationListener.NONE).tokens();
            model.setAttnImplementation(FA2);
            int[] fa2 = Generator.generate(model, prompt, GenerationConfig.greedy(20, List.of()),
                    GenerationListener.NONE).tokens();
            assertThat(fa2).containsExactly(eager);
            assertThat(model.attnImplementations()).containsEntry("", FA2);
        }
    }

    /** As a user runs it: the CLI resolves the hub id (here to the local build) and generates. */
    @Test
    void generateCommandRunsTheHubKernel() throws Exception {
        Path dir = checkpoint(DType.F32);
        Map<String, String> env = Map.of("KERNELHUB_LOCAL_KERNELS", FA2 + "=" + build);
        String[] common = {"generate", dir.toString(), "--prompt", "Kernels from the hub", "--max-new-tokens", "10",
                "--greedy", "--threads", "2", "--json"};
        ChildCli.Run fa2 = ChildCli.run(shared.resolve("home"), env, 300, concat(common, "--impl", FA2));
        assertThat(fa2.exit()).as(fa2.err()).isZero();
        ChildCli.Run eager = ChildCli.run(shared.resolve("home"), env, 300, concat(common, "--impl", "eager"));
        assertThat(eager.exit()).as(eager.err()).isZero();
        JsonNode a = JSON.readTree(fa2.out());
        JsonNode b = JSON.readTree(eager.out());
        assertThat(a.get("impl").asText()).isEqualTo(FA2);
        assertThat(a.get("tokens")).hasSize(10).isEqualTo(b.get("tokens"));
        assertThat(a.get("text").asText()).isEqualTo(b.get("text").asText());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package io.kernelhub.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.reference.LlamaFixtures;
import io.kernelhub.models.reference.LlamaReference;
import io.kernelhub.models.reference.LogitsCriterion;
import io.kernelhub.models.reference.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kernelhub's Llama runtime against the independent float64 reference (written from Hugging
 * Face's modeling code, cross-checked with NumPy) on the committed fixture checkpoints:
 * FlashAttention's criterion per compute dtype and attention implementation.
 */
class LlamaVersusReferenceTest {

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String c : LlamaFixtures.CASES) {
            for (DType d : DType.values()) {
                for (String impl : List.of("eager", "sdpa")) {
                    all.add(Arguments.of(c, d, impl));
                }
            }
        }
        return all.stream();
    }

    static final int[] TOKENS = {1, 17, 42, 5, 63, 0, 17, 17, 29, 8, 50, 3};

    static double[][] widen(float[][] a) {
        double[][] d = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            d[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                d[i][j] = a[i][j];
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

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void logitsMeetFlashAttentionsCriterion(String name, DType dtype, String impl) throws IOException {
        Path dir = LlamaFixtures.dir(name);
        assertThat(Files.isDirectory(dir)).isTrue();
        LlamaReference ref = LlamaReference.open(dir);
        double[][] f64 = ref.logits(TOKENS);
        double[][] rounded = ref.logits(TOKENS, precision(dtype));
        try (CausalLM model = AutoModel.fromPretrained(dir, ModelOptions.defaults().withDtype(dtype)
                .withAttnImplementation(impl).withThreads(2).withPrefillChunk(5))) {
            double[][] actual = widen(model.logits(TOKENS));
            LogitsCriterion c = LogitsCriterion.of(actual, f64, rounded, 1e-5);
            System.out.println(name + " " + dtype + " " + impl + ": " + c);
            assertThat(c.passed()).as(c.toString()).isTrue();
        }
    }
}

package io.kernelhub.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.compute.WeightMatrix;
import io.kernelhub.models.hf.HfCheckpointWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's own contract: sessions, capacity, switching, what loading costs. */
class LlamaForCausalLMTest {

    @TempDir
    Path tmp;

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void cachedDecodeIsTheRecomputeInF32() {
        Path dir = HfCheckpointWriter.write(HfCheckpointWriter.tiny(3), tmp.resolve("m")).directory();
        int[] tokens = {510, 5, 9, 33, 70, 2, 11, 96, 40, 3};
        try (CausalLM model = AutoModel.fromPretrained(dir, ModelOptions.defaults().withPrefillChunk(3).withThreads(2))) {
            float[][] full = model.logits(tokens);
            try (InferenceSession s = model.newSession(32)) {
                s.append(tokens, 0, 6);
                assertThat(s.length()).isEqualTo(6);
                for (int i = 6; i < tokens.length; i++) {
                    assertThat(maxDiff(s.append(tokens, i, 1), full[i])).as("position %d", i).isLessThan(1e-4);
                }
                s.reset();
                assertThat(s.length()).isZero();
                assertThat(maxDiff(s.append(tokens, 0, tokens.length), full[tokens.length - 1])).isLessThan(1e-4);
            }
        }
    }

    @Test
    void sessionsRefuseOverflowAndUseAfterClose() {
        Path dir = HfCheckpointWriter.write(HfCheckpointWriter.tiny(3), tmp.resolve("m")).directory();
        CausalLM model = AutoModel.fromPretrained(dir, ModelOptions.defaults().withThreads(1));
        InferenceSession s = model.newSession(4);
        assertThatThrownBy(() -> s.append(new int[5], 0, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 4");
        assertThatThrownBy(() -> model.newSession(model.maxPositions() + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_position_embeddings");
        s.close();
        assertThatThrownBy(() -> s.append(new int[1], 0, 1)).isInstanceOf(IllegalStateException.class);
        InferenceSession open = model.newSession(4);
        model.close();
        model.close();
        assertThatThrownBy(() -> open.append(new int[1], 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.newSession(4)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void matchingDtypeMapsAndOtherDtypesConvertOnce() {
        Path dir = HfCheckpointWriter.write(HfCheckpointWriter.tiny(3).withDType(DType.BF16), tmp.resolve("m")).directory();
        try (LlamaForCausalLM mapped = (LlamaForCausalLM) AutoModel.fromPretrained(dir, ModelOptions.defaults().withThreads(1));
             LlamaForCausalLM widened = (LlamaForCausalLM) AutoModel.fromPretrained(dir,
                     ModelOptions.defaults().withThreads(1).withDtype(DType.F32))) {
            assertThat(mapped.dtype()).as("the checkpoint's torch_dtype by default").isEqualTo(DType.BF16);
            assertThat(mapped.convertedWeightBytes()).isZero();
            // every matrix widened to f32: twice the bf16 bytes
            assertThat(widened.convertedWeightBytes()).isEqualTo(2 * matrixBytes(mapped));
            assertThat(widened.tokenizer()).isPresent();
        }
    }

    private static long matrixBytes(LlamaForCausalLM m) {
        return m.weights().matrices().stream().mapToLong(WeightMatrix::byteSize).sum();
    }
}

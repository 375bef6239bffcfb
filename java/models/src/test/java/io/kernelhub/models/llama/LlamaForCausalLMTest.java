package io.kernelhub.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.ModelOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void cachedDecodeMatchesRecompute() throws Exception {
        Path dir = ScratchCheckpoint.write(tmp.resolve("m"), DType.F32, false, true);
        int[] tokens = {1, 5, 9, 33, 70, 2, 11, 96, 40, 3};
        try (CausalLM model = AutoModel.fromPretrained(dir, ModelOptions.defaults().withPrefillChunk(3).withThreads(2))) {
            float[][] full = model.logits(tokens);
            try (InferenceSession s = model.newSession(32)) {
                s.append(tokens, 0, 6);
                for (int i = 6; i < tokens.length; i++) {
                    float[] l = s.append(tokens, i, 1);
                    System.out.println("pos " + i + " diff " + maxDiff(l, full[i]));
                    assertThat(maxDiff(l, full[i])).isLessThan(1e-4);
                }
            }
            model.setAttnImplementation("eager");
            float[][] eager = model.logits(tokens);
            for (int i = 0; i < tokens.length; i++) {
                assertThat(maxDiff(eager[i], full[i])).isLessThan(1e-4);
            }
            System.out.println(java.util.Arrays.toString(java.util.Arrays.copyOf(full[9], 8)));
        }
    }
}

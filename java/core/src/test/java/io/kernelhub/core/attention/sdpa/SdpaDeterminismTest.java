package io.kernelhub.core.attention.sdpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * sdpa gives the same bits on every call, before and after the JIT compiles it (the Vector
 * API's EXP and reduceLanes(ADD) did not: found by kernelhub validate's determinism check).
 */
class SdpaDeterminismTest {

    @Test
    void bitwiseIdenticalAcrossManyCallsWhileTheJitWarmsUp() {
        AttentionRequest r = AttentionRequest.builder(Tensor.randn(DType.F32, 11, 1, 113, 4, 32),
                Tensor.randn(DType.F32, 12, 1, 203, 4, 32), Tensor.randn(DType.F32, 13, 1, 203, 4, 32))
                .causal(true).softcap(20f).returnLse(true).build();
        SdpaAttention sdpa = new SdpaAttention(VectorTileKernels.create());
        float[] first = sdpa.forward(r).out().toFloatArray();
        for (int i = 0; i < 60; i++) {
            float[] again = sdpa.forward(r).out().toFloatArray();
            for (int j = 0; j < first.length; j++) {
                assertThat(Float.floatToRawIntBits(again[j])).as("call %d element %d", i + 2, j)
                        .isEqualTo(Float.floatToRawIntBits(first[j]));
            }
        }
    }

    @Test
    void vectorExpIsAccurateAndMatchesItsScalarTwin() {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = new float[s.length()];
        float[] y = new float[s.length()];
        double worst = 0;
        for (int it = 0; it < 20_000; it++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 100 - 90);
            VectorExp.exp(s, FloatVector.fromArray(s, x, 0)).intoArray(y, 0);
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToRawIntBits(y[i])).isEqualTo(Float.floatToRawIntBits(VectorExp.exp(x[i])));
                double ref = Math.exp(x[i]);
                if (ref > 1e-37) worst = Math.max(worst, Math.abs(y[i] - ref) / ref);
            }
        }
        assertThat(worst).isLessThan(3e-7); // about 2.5 f32 ulps
        assertThat(VectorExp.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(VectorExp.exp(0f)).isEqualTo(1f);
        assertThat(VectorExp.exp(Float.NaN)).isNaN();
    }
}

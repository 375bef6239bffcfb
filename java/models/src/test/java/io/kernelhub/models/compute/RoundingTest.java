package io.kernelhub.models.compute;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoundingTest {

    @Test
    void agreesWithCoreDTypeRoundingOnSeededValues() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-6, 6)));
            for (DType d : DType.values()) {
                assertThat(Rounding.round(v, d)).as("%s %s", d, v).isEqualTo(d.round(v));
            }
        }
    }

    @Test
    void bf16TiesGoToEvenAndSpecialsSurvive() {
        // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: ties to even (1)
        assertThat(Rounding.bf16(1f + 0x1p-8f)).isEqualTo(1f);
        assertThat(Rounding.bf16(1f + 3 * 0x1p-8f)).isEqualTo(1f + 0x1p-6f);
        assertThat(Rounding.bf16(Float.NaN)).isNaN();
        assertThat(Rounding.bf16(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        float[] a = {1.0001f, 2.0001f, 3f};
        Rounding.round(a, 0, 2, DType.BF16);
        assertThat(a).containsExactly(1f, 2f, 3f);
    }
}

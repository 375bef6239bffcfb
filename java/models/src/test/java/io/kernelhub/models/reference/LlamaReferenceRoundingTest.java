package io.kernelhub.models.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reference's own bf16/f16 rounding against hand-picked ties and two independent conversions. */
class LlamaReferenceRoundingTest {

    @Test
    void bf16RoundsToNearestTiesToEven() {
        assertThat(LowPrecision.bf16(1 + 0x1p-8)).as("tie between 1 and 1+2^-7: even is 1").isEqualTo(1.0);
        assertThat(LowPrecision.bf16(1 + 3 * 0x1p-8)).as("tie between 1+2^-7 and 1+2^-6: even is 1+2^-6")
                .isEqualTo(1 + 0x1p-6);
        assertThat(LowPrecision.bf16(1 + 0x1p-8 + 0x1p-20)).as("just above the tie").isEqualTo(1 + 0x1p-7);
        assertThat(LowPrecision.bf16(-1 - 0x1p-8)).isEqualTo(-1.0);
        assertThat(LowPrecision.bf16(0x1.FEp127)).as("largest finite").isEqualTo(0x1.FEp127);
        assertThat(LowPrecision.bf16(0x1.FFp127)).as("halfway past the largest: overflows").isInfinite();
        assertThat(LowPrecision.bf16(0x1p-133)).as("smallest subnormal").isEqualTo(0x1p-133);
        assertThat(LowPrecision.bf16(0x1p-134)).as("half the smallest subnormal: ties to 0").isZero();
        assertThat(Double.doubleToRawLongBits(LowPrecision.bf16(-0x1p-140))).as("keeps the sign of zero")
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(LowPrecision.bf16(Double.NaN)).isNaN();
    }

    @Test
    void f16RoundsToNearestTiesToEven() {
        assertThat(LowPrecision.f16(1 + 0x1p-11)).isEqualTo(1.0);
        assertThat(LowPrecision.f16(1 + 3 * 0x1p-11)).isEqualTo(1 + 0x1p-9);
        assertThat(LowPrecision.f16(65504)).isEqualTo(65504.0);
        assertThat(LowPrecision.f16(65519.99)).isEqualTo(65504.0);
        assertThat(LowPrecision.f16(65520)).as("the tie past the largest finite overflows").isInfinite();
        assertThat(LowPrecision.f16(0x1p-24)).as("smallest subnormal").isEqualTo(0x1p-24);
        assertThat(LowPrecision.f16(0x1p-25)).as("tie to 0").isZero();
        assertThat(LowPrecision.f16(3 * 0x1p-25)).as("tie between 2^-24 and 2^-23: even is 2^-23").isEqualTo(0x1p-23);
        assertThat(LowPrecision.f16(0x1.FFCp-15)).as("subnormal spacing below 2^-14").isEqualTo(0x1p-14);
    }

    /** bf16 = the top half of the float32 bits after adding 0x7FFF + the kept LSB (PyTorch's c10::BFloat16 rounding). */
    @Test
    void bf16AgreesWithTheBitTrickOnRandomFloats() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) {
                continue;
            }
            int bits = Float.floatToRawIntBits(f);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
            assertThat(LowPrecision.bf16(f)).as("bits %08x", bits).isEqualTo((double) Float.intBitsToFloat(rounded));
        }
    }

    /** f16 against the JDK's own float -> binary16 conversion (round to nearest even). */
    @Test
    void f16AgreesWithTheJdkOnRandomFloats() {
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < 1_000_000; i++) {
            // half the draws in f16's range, so normals, subnormals and ties all occur
            float f = i % 2 == 0 ? Float.intBitsToFloat(r.nextInt())
                    : (float) (r.nextDouble(-1, 1) * Math.scalb(1.0, r.nextInt(-30, 17)));
            if (Float.isNaN(f)) {
                continue;
            }
            double jdk = Float.float16ToFloat(Float.floatToFloat16(f));
            assertThat(LowPrecision.f16(f)).as("%s", f).isEqualTo(jdk);
        }
    }

    @Test
    void precisionsRoundThroughFloat32First() {
        // 1 + 2^-8 + 2^-30 rounds to 1 + 2^-8 in float32 (a bf16 tie), then to 1 (even): double rounding, as PyTorch does
        double x = 1 + 0x1p-8 + 0x1p-30;
        assertThat(LowPrecision.bf16(x)).isEqualTo(1 + 0x1p-7);
        assertThat(Precision.BF16.round(x)).isEqualTo(1.0);
        assertThat(Precision.F64.round(x)).isEqualTo(x);
        assertThat(Precision.F32.round(x)).isEqualTo(1 + 0x1p-8);
        assertThat(Precision.F64.f32(x)).isEqualTo(x);
        assertThat(Precision.BF16.f32(x)).isEqualTo(1 + 0x1p-8);
    }
}

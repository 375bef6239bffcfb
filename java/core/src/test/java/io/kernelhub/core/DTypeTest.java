package io.kernelhub.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DTypeTest {

    /** Nearest representable value by exact decimal arithmetic, ties to the even bit pattern. */
    private static float nearestByBruteForce(double x, DType dt, float lower, float upper) {
        BigDecimal v = new BigDecimal(x);
        BigDecimal dl = v.subtract(new BigDecimal(lower)).abs();
        BigDecimal du = new BigDecimal(upper).subtract(v).abs();
        int c = dl.compareTo(du);
        if (c != 0) {
            return c < 0 ? lower : upper;
        }
        short bl = dt == DType.BF16 ? DType.floatToBf16(lower) : Float.floatToFloat16(lower);
        return (bl & 1) == 0 ? lower : upper;
    }

    @Test
    void f16AndBf16RoundTripEveryBitPattern() {
        for (int bits = 0; bits < 65536; bits++) {
            short s = (short) bits;
            float h = Float.float16ToFloat(s);
            if (!Float.isNaN(h)) {
                assertThat(DType.F16.round(h)).isEqualTo(h);
            }
            float b = DType.bf16ToFloat(s);
            if (Float.isNaN(b)) {
                assertThat(DType.BF16.round(b)).isNaN();
            } else {
                assertThat(DType.floatToBf16(b)).isEqualTo(s);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenOnRandomFloats() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float x = Float.intBitsToFloat(rnd.nextInt());
            if (!Float.isFinite(x) || Math.abs(x) > 3.3e38f) {
                continue;
            }
            float down = Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xffff0000);
            float up = Float.intBitsToFloat((Float.floatToRawIntBits(x) & 0xffff0000) + 0x10000);
            float lo = Math.abs(down) <= Math.abs(up) ? down : up;
            float hi = lo == down ? up : down;
            float expected = nearestByBruteForce(x, DType.BF16, lo, hi);
            assertThat(DType.BF16.round(x)).as("bf16 of %s", x).isEqualTo(expected);
        }
    }

    @Test
    void bf16TiesGoToEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: even mantissa is 1.0
        assertThat(DType.BF16.round(1f + 0x1p-8f)).isEqualTo(1f);
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even)
        assertThat(DType.BF16.round(1f + 3 * 0x1p-8f)).isEqualTo(1f + 0x1p-6f);
        assertThat(DType.BF16.round(Float.MAX_VALUE)).isInfinite();
        assertThat(DType.BF16.round(-0f)).isEqualTo(-0f);
    }

    @Test
    void f16RoundsToNearestEvenAndOverflows() {
        assertThat(DType.F16.round(1f + 0x1p-11f)).isEqualTo(1f);
        assertThat(DType.F16.round(1f + 3 * 0x1p-11f)).isEqualTo(1f + 0x1p-9f);
        assertThat(DType.F16.round(65520f)).isInfinite();
        assertThat(DType.F16.round(65519f)).isEqualTo(65504f);
        assertThat(DType.F16.round(0x1p-25f)).isEqualTo(0f); // tie at half the smallest subnormal -> even (0)
        assertThat(DType.F16.round(0x1.8p-24f)).isEqualTo(0x1p-23f);
    }

    @Test
    void doubleRoundingIsAvoided() {
        // A double just above a bf16 tie whose float rounding lands exactly on the tie.
        double x = 1.0 + 0x1p-8 + 0x1p-40;
        assertThat((float) x).isEqualTo(1f + 0x1p-8f);
        assertThat(DType.BF16.round(x)).isEqualTo(1f + 0x1p-7f);
        assertThat(DType.BF16.round(1.0 + 0x1p-8 - 0x1p-40)).isEqualTo(1f);
        double y = 1.0 + 0x1p-11 + 0x1p-45;
        assertThat(DType.F16.round(y)).isEqualTo(1f + 0x1p-10f);
        assertThat(DType.F32.round(0.1)).isEqualTo(0.1f);
    }

    @Test
    void parsesNamesAndRejectsUnknown() {
        assertThat(DType.parse("BF16")).isEqualTo(DType.BF16);
        assertThat(DType.parse("float16")).isEqualTo(DType.F16);
        assertThatThrownBy(() -> DType.parse("f8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("f32, f16, bf16");
    }

    @Test
    void devicesParse() {
        assertThat(Device.parse("cpu")).isEqualTo(Device.CPU);
        assertThat(Device.parse("cuda")).isEqualTo(Device.cuda(0));
        assertThat(Device.parse("cuda:3").toString()).isEqualTo("cuda:3");
        assertThatThrownBy(() -> Device.parse("tpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpu, cuda or cuda:N");
        assertThatThrownBy(() -> Device.parse("cuda:x")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void unitRoundoffIsHalfTheSpacingAboveOne(DType dt) {
        double u = dt.unitRoundoff();
        assertThat(dt.round(1.0 + 0.9 * u)).isEqualTo(1f);
        assertThat((double) dt.round(1.0 + 1.1 * u)).isEqualTo(1.0 + 2 * u);
    }
}

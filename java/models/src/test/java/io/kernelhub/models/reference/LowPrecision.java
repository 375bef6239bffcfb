package io.kernelhub.models.reference;

/**
 * Round-to-nearest-even into float32, float16 and bfloat16, returned as the {@code double} that
 * the narrow value equals. Written here (not taken from {@link Float#floatToFloat16} or the
 * runtime under test) so the reference owns its rounding; the tests hold these to the JDK's
 * conversion and to the bit tricks PyTorch uses.
 *
 * <p>PyTorch's f16/bf16 elementwise ops compute in float32 and cast the float32 result; its
 * GEMMs accumulate in float32 or wider and cast once. So the model's rounding points are
 * "to float32, then to the dtype": see {@link Precision#round}.
 */
public final class LowPrecision {

    private LowPrecision() {
    }

    /** bfloat16: 8 significant bits, float32's exponent range (subnormals down to 2^-133). */
    private static final double BF16_MAX = 0x1.FEp127;
    /** float16: 11 significant bits, normal exponents -14..15, subnormals down to 2^-24. */
    private static final double F16_MAX = 65504.0;

    /** The float32 nearest to {@code x} (ties to even): Java's narrowing cast is exactly that. */
    public static double f32(double x) {
        return (float) x;
    }

    /** The bfloat16 nearest to {@code x} (ties to even); overflow gives infinity, NaN stays NaN. */
    public static double bf16(double x) {
        return roundToFormat(x, 7, -126, BF16_MAX);
    }

    /** The float16 nearest to {@code x} (ties to even); overflow gives infinity, NaN stays NaN. */
    public static double f16(double x) {
        return roundToFormat(x, 10, -14, F16_MAX);
    }

    /**
     * Rounds to a binary format with {@code fractionBits} stored fraction bits and smallest normal
     * exponent {@code minNormalExponent}: the spacing of representable values around {@code x} is
     * 2^(max(exponent(x), min) - fractionBits), and {@link Math#rint} (ties to even) rounds
     * {@code x} measured in that spacing. Scaling by a power of two is exact in double, so this
     * is one correct rounding. A value that rounds past the largest finite one overflows.
     */
    static double roundToFormat(double x, int fractionBits, int minNormalExponent, double maxFinite) {
        if (x == 0 || !Double.isFinite(x)) {
            return x;
        }
        int exponent = Math.max(Math.getExponent(x), minNormalExponent);
        double spacing = Math.scalb(1.0, exponent - fractionBits);
        double r = Math.rint(x / spacing) * spacing;
        return Math.abs(r) > maxFinite ? Math.copySign(Double.POSITIVE_INFINITY, x) : r;
    }
}

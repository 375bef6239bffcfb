package io.kernelhub.models.compute;

import io.kernelhub.core.DType;

/**
 * Rounding f32 activations to the compute dtype at the points where PyTorch would materialize a
 * bf16 or f16 tensor. The models keep activations in f32 arrays (so the math can use f32 SIMD)
 * but round after each op exactly where Hugging Face's modeling code produces a tensor of the
 * model's dtype; in f32 every call is a no-op.
 */
public final class Rounding {

    private Rounding() {
    }

    /** Rounds {@code a[from, to)} to {@code dtype} in place (round to nearest even). */
    public static void round(float[] a, int from, int to, DType dtype) {
        switch (dtype) {
            case F32 -> {
            }
            case BF16 -> {
                for (int i = from; i < to; i++) {
                    a[i] = bf16(a[i]);
                }
            }
            case F16 -> {
                for (int i = from; i < to; i++) {
                    a[i] = Float.float16ToFloat(Float.floatToFloat16(a[i]));
                }
            }
        }
    }

    /** One value rounded to {@code dtype}. */
    public static float round(float v, DType dtype) {
        return switch (dtype) {
            case F32 -> v;
            case BF16 -> bf16(v);
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
        };
    }

    /** f32 to the nearest bf16 (ties to even), as a float; NaN stays NaN. */
    public static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return v;
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }
}

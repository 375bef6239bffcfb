package io.kernelhub.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Element types of attention tensors. Conversions from float round to nearest, ties to even,
 * exactly as IEEE 754 and the frameworks do; NaN stays NaN, overflow becomes infinity.
 */
public enum DType {
    F32("f32", 4),
    F16("f16", 2),
    BF16("bf16", 2);

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final String id;
    private final int byteSize;

    DType(String id, int byteSize) {
        this.id = id;
        this.byteSize = byteSize;
    }

    /** Short lowercase name used on the command line and in reports: f32, f16, bf16. */
    public String id() {
        return id;
    }

    public int byteSize() {
        return byteSize;
    }

    /**
     * The unit roundoff u of rounding to this dtype (half its machine epsilon: 2^-24, 2^-11,
     * 2^-8): the largest relative error of one {@link #round} of a normal value.
     */
    public double unitRoundoff() {
        return switch (this) {
            case F32 -> Math.scalb(1.0, -24);
            case F16 -> Math.scalb(1.0, -11);
            case BF16 -> Math.scalb(1.0, -8);
        };
    }

    /** Parses {@code f32|f16|bf16} (also float32/float16/bfloat16), case-insensitively. */
    public static DType parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "f32", "float32", "float", "fp32" -> F32;
            case "f16", "float16", "half", "fp16" -> F16;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown dtype '" + text + "': use one of "
                    + Arrays.stream(values()).map(DType::id).collect(Collectors.joining(", ")));
        };
    }

    /** Reads one element at a byte offset and widens it exactly to float. */
    public float read(MemorySegment segment, long byteOffset) {
        return switch (this) {
            case F32 -> segment.get(FLOAT, byteOffset);
            case F16 -> Float.float16ToFloat(segment.get(SHORT, byteOffset));
            case BF16 -> bf16ToFloat(segment.get(SHORT, byteOffset));
        };
    }

    /** Rounds a float to this dtype (nearest-even) and writes it at a byte offset. */
    public void write(MemorySegment segment, long byteOffset, float value) {
        switch (this) {
            case F32 -> segment.set(FLOAT, byteOffset, value);
            case F16 -> segment.set(SHORT, byteOffset, Float.floatToFloat16(value));
            case BF16 -> segment.set(SHORT, byteOffset, floatToBf16(value));
        }
    }

    /** The float nearest to {@code value} that this dtype can represent (identity for f32). */
    public float round(float value) {
        return switch (this) {
            case F32 -> value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> bf16ToFloat(floatToBf16(value));
        };
    }

    /** Rounds a double to this dtype in one step (no double rounding through float for f16/bf16). */
    public float round(double value) {
        if (this == F32) {
            return (float) value;
        }
        // A double rounds to f16/bf16 exactly like its float when the float rounding was exact
        // or did not land on a tie of the narrower type; fix up the rare tie case explicitly.
        float f = (float) value;
        float r = round(f);
        if (f != value && !Float.isNaN(f) && !Float.isInfinite(f)) {
            float down = round(Math.nextDown(f));
            float up = round(Math.nextUp(f));
            if (down != up) {
                // f sat on (or next to) a boundary: decide by exact distance in double.
                double dDown = Math.abs(value - down);
                double dUp = Math.abs(value - up);
                r = dDown < dUp ? down : dUp < dDown ? up : r;
            }
        }
        return r;
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040); // keep NaN a (quiet) NaN
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    @Override
    public String toString() {
        return id;
    }
}

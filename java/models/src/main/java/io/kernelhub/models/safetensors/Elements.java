package io.kernelhub.models.safetensors;

import io.kernelhub.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element conversion between little-endian safetensors bytes and floats. The format is
 * little-endian whatever the machine, so these layouts are explicit rather than native; the
 * bf16/f16 rounding is core's ({@link DType#floatToBf16}, {@link Float#floatToFloat16}).
 */
final class Elements {

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether tensors in this JVM's native order have the file's byte layout (zero-copy views). */
    static final boolean NATIVE_IS_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Elements() {
    }

    /** Widens {@code n} elements starting at element {@code from} of {@code src} into {@code dst[pos..]}. */
    static void read(MemorySegment src, DType type, long from, float[] dst, int pos, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32_LE, from * 4, dst, pos, n);
            case F16 -> {
                long base = from * 2;
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = Float.float16ToFloat(src.get(U16_LE, base + 2L * i));
                }
            }
            case BF16 -> {
                long base = from * 2;
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = DType.bf16ToFloat(src.get(U16_LE, base + 2L * i));
                }
            }
        }
    }

    /** Rounds {@code n} floats (nearest-even) into {@code dst} as little-endian {@code type}, from element {@code at}. */
    static void write(float[] src, int pos, int n, DType type, MemorySegment dst, long at) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, pos, dst, F32_LE, at * 4, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(U16_LE, (at + i) * 2, Float.floatToFloat16(src[pos + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(U16_LE, (at + i) * 2, DType.floatToBf16(src[pos + i]));
                }
            }
        }
    }
}

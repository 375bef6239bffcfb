package io.kernelhub.models.safetensors;

import io.kernelhub.core.DType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types the safetensors format defines, spelled as its headers spell them.
 *
 * <p>They are declared in the order of the reference (Rust) implementation's {@code Dtype} enum,
 * which is "increasing alignment": its writer lays tensors out by descending dtype in that
 * order, then by name, and {@link SafetensorsWriter} does the same so that its files are
 * byte-identical. Every type is known here so that a header can be validated completely (sizes
 * and offsets) even when it holds tensors kernelhub cannot compute with; only {@link #F32},
 * {@link #F16} and {@link #BF16} map to a {@link DType} and can be read as numbers.
 */
public enum SafetensorsDType {
    BOOL(8),
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    F8_E4M3FNUZ(8),
    F8_E5M2FNUZ(8),
    I16(16),
    U16(16),
    F16(16),
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private final int bits;

    SafetensorsDType(int bits) {
        this.bits = bits;
    }

    /** Width of one element in bits (4 and 6 for the packed micro-float types). */
    public int bits() {
        return bits;
    }

    /** The header's exact, case-sensitive spelling (as the reference parser requires), if any. */
    public static Optional<SafetensorsDType> fromHeader(String text) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(text)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The kernelhub element type, for the three types kernelhub computes with. */
    public Optional<DType> coreType() {
        return switch (this) {
            case F32 -> Optional.of(DType.F32);
            case F16 -> Optional.of(DType.F16);
            case BF16 -> Optional.of(DType.BF16);
            default -> Optional.empty();
        };
    }

    /** The safetensors spelling of a kernelhub element type. */
    public static SafetensorsDType of(DType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
        };
    }

    /**
     * Bytes that {@code elements} elements occupy, or -1 when they do not fill whole bytes
     * (a packed type with an odd count) or the count overflows.
     */
    long byteSize(long elements) {
        if (elements < 0 || elements > Long.MAX_VALUE / bits) {
            return -1;
        }
        long totalBits = elements * bits;
        return totalBits % 8 == 0 ? totalBits / 8 : -1;
    }

    static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}

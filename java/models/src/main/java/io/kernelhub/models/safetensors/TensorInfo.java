package io.kernelhub.models.safetensors;

import io.kernelhub.core.DType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor of a safetensors file lives and what it holds: its file, name, dtype, shape
 * (row-major, as the format requires) and its bytes as an absolute range of the file.
 *
 * @param file       the safetensors file that holds the tensor
 * @param name       the tensor's name in the header
 * @param dtype      its element type as the header spells it
 * @param shape      its dimensions (copied; an empty shape is a scalar)
 * @param byteOffset offset of its first byte from the start of the file (header included)
 * @param byteLength number of bytes it occupies
 */
public record TensorInfo(Path file, String name, SafetensorsDType dtype, long[] shape, long byteOffset,
        long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (byteOffset < 0 || byteLength < 0) {
            throw new IllegalArgumentException("negative byte range " + byteOffset + " + " + byteLength);
        }
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar, 0 when a dimension is 0). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d; // cannot overflow: the header was validated with exact arithmetic
        }
        return n;
    }

    /** The shape as {@code [a, b, c]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    /** Whether the shape equals {@code expected} exactly (same rank, same dimensions). */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * The kernelhub element type of this tensor.
     *
     * @throws CheckpointException naming the file and tensor when the dtype is not F32, F16 or BF16
     */
    public DType coreDType() {
        return dtype.coreType().orElseThrow(() -> new CheckpointException(file, name,
                "unsupported dtype " + dtype + " (kernelhub reads F32, F16 and BF16)",
                "convert the checkpoint's weights to bf16, f16 or f32"));
    }

    /**
     * The shape as {@code int}s, as {@link io.kernelhub.core.Tensor} needs.
     *
     * @throws CheckpointException when a dimension exceeds {@link Integer#MAX_VALUE}
     */
    public int[] intShape() {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new CheckpointException(file, name, "dimension " + i + " of shape " + shapeText()
                        + " is larger than " + Integer.MAX_VALUE, "kernelhub cannot index such a tensor");
            }
            out[i] = (int) shape[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && file.equals(t.file) && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && byteOffset == t.byteOffset && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, name, dtype, Arrays.hashCode(shape), byteOffset, byteLength);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype + " " + shapeText() + ", bytes " + byteOffset + "+" + byteLength
                + " of " + file + "]";
    }
}

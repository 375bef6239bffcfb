package io.kernelhub.models.compute;

import io.kernelhub.core.DType;
import java.lang.foreign.MemorySegment;

/**
 * A row-major {@code [rows, cols]} weight matrix in native memory, as {@code nn.Linear} stores
 * it ({@code [out_features, in_features]}): usually a read-only view of a memory-mapped
 * checkpoint, otherwise a copy converted once at load.
 *
 * @param name  the checkpoint tensor it came from, for messages
 * @param data  {@code rows * cols} little-endian elements of {@code dtype}
 */
public record WeightMatrix(String name, MemorySegment data, DType dtype, int rows, int cols) {

    public WeightMatrix {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(name + ": bad shape [" + rows + ", " + cols + "]");
        }
        long need = (long) rows * cols * dtype.byteSize();
        if (data.byteSize() != need) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for [" + rows + ", " + cols
                    + "] " + dtype + " (need " + need + ")");
        }
    }

    /** Bytes one product streams: every element once. */
    public long byteSize() {
        return data.byteSize();
    }

    /** Row {@code row} widened to f32 into {@code dst} (embedding lookups). */
    public void readRow(int row, float[] dst, int dstPos) {
        long base = (long) row * cols * dtype.byteSize();
        for (int k = 0; k < cols; k++) {
            dst[dstPos + k] = dtype.read(data, base + (long) k * dtype.byteSize());
        }
    }
}

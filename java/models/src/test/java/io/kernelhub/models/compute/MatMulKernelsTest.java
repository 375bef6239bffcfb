package io.kernelhub.models.compute;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API provider against the scalar one and an f64 dot product, on seeded inputs with
 * shapes that hit every path: 4x4 and 4x1 blocks, leftover weight rows, leftover activation rows,
 * columns that are not a multiple of the lane count, a column range that starts mid-matrix.
 */
class MatMulKernelsTest {

    @ParameterizedTest
    @CsvSource({
            "F32, 1, 64, 32", "F32, 5, 67, 13", "F32, 9, 128, 40",
            "BF16, 1, 64, 32", "BF16, 7, 33, 9", "BF16, 8, 256, 64",
            "F16, 1, 48, 8", "F16, 6, 70, 11"})
    void vectorMatchesScalarAndF64(DType dtype, int rows, int cols, int out) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols * 7L + out);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) out * cols * dtype.byteSize());
            double[] w = new double[out * cols];
            for (int i = 0; i < w.length; i++) {
                float v = dtype.round((float) (rnd.nextDouble() * 2 - 1));
                dtype.write(data, (long) i * dtype.byteSize(), v);
                w[i] = v;
            }
            WeightMatrix m = new WeightMatrix("w", data, dtype, out, cols);
            float[] x = new float[rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            int from = out > 8 ? 3 : 0;
            float[] yScalar = new float[rows * out];
            float[] yVector = new float[rows * out];
            new ScalarMatMulKernels().matmul(x, 0, rows, m, from, out, yScalar, 0, out);
            new VectorMatMulKernels().matmul(x, 0, rows, m, from, out, yVector, 0, out);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < cols; k++) {
                        exact += (double) x[r * cols + k] * w[o * cols + k];
                        magnitude += Math.abs((double) x[r * cols + k] * w[o * cols + k]);
                    }
                    int i = r * out + o;
                    if (o < from) {
                        assertThat(yVector[i]).as("outside the range").isZero();
                        continue;
                    }
                    double bound = 2 * cols * Math.ulp(1f) * magnitude;
                    assertThat(Math.abs(yScalar[i] - exact)).as("scalar [%d,%d]", r, o).isLessThanOrEqualTo(bound);
                    assertThat(Math.abs(yVector[i] - exact)).as("vector [%d,%d]", r, o).isLessThanOrEqualTo(bound);
                }
            }
        }
    }
}

package io.kernelhub.models.compute;

import io.kernelhub.core.DType;

/** The plain reference provider: one dot product at a time, any dtype, no SIMD. */
public final class ScalarMatMulKernels implements MatMulKernels {

    @Override
    public void matmul(float[] x, int xOff, int rows, WeightMatrix w, int oFrom, int oTo, float[] y, int yOff,
                       int yStride) {
        int cols = w.cols();
        DType dt = w.dtype();
        long es = dt.byteSize();
        for (int o = oFrom; o < oTo; o++) {
            long rowBase = (long) o * cols * es;
            for (int r = 0; r < rows; r++) {
                int xr = xOff + r * cols;
                float acc = 0;
                for (int k = 0; k < cols; k++) {
                    acc += x[xr + k] * dt.read(w.data(), rowBase + k * es);
                }
                y[yOff + r * yStride + o] = acc;
            }
        }
    }

    @Override
    public String describe() {
        return "scalar";
    }
}

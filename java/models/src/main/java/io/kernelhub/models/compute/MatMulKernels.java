package io.kernelhub.models.compute;

/**
 * The inner product kernels of the models: {@code y = x W^T} for f32 activations and weights
 * stored as {@link WeightMatrix} (f32, bf16 or f16), accumulating in f32. Two providers, as in
 * Lucene's vectorization: a plain scalar one (the reference) and a Vector API one chosen at run
 * time when the JVM offers it; tests hold them against each other on seeded inputs.
 */
public sealed interface MatMulKernels permits ScalarMatMulKernels, VectorMatMulKernels {

    /**
     * For every activation row {@code r < rows} and weight row {@code o} in {@code [oFrom, oTo)}:
     * {@code y[yOff + r * yStride + o] = sum_k x[xOff + r * w.cols() + k] * w[o, k]}.
     */
    void matmul(float[] x, int xOff, int rows, WeightMatrix w, int oFrom, int oTo, float[] y, int yOff, int yStride);

    /** What this provider is, for {@code doctor} and benchmark reports. */
    String describe();

    /** The provider this JVM uses (see {@link MatMulKernelsSelector}). */
    static MatMulKernels selected() {
        return MatMulKernelsSelector.SELECTED;
    }
}

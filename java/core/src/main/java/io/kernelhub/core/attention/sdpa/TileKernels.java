package io.kernelhub.core.attention.sdpa;

/**
 * The inner loops of sdpa on one tile, in two interchangeable providers (as Lucene does for
 * its vector code): {@link ScalarTileKernels}, plain Java that runs anywhere, and
 * {@link VectorTileKernels}, register-blocked Vector API code chosen at run time when the
 * incubator module is present and the CPU has wide vectors. Both are tested against each
 * other with the same seeds.
 *
 * <p>Layouts (all float, zero padded): a query tile is {@code rows x dimPad} row-major; a key
 * block is transposed, {@code dimPad x blockKeys}; a value block is {@code blockKeys x dimPad};
 * scores and probabilities are {@code rows x blockKeys}. {@code rows} is a multiple of 4 and
 * {@code dimPad} a multiple of {@link #dimAlign()}.
 */
public sealed interface TileKernels permits ScalarTileKernels, VectorTileKernels {

    /** Keys per block (columns of a score tile). */
    int blockKeys();

    /** Head dims are zero-padded to a multiple of this. */
    int dimAlign();

    /** A short name for reports: {@code scalar} or {@code vector-512}. */
    String name();

    /** s[rows x blockKeys] = q[rows x dimPad] . kt[dimPad x blockKeys] (kt starting at ktOff). */
    void scores(float[] q, int rows, int dimPad, float[] kt, int ktOff, float[] s);

    /** s = cap * tanh(s / cap) for the first n values. */
    void softcap(float[] s, int n, float cap);

    /** Largest of s[off .. off+n). */
    float max(float[] s, int off, int n);

    /** s[off+j] = exp(s[off+j] - max) for j < n, returning their sum. */
    float expAndSum(float[] s, int off, int n, float max);

    /** x[off .. off+n) *= factor. */
    void scale(float[] x, int off, int n, float factor);

    /** o[rows x dimPad] += p[rows x blockKeys] . v[blockKeys x dimPad] (v starting at vOff). */
    void accumulate(float[] p, int rows, float[] v, int vOff, int dimPad, float[] o);

    /** The fastest provider this JVM and CPU support, unless {@code -Dkernelhub.sdpa.kernels=scalar|vector}. */
    static TileKernels best() {
        return TileKernelsSelector.SELECTED;
    }
}

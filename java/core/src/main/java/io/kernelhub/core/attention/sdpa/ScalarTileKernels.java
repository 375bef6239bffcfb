package io.kernelhub.core.attention.sdpa;

/** Plain Java tile kernels: the portable default and the baseline the vector provider is tested against. */
public final class ScalarTileKernels implements TileKernels {

    private static final int BLOCK_KEYS = 64;

    @Override
    public int blockKeys() {
        return BLOCK_KEYS;
    }

    @Override
    public int dimAlign() {
        return 1;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void scores(float[] q, int rows, int dimPad, float[] kt, int ktOff, float[] s) {
        for (int r = 0; r < rows; r++) {
            int so = r * BLOCK_KEYS;
            java.util.Arrays.fill(s, so, so + BLOCK_KEYS, 0f);
            for (int c = 0; c < dimPad; c++) {
                float qv = q[r * dimPad + c];
                int ko = ktOff + c * BLOCK_KEYS;
                // axpy over contiguous keys: the JIT vectorises this loop
                for (int j = 0; j < BLOCK_KEYS; j++) {
                    s[so + j] += qv * kt[ko + j];
                }
            }
        }
    }

    @Override
    public void softcap(float[] s, int n, float cap) {
        float inv = 1f / cap;
        for (int i = 0; i < n; i++) {
            s[i] = cap * (float) StrictMath.tanh(s[i] * inv); // StrictMath: the same bits in every JIT tier
        }
    }

    @Override
    public float max(float[] s, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            m = Math.max(m, s[i]);
        }
        return m;
    }

    @Override
    public float expAndSum(float[] s, int off, int n, float max) {
        float sum = 0;
        for (int i = off; i < off + n; i++) {
            float e = (float) Math.exp(s[i] - max);
            s[i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public void scale(float[] x, int off, int n, float factor) {
        for (int i = off; i < off + n; i++) {
            x[i] *= factor;
        }
    }

    @Override
    public void accumulate(float[] p, int rows, float[] v, int vOff, int dimPad, float[] o) {
        for (int r = 0; r < rows; r++) {
            int oo = r * dimPad;
            for (int j = 0; j < BLOCK_KEYS; j++) {
                float pv = p[r * BLOCK_KEYS + j];
                int vo = vOff + j * dimPad;
                for (int c = 0; c < dimPad; c++) {
                    o[oo + c] += pv * v[vo + c];
                }
            }
        }
    }
}

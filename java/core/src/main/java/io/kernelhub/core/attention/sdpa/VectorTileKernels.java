package io.kernelhub.core.attention.sdpa;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked tile kernels on the Vector API. A score tile is computed 4 query rows x 4
 * vectors of keys at a time (16 accumulators, one broadcast per row and one load per vector
 * for every 16 FMAs); the output update is 4 rows x 4 vectors of head dims over a whole key
 * block, so accumulators stay in registers across the block.
 */
public final class VectorTileKernels implements TileKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int BLOCK_KEYS = 4 * L;

    private VectorTileKernels() {
    }

    static VectorTileKernels create() {
        return new VectorTileKernels();
    }

    static int preferredBits() {
        return S.vectorBitSize();
    }

    int lanes() {
        return L;
    }

    @Override
    public int blockKeys() {
        return BLOCK_KEYS;
    }

    @Override
    public int dimAlign() {
        return L;
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void scores(float[] q, int rows, int dimPad, float[] kt, int ktOff, float[] s) {
        for (int r = 0; r < rows; r += 4) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            int q0 = r * dimPad;
            int q1 = q0 + dimPad;
            int q2 = q1 + dimPad;
            int q3 = q2 + dimPad;
            for (int c = 0; c < dimPad; c++) {
                int kb = ktOff + c * BLOCK_KEYS;
                FloatVector k0 = FloatVector.fromArray(S, kt, kb);
                FloatVector k1 = FloatVector.fromArray(S, kt, kb + L);
                FloatVector k2 = FloatVector.fromArray(S, kt, kb + 2 * L);
                FloatVector k3 = FloatVector.fromArray(S, kt, kb + 3 * L);
                FloatVector b = FloatVector.broadcast(S, q[q0 + c]);
                a00 = k0.fma(b, a00);
                a01 = k1.fma(b, a01);
                a02 = k2.fma(b, a02);
                a03 = k3.fma(b, a03);
                b = FloatVector.broadcast(S, q[q1 + c]);
                a10 = k0.fma(b, a10);
                a11 = k1.fma(b, a11);
                a12 = k2.fma(b, a12);
                a13 = k3.fma(b, a13);
                b = FloatVector.broadcast(S, q[q2 + c]);
                a20 = k0.fma(b, a20);
                a21 = k1.fma(b, a21);
                a22 = k2.fma(b, a22);
                a23 = k3.fma(b, a23);
                b = FloatVector.broadcast(S, q[q3 + c]);
                a30 = k0.fma(b, a30);
                a31 = k1.fma(b, a31);
                a32 = k2.fma(b, a32);
                a33 = k3.fma(b, a33);
            }
            int s0 = r * BLOCK_KEYS;
            a00.intoArray(s, s0);
            a01.intoArray(s, s0 + L);
            a02.intoArray(s, s0 + 2 * L);
            a03.intoArray(s, s0 + 3 * L);
            int s1 = s0 + BLOCK_KEYS;
            a10.intoArray(s, s1);
            a11.intoArray(s, s1 + L);
            a12.intoArray(s, s1 + 2 * L);
            a13.intoArray(s, s1 + 3 * L);
            int s2 = s1 + BLOCK_KEYS;
            a20.intoArray(s, s2);
            a21.intoArray(s, s2 + L);
            a22.intoArray(s, s2 + 2 * L);
            a23.intoArray(s, s2 + 3 * L);
            int s3 = s2 + BLOCK_KEYS;
            a30.intoArray(s, s3);
            a31.intoArray(s, s3 + L);
            a32.intoArray(s, s3 + 2 * L);
            a33.intoArray(s, s3 + 3 * L);
        }
    }

    @Override
    public void softcap(float[] s, int n, float cap) {
        // StrictMath: the Vector API's TANH may give other bits once compiled (see VectorExp); softcap is rare
        float inv = 1f / cap;
        for (int i = 0; i < n; i++) {
            s[i] = cap * (float) StrictMath.tanh(s[i] * inv);
        }
    }

    @Override
    public float max(float[] s, int off, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            m = m.max(FloatVector.fromArray(S, s, off + i));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            r = Math.max(r, s[off + i]);
        }
        return r;
    }

    @Override
    public float expAndSum(float[] s, int off, int n, float max) {
        FloatVector mx = FloatVector.broadcast(S, max);
        FloatVector sum = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = VectorExp.exp(S, FloatVector.fromArray(S, s, off + i).sub(mx));
            e.intoArray(s, off + i);
            sum = sum.add(e);
        }
        float r = VectorExp.sumInOrder(sum);
        for (; i < n; i++) {
            float e = VectorExp.exp(s[off + i] - max);
            s[off + i] = e;
            r += e;
        }
        return r;
    }

    @Override
    public void scale(float[] x, int off, int n, float factor) {
        FloatVector f = FloatVector.broadcast(S, factor);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(f).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= factor;
        }
    }

    @Override
    public void accumulate(float[] p, int rows, float[] v, int vOff, int dimPad, float[] o) {
        for (int r = 0; r < rows; r += 4) {
            int p0 = r * BLOCK_KEYS;
            int p1 = p0 + BLOCK_KEYS;
            int p2 = p1 + BLOCK_KEYS;
            int p3 = p2 + BLOCK_KEYS;
            int o0 = r * dimPad;
            int o1 = o0 + dimPad;
            int o2 = o1 + dimPad;
            int o3 = o2 + dimPad;
            int dc = 0;
            for (; dc + 4 * L <= dimPad; dc += 4 * L) {
                FloatVector c00 = FloatVector.fromArray(S, o, o0 + dc), c01 = FloatVector.fromArray(S, o, o0 + dc + L);
                FloatVector c02 = FloatVector.fromArray(S, o, o0 + dc + 2 * L), c03 = FloatVector.fromArray(S, o, o0 + dc + 3 * L);
                FloatVector c10 = FloatVector.fromArray(S, o, o1 + dc), c11 = FloatVector.fromArray(S, o, o1 + dc + L);
                FloatVector c12 = FloatVector.fromArray(S, o, o1 + dc + 2 * L), c13 = FloatVector.fromArray(S, o, o1 + dc + 3 * L);
                FloatVector c20 = FloatVector.fromArray(S, o, o2 + dc), c21 = FloatVector.fromArray(S, o, o2 + dc + L);
                FloatVector c22 = FloatVector.fromArray(S, o, o2 + dc + 2 * L), c23 = FloatVector.fromArray(S, o, o2 + dc + 3 * L);
                FloatVector c30 = FloatVector.fromArray(S, o, o3 + dc), c31 = FloatVector.fromArray(S, o, o3 + dc + L);
                FloatVector c32 = FloatVector.fromArray(S, o, o3 + dc + 2 * L), c33 = FloatVector.fromArray(S, o, o3 + dc + 3 * L);
                for (int j = 0; j < BLOCK_KEYS; j++) {
                    int vb = vOff + j * dimPad + dc;
                    FloatVector v0 = FloatVector.fromArray(S, v, vb);
                    FloatVector v1 = FloatVector.fromArray(S, v, vb + L);
                    FloatVector v2 = FloatVector.fromArray(S, v, vb + 2 * L);
                    FloatVector v3 = FloatVector.fromArray(S, v, vb + 3 * L);
                    FloatVector b = FloatVector.broadcast(S, p[p0 + j]);
                    c00 = v0.fma(b, c00);
                    c01 = v1.fma(b, c01);
                    c02 = v2.fma(b, c02);
                    c03 = v3.fma(b, c03);
                    b = FloatVector.broadcast(S, p[p1 + j]);
                    c10 = v0.fma(b, c10);
                    c11 = v1.fma(b, c11);
                    c12 = v2.fma(b, c12);
                    c13 = v3.fma(b, c13);
                    b = FloatVector.broadcast(S, p[p2 + j]);
                    c20 = v0.fma(b, c20);
                    c21 = v1.fma(b, c21);
                    c22 = v2.fma(b, c22);
                    c23 = v3.fma(b, c23);
                    b = FloatVector.broadcast(S, p[p3 + j]);
                    c30 = v0.fma(b, c30);
                    c31 = v1.fma(b, c31);
                    c32 = v2.fma(b, c32);
                    c33 = v3.fma(b, c33);
                }
                c00.intoArray(o, o0 + dc);
                c01.intoArray(o, o0 + dc + L);
                c02.intoArray(o, o0 + dc + 2 * L);
                c03.intoArray(o, o0 + dc + 3 * L);
                c10.intoArray(o, o1 + dc);
                c11.intoArray(o, o1 + dc + L);
                c12.intoArray(o, o1 + dc + 2 * L);
                c13.intoArray(o, o1 + dc + 3 * L);
                c20.intoArray(o, o2 + dc);
                c21.intoArray(o, o2 + dc + L);
                c22.intoArray(o, o2 + dc + 2 * L);
                c23.intoArray(o, o2 + dc + 3 * L);
                c30.intoArray(o, o3 + dc);
                c31.intoArray(o, o3 + dc + L);
                c32.intoArray(o, o3 + dc + 2 * L);
                c33.intoArray(o, o3 + dc + 3 * L);
            }
            // leftover head dims, one vector wide
            for (; dc < dimPad; dc += L) {
                FloatVector c0 = FloatVector.fromArray(S, o, o0 + dc);
                FloatVector c1 = FloatVector.fromArray(S, o, o1 + dc);
                FloatVector c2 = FloatVector.fromArray(S, o, o2 + dc);
                FloatVector c3 = FloatVector.fromArray(S, o, o3 + dc);
                for (int j = 0; j < BLOCK_KEYS; j++) {
                    FloatVector vv = FloatVector.fromArray(S, v, vOff + j * dimPad + dc);
                    c0 = vv.fma(FloatVector.broadcast(S, p[p0 + j]), c0);
                    c1 = vv.fma(FloatVector.broadcast(S, p[p1 + j]), c1);
                    c2 = vv.fma(FloatVector.broadcast(S, p[p2 + j]), c2);
                    c3 = vv.fma(FloatVector.broadcast(S, p[p3 + j]), c3);
                }
                c0.intoArray(o, o0 + dc);
                c1.intoArray(o, o1 + dc);
                c2.intoArray(o, o2 + dc);
                c3.intoArray(o, o3 + dc);
            }
        }
    }
}

package io.kernelhub.core.attention.sdpa;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp(x) on float vectors built only from exactly specified operations (add, mul, fma,
 * conversions, shifts), so it gives the same bits interpreted, C1- or C2-compiled. The Vector
 * API's own {@code EXP} may differ between those (a library routine when compiled, a scalar
 * fallback otherwise), which made sdpa's results change when the JIT kicked in; the validation
 * runner's determinism check found it.
 *
 * <p>exp(x) = 2^k * p(r), k = round(x / ln 2), r = x - k ln 2 (ln 2 split in two for
 * exactness), p the degree-7 Taylor polynomial (|r| <= ln2/2: truncation error below 6e-9
 * relative, under half an f32 ulp). Inputs below -87.3 (including -inf) give 0; NaN stays NaN.
 */
final class VectorExp {

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;   // exactly representable, 11 low bits zero
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    private static final float ROUND = 12582912f;              // 1.5 * 2^23: adding it rounds to an integer
    private static final float MIN = -87.33654f;                // below: exp(x) < 2^-126, flushed to 0
    private static final float MAX = 88.37626f;
    private static final float[] C = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 0.5f, 1f, 1f};

    private VectorExp() {}

    static FloatVector exp(VectorSpecies<Float> s, FloatVector x) {
        VectorMask<Float> under = x.compare(VectorOperators.LT, MIN);
        FloatVector xc = x.min(MAX).max(MIN);
        // k = round-to-nearest-even(x / ln2) by the magic-number addition, which is exact IEEE arithmetic
        FloatVector k = xc.fma(FloatVector.broadcast(s, LOG2E), FloatVector.broadcast(s, ROUND)).sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(s, -LN2_HI), xc);
        r = k.fma(FloatVector.broadcast(s, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(s, C[0]);
        for (int i = 1; i < C.length; i++) {
            p = p.fma(r, FloatVector.broadcast(s, C[i]));
        }
        IntVector ki = (IntVector) k.convert(VectorOperators.F2I, 0);
        FloatVector scale = ki.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale).blend(0f, under);
    }

    /** The same function on one float (tails of vector loops use it, so every element is computed alike). */
    static float exp(float x) {
        if (x < MIN) return 0f;
        if (Float.isNaN(x)) return x;
        float xc = Math.min(x, MAX);
        float k = Math.fma(xc, LOG2E, ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, xc);
        r = Math.fma(k, -LN2_LO, r);
        float p = C[0];
        for (int i = 1; i < C.length; i++) {
            p = Math.fma(p, r, C[i]);
        }
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /** Sum of the lanes in lane order (reduceLanes(ADD) leaves the order to the implementation). */
    static float sumInOrder(FloatVector v) {
        float r = 0f;
        for (int i = 0; i < v.length(); i++) {
            r += v.lane(i);
        }
        return r;
    }
}

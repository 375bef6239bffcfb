package io.kernelhub.core.attention.eager;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.stream.IntStream;

/**
 * The reference attention: materialises the full score matrix of each (sequence, head), then
 * softmax, then the weighted sum of values. Every other implementation is judged against it.
 *
 * <p>Three precisions:
 * <ul>
 *   <li>{@link Precision#F64}: all arithmetic in double, the ground truth for error checks;</li>
 *   <li>{@link Precision#F32}: float arithmetic, no intermediate rounding;</li>
 *   <li>{@link Precision#FRAMEWORK}: what a framework's eager path does in the input dtype —
 *   the score matmul, the scaling and softcap results are rounded to f16/bf16, softmax runs in
 *   f32 and its probabilities are rounded to the dtype, the output matmul accumulates in f32
 *   and is rounded. Its error is the yardstick of FlashAttention's test criterion.</li>
 * </ul>
 */
public final class EagerAttention implements AttentionFunction {

    public enum Precision { F64, F32, FRAMEWORK }

    private static final int MAX_HEAD_DIM = 1024;

    private final Precision precision;

    public EagerAttention(Precision precision) {
        this.precision = precision;
    }

    /** The registered {@code eager}: framework-style rounding in the input dtype (plain f32 for f32). */
    public static AttentionImplementation implementation() {
        return new AttentionImplementation("eager",
                "reference: materialised scores, framework-style rounding in f16/bf16, f32 accumulation",
                AttentionCapabilities.cpuAll(MAX_HEAD_DIM), new EagerAttention(Precision.FRAMEWORK));
    }

    public Precision precision() {
        return precision;
    }

    @Override
    public AttentionOutput forward(AttentionRequest r) {
        AttentionOutput outputs = r.allocateOutputs();
        int groups = r.batch() * r.headsQ();
        IntStream.range(0, groups).parallel().forEach(g -> head(r, outputs, g / r.headsQ(), g % r.headsQ()));
        return outputs;
    }

    private void head(AttentionRequest r, AttentionOutput outputs, int b, int h) {
        int sq = r.seqQ(b);
        int sk = r.seqK(b);
        int d = r.headDim();
        int hkv = r.kvHead(h);
        float[] q = new float[sq * d];
        float[] k = new float[sk * d];
        float[] v = new float[sk * d];
        for (int i = 0; i < sq; i++) {
            r.q().readFloats(r.qRow(b, i, h), AttentionRequest.dimStride(r.q()), q, i * d, d);
        }
        for (int j = 0; j < sk; j++) {
            r.k().readFloats(r.kRow(b, j, hkv), AttentionRequest.dimStride(r.k()), k, j * d, d);
            r.v().readFloats(r.vRow(b, j, hkv), AttentionRequest.dimStride(r.v()), v, j * d, d);
        }
        DType dt = r.dtype();
        boolean round = precision == Precision.FRAMEWORK && dt != DType.F32;
        double[] scores = new double[sk];
        double[] acc = new double[d];
        float[] row = new float[d];
        Tensor out = outputs.out();
        for (int i = 0; i < sq; i++) {
            int lo = r.firstKey(i, sq, sk);
            int hi = r.endKey(i, sq, sk);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < sk; j++) {
                if (j < lo || j >= hi) {
                    scores[j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double s = score(q, i * d, k, j * d, d, r, dt, round);
                scores[j] = s;
                max = Math.max(max, s);
            }
            java.util.Arrays.fill(acc, 0);
            double lse;
            if (max == Double.NEGATIVE_INFINITY) {
                lse = Double.NEGATIVE_INFINITY; // fully masked row: zeros out
            } else {
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    double p = precision == Precision.F64 ? Math.exp(scores[j] - max) : (float) Math.exp((float) (scores[j] - max));
                    scores[j] = p;
                    sum = precision == Precision.F64 ? sum + p : (float) (sum + p);
                }
                lse = max + Math.log(sum);
                for (int j = lo; j < hi; j++) {
                    double p = scores[j] / sum;
                    if (precision != Precision.F64) {
                        p = (float) p;
                        if (round) {
                            p = dt.round((float) p);
                        }
                    }
                    int vo = j * d;
                    if (precision == Precision.F64) {
                        for (int c = 0; c < d; c++) {
                            acc[c] += p * v[vo + c];
                        }
                    } else {
                        float pf = (float) p;
                        for (int c = 0; c < d; c++) {
                            acc[c] = (float) acc[c] + pf * v[vo + c];
                        }
                    }
                }
            }
            for (int c = 0; c < d; c++) {
                row[c] = round ? dt.round((float) acc[c]) : (float) acc[c];
            }
            out.writeFloats(r.outRow(out, b, i, h), AttentionRequest.dimStride(out), row, 0, d);
            if (outputs.lse() != null) {
                outputs.lse().setAt(r.lseIndex(outputs.lse(), b, h, i), (float) lse);
            }
        }
    }

    private double score(float[] q, int qo, float[] k, int ko, int d, AttentionRequest r, DType dt, boolean round) {
        if (precision == Precision.F64) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                s += (double) q[qo + c] * k[ko + c];
            }
            s *= r.scale();
            if (r.softcap() > 0) {
                s = r.softcap() * Math.tanh(s / r.softcap());
            }
            return s;
        }
        float s = 0;
        for (int c = 0; c < d; c++) {
            s += q[qo + c] * k[ko + c];
        }
        if (round) {
            s = dt.round(s);
        }
        s = (float) (s * r.scale());
        if (round) {
            s = dt.round(s);
        }
        if (r.softcap() > 0) {
            float cap = r.softcap();
            float t = s / cap;
            if (round) {
                t = dt.round(t);
            }
            t = (float) Math.tanh(t);
            if (round) {
                t = dt.round(t);
            }
            s = t * cap;
            if (round) {
                s = dt.round(s);
            }
        }
        return s;
    }
}

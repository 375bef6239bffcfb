package io.kernelhub.core.attention.check;

import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.stream.IntStream;

/**
 * The ground truth of {@link AccuracyCheck}: attention in double precision, written apart from
 * {@link io.kernelhub.core.attention.eager.EagerAttention} on purpose, so that judging eager
 * (or anything that shares its helpers) never compares a code path with itself. It reads every
 * element by index through {@link Tensor#get(int...)} (not the request's row-offset helpers),
 * decides visibility from the masking rule as documented on {@link AttentionRequest} (not from
 * {@code firstKey}/{@code endKey}), and forms the softmax as {@code exp(s - lse)} after a
 * log-sum-exp over the visible keys. Results stay in double.
 */
public final class F64Reference {

    private F64Reference() {
    }

    /**
     * The reference values of one request.
     *
     * @param out         the output in the row-major order of q's shape
     *                    ({@code [batch, seq_q, heads_q, head_dim]} or {@code [total_q, heads_q, head_dim]})
     * @param defined     per query token (first axis of a packed q, {@code batch * seq_q} otherwise): whether
     *                    the token belongs to a sequence; packed tokens past {@code cu_seqlens_q}'s end do not
     *                    and their output is unspecified
     * @param lse         the log-sum-exp in the row-major order of {@link AttentionRequest#lseShape()},
     *                    {@code -inf} for a query that sees no key; entries of undefined tokens are NaN
     * @param maxAbsScore largest |score| (after scale and softcap) over the visible (query, key) pairs, 0 if none
     * @param maxAbsValue largest |v| over the keys of every sequence, 0 if none
     * @param visiblePairs number of visible (query, key) pairs over all query heads
     */
    public record Values(double[] out, boolean[] defined, double[] lse, double maxAbsScore, double maxAbsValue,
            long visiblePairs) {
    }

    /** Computes the reference output and LSE of {@code r} (its outputs, if any, are not touched). */
    public static Values compute(AttentionRequest r) {
        Tensor q = r.q();
        Tensor k = r.k();
        Tensor v = r.v();
        boolean packed = r.varlen();
        int heads = q.size(packed ? 1 : 2);
        int kvHeads = k.size(packed ? 1 : 2);
        int dim = q.size(packed ? 2 : 3);
        int batch = packed ? r.cuSeqlensQ().length - 1 : q.size(0);
        int tokens = packed ? q.size(0) : batch * q.size(1);
        int[] cuQ = packed ? r.cuSeqlensQ() : null;
        int[] cuK = packed ? r.cuSeqlensK() : null;
        int[] padded = packed ? null : r.seqlensK();

        double[] out = new double[Math.multiplyExact(Math.multiplyExact(tokens, heads), dim)];
        double[] lse = new double[Math.multiplyExact(tokens, heads)];
        java.util.Arrays.fill(lse, Double.NaN);
        boolean[] defined = new boolean[tokens];
        double[] maxScore = new double[batch * heads];
        double[] maxValue = new double[batch * heads];
        long[] pairs = new long[batch * heads];

        IntStream.range(0, batch * heads).parallel().forEach(g -> {
            int b = g / heads;
            int h = g % heads;
            int kvh = h / (heads / kvHeads);
            int firstQ = packed ? cuQ[b] : 0;
            int firstK = packed ? cuK[b] : 0;
            int sq = packed ? cuQ[b + 1] - cuQ[b] : q.size(1);
            int sk = packed ? cuK[b + 1] - cuK[b] : padded != null ? padded[b] : k.size(1);
            double[] kk = new double[sk * dim];
            double[] vv = new double[sk * dim];
            double vmax = 0;
            for (int j = 0; j < sk; j++) {
                for (int c = 0; c < dim; c++) {
                    kk[j * dim + c] = packed ? k.get(firstK + j, kvh, c) : k.get(b, j, kvh, c);
                    double x = packed ? v.get(firstK + j, kvh, c) : v.get(b, j, kvh, c);
                    vv[j * dim + c] = x;
                    vmax = Math.max(vmax, Math.abs(x));
                }
            }
            double[] qi = new double[dim];
            double[] s = new double[sk];
            boolean[] seen = new boolean[sk];
            double smax = 0;
            long visible = 0;
            long shift = (long) sk - sq;
            for (int i = 0; i < sq; i++) {
                int token = packed ? firstQ + i : b * q.size(1) + i;
                for (int c = 0; c < dim; c++) {
                    qi[c] = packed ? q.get(token, h, c) : q.get(b, i, h, c);
                }
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < sk; j++) {
                    seen[j] = sees(r, i + shift, j);
                    if (!seen[j]) {
                        continue;
                    }
                    double dot = 0;
                    for (int c = 0; c < dim; c++) {
                        dot += qi[c] * kk[j * dim + c];
                    }
                    double x = dot * r.scale();
                    if (r.softcap() > 0) {
                        x = r.softcap() * Math.tanh(x / r.softcap());
                    }
                    s[j] = x;
                    m = Math.max(m, x);
                    smax = Math.max(smax, Math.abs(x));
                    visible++;
                }
                double logSumExp = Double.NEGATIVE_INFINITY;
                if (m != Double.NEGATIVE_INFINITY) {
                    double sum = 0;
                    for (int j = 0; j < sk; j++) {
                        if (seen[j]) {
                            sum += Math.exp(s[j] - m);
                        }
                    }
                    logSumExp = m + Math.log(sum);
                }
                int base = (token * heads + h) * dim;
                if (logSumExp != Double.NEGATIVE_INFINITY) {
                    for (int j = 0; j < sk; j++) {
                        if (seen[j]) {
                            double p = Math.exp(s[j] - logSumExp);
                            for (int c = 0; c < dim; c++) {
                                out[base + c] += p * vv[j * dim + c];
                            }
                        }
                    }
                }
                lse[packed ? h * tokens + token : (b * heads + h) * q.size(1) + i] = logSumExp;
                defined[token] = true;
            }
            maxScore[g] = smax;
            maxValue[g] = vmax;
            pairs[g] = visible;
        });
        double smax = 0;
        double vmax = 0;
        long visible = 0;
        for (int g = 0; g < batch * heads; g++) {
            smax = Math.max(smax, maxScore[g]);
            vmax = Math.max(vmax, maxValue[g]);
            visible += pairs[g];
        }
        return new Values(out, defined, lse, smax, vmax, visible);
    }

    /**
     * The documented masking rule: query row {@code i} of a sequence (given as {@code i + shift},
     * shift = sk - sq) sees key {@code j} when (causal) j &lt;= i + shift, (window left) j &gt;=
     * i + shift - left and (window right) j &lt;= i + shift + right.
     */
    private static boolean sees(AttentionRequest r, long diagonal, int j) {
        if (r.causal() && j > diagonal) {
            return false;
        }
        if (r.windowLeft() >= 0 && j < diagonal - r.windowLeft()) {
            return false;
        }
        return r.windowRight() < 0 || j <= diagonal + r.windowRight();
    }
}

package io.kernelhub.core.attention.check;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.eager.EagerAttention;
import java.util.Arrays;
import java.util.Locale;

/**
 * FlashAttention's accuracy criterion: an implementation's max error against an f64 reference
 * may be at most twice the error of a framework's low-precision eager attention on the same
 * inputs, plus 1e-5. LSE is held to the same rule, and must be there when the request asked
 * for it. NaN or Inf anywhere fails.
 *
 * <p>Two guards keep the criterion from being vacuous:
 * <ul>
 *   <li>the f64 reference is {@link F64Reference}, written apart from {@link EagerAttention}, so
 *   eager (or code sharing its helpers) is never judged against itself;</li>
 *   <li>the tolerance comes from the low-precision eager's own error, so that yardstick must be
 *   plausible before it is used: finite, and within what rounding to the dtype can explain
 *   ({@link #yardstickBound}). Otherwise the check fails with "cannot judge" instead of handing
 *   out an infinite or inflated tolerance. An output with no elements fails too: there is
 *   nothing to judge.</li>
 * </ul>
 */
public final class AccuracyCheck {

    /** Absolute slack added to the tolerance, so exact low-precision references don't demand perfection. */
    public static final double SLACK = 1e-5;

    /**
     * Multiple of the rounding estimate that the low-precision eager's error may reach (see
     * {@link #yardstickBound}). Measured over validate's quick and full grids (seeds 0 and 1) the
     * error reaches at most 0.4 (bf16), 0.6 (f16) and 0.15 (f32) times the estimate for the
     * output, and 1.6, 1.75 and 0.45 for the LSE; a score rounded five times (dot product, scale,
     * softcap's divide, tanh and multiply) can be off by 5 u |s|, hence 8.
     */
    static final double YARDSTICK_FACTOR = 8;

    private AccuracyCheck() {
    }

    /**
     * The outcome of one check.
     *
     * @param maxAbsErr max |actual - f64 reference| of the output (infinite when the output has NaN or Inf)
     * @param refErr    max |low-precision eager - f64 reference| of the output
     * @param lseErr    the same for LSE, or NaN when no LSE was produced
     * @param lseRefErr low-precision eager's LSE error, or NaN when no LSE was produced
     * @param compared  output elements compared (0 for a zero-size output, which fails)
     * @param problem   why the check failed, in one sentence with the numbers; null when it passed
     */
    public record Result(double maxAbsErr, double refErr, double lseErr, double lseRefErr, long compared, String problem) {

        /** True when every rule held. */
        public boolean ok() {
            return problem == null;
        }

        /** 2 x the low-precision eager's output error + {@link #SLACK}. */
        public double tolerance() {
            return 2 * refErr + SLACK;
        }

        /** 2 x the low-precision eager's LSE error + {@link #SLACK}, NaN when no LSE was produced. */
        public double lseTolerance() {
            return 2 * lseRefErr + SLACK;
        }

        public String summary() {
            return String.format(Locale.ROOT, "max |out - ref| = %.3g, low-precision eager error = %.3g, tolerance = %.3g%s: %s",
                    maxAbsErr, refErr, tolerance(),
                    Double.isNaN(lseErr) ? "" : String.format(Locale.ROOT, "; lse error %.3g (eager %.3g)", lseErr, lseRefErr),
                    ok() ? "ok" : "FAILED (" + problem + ")");
        }
    }

    /** Computes both references for the request and judges {@code actual} against them. */
    public static Result check(AttentionRequest request, AttentionOutput actual) {
        AttentionRequest base = request.withOutputs(null, null);
        AttentionOutput lowPrecision = new EagerAttention(EagerAttention.Precision.FRAMEWORK).forward(
                base.withOutputs(null, Tensor.zeros(DType.F32, base.lseShape())));
        return judge(request, actual, F64Reference.compute(request), lowPrecision);
    }

    /**
     * Judges {@code actual} against a precomputed f64 reference and low-precision yardstick
     * ({@code lowPrecision} should hold an LSE, or LSE cannot be judged).
     */
    public static Result judge(AttentionRequest request, AttentionOutput actual, F64Reference.Values reference,
            AttentionOutput lowPrecision) {
        int[] qShape = request.q().shape();
        if (actual == null || actual.out() == null) {
            return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
                    "no output: the implementation returned none");
        }
        if (!Arrays.equals(actual.out().shape(), qShape)) {
            return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, "output has shape "
                    + Arrays.toString(actual.out().shape()) + " but must match q " + Arrays.toString(qShape));
        }
        int row = request.headsQ() * request.headDim();
        Errors out = errors(actual.out().toFloatArray(), lowPrecision.out().toFloatArray(), reference.out(), reference.defined(),
                row);
        Errors lse = null;
        Tensor actualLse = actual.lse();
        int[] lseShape = request.lseShape();
        if (actualLse != null && lowPrecision.lse() != null) {
            if (!Arrays.equals(actualLse.shape(), lseShape)) {
                return new Result(out.max, out.refMax, Double.NaN, Double.NaN, out.compared, "lse has shape "
                        + Arrays.toString(actualLse.shape()) + " but must be " + Arrays.toString(lseShape));
            }
            lse = errors(actualLse.toFloatArray(), lowPrecision.lse().toFloatArray(), reference.lse(),
                    lseDefined(request, reference.defined()), 1);
        }
        double lseErr = lse == null ? Double.NaN : lse.max;
        double lseRefErr = lse == null ? Double.NaN : lse.refMax;
        String problem = problem(request, actual, reference, out, lse);
        return new Result(out.max, out.refMax, lseErr, lseRefErr, out.compared, problem);
    }

    private static String problem(AttentionRequest request, AttentionOutput actual, F64Reference.Values reference, Errors out,
            Errors lse) {
        DType dt = request.dtype();
        if (out.compared == 0) {
            return "nothing to compare: the output has no elements (shape " + Arrays.toString(request.q().shape())
                    + "); a check needs at least one query row with a head dim >= 1";
        }
        if (out.refNonFinite > 0 || (lse != null && lse.refNonFinite > 0)) {
            return "cannot judge: the f64 reference has NaN in " + (out.refNonFinite + (lse == null ? 0 : lse.refNonFinite))
                    + " values; do the inputs hold NaN or Inf?";
        }
        double bound = yardstickBound(dt, reference.maxAbsValue(), reference.maxAbsScore(), request.maxSeqK(), request.headDim());
        if (!(out.refMax <= bound)) {
            return String.format(Locale.ROOT, "cannot judge: the low-precision eager yardstick is off the f64 reference by %.3g "
                    + "in the output, more than rounding to %s explains (%.3g); a tolerance of twice that would mean "
                    + "nothing, and eager itself is wrong here", out.refMax, dt.id(), bound);
        }
        if (out.nonFinite > 0) {
            return "output has NaN or Inf in " + out.nonFinite + " of " + out.compared + " elements";
        }
        if (out.max > 2 * out.refMax + SLACK) {
            return String.format(Locale.ROOT, "error over tolerance: max |out - ref| = %.3g > %.3g (2 x low-precision eager's "
                    + "%.3g + %.0e)", out.max, 2 * out.refMax + SLACK, out.refMax, SLACK);
        }
        if (request.returnLse() && actual.lse() == null) {
            return "no LSE: the request asked for the log-sum-exp (returnLse) but the implementation returned none";
        }
        if (lse != null) {
            double lseBound = yardstickBound(dt, 1, reference.maxAbsScore(), request.maxSeqK(), request.headDim());
            if (!(lse.refMax <= lseBound)) {
                return String.format(Locale.ROOT, "cannot judge: the low-precision eager yardstick's LSE is off the f64 "
                        + "reference by %.3g, more than rounding to %s explains (%.3g); eager itself is wrong here",
                        lse.refMax, dt.id(), lseBound);
            }
            if (lse.nonFinite > 0) {
                return "lse has NaN or Inf (or lacks the -inf of a query that sees no key) in " + lse.nonFinite + " of "
                        + lse.compared + " values";
            }
            if (lse.max > 2 * lse.refMax + SLACK) {
                return String.format(Locale.ROOT, "error over tolerance: lse max |lse - ref| = %.3g > %.3g (2 x low-precision "
                        + "eager's %.3g + %.0e)", lse.max, 2 * lse.refMax + SLACK, lse.refMax, SLACK);
            }
        }
        return null;
    }

    /**
     * How far a correct low-precision eager may be from the f64 reference:
     * {@value #YARDSTICK_FACTOR} x u x scale x (1 + max |score|) + {@link #SLACK}, where u is the
     * dtype's unit roundoff plus f32's times sqrt(seq_k + head_dim) for the f32 sums, and scale is
     * max |v| for the output (a convex combination of value rows) and 1 for the LSE. Rounding a
     * score by a relative u moves its softmax weight by about u |s|, hence the score term.
     */
    static double yardstickBound(DType dt, double scale, double maxAbsScore, int seqK, int headDim) {
        double u = dt == DType.F32 ? 0 : dt.unitRoundoff(); // f32's own share is the sum term below
        u += DType.F32.unitRoundoff() * (1 + Math.sqrt((double) seqK + headDim));
        return YARDSTICK_FACTOR * u * scale * (1 + maxAbsScore) + SLACK;
    }

    /** The LSE entries of tokens that belong to a sequence (LSE is [batch, heads, seq] or [heads, total]). */
    private static boolean[] lseDefined(AttentionRequest request, boolean[] tokenDefined) {
        int heads = request.headsQ();
        boolean[] d = new boolean[tokenDefined.length * heads];
        int perHead = request.varlen() ? tokenDefined.length : request.maxSeqQ();
        for (int i = 0; i < d.length; i++) {
            // varlen: [heads, total]; fixed: [batch, heads, seq] with token = b * seq + i
            int token = request.varlen() ? i % perHead : (i / (heads * perHead)) * perHead + i % perHead;
            d[i] = tokenDefined[token];
        }
        return d;
    }

    /** Max errors of the actual values and of the yardstick against the reference, over defined rows. */
    private record Errors(double max, double refMax, long compared, long nonFinite, long refNonFinite) {
    }

    /**
     * @param row values per token in {@code defined}'s granularity (heads * head_dim for the output, 1 for LSE
     *            whose {@code defined} is per entry)
     */
    private static Errors errors(float[] actual, float[] yardstick, double[] reference, boolean[] defined, int row) {
        double max = 0;
        double refMax = 0;
        long compared = 0;
        long nonFinite = 0;
        long refNonFinite = 0;
        for (int i = 0; i < reference.length; i++) {
            if (!defined[i / row]) {
                continue;
            }
            compared++;
            double e = reference[i];
            if (Double.isNaN(e)) {
                refNonFinite++;
                continue;
            }
            refMax = Math.max(refMax, distance(yardstick[i], e));
            double d = distance(actual[i], e);
            if (Double.isInfinite(d) || Double.isNaN(d)) {
                nonFinite++;
            } else {
                max = Math.max(max, d);
            }
        }
        return new Errors(nonFinite > 0 ? Double.POSITIVE_INFINITY : max, refMax, compared, nonFinite, refNonFinite);
    }

    /** |a - e|, 0 for equal infinities (the -inf LSE of a query that sees no key), infinite for any other non-finite pair. */
    private static double distance(float a, double e) {
        if (!Float.isFinite(a) || Double.isInfinite(e)) {
            return a == e ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(a - e);
    }
}

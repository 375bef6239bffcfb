package io.kernelhub.core.attention.check;

import io.kernelhub.core.DType;
import io.kernelhub.core.ErrorStats;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.eager.EagerAttention;

/**
 * FlashAttention's accuracy criterion: an implementation's max error against an f64 reference
 * may be at most twice the error of a framework's low-precision eager attention on the same
 * inputs, plus 1e-5. LSE (when present) is held to the same rule. NaN or Inf anywhere fails.
 */
public final class AccuracyCheck {

    /** Absolute slack added to the tolerance, so exact low-precision references don't demand perfection. */
    public static final double SLACK = 1e-5;

    private AccuracyCheck() {
    }

    /**
     * @param maxAbsErr    max |actual - f64 reference| of the output
     * @param refErr       max |low-precision eager - f64 reference| of the output
     * @param lseErr       the same for LSE, or NaN when no LSE was produced
     * @param lseRefErr    low-precision eager's LSE error, or NaN
     * @param ok           both within 2x + {@link #SLACK} and everything finite
     */
    public record Result(double maxAbsErr, double refErr, double lseErr, double lseRefErr, boolean ok) {

        public double tolerance() {
            return 2 * refErr + SLACK;
        }

        public String summary() {
            return String.format("max |out - ref| = %.3g, low-precision eager error = %.3g, tolerance = %.3g%s: %s",
                    maxAbsErr, refErr, tolerance(),
                    Double.isNaN(lseErr) ? "" : String.format("; lse error %.3g (eager %.3g)", lseErr, lseRefErr),
                    ok ? "ok" : "FAILED");
        }
    }

    /** Computes both references for the request and judges {@code actual} against them. */
    public static Result check(AttentionRequest request, AttentionOutput actual) {
        AttentionRequest base = request.withOutputs(null, null);
        AttentionOutput reference = new EagerAttention(EagerAttention.Precision.F64).forward(
                base.withOutputs(Tensor.zeros(DType.F32, request.q().shape()), Tensor.zeros(DType.F32, base.lseShape())));
        AttentionOutput lowPrecision = new EagerAttention(EagerAttention.Precision.FRAMEWORK).forward(
                base.withOutputs(null, Tensor.zeros(DType.F32, base.lseShape())));
        return judge(actual, reference, lowPrecision);
    }

    /** Judges {@code actual} against precomputed f64 and low-precision references. */
    public static Result judge(AttentionOutput actual, AttentionOutput reference, AttentionOutput lowPrecision) {
        ErrorStats err = ErrorStats.between(actual.out(), reference.out());
        ErrorStats refErr = ErrorStats.between(lowPrecision.out(), reference.out());
        boolean ok = err.nonFinite() == 0 && err.maxAbs() <= 2 * refErr.maxAbs() + SLACK;
        double lseErr = Double.NaN;
        double lseRefErr = Double.NaN;
        if (actual.lse() != null && reference.lse() != null && lowPrecision.lse() != null) {
            ErrorStats l = ErrorStats.between(actual.lse(), reference.lse());
            ErrorStats lr = ErrorStats.between(lowPrecision.lse(), reference.lse());
            lseErr = l.maxAbs();
            lseRefErr = lr.maxAbs();
            ok &= l.nonFinite() == 0 && lseErr <= 2 * lseRefErr + SLACK;
        }
        return new Result(err.maxAbs(), refErr.maxAbs(), lseErr, lseRefErr, ok);
    }
}

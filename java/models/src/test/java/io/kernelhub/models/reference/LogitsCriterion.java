package io.kernelhub.models.reference;

/**
 * FlashAttention's test criterion applied to logits: an implementation running in a low
 * precision is good when its error against the float64 reference is at most twice the error of
 * the reference itself run in that precision ({@link LlamaReference#logits(int[], Precision)}),
 * plus a small absolute {@code eps}: {@code err(impl vs f64) <= 2 * err(rounded reference vs f64) + eps},
 * errors being the largest absolute difference.
 *
 * @param error {@code max |actual - f64|}
 * @param referenceError {@code max |rounded reference - f64|}, the yardstick
 * @param eps the absolute slack
 */
public record LogitsCriterion(double error, double referenceError, double eps) {

    /** Measures {@code actual} against the float64 logits with the rounded reference as yardstick. */
    public static LogitsCriterion of(double[][] actual, double[][] f64, double[][] roundedReference, double eps) {
        return new LogitsCriterion(LlamaReference.maxAbsDiff(actual, f64),
                LlamaReference.maxAbsDiff(roundedReference, f64), eps);
    }

    /** {@code 2 * referenceError + eps}. */
    public double bound() {
        return 2 * referenceError + eps;
    }

    /** Whether {@code error <= bound()} (false when either is NaN). */
    public boolean passed() {
        return error <= bound();
    }

    @Override
    public String toString() {
        return String.format("max |actual - f64| = %.3e %s 2 * %.3e + %.1e = %.3e", error, passed() ? "<=" : ">",
                referenceError, eps, bound());
    }
}

package io.kernelhub.models;

/**
 * One line of the model demo.
 *
 * @param model                  {@value ModelDemo#LLAMA} or {@value ModelDemo#VISION_TEXT}
 * @param implementation         the implementation name, or a per-backbone selection like {@code vision=sdpa,text=eager}
 * @param millis                 median forward time in milliseconds
 * @param maxAbsLogitDiffVsEager largest |logit difference| against the same model under {@code eager}
 *                               (infinite when the logits hold NaN or Inf)
 * @param tolerance              the largest difference a correct implementation may show ({@link ModelDemo#logitTolerance})
 */
public record DemoRow(String model, String implementation, double millis, double maxAbsLogitDiffVsEager, double tolerance) {

    /** True when the logits agree with eager's within the tolerance (false for NaN or Inf). */
    public boolean withinTolerance() {
        return maxAbsLogitDiffVsEager <= tolerance;
    }
}

package io.kernelhub.models;

/**
 * One line of the model demo.
 *
 * @param model                  {@value ModelDemo#LLAMA} or {@value ModelDemo#VISION_TEXT}
 * @param implementation         the implementation name, or a per-backbone selection like {@code vision=sdpa,text=eager}
 * @param millis                 median forward time in milliseconds
 * @param maxAbsLogitDiffVsEager largest |logit difference| against the same model under {@code eager}
 */
public record DemoRow(String model, String implementation, double millis, double maxAbsLogitDiffVsEager) {
}

package io.kernelhub.models.generate;

/**
 * What a generation produced and how long it took.
 *
 * @param promptTokens the prompt
 * @param tokens       the generated ids, in order (an eos id, when one stopped it, is the last)
 * @param stopReason   why it ended
 * @param prefillNanos time to process the prompt and get the first token's logits
 * @param decodeSteps  forward steps after the prompt (one per generated token but the last)
 * @param decodeNanos  time of those steps
 * @param promptLogits logits after every prompt position {@code [prompt_len][vocab]}, when asked for; else null
 */
public record GenerationResult(int[] promptTokens, int[] tokens, StopReason stopReason, long prefillNanos,
                               int decodeSteps, long decodeNanos, float[][] promptLogits) {

    /** Prompt tokens per second of prefill. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens.length * 1e9 / prefillNanos;
    }

    /** Decode steps per second (0 when fewer than two tokens were generated). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }
}

package io.kernelhub.models.generate;

/** Why a generation ended. */
public enum StopReason {
    /** An end-of-sequence id was generated (it is the last token of the result). */
    EOS,
    /** {@code maxNewTokens} tokens were generated. */
    MAX_NEW_TOKENS,
    /** The sequence reached the model's {@code max_position_embeddings}. */
    MAX_POSITIONS;

    /** The lower-case name used in JSON output. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

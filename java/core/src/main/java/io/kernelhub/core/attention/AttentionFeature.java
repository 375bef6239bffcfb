package io.kernelhub.core.attention;

import java.util.Locale;

/** Optional parts of the attention contract an implementation may or may not serve. */
public enum AttentionFeature {
    /** Bottom-right aligned causal mask. */
    CAUSAL,
    /** Sliding window (left, right) around the aligned diagonal. */
    SLIDING_WINDOW,
    /** scores = softcap * tanh(scores / softcap). */
    SOFTCAP,
    /** Fewer key/value heads than query heads (GQA and MQA). */
    GQA,
    /** Per-sequence key lengths in the fixed-length layout. */
    KEY_PADDING,
    /** Packed variable lengths through cu_seqlens_q / cu_seqlens_k. */
    VARLEN,
    /** Log-sum-exp of each query row's scores as a second output. */
    LSE,
    /** Inputs or output whose last dimension is not contiguous. */
    STRIDED_LAST_DIM,
    /** Output in a dtype other than the inputs' (e.g. an f32 output of f16 inputs). */
    MIXED_OUTPUT_DTYPE;

    /** Lower-case, hyphenated name used in messages and JSON: {@code sliding-window}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

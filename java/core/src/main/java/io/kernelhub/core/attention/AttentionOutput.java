package io.kernelhub.core.attention;

import io.kernelhub.core.Tensor;

/**
 * Result of one attention call.
 *
 * @param out the attention output, shaped like q
 * @param lse the f32 log-sum-exp per query row, or null when it was not requested
 */
public record AttentionOutput(Tensor out, Tensor lse) {
}

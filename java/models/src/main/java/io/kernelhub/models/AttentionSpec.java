package io.kernelhub.models;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;

/**
 * The shape of the attention calls one backbone makes. It lets a switch check an
 * implementation's capabilities up front, against a one-token probe request with the same
 * dtype, heads, head dim and features, instead of failing in the middle of a forward pass.
 *
 * @param dtype    dtype of q/k/v handed to attention (activations elsewhere stay f32)
 * @param heads    query heads
 * @param kvHeads  key/value heads (fewer than {@code heads} for GQA)
 * @param headDim  head dimension
 * @param causal   decoder (causal) or encoder (bidirectional) attention
 */
public record AttentionSpec(DType dtype, int heads, int kvHeads, int headDim, boolean causal) {

    public AttentionSpec {
        if (dtype == null) {
            throw new IllegalArgumentException("attention dtype is required");
        }
        if (heads < 1 || kvHeads < 1 || headDim < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape: heads " + heads + ", kv heads " + kvHeads
                    + ", head dim " + headDim + " (heads must be a positive multiple of kv heads)");
        }
    }

    /** A one-token request with this spec's dtype, heads and features, for capability checks. */
    public AttentionRequest probe() {
        Tensor q = Tensor.zeros(dtype, 1, 1, heads, headDim);
        Tensor kv = Tensor.zeros(dtype, 1, 1, kvHeads, headDim);
        return AttentionRequest.builder(q, kv, kv).causal(causal).build();
    }
}

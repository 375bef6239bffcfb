package io.kernelhub.models;

import io.kernelhub.core.DType;

/**
 * A Llama-style decoder's hyper-parameters.
 *
 * @param vocabSize          token ids are 0 .. vocabSize-1
 * @param hidden             residual stream width
 * @param layers             decoder layers
 * @param heads              query heads
 * @param kvHeads            key/value heads; fewer than {@code heads} is grouped-query attention
 * @param headDim            per-head dimension (even, for RoPE)
 * @param intermediate       SwiGLU inner width
 * @param ropeTheta          RoPE base
 * @param rmsEps             RMSNorm epsilon
 * @param maxPositions       longest sequence (RoPE table size)
 * @param dtype              dtype of q/k/v given to attention; weights and other activations are f32
 * @param attnImplementation attention implementation name the model starts with
 */
public record LlamaConfig(int vocabSize, int hidden, int layers, int heads, int kvHeads, int headDim,
                          int intermediate, double ropeTheta, double rmsEps, int maxPositions, DType dtype,
                          String attnImplementation) {

    public LlamaConfig {
        if (vocabSize < 1 || hidden < 1 || layers < 1 || intermediate < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("vocab, hidden, layers, intermediate and max positions must be >= 1");
        }
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a positive multiple of kv heads ("
                    + kvHeads + ")");
        }
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head dim must be even for RoPE, got " + headDim);
        }
        if (!(ropeTheta > 0) || !(rmsEps > 0)) {
            throw new IllegalArgumentException("rope theta and rms eps must be > 0");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype is required");
        }
        if (attnImplementation == null || attnImplementation.isBlank()) {
            throw new IllegalArgumentException("attnImplementation is required, e.g. \"eager\" or \"sdpa\"");
        }
    }

    /** A small GQA config: vocab 256, hidden 128, 2 layers, 4 query / 2 kv heads of dim 32, sdpa. */
    public static LlamaConfig tiny() {
        return new LlamaConfig(256, 128, 2, 4, 2, 32, 256, 10_000, 1e-5, 512, DType.F32, "sdpa");
    }

    public LlamaConfig withAttnImplementation(String name) {
        return new LlamaConfig(vocabSize, hidden, layers, heads, kvHeads, headDim, intermediate, ropeTheta, rmsEps,
                maxPositions, dtype, name);
    }

    public LlamaConfig withDtype(DType newDtype) {
        return new LlamaConfig(vocabSize, hidden, layers, heads, kvHeads, headDim, intermediate, ropeTheta, rmsEps,
                maxPositions, newDtype, attnImplementation);
    }

    public LlamaConfig withMaxPositions(int positions) {
        return new LlamaConfig(vocabSize, hidden, layers, heads, kvHeads, headDim, intermediate, ropeTheta, rmsEps,
                positions, dtype, attnImplementation);
    }

    /** The shape of this decoder's (causal) attention calls. */
    public AttentionSpec attentionSpec() {
        return new AttentionSpec(dtype, heads, kvHeads, headDim, true);
    }
}

package io.kernelhub.models.hf;

import io.kernelhub.core.DType;

/**
 * A Llama-family checkpoint's {@code config.json} (Llama 2 and 3.x shapes), with transformers'
 * defaults filled in for what the file leaves out.
 *
 * @param vocabSize             token ids are 0 .. vocabSize-1
 * @param hiddenSize            residual stream width
 * @param intermediateSize      SwiGLU inner width
 * @param layers                {@code num_hidden_layers}
 * @param heads                 {@code num_attention_heads}
 * @param kvHeads               {@code num_key_value_heads} (defaults to heads: multi-head attention)
 * @param headDim               {@code head_dim}, or hidden_size / heads when absent
 * @param maxPositions          {@code max_position_embeddings}: the longest prompt + generation
 * @param rmsNormEps            RMSNorm epsilon
 * @param ropeTheta             RoPE base
 * @param ropeScaling           {@code rope_scaling}
 * @param tieWordEmbeddings     the LM head reuses the embedding matrix (no lm_head.weight)
 * @param attentionBias         q/k/v/o projections have biases
 * @param mlpBias               gate/up/down projections have biases
 * @param hiddenAct             the MLP activation (only "silu" is supported)
 * @param checkpointDType       {@code torch_dtype}/{@code dtype}: the dtype the weights were saved in; null when unstated
 */
public record LlamaCheckpointConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads,
        int kvHeads, int headDim, int maxPositions, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
        boolean tieWordEmbeddings, boolean attentionBias, boolean mlpBias, String hiddenAct, DType checkpointDType) {

    /** The {@code model_type} this record describes. */
    public static final String MODEL_TYPE = "llama";

    public LlamaCheckpointConfig {
        if (ropeScaling == null) {
            ropeScaling = new RopeScaling.None();
        }
    }

    /** Query heads that share one key/value head (1 = multi-head attention). */
    public int groupSize() {
        return heads / kvHeads;
    }
}

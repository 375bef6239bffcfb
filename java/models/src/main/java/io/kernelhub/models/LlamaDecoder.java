package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * The Llama decoder stack without any attention selection: token embedding, pre-norm layers
 * (RMSNorm, GQA attention with RoPE, RMSNorm, SwiGLU MLP) with residuals, final norm and LM
 * head. The attention function is passed to each forward pass, so the owner decides which
 * implementation runs and the weights never change.
 */
final class LlamaDecoder {

    private final LlamaConfig config;
    private final float[] embedding;
    private final List<Layer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Linear lmHead;

    LlamaDecoder(LlamaConfig config, ParameterStore store, String prefix) {
        this.config = config;
        // N(0, 1) rows: the first RMSNorm rescales them anyway
        this.embedding = store.normal(prefix + "embed_tokens.weight", config.vocabSize() * config.hidden(), 0, 1);
        RotaryEmbedding rope = new RotaryEmbedding(config.headDim(), config.maxPositions(), config.ropeTheta());
        for (int i = 0; i < config.layers(); i++) {
            layers.add(new Layer(config, store, prefix + "layers." + i, rope));
        }
        this.norm = new RmsNorm(store, prefix + "norm", config.hidden(), config.rmsEps());
        this.lmHead = Linear.create(store, prefix + "lm_head", config.hidden(), config.vocabSize(), false);
    }

    LlamaConfig config() {
        return config;
    }

    /** Checks token ids (rectangular, in vocabulary, at least one) and returns [batch, seq]. */
    int[] checkTokens(int[][] tokenIds) {
        if (tokenIds == null || tokenIds.length == 0 || tokenIds[0] == null || tokenIds[0].length == 0) {
            throw new IllegalArgumentException("token ids must be a non-empty [batch][seq] array");
        }
        int seq = tokenIds[0].length;
        for (int b = 0; b < tokenIds.length; b++) {
            if (tokenIds[b] == null || tokenIds[b].length != seq) {
                throw new IllegalArgumentException("token id rows must all have length " + seq + "; row " + b
                        + " has " + (tokenIds[b] == null ? "none" : tokenIds[b].length) + " (pad the batch)");
            }
            for (int s = 0; s < seq; s++) {
                int id = tokenIds[b][s];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at [" + b + "][" + s
                            + "] is outside the vocabulary 0.." + (config.vocabSize() - 1));
                }
            }
        }
        return new int[] {tokenIds.length, seq};
    }

    /** Embeddings of checked token ids, [batch * seq, hidden]. */
    float[] embed(int[][] tokenIds) {
        int h = config.hidden();
        int seq = tokenIds[0].length;
        float[] x = new float[tokenIds.length * seq * h];
        for (int b = 0; b < tokenIds.length; b++) {
            for (int s = 0; s < seq; s++) {
                System.arraycopy(embedding, tokenIds[b][s] * h, x, (b * seq + s) * h, h);
            }
        }
        return x;
    }

    /** Runs the stack on [batch * seq, hidden] input embeddings. */
    Logits forward(float[] embeds, int batch, int seq, AttentionFunction attention) {
        if (seq > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + seq + " positions exceeds max positions "
                    + config.maxPositions());
        }
        float[] x = embeds.clone();
        for (Layer layer : layers) {
            layer.forward(x, batch, seq, attention);
        }
        float[] logits = lmHead.apply(norm.apply(x, batch * seq), batch * seq);
        return new Logits(batch, seq, config.vocabSize(), logits);
    }

    private static final class Layer {
        private final RmsNorm inputNorm;
        private final SelfAttention attention;
        private final RmsNorm postAttentionNorm;
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        Layer(LlamaConfig c, ParameterStore store, String name, RotaryEmbedding rope) {
            this.inputNorm = new RmsNorm(store, name + ".input_layernorm", c.hidden(), c.rmsEps());
            this.attention = new SelfAttention(store, name + ".self_attn", c.hidden(), c.attentionSpec(), rope, false);
            this.postAttentionNorm = new RmsNorm(store, name + ".post_attention_layernorm", c.hidden(), c.rmsEps());
            this.gate = Linear.create(store, name + ".mlp.gate_proj", c.hidden(), c.intermediate(), false);
            this.up = Linear.create(store, name + ".mlp.up_proj", c.hidden(), c.intermediate(), false);
            this.down = Linear.create(store, name + ".mlp.down_proj", c.intermediate(), c.hidden(), false);
        }

        /** Updates the residual stream {@code x} in place. */
        void forward(float[] x, int batch, int seq, AttentionFunction fn) {
            int rows = batch * seq;
            addInPlace(x, attention.forward(inputNorm.apply(x, rows), batch, seq, fn));
            float[] h = postAttentionNorm.apply(x, rows);
            float[] g = gate.apply(h, rows);
            Activations.siluMul(g, up.apply(h, rows));
            addInPlace(x, down.apply(g, rows));
        }
    }

    static void addInPlace(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}

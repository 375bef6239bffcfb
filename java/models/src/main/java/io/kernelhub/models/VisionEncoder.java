package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * A ViT-style encoder: linear patch embedding plus learned position embeddings, pre-norm
 * layers (LayerNorm, bidirectional attention, LayerNorm, GELU MLP) with residuals, final
 * LayerNorm. Like the decoder it takes the attention function per forward pass.
 */
final class VisionEncoder {

    private final VisionConfig config;
    private final Linear patchEmbed;
    private final float[] positions;
    private final List<Layer> layers = new ArrayList<>();
    private final LayerNorm norm;

    VisionEncoder(VisionConfig config, ParameterStore store, String prefix) {
        this.config = config;
        this.patchEmbed = Linear.create(store, prefix + "patch_embed", config.patchDim(), config.hidden(), true);
        this.positions = store.normal(prefix + "position_embedding", config.numPatches() * config.hidden(), 0, 0.02);
        for (int i = 0; i < config.layers(); i++) {
            layers.add(new Layer(config, store, prefix + "layers." + i));
        }
        this.norm = new LayerNorm(store, prefix + "post_layernorm", config.hidden(), config.normEps());
    }

    /** Image features, [batch * numPatches, hidden], from [batch][channels * size * size] pixels. */
    float[] forward(float[][] pixels, AttentionFunction attention) {
        int batch = pixels.length;
        int n = config.numPatches();
        float[] x = patchEmbed.apply(patchify(pixels), batch * n);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < positions.length; i++) {
                x[b * positions.length + i] += positions[i];
            }
        }
        for (Layer layer : layers) {
            layer.forward(x, batch, n, attention);
        }
        return norm.apply(x, batch * n);
    }

    void checkPixels(float[][] pixels) {
        if (pixels == null || pixels.length == 0) {
            throw new IllegalArgumentException("pixels must be a non-empty [batch][channels * size * size] array");
        }
        for (int b = 0; b < pixels.length; b++) {
            if (pixels[b] == null || pixels[b].length != config.pixelCount()) {
                throw new IllegalArgumentException("image " + b + " has " + (pixels[b] == null ? "no" : pixels[b].length)
                        + " values; expected " + config.channels() + " x " + config.imageSize() + " x "
                        + config.imageSize() + " = " + config.pixelCount() + " (channels first)");
            }
        }
    }

    /** Row-major patches: patch (py, px) of image b is row b * n + py * side + px, ordered [c][dy][dx]. */
    private float[] patchify(float[][] pixels) {
        int size = config.imageSize();
        int p = config.patchSize();
        int side = size / p;
        int dim = config.patchDim();
        float[] out = new float[pixels.length * config.numPatches() * dim];
        for (int b = 0; b < pixels.length; b++) {
            for (int py = 0; py < side; py++) {
                for (int px = 0; px < side; px++) {
                    int o = ((b * side + py) * side + px) * dim;
                    for (int c = 0; c < config.channels(); c++) {
                        for (int dy = 0; dy < p; dy++) {
                            System.arraycopy(pixels[b], (c * size + py * p + dy) * size + px * p, out, o, p);
                            o += p;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static final class Layer {
        private final LayerNorm norm1;
        private final SelfAttention attention;
        private final LayerNorm norm2;
        private final Linear fc1;
        private final Linear fc2;

        Layer(VisionConfig c, ParameterStore store, String name) {
            this.norm1 = new LayerNorm(store, name + ".layer_norm1", c.hidden(), c.normEps());
            this.attention = new SelfAttention(store, name + ".self_attn", c.hidden(), c.attentionSpec(), null, true);
            this.norm2 = new LayerNorm(store, name + ".layer_norm2", c.hidden(), c.normEps());
            this.fc1 = Linear.create(store, name + ".mlp.fc1", c.hidden(), c.intermediate(), true);
            this.fc2 = Linear.create(store, name + ".mlp.fc2", c.intermediate(), c.hidden(), true);
        }

        void forward(float[] x, int batch, int seq, AttentionFunction fn) {
            int rows = batch * seq;
            LlamaDecoder.addInPlace(x, attention.forward(norm1.apply(x, rows), batch, seq, fn));
            float[] h = fc1.apply(norm2.apply(x, rows), rows);
            Activations.gelu(h);
            LlamaDecoder.addInPlace(x, fc2.apply(h, rows));
        }
    }
}

package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.models.compute.Rounding;
import io.kernelhub.models.compute.WeightMatrix;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import io.kernelhub.models.safetensors.TensorInfo;
import io.kernelhub.models.safetensors.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama checkpoint's weights, ready for the forward pass in one compute dtype. Every tensor is
 * checked first (present, a supported dtype, exactly the shape config.json implies), so a bad
 * checkpoint fails before anything is converted. Then matrices whose stored dtype equals the
 * compute dtype stay zero-copy views of the memory-mapped files (nothing is read until the
 * first token touches it); the others are converted once into {@code arena}: an f32 model from
 * a bf16 checkpoint costs twice the file's size in native memory. Norm weights and biases, tiny
 * by comparison, are kept as f32 arrays holding values of the compute dtype, as PyTorch holds
 * them after {@code from_pretrained(..., dtype=...)}.
 *
 * @param embed  {@code model.embed_tokens.weight} [vocab, hidden]
 * @param lmHead {@code lm_head.weight} [vocab, hidden], or the embedding itself when tied
 */
record LlamaWeights(WeightMatrix embed, List<Layer> layers, float[] finalNorm, WeightMatrix lmHead) {

    /** One decoder layer's parameters; biases are null when the config has none. */
    record Layer(float[] inputNorm, WeightMatrix q, WeightMatrix k, WeightMatrix v, WeightMatrix o,
                 float[] qBias, float[] kBias, float[] vBias, float[] oBias, float[] postAttentionNorm,
                 WeightMatrix gate, WeightMatrix up, WeightMatrix down,
                 float[] gateBias, float[] upBias, float[] downBias) {
    }

    /** Every tensor name and shape a checkpoint of this config must have, in load order. */
    static List<Expected> expected(LlamaCheckpointConfig c) {
        List<Expected> all = new ArrayList<>();
        long h = c.hiddenSize();
        long qDim = (long) c.heads() * c.headDim();
        long kvDim = (long) c.kvHeads() * c.headDim();
        long inter = c.intermediateSize();
        all.add(new Expected("model.embed_tokens.weight", c.vocabSize(), h));
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            all.add(new Expected(p + "input_layernorm.weight", h));
            addLinear(all, p + "self_attn.q_proj", qDim, h, c.attentionBias());
            addLinear(all, p + "self_attn.k_proj", kvDim, h, c.attentionBias());
            addLinear(all, p + "self_attn.v_proj", kvDim, h, c.attentionBias());
            addLinear(all, p + "self_attn.o_proj", h, qDim, c.attentionBias());
            all.add(new Expected(p + "post_attention_layernorm.weight", h));
            addLinear(all, p + "mlp.gate_proj", inter, h, c.mlpBias());
            addLinear(all, p + "mlp.up_proj", inter, h, c.mlpBias());
            addLinear(all, p + "mlp.down_proj", h, inter, c.mlpBias());
        }
        all.add(new Expected("model.norm.weight", h));
        if (!c.tieWordEmbeddings()) {
            all.add(new Expected("lm_head.weight", c.vocabSize(), h));
        }
        return all;
    }

    private static void addLinear(List<Expected> all, String name, long out, long in, boolean bias) {
        all.add(new Expected(name + ".weight", out, in));
        if (bias) {
            all.add(new Expected(name + ".bias", out));
        }
    }

    /** A tensor the model needs, with its exact shape. */
    record Expected(String name, long... shape) {
    }

    /**
     * Checks every tensor, then builds the weights in {@code dtype}.
     *
     * @throws io.kernelhub.models.safetensors.CheckpointException naming the file and tensor of the first problem
     */
    static LlamaWeights load(LlamaCheckpointConfig c, TensorSource source, DType dtype, Arena arena) {
        for (Expected e : expected(c)) {
            source.require(e.name(), null, e.shape());
        }
        Loader l = new Loader(source, dtype, arena);
        WeightMatrix embed = l.matrix("model.embed_tokens.weight");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            String m = p + "mlp.";
            boolean ab = c.attentionBias();
            boolean mb = c.mlpBias();
            layers.add(new Layer(l.vector(p + "input_layernorm.weight"),
                    l.matrix(a + "q_proj.weight"), l.matrix(a + "k_proj.weight"), l.matrix(a + "v_proj.weight"),
                    l.matrix(a + "o_proj.weight"),
                    l.bias(a + "q_proj.bias", ab), l.bias(a + "k_proj.bias", ab), l.bias(a + "v_proj.bias", ab),
                    l.bias(a + "o_proj.bias", ab),
                    l.vector(p + "post_attention_layernorm.weight"),
                    l.matrix(m + "gate_proj.weight"), l.matrix(m + "up_proj.weight"), l.matrix(m + "down_proj.weight"),
                    l.bias(m + "gate_proj.bias", mb), l.bias(m + "up_proj.bias", mb), l.bias(m + "down_proj.bias", mb)));
        }
        float[] norm = l.vector("model.norm.weight");
        WeightMatrix head = c.tieWordEmbeddings() ? embed : l.matrix("lm_head.weight");
        return new LlamaWeights(embed, List.copyOf(layers), norm, head);
    }

    /** Bytes a decode step streams: every matrix once, but only one embedding row. */
    long bytesPerDecodeStep() {
        long total = (long) embed.cols() * embed.dtype().byteSize() + lmHead.byteSize();
        for (Layer layer : layers) {
            for (WeightMatrix w : new WeightMatrix[] {layer.q(), layer.k(), layer.v(), layer.o(), layer.gate(),
                    layer.up(), layer.down()}) {
                total += w.byteSize();
            }
        }
        return total;
    }

    /** Native bytes held beyond the mapped files (conversions). */
    static long convertedBytes(List<WeightMatrix> all) {
        return all.stream().filter(w -> !w.data().isMapped()).mapToLong(WeightMatrix::byteSize).sum();
    }

    private record Loader(TensorSource source, DType dtype, Arena arena) {

        WeightMatrix matrix(String name) {
            TensorInfo info = source.info(name);
            int[] shape = info.intShape();
            MemorySegment data = info.coreDType() == dtype
                    ? source.slice(name)
                    : source.load(name, dtype, arena).segment();
            return new WeightMatrix(name, data, dtype, shape[0], shape[1]);
        }

        float[] vector(String name) {
            float[] v = source.readFloats(name);
            Rounding.round(v, 0, v.length, dtype);
            return v;
        }

        float[] bias(String name, boolean present) {
            return present ? vector(name) : null;
        }
    }
}

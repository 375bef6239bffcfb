package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.models.compute.Projection;
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
record LlamaWeights(WeightMatrix embed, List<Layer> layers, float[] finalNorm, Projection lmHead) {

    /**
     * One decoder layer's parameters, its products grouped as they run: q/k/v, o, gate/up, down
     * (biases null when the config has none).
     */
    record Layer(float[] inputNorm, Projection qkv, Projection o, float[] postAttentionNorm, Projection gateUp,
                 Projection down) {
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
                    l.projection(ab, a + "q_proj", a + "k_proj", a + "v_proj"), l.projection(ab, a + "o_proj"),
                    l.vector(p + "post_attention_layernorm.weight"),
                    l.projection(mb, m + "gate_proj", m + "up_proj"), l.projection(mb, m + "down_proj")));
        }
        float[] norm = l.vector("model.norm.weight");
        WeightMatrix head = c.tieWordEmbeddings() ? embed : l.matrix("lm_head.weight");
        return new LlamaWeights(embed, List.copyOf(layers), norm, Projection.of(head, null));
    }

    /** Every weight matrix once (a tied LM head is the embedding, listed once), in load order. */
    List<WeightMatrix> matrices() {
        List<WeightMatrix> all = new ArrayList<>();
        all.add(embed);
        for (Layer l : layers) {
            for (Projection p : List.of(l.qkv(), l.o(), l.gateUp(), l.down())) {
                all.addAll(p.weights());
            }
        }
        WeightMatrix head = lmHead.matrices()[0];
        if (head != embed) {
            all.add(head);
        }
        return all;
    }

    /** Native bytes held beyond the mapped files: the matrices converted at load. */
    long convertedBytes() {
        return matrices().stream().filter(w -> !w.data().isMapped()).mapToLong(WeightMatrix::byteSize).sum();
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

        /** The {@code .weight} (and, when {@code withBias}, {@code .bias}) of each named linear layer. */
        Projection projection(boolean withBias, String... linears) {
            WeightMatrix[] ws = new WeightMatrix[linears.length];
            float[][] bs = new float[linears.length][];
            for (int i = 0; i < linears.length; i++) {
                ws[i] = matrix(linears[i] + ".weight");
                bs[i] = withBias ? vector(linears[i] + ".bias") : null;
            }
            return new Projection(ws, bs);
        }
    }
}

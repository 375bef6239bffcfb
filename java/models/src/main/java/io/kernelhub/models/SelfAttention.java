package io.kernelhub.models;

import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionRequest;

/**
 * Multi-head self-attention shared by both backbones: q/k/v projections, optional RoPE, the
 * attention itself through whatever implementation the caller passes, and the output
 * projection. Projections produce [batch * seq, heads * headDim] rows, which is already BSHD,
 * so the tensors handed to attention are plain contiguous copies in the spec's dtype.
 */
final class SelfAttention {

    private final AttentionSpec spec;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final RotaryEmbedding rope;

    SelfAttention(ParameterStore store, String name, int hidden, AttentionSpec spec, RotaryEmbedding rope,
                  boolean withBias) {
        this.spec = spec;
        this.q = Linear.create(store, name + ".q_proj", hidden, spec.heads() * spec.headDim(), withBias);
        this.k = Linear.create(store, name + ".k_proj", hidden, spec.kvHeads() * spec.headDim(), withBias);
        this.v = Linear.create(store, name + ".v_proj", hidden, spec.kvHeads() * spec.headDim(), withBias);
        this.o = Linear.create(store, name + ".o_proj", spec.heads() * spec.headDim(), hidden, withBias);
        this.rope = rope;
    }

    float[] forward(float[] x, int batch, int seq, AttentionFunction attention) {
        int rows = batch * seq;
        float[] qv = q.apply(x, rows);
        float[] kv = k.apply(x, rows);
        float[] vv = v.apply(x, rows);
        if (rope != null) {
            rope.rotateAll(qv, batch, seq, spec.heads());
            rope.rotateAll(kv, batch, seq, spec.kvHeads());
        }
        int d = spec.headDim();
        Tensor tq = Tensor.of(spec.dtype(), qv, batch, seq, spec.heads(), d);
        Tensor tk = Tensor.of(spec.dtype(), kv, batch, seq, spec.kvHeads(), d);
        Tensor tv = Tensor.of(spec.dtype(), vv, batch, seq, spec.kvHeads(), d);
        AttentionRequest request = AttentionRequest.builder(tq, tk, tv).causal(spec.causal()).build();
        float[] context = attention.forward(request).out().toFloatArray();
        return o.apply(context, rows);
    }
}

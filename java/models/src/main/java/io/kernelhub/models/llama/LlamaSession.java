package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.compute.ParallelLinear;
import io.kernelhub.models.compute.Rounding;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * One sequence on a {@link LlamaForCausalLM}: the KV cache (per layer, {@code [1, capacity,
 * kv_heads, head_dim]} in the compute dtype, native so hub kernels can read it) and every buffer
 * a forward step needs, sized for one prefill chunk and allocated once. Decoding a token then
 * allocates no buffers: it writes into these and hands attention views of the cache, with the
 * query at the end of it (bottom-right causal, so seq_q = 1 sees every cached key).
 */
final class LlamaSession implements InferenceSession {

    private final LlamaForCausalLM model;
    private final LlamaCheckpointConfig c;
    private final DType dtype;
    private final int capacity;
    private final int chunk;
    private final AttentionFunction attention;
    private final Arena arena = Arena.ofShared();
    private final Tensor[] keys;
    private final Tensor[] values;
    private final Tensor query;
    private final Tensor context;
    // f32 activations, [chunk, width] row-major
    private final float[] x;
    private final float[] xn;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] ctx;
    private final float[] proj;
    private final float[] gate;
    private final float[] up;
    private final float[] cos;
    private final float[] sin;
    private final float[] logits;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;
    private final float[][] oneOut;
    private final float[][] logitsOut;
    private int length;
    private boolean closed;

    LlamaSession(LlamaForCausalLM model, int capacity, int chunk, AttentionFunction attention) {
        this.model = model;
        this.c = model.config();
        this.dtype = model.dtype();
        this.capacity = capacity;
        this.chunk = chunk;
        this.attention = attention;
        int h = c.hiddenSize();
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        try {
            keys = new Tensor[c.layers()];
            values = new Tensor[c.layers()];
            for (int i = 0; i < c.layers(); i++) {
                keys[i] = Tensor.zeros(arena, dtype, 1, capacity, c.kvHeads(), c.headDim());
                values[i] = Tensor.zeros(arena, dtype, 1, capacity, c.kvHeads(), c.headDim());
            }
            query = Tensor.zeros(arena, dtype, 1, chunk, c.heads(), c.headDim());
            context = Tensor.zeros(arena, dtype, 1, chunk, c.heads(), c.headDim());
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
        x = new float[chunk * h];
        xn = new float[chunk * h];
        q = new float[chunk * qDim];
        k = new float[chunk * kvDim];
        v = new float[chunk * kvDim];
        ctx = new float[chunk * qDim];
        proj = new float[chunk * h];
        gate = new float[chunk * c.intermediateSize()];
        up = new float[chunk * c.intermediateSize()];
        cos = new float[chunk * c.headDim() / 2];
        sin = new float[chunk * c.headDim() / 2];
        logits = new float[c.vocabSize()];
        qkvOut = new float[][] {q, k, v};
        gateUpOut = new float[][] {gate, up};
        oneOut = new float[][] {proj};
        logitsOut = new float[][] {logits};
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public float[] append(int[] tokens, int from, int count, float[][] everyPosition) {
        check(tokens, from, count);
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk, count - done);
            forward(tokens, from + done, n, everyPosition, from + done);
            done += n;
        }
        return logits;
    }

    private void check(int[] tokens, int from, int count) {
        if (closed) {
            throw new IllegalStateException("the session is closed");
        }
        model.checkOpen();
        if (count < 1 || from < 0 || from + count > tokens.length) {
            throw new IllegalArgumentException("append needs 1 or more tokens inside the array; got from " + from
                    + ", count " + count + " of " + tokens.length);
        }
        if (length + count > capacity) {
            throw new IllegalArgumentException("the sequence would reach " + (length + count)
                    + " positions but this session holds " + capacity + " (max_position_embeddings is "
                    + c.maxPositions() + ")");
        }
        for (int i = from; i < from + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " at index " + i
                        + " is outside the vocabulary 0.." + (c.vocabSize() - 1));
            }
        }
    }

    /** One forward step over {@code n <= chunk} new tokens at positions {@code length ..}. */
    private void forward(int[] tokens, int from, int n, float[][] everyPosition, int outFrom) {
        LlamaWeights w = model.weights();
        ParallelLinear linear = model.linear();
        int h = c.hiddenSize();
        int heads = c.heads();
        int kvHeads = c.kvHeads();
        int d = c.headDim();
        int qDim = heads * d;
        int kvDim = kvHeads * d;
        int inter = c.intermediateSize();
        int pos = length;
        for (int r = 0; r < n; r++) {
            w.embed().readRow(tokens[from + r], x, r * h);
        }
        model.rope().fill(pos, n, cos, sin);
        for (int li = 0; li < c.layers(); li++) {
            LlamaWeights.Layer layer = w.layers().get(li);
            rmsNorm(x, 0, n, layer.inputNorm(), xn);
            linear.apply(xn, n, layer.qkv(), qkvOut, dtype);
            model.rope().apply(q, n, heads, d, cos, sin);
            model.rope().apply(k, n, kvHeads, d, cos, sin);
            // new keys/values go straight into the cache; q into the query buffer
            Tensor kc = keys[li];
            Tensor vc = values[li];
            kc.writeFloats((long) pos * kvDim, 1, k, 0, n * kvDim);
            vc.writeFloats((long) pos * kvDim, 1, v, 0, n * kvDim);
            query.writeFloats(0, 1, q, 0, n * qDim);
            Tensor qView = n == chunk ? query : query.slice(1, 0, n);
            Tensor outView = n == chunk ? context : context.slice(1, 0, n);
            AttentionRequest request = AttentionRequest.builder(qView, kc.slice(1, 0, pos + n), vc.slice(1, 0, pos + n))
                    .causal(true).out(outView).build();
            attention.forward(request);
            context.readFloats(0, 1, ctx, 0, n * qDim);
            linear.apply(ctx, n, layer.o(), oneOut, dtype);
            addRounded(x, proj, n * h);
            rmsNorm(x, 0, n, layer.postAttentionNorm(), xn);
            linear.apply(xn, n, layer.gateUp(), gateUpOut, dtype);
            siluMul(gate, up, n * inter);
            linear.apply(gate, n, layer.down(), oneOut, dtype);
            addRounded(x, proj, n * h);
        }
        length = pos + n;
        if (everyPosition == null) {
            // only the last position's logits are needed to pick the next token
            rmsNorm(x, n - 1, 1, w.finalNorm(), xn);
            linear.apply(xn, 1, w.lmHead(), logitsOut, dtype);
            return;
        }
        // every position's logits: one product over all n rows (the LM head streamed once, not n times)
        rmsNorm(x, 0, n, w.finalNorm(), xn);
        int vocab = c.vocabSize();
        float[] rows = new float[n * vocab];
        linear.apply(xn, n, w.lmHead(), new float[][] {rows}, dtype);
        for (int r = 0; r < n; r++) {
            everyPosition[outFrom + r] = Arrays.copyOfRange(rows, r * vocab, (r + 1) * vocab);
        }
        System.arraycopy(rows, (n - 1) * vocab, logits, 0, vocab);
    }

    /**
     * {@code weight * round(x / sqrt(mean(x^2) + eps))}: the statistics in f32 (accumulated in
     * double), the normalized value rounded to the compute dtype, then the product rounded, as
     * LlamaRMSNorm does.
     */
    /**
     * Rows {@code [first, first + rows)} of {@code in} normalized into rows {@code [0, rows)} of
     * {@code out}: {@code weight * round(x / sqrt(mean(x^2) + eps))}, the statistics in f32
     * (accumulated in double), the normalized value rounded to the compute dtype, then the
     * product rounded, as LlamaRMSNorm does.
     */
    private void rmsNorm(float[] in, int first, int rows, float[] weight, float[] out) {
        int h = c.hiddenSize();
        float eps = (float) c.rmsNormEps();
        model.linear().forRange(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int src = (first + r) * h;
                int dst = r * h;
                double sum = 0;
                for (int i = 0; i < h; i++) {
                    float xi = in[src + i];
                    sum += xi * xi;
                }
                float variance = (float) (sum / h);
                float inv = (float) (1.0 / Math.sqrt(variance + eps));
                for (int i = 0; i < h; i++) {
                    out[dst + i] = Rounding.round(weight[i] * Rounding.round(in[src + i] * inv, dtype), dtype);
                }
            }
        });
    }

    private void addRounded(float[] acc, float[] delta, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += delta[i];
        }
        Rounding.round(acc, 0, n, dtype);
    }

    /** gate = round(round(silu(gate)) * up): silu rounded to the dtype, then the product. */
    private void siluMul(float[] g, float[] u, int n) {
        model.linear().forRange(n, 2048, (from, to) -> {
            for (int i = from; i < to; i++) {
                float a = g[i];
                float s = Rounding.round((float) (a / (1.0 + Math.exp(-a))), dtype);
                g[i] = Rounding.round(s * u[i], dtype);
            }
        });
    }

    @Override
    public void reset() {
        length = 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}

package io.kernelhub.core.attention;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * One attention call, validated when built: every inconsistency (shapes, heads, strides,
 * windows, sequence lengths) is an {@link IllegalArgumentException} with a message that says
 * what was wrong, so no implementation ever sees bad input.
 *
 * <p>Layouts (BSHD, any strides): fixed length q {@code [batch, seq_q, heads_q, head_dim]},
 * k/v {@code [batch, seq_k, heads_kv, head_dim]}; packed varlen q {@code [total_q, heads_q,
 * head_dim]}, k/v {@code [total_k, heads_kv, head_dim]} with {@code cu_seqlens_q/k} prefix sums.
 * LSE is f32 {@code [batch, heads_q, seq_q]} (varlen: {@code [heads_q, total_q]}, as FlashAttention).
 *
 * <p>Masking, per sequence with lengths sq and sk and shift = sk - sq: query i sees key j when
 * j &lt; sk, and (causal) j &lt;= i + shift, and (window left) j &gt;= i + shift - left, and
 * (window right) j &lt;= i + shift + right. Causal is the window right = 0.
 */
public final class AttentionRequest {

    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor out;
    private final Tensor lse;
    private final boolean returnLse;
    private final double scale;
    private final boolean causal;
    private final int windowLeft;
    private final int windowRight;
    private final float softcap;
    private final long stream;
    private final int[] seqlensK;
    private final int[] cuSeqlensQ;
    private final int[] cuSeqlensK;

    // derived geometry
    private final boolean varlen;
    private final int batch;
    private final int headsQ;
    private final int headsKv;
    private final int headDim;
    private final int maxSeqQ;
    private final int maxSeqK;

    private AttentionRequest(Builder b) {
        this.q = require(b.q, "q");
        this.k = require(b.k, "k");
        this.v = require(b.v, "v");
        this.out = b.out;
        this.lse = b.lse;
        this.returnLse = b.returnLse || b.lse != null;
        this.causal = b.causal;
        this.windowLeft = b.windowLeft;
        this.softcap = b.softcap;
        this.stream = b.stream;
        this.seqlensK = b.seqlensK == null ? null : b.seqlensK.clone();
        this.cuSeqlensQ = b.cuSeqlensQ == null ? null : b.cuSeqlensQ.clone();
        this.cuSeqlensK = b.cuSeqlensK == null ? null : b.cuSeqlensK.clone();
        this.varlen = cuSeqlensQ != null || cuSeqlensK != null;

        if (b.windowLeft < -1 || b.windowRight < -1) {
            throw new IllegalArgumentException("bad window (" + b.windowLeft + ", " + b.windowRight
                    + "): each side is a number of keys >= 0, or -1 for unlimited");
        }
        if (causal && b.windowRight > 0) {
            throw new IllegalArgumentException("causal attention already limits the right window to 0; got window right "
                    + b.windowRight + ". Drop causal or set the right window to 0 or -1");
        }
        this.windowRight = causal ? 0 : b.windowRight;
        if (!Float.isFinite(softcap) || softcap < 0) {
            throw new IllegalArgumentException("softcap must be a finite number >= 0 (0 = off), got " + softcap);
        }

        int expectedRank = varlen ? 3 : 4;
        String layout = varlen ? "[total_tokens, heads, head_dim] (packed varlen)" : "[batch, seq, heads, head_dim]";
        for (Tensor t : new Tensor[] {q, k, v}) {
            if (t.rank() != expectedRank) {
                throw new IllegalArgumentException(name(t) + " has shape " + Arrays.toString(t.shape()) + " but must be "
                        + layout);
            }
        }
        if (q.dtype() != k.dtype() || q.dtype() != v.dtype()) {
            throw new IllegalArgumentException("q, k and v must share one dtype, got " + q.dtype() + ", " + k.dtype()
                    + ", " + v.dtype());
        }
        if (!q.device().equals(k.device()) || !q.device().equals(v.device())) {
            throw new IllegalArgumentException("q, k and v must be on one device, got " + q.device() + ", "
                    + k.device() + ", " + v.device());
        }
        int h = expectedRank - 2;
        this.headsQ = q.size(h);
        this.headsKv = k.size(h);
        this.headDim = q.size(h + 1);
        if (!Arrays.equals(k.shape(), v.shape())) {
            throw new IllegalArgumentException("k " + Arrays.toString(k.shape()) + " and v " + Arrays.toString(v.shape())
                    + " must have the same shape");
        }
        if (k.size(h + 1) != headDim) {
            throw new IllegalArgumentException("head dim of k/v (" + k.size(h + 1) + ") differs from q's (" + headDim
                    + ")");
        }
        if (headDim < 1 || headsQ < 1 || headsKv < 1) {
            throw new IllegalArgumentException("head dim and head counts must be >= 1, got head_dim " + headDim
                    + ", heads_q " + headsQ + ", heads_kv " + headsKv);
        }
        if (headsQ % headsKv != 0) {
            throw new IllegalArgumentException("heads_q (" + headsQ + ") must be a multiple of heads_kv (" + headsKv
                    + ") for grouped-query attention");
        }
        for (Tensor t : new Tensor[] {q, k, v}) {
            for (long s : t.strides()) {
                if (s < 0) {
                    throw new IllegalArgumentException(name(t) + " has a negative stride " + Arrays.toString(t.strides())
                            + "; make it contiguous first");
                }
            }
        }

        if (varlen) {
            if (cuSeqlensQ == null || cuSeqlensK == null) {
                throw new IllegalArgumentException("packed varlen needs both cu_seqlens_q and cu_seqlens_k");
            }
            if (seqlensK != null) {
                throw new IllegalArgumentException("per-sequence key lengths (seqlens_k) are for the fixed layout; "
                        + "with varlen the lengths come from cu_seqlens_k");
            }
            if (cuSeqlensQ.length != cuSeqlensK.length || cuSeqlensQ.length < 2) {
                throw new IllegalArgumentException("cu_seqlens_q (" + cuSeqlensQ.length + " entries) and cu_seqlens_k ("
                        + cuSeqlensK.length + ") must both have batch + 1 >= 2 entries");
            }
            this.batch = cuSeqlensQ.length - 1;
            this.maxSeqQ = checkPrefixSums("cu_seqlens_q", cuSeqlensQ, q.size(0));
            this.maxSeqK = checkPrefixSums("cu_seqlens_k", cuSeqlensK, k.size(0));
        } else {
            this.batch = q.size(0);
            if (k.size(0) != batch) {
                throw new IllegalArgumentException("batch of q (" + batch + ") and k/v (" + k.size(0) + ") differ");
            }
            this.maxSeqQ = q.size(1);
            this.maxSeqK = k.size(1);
            if (seqlensK != null) {
                if (seqlensK.length != batch) {
                    throw new IllegalArgumentException("seqlens_k has " + seqlensK.length + " entries, need one per "
                            + "sequence (batch " + batch + ")");
                }
                for (int i = 0; i < batch; i++) {
                    if (seqlensK[i] < 0 || seqlensK[i] > maxSeqK) {
                        throw new IllegalArgumentException("seqlens_k[" + i + "] = " + seqlensK[i] + " is outside 0.."
                                + maxSeqK + " (the k/v sequence dimension)");
                    }
                }
            }
        }

        if (Double.isNaN(b.scale)) {
            this.scale = 1.0 / Math.sqrt(headDim);
        } else if (!Double.isFinite(b.scale) || b.scale == 0) {
            throw new IllegalArgumentException("scale must be a finite non-zero number, got " + b.scale);
        } else {
            this.scale = b.scale;
        }

        if (out != null) {
            if (!Arrays.equals(out.shape(), q.shape())) {
                throw new IllegalArgumentException("out has shape " + Arrays.toString(out.shape())
                        + " but must match q " + Arrays.toString(q.shape()));
            }
            if (!out.device().equals(q.device())) {
                throw new IllegalArgumentException("out is on " + out.device() + " but q is on " + q.device());
            }
            if (!hasDistinctElements(out)) {
                throw new IllegalArgumentException("out " + Arrays.toString(out.shape()) + " with strides "
                        + Arrays.toString(out.strides()) + " has overlapping elements; writes would collide");
            }
        }
        if (lse != null) {
            int[] expected = lseShape();
            if (!Arrays.equals(lse.shape(), expected) || lse.dtype() != DType.F32) {
                throw new IllegalArgumentException("lse must be f32 with shape " + Arrays.toString(expected) + ", got "
                        + lse.dtype() + " " + Arrays.toString(lse.shape()));
            }
            if (!hasDistinctElements(lse)) {
                throw new IllegalArgumentException("lse has overlapping elements; writes would collide");
            }
        }
    }

    private static Tensor require(Tensor t, String name) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return t;
    }

    private String name(Tensor t) {
        return t == q ? "q" : t == k ? "k" : "v";
    }

    private static int checkPrefixSums(String name, int[] cu, int total) {
        if (cu[0] != 0) {
            throw new IllegalArgumentException(name + "[0] must be 0, got " + cu[0]);
        }
        int max = 0;
        for (int i = 1; i < cu.length; i++) {
            if (cu[i] < cu[i - 1]) {
                throw new IllegalArgumentException(name + " must not decrease: entry " + i + " is " + cu[i]
                        + " after " + cu[i - 1]);
            }
            max = Math.max(max, cu[i] - cu[i - 1]);
        }
        if (cu[cu.length - 1] > total) {
            throw new IllegalArgumentException(name + " ends at " + cu[cu.length - 1]
                    + " but the packed tensor holds only " + total + " tokens");
        }
        return max;
    }

    /** True when no two indices of a view map to the same element (sorted strides dominate the sizes below). */
    private static boolean hasDistinctElements(Tensor t) {
        int[] shape = t.shape();
        long[] strides = t.strides();
        Integer[] order = new Integer[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b2) -> Long.compare(strides[a], strides[b2]));
        long span = 1;
        for (int i : order) {
            if (shape[i] <= 1) {
                continue;
            }
            if (strides[i] < span) {
                return false;
            }
            span = strides[i] * shape[i];
        }
        return true;
    }

    public static Builder builder(Tensor q, Tensor k, Tensor v) {
        return new Builder(q, k, v);
    }

    // ---- accessors -------------------------------------------------------------------------

    public Tensor q() {
        return q;
    }

    public Tensor k() {
        return k;
    }

    public Tensor v() {
        return v;
    }

    /** Caller-provided output, or null (the implementation allocates one). */
    public Tensor out() {
        return out;
    }

    /** Caller-provided LSE output, or null. */
    public Tensor lse() {
        return lse;
    }

    public boolean returnLse() {
        return returnLse;
    }

    public DType dtype() {
        return q.dtype();
    }

    public double scale() {
        return scale;
    }

    public boolean causal() {
        return causal;
    }

    /** Left window in keys, -1 = unlimited. */
    public int windowLeft() {
        return windowLeft;
    }

    /** Right window in keys, -1 = unlimited (0 when causal). */
    public int windowRight() {
        return windowRight;
    }

    /** The device stream native CUDA ops run on ({@code cudaStream_t} as an address), 0 for the default stream. */
    public long stream() {
        return stream;
    }

    public float softcap() {
        return softcap;
    }

    public boolean varlen() {
        return varlen;
    }

    public int[] seqlensK() {
        return seqlensK == null ? null : seqlensK.clone();
    }

    public int[] cuSeqlensQ() {
        return cuSeqlensQ == null ? null : cuSeqlensQ.clone();
    }

    public int[] cuSeqlensK() {
        return cuSeqlensK == null ? null : cuSeqlensK.clone();
    }

    public int batch() {
        return batch;
    }

    public int headsQ() {
        return headsQ;
    }

    public int headsKv() {
        return headsKv;
    }

    public int headDim() {
        return headDim;
    }

    public int maxSeqQ() {
        return maxSeqQ;
    }

    public int maxSeqK() {
        return maxSeqK;
    }

    /** Query length of sequence b. */
    public int seqQ(int b) {
        return varlen ? cuSeqlensQ[b + 1] - cuSeqlensQ[b] : maxSeqQ;
    }

    /** Key length of sequence b (after padding). */
    public int seqK(int b) {
        if (varlen) {
            return cuSeqlensK[b + 1] - cuSeqlensK[b];
        }
        return seqlensK == null ? maxSeqK : seqlensK[b];
    }

    /** The kv head that query head h reads. */
    public int kvHead(int h) {
        return h / (headsQ / headsKv);
    }

    /** Element offset of q[b, i, h, 0]. */
    public long qRow(int b, int i, int h) {
        return row(q, cuSeqlensQ, b, i, h);
    }

    public long kRow(int b, int j, int hkv) {
        return row(k, cuSeqlensK, b, j, hkv);
    }

    public long vRow(int b, int j, int hkv) {
        return row(v, cuSeqlensK, b, j, hkv);
    }

    /** Element offset of row (b, i, h) of a tensor shaped like q (the output). */
    public long outRow(Tensor outTensor, int b, int i, int h) {
        return row(outTensor, cuSeqlensQ, b, i, h);
    }

    /** Element offset of lse[b, h, i] (varlen: lse[h, cu_q[b] + i]). */
    public long lseIndex(Tensor lseTensor, int b, int h, int i) {
        if (varlen) {
            return lseTensor.offset() + h * lseTensor.stride(0) + (long) (cuSeqlensQ[b] + i) * lseTensor.stride(1);
        }
        return lseTensor.offset() + b * lseTensor.stride(0) + h * lseTensor.stride(1) + i * lseTensor.stride(2);
    }

    private long row(Tensor t, int[] cu, int b, int i, int h) {
        if (varlen) {
            return t.offset() + (long) (cu[b] + i) * t.stride(0) + h * t.stride(1);
        }
        return t.offset() + b * t.stride(0) + i * t.stride(1) + h * t.stride(2);
    }

    /** Stride of the head-dim axis of a BSHD / packed tensor. */
    public static long dimStride(Tensor t) {
        return t.stride(t.rank() - 1);
    }

    public int[] lseShape() {
        return varlen ? new int[] {headsQ, q.size(0)} : new int[] {batch, headsQ, maxSeqQ};
    }

    /** First key query i of a sequence (lengths sq, sk) may see. */
    public int firstKey(int i, int sq, int sk) {
        // long: a window near Integer.MAX_VALUE must not wrap around (it means "no limit" in effect)
        return windowLeft < 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(0L, (long) i + sk - sq - windowLeft));
    }

    /** One past the last key query i of a sequence (lengths sq, sk) may see; <= firstKey when none. */
    public int endKey(int i, int sq, int sk) {
        if (windowRight < 0) {
            return sk;
        }
        long end = (long) i + sk - sq + windowRight + 1;
        return (int) Math.max(0, Math.min(sk, end));
    }

    /** Number of (query, key) pairs that are not masked, summed over batch and query heads. */
    public long unmaskedPairs() {
        long pairs = 0;
        for (int b = 0; b < batch; b++) {
            int sq = seqQ(b);
            int sk = seqK(b);
            for (int i = 0; i < sq; i++) {
                pairs += Math.max(0, endKey(i, sq, sk) - firstKey(i, sq, sk));
            }
        }
        return pairs * headsQ;
    }

    /** FLOPs of the call: 4 * head_dim * (unmasked query-key pairs over all query heads). */
    public double flops() {
        return 4.0 * headDim * unmaskedPairs();
    }

    /** The optional features this request uses. */
    public Set<AttentionFeature> requiredFeatures() {
        EnumSet<AttentionFeature> f = EnumSet.noneOf(AttentionFeature.class);
        if (causal) {
            f.add(AttentionFeature.CAUSAL);
        }
        if (windowLeft >= 0 || (!causal && windowRight >= 0)) {
            f.add(AttentionFeature.SLIDING_WINDOW);
        }
        if (softcap > 0) {
            f.add(AttentionFeature.SOFTCAP);
        }
        if (headsQ != headsKv) {
            f.add(AttentionFeature.GQA);
        }
        if (seqlensK != null) {
            f.add(AttentionFeature.KEY_PADDING);
        }
        if (varlen) {
            f.add(AttentionFeature.VARLEN);
        }
        if (returnLse) {
            f.add(AttentionFeature.LSE);
        }
        if (dimStride(q) != 1 || dimStride(k) != 1 || dimStride(v) != 1 || (out != null && dimStride(out) != 1)) {
            f.add(AttentionFeature.STRIDED_LAST_DIM);
        }
        if (out != null && out.dtype() != q.dtype()) {
            f.add(AttentionFeature.MIXED_OUTPUT_DTYPE);
        }
        return f;
    }

    /** The output tensors to write: the caller's, or new contiguous ones (out in q's dtype, lse f32). */
    public AttentionOutput allocateOutputs() {
        Tensor o = out != null ? out : Tensor.zeros(q.dtype(), q.shape());
        Tensor l = !returnLse ? null : lse != null ? lse : Tensor.zeros(DType.F32, lseShape());
        return new AttentionOutput(o, l);
    }

    /** A copy of this request writing into the given output tensors. */
    public AttentionRequest withOutputs(Tensor newOut, Tensor newLse) {
        Builder b = toBuilder();
        b.out = newOut;
        b.lse = newLse;
        b.returnLse = returnLse || newLse != null;
        return b.build();
    }

    /**
     * The same request on other tensors of the same shapes and dtypes (e.g. device copies made by
     * a CUDA runner), writing into {@code newOut} / {@code newLse}.
     */
    public AttentionRequest onTensors(Tensor newQ, Tensor newK, Tensor newV, Tensor newOut, Tensor newLse) {
        Builder b = copyOptions(new Builder(newQ, newK, newV));
        b.out = newOut;
        b.lse = newLse;
        b.returnLse = returnLse || newLse != null;
        return b.build();
    }

    public Builder toBuilder() {
        return copyOptions(new Builder(q, k, v));
    }

    private Builder copyOptions(Builder b) {
        b.out = out;
        b.lse = lse;
        b.returnLse = returnLse;
        b.scale = scale;
        b.causal = causal;
        b.windowLeft = windowLeft;
        b.windowRight = causal ? -1 : windowRight;
        b.softcap = softcap;
        b.stream = stream;
        b.seqlensK = seqlensK;
        b.cuSeqlensQ = cuSeqlensQ;
        b.cuSeqlensK = cuSeqlensK;
        return b;
    }

    @Override
    public String toString() {
        return "AttentionRequest(" + dtype() + (varlen ? " varlen" : "") + " batch=" + batch + " heads=" + headsQ + "/"
                + headsKv + " seq=" + maxSeqQ + "x" + maxSeqK + " d=" + headDim + (causal ? " causal" : "")
                + (windowLeft >= 0 || (!causal && windowRight >= 0) ? " window=(" + windowLeft + "," + windowRight + ")" : "")
                + (softcap > 0 ? " softcap=" + softcap : "") + (seqlensK != null ? " padded" : "")
                + (returnLse ? " lse" : "") + ")";
    }

    /** Builds a request; {@link #build()} validates everything. */
    public static final class Builder {
        private final Tensor q;
        private final Tensor k;
        private final Tensor v;
        private Tensor out;
        private Tensor lse;
        private boolean returnLse;
        private double scale = Double.NaN;
        private boolean causal;
        private int windowLeft = -1;
        private int windowRight = -1;
        private float softcap;
        private long stream;
        private int[] seqlensK;
        private int[] cuSeqlensQ;
        private int[] cuSeqlensK;

        private Builder(Tensor q, Tensor k, Tensor v) {
            this.q = q;
            this.k = k;
            this.v = v;
        }

        /** Write the output into this tensor (same shape as q; any dtype). */
        public Builder out(Tensor t) {
            this.out = t;
            return this;
        }

        /** Write the LSE into this f32 tensor (implies returnLse). */
        public Builder lse(Tensor t) {
            this.lse = t;
            return this;
        }

        public Builder returnLse(boolean on) {
            this.returnLse = on;
            return this;
        }

        /** Softmax scale; default 1/sqrt(head_dim). */
        public Builder scale(double s) {
            this.scale = s;
            return this;
        }

        public Builder causal(boolean on) {
            this.causal = on;
            return this;
        }

        /** Sliding window: keys within [i+shift-left, i+shift+right]; -1 = unlimited on that side. */
        public Builder window(int left, int right) {
            this.windowLeft = left;
            this.windowRight = right;
            return this;
        }

        public Builder softcap(float cap) {
            this.softcap = cap;
            return this;
        }

        /**
         * The CUDA stream to run on ({@code cudaStream_t}, e.g. {@code CudaStream.handle()});
         * 0, the default, is the device's default stream. CPU implementations ignore it.
         */
        public Builder stream(long handle) {
            this.stream = handle;
            return this;
        }

        /** Per-sequence key lengths for the fixed layout (keys at and beyond the length are padding). */
        public Builder seqlensK(int[] lengths) {
            this.seqlensK = lengths == null ? null : lengths.clone();
            return this;
        }

        /** Packed varlen prefix sums (batch + 1 entries each, starting at 0). */
        public Builder cuSeqlens(int[] cuQ, int[] cuK) {
            this.cuSeqlensQ = cuQ == null ? null : cuQ.clone();
            this.cuSeqlensK = cuK == null ? null : cuK.clone();
            return this;
        }

        public AttentionRequest build() {
            return new AttentionRequest(this);
        }
    }
}

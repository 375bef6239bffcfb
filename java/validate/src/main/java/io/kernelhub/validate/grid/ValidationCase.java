package io.kernelhub.validate.grid;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One case of the validation grid, every feature explicit (so a report line says what was
 * tested and the case can be rebuilt from it). Inputs are standard-normal, seeded.
 *
 * @param id         position in its grid (stable for a given grid and dtype list)
 * @param dtype      input (and output) dtype
 * @param headDim    head dimension
 * @param seqQ       queries per sequence (the longest, for padded and varlen layouts)
 * @param seqK       keys per sequence
 * @param causal     bottom-right causal mask
 * @param heads      head layout (MHA, GQA, MQA)
 * @param layout     memory layout of the batch
 * @param windowLeft sliding window (-1: unlimited)
 * @param windowRight sliding window (-1: unlimited)
 * @param softcap    tanh soft-capping of the scores (0: off)
 * @param lse        the log-sum-exp output is requested and checked
 * @param seed       input data seed
 */
public record ValidationCase(int id, DType dtype, int headDim, int seqQ, int seqK, boolean causal, Heads heads,
        Layout layout, int windowLeft, int windowRight, float softcap, boolean lse, long seed) {

    /** Query and key/value head counts. */
    public enum Heads {
        MHA(4, 4), GQA(6, 2), MQA(4, 1);

        final int q, kv;

        Heads(int q, int kv) {
            this.q = q;
            this.kv = kv;
        }
    }

    /** How the batch is laid out. */
    public enum Layout {
        /** dense BSHD tensors */
        DENSE,
        /** BHSD buffers viewed as BSHD: non-contiguous strides */
        STRIDED,
        /** per-sequence key lengths (seqlens_k) */
        PADDED,
        /** packed sequences of different lengths (cu_seqlens) */
        VARLEN
    }

    /** Batch size: 2 (sequences of different lengths for PADDED/VARLEN), 1 for big problems. */
    public int batch() {
        return big() ? 1 : 2;
    }

    private boolean big() {
        return (long) seqQ * seqK * headDim > 40_000_000L;
    }

    /** Head counts, halved for big problems so the f64 reference stays affordable. */
    public int headsQ() {
        return big() ? Math.max(1, heads.q / 2) : heads.q;
    }

    public int headsKv() {
        return big() ? Math.max(1, heads.kv / 2) : heads.kv;
    }

    /** Builds the request (inputs from the seed; outputs allocated by the implementation). */
    public AttentionRequest request() {
        int b = batch(), hq = headsQ(), hk = headsKv();
        AttentionRequest.Builder r;
        switch (layout) {
            case VARLEN -> {
                // sequence 0 has the full lengths, sequence 1 shorter ones
                int[] cuQ = {0, seqQ, seqQ + Math.max(1, seqQ / 3)};
                int[] cuK = {0, seqK, seqK + Math.max(1, (2 * seqK) / 3)};
                r = AttentionRequest.builder(Tensor.randn(dtype, seed + 1, cuQ[2], hq, headDim),
                        Tensor.randn(dtype, seed + 2, cuK[2], hk, headDim),
                        Tensor.randn(dtype, seed + 3, cuK[2], hk, headDim)).cuSeqlens(cuQ, cuK);
            }
            case STRIDED -> r = AttentionRequest.builder(
                    Tensor.randn(dtype, seed + 1, b, hq, seqQ, headDim).permute(0, 2, 1, 3),
                    Tensor.randn(dtype, seed + 2, b, hk, seqK, headDim).permute(0, 2, 1, 3),
                    Tensor.randn(dtype, seed + 3, b, hk, seqK, headDim).permute(0, 2, 1, 3));
            default -> {
                r = AttentionRequest.builder(Tensor.randn(dtype, seed + 1, b, seqQ, hq, headDim),
                        Tensor.randn(dtype, seed + 2, b, seqK, hk, headDim),
                        Tensor.randn(dtype, seed + 3, b, seqK, hk, headDim));
                if (layout == Layout.PADDED) {
                    int[] lengths = new int[b];
                    lengths[0] = seqK;
                    for (int i = 1; i < b; i++) lengths[i] = seqK / 2; // may be 0: a sequence with no keys
                    r.seqlensK(lengths);
                }
            }
        }
        return r.causal(causal).window(windowLeft, windowRight).softcap(softcap).returnLse(lse).build();
    }

    /** The features this case exercises, for reports ("gqa", "window", "softcap", ...). */
    public List<String> features() {
        List<String> f = new ArrayList<>();
        if (causal) f.add("causal");
        if (heads != Heads.MHA) f.add(heads.name().toLowerCase(Locale.ROOT));
        if (layout != Layout.DENSE) f.add(layout.name().toLowerCase(Locale.ROOT));
        if (windowLeft >= 0 || windowRight >= 0) f.add("window(" + windowLeft + "," + windowRight + ")");
        if (softcap > 0) f.add("softcap=" + (int) softcap);
        if (lse) f.add("lse");
        return f;
    }

    /** A stable, readable name: "bf16 d=128 q=113 k=203 causal gqa padded lse". */
    public String name() {
        return String.format(Locale.ROOT, "%03d %s d=%d q=%d k=%d%s", id, dtype.name().toLowerCase(Locale.ROOT), headDim, seqQ,
                seqK, features().isEmpty() ? "" : " " + String.join(" ", features()));
    }

    @Override
    public String toString() {
        return name();
    }
}

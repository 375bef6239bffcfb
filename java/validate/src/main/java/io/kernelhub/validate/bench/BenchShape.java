package io.kernelhub.validate.bench;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.Locale;

/**
 * One benchmark shape: {@code BxHxSQxSKxD} plus dtype and causal, e.g. {@code 1x8x1024x1024x128};
 * with GQA/MQA the heads are {@code Hq:Hkv}, e.g. {@code 8x32:8x1x8192x128} (decoding, 32 query
 * heads over 8 K/V heads). FLOPs = 4 * D * Hq * B * unmasked query-key pairs (causal counts only
 * the visible pairs, with the bottom-right mask).
 */
public record BenchShape(int batch, int heads, int kvHeads, int seqQ, int seqK, int headDim, DType dtype, boolean causal) {

    public BenchShape {
        if (batch < 1 || heads < 1 || kvHeads < 1 || seqQ < 1 || seqK < 1 || headDim < 1) {
            throw new IllegalArgumentException("every size of a benchmark shape must be >= 1");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("query heads (" + heads + ") must be a multiple of K/V heads (" + kvHeads + ")");
        }
    }

    public static BenchShape parse(String text, DType dtype, boolean causal) {
        String[] p = text.toLowerCase(Locale.ROOT).split("x");
        if (p.length != 5) {
            throw new IllegalArgumentException("bad shape '" + text + "': expected BxHxSQxSKxD (H may be Hq:Hkv), e.g. "
                    + "1x8x1024x1024x128 or 8x32:8x1x8192x128");
        }
        String[] heads = p[1].split(":", -1);
        if (heads.length > 2) {
            throw new IllegalArgumentException("bad shape '" + text + "': heads are H or Hq:Hkv, got '" + p[1] + "'");
        }
        int[] v = new int[6];
        String[] parts = {p[0], heads[0], heads.length == 2 ? heads[1] : heads[0], p[2], p[3], p[4]};
        for (int i = 0; i < 6; i++) {
            try {
                v[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad shape '" + text + "': '" + parts[i] + "' is not a number");
            }
            if (v[i] < 1) throw new IllegalArgumentException("bad shape '" + text + "': every size must be >= 1");
        }
        try {
            return new BenchShape(v[0], v[1], v[2], v[3], v[4], v[5], dtype, causal);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad shape '" + text + "': " + e.getMessage());
        }
    }

    public double flops() {
        long pairs = 0;
        long shift = (long) seqK - seqQ;
        for (long i = 0; i < seqQ; i++) {
            pairs += causal ? Math.max(0, Math.min(seqK, i + shift + 1)) : seqK;
        }
        return 4.0 * headDim * heads * batch * pairs;
    }

    public AttentionRequest request() {
        return AttentionRequest.builder(Tensor.randn(dtype, 1, batch, seqQ, heads, headDim),
                Tensor.randn(dtype, 2, batch, seqK, kvHeads, headDim), Tensor.randn(dtype, 3, batch, seqK, kvHeads, headDim))
                .causal(causal).build();
    }

    public String label() {
        return batch + "x" + heads + (kvHeads != heads ? ":" + kvHeads : "") + "x" + seqQ + "x" + seqK + "x" + headDim + " " + dtype.name().toLowerCase(Locale.ROOT)
                + (causal ? " causal" : "");
    }
}

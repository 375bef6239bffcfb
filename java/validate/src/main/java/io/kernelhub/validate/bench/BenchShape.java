package io.kernelhub.validate.bench;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.Locale;

/**
 * One benchmark shape: {@code BxHxSQxSKxD} plus dtype and causal, e.g. {@code 1x8x1024x1024x128}.
 * FLOPs = 4 * D * H * B * unmasked query-key pairs (causal counts only the visible pairs, with
 * the bottom-right mask).
 */
public record BenchShape(int batch, int heads, int seqQ, int seqK, int headDim, DType dtype, boolean causal) {

    public static BenchShape parse(String text, DType dtype, boolean causal) {
        String[] p = text.toLowerCase(Locale.ROOT).split("x");
        if (p.length != 5) {
            throw new IllegalArgumentException("bad shape '" + text + "': expected BxHxSQxSKxD, e.g. 1x8x1024x1024x128");
        }
        int[] v = new int[5];
        for (int i = 0; i < 5; i++) {
            try {
                v[i] = Integer.parseInt(p[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad shape '" + text + "': '" + p[i] + "' is not a number");
            }
            if (v[i] < 1) throw new IllegalArgumentException("bad shape '" + text + "': every size must be >= 1");
        }
        return new BenchShape(v[0], v[1], v[2], v[3], v[4], dtype, causal);
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
                Tensor.randn(dtype, 2, batch, seqK, heads, headDim), Tensor.randn(dtype, 3, batch, seqK, heads, headDim))
                .causal(causal).build();
    }

    public String label() {
        return batch + "x" + heads + "x" + seqQ + "x" + seqK + "x" + headDim + " " + dtype.name().toLowerCase(Locale.ROOT)
                + (causal ? " causal" : "");
    }
}

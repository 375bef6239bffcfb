package io.kernelhub.core.attention;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One seeded random attention problem of the test grid. Everything about it (lengths, heads,
 * window, softcap, padding, packing, strides) derives from its seed, so a failing case is
 * reproduced by its name alone.
 */
public record AttentionCase(DType dtype, int headDim, int seqQ, int seqK, boolean causal, long seed) {

    public static final int[] HEAD_DIMS = {32, 40, 64, 80, 96, 128, 160, 192, 256};
    public static final int[][] SEQ_PAIRS = {{1, 239}, {113, 203}, {128, 128}, {1023, 1024}, {239, 1}};

    /** The foundation grid: every head dim x seq pair x causal x dtype, features drawn per case. */
    public static List<AttentionCase> grid() {
        List<AttentionCase> cases = new ArrayList<>();
        long seed = 1;
        for (int d : HEAD_DIMS) {
            for (int[] s : SEQ_PAIRS) {
                for (boolean causal : new boolean[] {false, true}) {
                    for (DType dt : DType.values()) {
                        cases.add(new AttentionCase(dt, d, s[0], s[1], causal, seed++));
                    }
                }
            }
        }
        return cases;
    }

    /** Builds the request: random features drawn from the seed, inputs filled from the seed. */
    public AttentionRequest request() {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
        boolean big = (long) seqQ * seqK > 100_000;
        int[][] headChoices = big ? new int[][] {{2, 2}, {2, 1}} : new int[][] {{4, 4}, {4, 2}, {6, 2}, {4, 1}};
        int[] heads = headChoices[rnd.nextInt(headChoices.length)];
        int batch = big ? 1 : 2;
        int layout = rnd.nextInt(big ? 2 : 4); // 0 fixed, 1 strided fixed, 2 padded keys, 3 packed varlen
        boolean window = rnd.nextInt(3) == 0;
        int left = window ? (rnd.nextBoolean() ? rnd.nextInt(seqK + 1) : -1) : -1;
        int right = window && !causal ? (rnd.nextBoolean() ? rnd.nextInt(seqK + 1) : -1) : -1;
        if (window && left < 0 && right < 0) {
            left = rnd.nextInt(seqK + 1);
        }
        float softcap = rnd.nextInt(4) == 0 ? 5f + rnd.nextInt(30) : 0f;
        boolean lse = rnd.nextBoolean();

        AttentionRequest.Builder b;
        if (layout == 3) {
            int[] cuQ = new int[batch + 1];
            int[] cuK = new int[batch + 1];
            for (int i = 0; i < batch; i++) {
                // the first sequence keeps the full lengths so the grid's shapes are really exercised
                cuQ[i + 1] = cuQ[i] + (i == 0 ? seqQ : 1 + rnd.nextInt(seqQ));
                cuK[i + 1] = cuK[i] + (i == 0 ? seqK : 1 + rnd.nextInt(seqK));
            }
            b = AttentionRequest.builder(Tensor.randn(dtype, seed + 1, cuQ[batch], heads[0], headDim),
                    Tensor.randn(dtype, seed + 2, cuK[batch], heads[1], headDim),
                    Tensor.randn(dtype, seed + 3, cuK[batch], heads[1], headDim)).cuSeqlens(cuQ, cuK);
        } else if (layout == 1) {
            // BHSD buffers seen as BSHD views: non-contiguous strides, as after a transpose
            b = AttentionRequest.builder(
                    Tensor.randn(dtype, seed + 1, batch, heads[0], seqQ, headDim).permute(0, 2, 1, 3),
                    Tensor.randn(dtype, seed + 2, batch, heads[1], seqK, headDim).permute(0, 2, 1, 3),
                    Tensor.randn(dtype, seed + 3, batch, heads[1], seqK, headDim).permute(0, 2, 1, 3));
        } else {
            b = AttentionRequest.builder(Tensor.randn(dtype, seed + 1, batch, seqQ, heads[0], headDim),
                    Tensor.randn(dtype, seed + 2, batch, seqK, heads[1], headDim),
                    Tensor.randn(dtype, seed + 3, batch, seqK, heads[1], headDim));
            if (layout == 2) {
                int[] lengths = new int[batch];
                for (int i = 0; i < batch; i++) {
                    lengths[i] = i == 0 ? seqK : rnd.nextInt(seqK + 1);
                }
                b.seqlensK(lengths);
            }
        }
        return b.causal(causal).window(left, right).softcap(softcap).returnLse(lse).build();
    }

    @Override
    public String toString() {
        return dtype + " d=" + headDim + " seq=" + seqQ + "x" + seqK + (causal ? " causal" : "") + " seed=" + seed;
    }
}

package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import org.junit.jupiter.api.Test;

class AttentionRequestTest {

    private static Tensor t(DType dt, int... shape) {
        return Tensor.zeros(dt, shape);
    }

    private static AttentionRequest.Builder fixed(int b, int sq, int sk, int hq, int hkv, int d) {
        return AttentionRequest.builder(t(DType.F32, b, sq, hq, d), t(DType.F32, b, sk, hkv, d), t(DType.F32, b, sk, hkv, d));
    }

    private static void rejects(AttentionRequest.Builder builder, String messagePart) {
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
    }

    @Test
    void derivesGeometryAndDefaults() {
        AttentionRequest r = fixed(2, 5, 7, 4, 2, 16).build();
        assertThat(r.batch()).isEqualTo(2);
        assertThat(r.headsQ()).isEqualTo(4);
        assertThat(r.headsKv()).isEqualTo(2);
        assertThat(r.kvHead(3)).isEqualTo(1);
        assertThat(r.scale()).isEqualTo(0.25);
        assertThat(r.requiredFeatures()).containsExactly(AttentionFeature.GQA);
        assertThat(r.unmaskedPairs()).isEqualTo(2L * 5 * 7 * 4);
    }

    @Test
    void causalIsAlignedBottomRight() {
        AttentionRequest r = fixed(1, 3, 5, 1, 1, 8).causal(true).build();
        // shift = 5 - 3 = 2: row 0 sees keys 0..2, row 2 sees all 5
        assertThat(r.endKey(0, 3, 5)).isEqualTo(3);
        assertThat(r.endKey(2, 3, 5)).isEqualTo(5);
        assertThat(r.firstKey(2, 3, 5)).isZero();
        AttentionRequest longerQ = fixed(1, 5, 3, 1, 1, 8).causal(true).build();
        // shift = -2: rows 0 and 1 see nothing
        assertThat(longerQ.endKey(0, 5, 3)).isZero();
        assertThat(longerQ.endKey(1, 5, 3)).isZero();
        assertThat(longerQ.endKey(2, 5, 3)).isEqualTo(1);
        assertThat(longerQ.unmaskedPairs()).isEqualTo(1 + 2 + 3);
    }

    @Test
    void windowBoundsAndFlops() {
        AttentionRequest r = fixed(1, 4, 4, 2, 2, 8).window(1, 0).build();
        assertThat(r.firstKey(3, 4, 4)).isEqualTo(2);
        assertThat(r.endKey(3, 4, 4)).isEqualTo(4);
        assertThat(r.unmaskedPairs()).isEqualTo((1 + 2 + 2 + 2) * 2L);
        assertThat(r.flops()).isEqualTo(4.0 * 8 * r.unmaskedPairs());
        assertThat(r.requiredFeatures()).contains(AttentionFeature.SLIDING_WINDOW).doesNotContain(AttentionFeature.CAUSAL);
    }

    @Test
    void rejectsMismatchedShapes() {
        rejects(AttentionRequest.builder(t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 5, 2, 8)),
                "must have the same shape");
        rejects(AttentionRequest.builder(t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 4, 2, 16), t(DType.F32, 1, 4, 2, 16)),
                "head dim of k/v (16) differs from q's (8)");
        rejects(AttentionRequest.builder(t(DType.F32, 2, 4, 2, 8), t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 4, 2, 8)),
                "batch of q (2) and k/v (1) differ");
        rejects(AttentionRequest.builder(t(DType.F32, 4, 2, 8), t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 4, 2, 8)),
                "[batch, seq, heads, head_dim]");
        rejects(AttentionRequest.builder(t(DType.F32, 1, 4, 2, 8), t(DType.F16, 1, 4, 2, 8), t(DType.F16, 1, 4, 2, 8)),
                "share one dtype");
        rejects(AttentionRequest.builder(null, t(DType.F32, 1, 4, 2, 8), t(DType.F32, 1, 4, 2, 8)), "q is required");
    }

    @Test
    void rejectsNonDivisibleHeads() {
        rejects(fixed(1, 4, 4, 6, 4, 8), "heads_q (6) must be a multiple of heads_kv (4)");
    }

    @Test
    void rejectsBadWindowsScalesAndSoftcaps() {
        rejects(fixed(1, 4, 4, 2, 2, 8).window(-2, 0), "bad window (-2, 0)");
        rejects(fixed(1, 4, 4, 2, 2, 8).window(0, -5), "bad window (0, -5)");
        rejects(fixed(1, 4, 4, 2, 2, 8).causal(true).window(3, 2), "causal attention already limits");
        rejects(fixed(1, 4, 4, 2, 2, 8).softcap(-1f), "softcap");
        rejects(fixed(1, 4, 4, 2, 2, 8).softcap(Float.NaN), "softcap");
        rejects(fixed(1, 4, 4, 2, 2, 8).scale(Double.POSITIVE_INFINITY), "scale");
        rejects(fixed(1, 4, 4, 2, 2, 8).scale(0), "scale");
    }

    @Test
    void rejectsBadStridesAndOverlappingOutputs() {
        Tensor base = t(DType.F32, 1, 4, 2, 8);
        Tensor broadcastOut = Tensor.wrap(base.segment(), DType.F32, base.device(), new int[] {1, 4, 2, 8},
                new long[] {0, 0, 8, 1}, 0);
        rejects(fixed(1, 4, 4, 2, 2, 8).out(broadcastOut), "overlapping elements");
        Tensor reversed = Tensor.wrap(base.segment(), DType.F32, base.device(), new int[] {1, 4, 2, 8},
                new long[] {64, -16, 8, 1}, 48);
        rejects(AttentionRequest.builder(reversed, base, base), "negative stride");
        rejects(fixed(1, 4, 4, 2, 2, 8).out(t(DType.F32, 1, 4, 2, 4)), "out has shape");
        rejects(fixed(1, 4, 4, 2, 2, 8).lse(t(DType.F32, 1, 4, 2)), "lse must be f32 with shape [1, 2, 4]");
    }

    @Test
    void stridedViewsAreAccepted() {
        // q as a permuted view of a [b, h, s, d] buffer: BSHD with non-contiguous strides
        Tensor bhsd = Tensor.randn(DType.F32, 1, 1, 2, 4, 8);
        Tensor q = bhsd.permute(0, 2, 1, 3);
        AttentionRequest r = AttentionRequest.builder(q, q, q).build();
        assertThat(r.qRow(0, 3, 1)).isEqualTo(q.elementOffset(0, 3, 1, 0));
        assertThat(r.requiredFeatures()).doesNotContain(AttentionFeature.STRIDED_LAST_DIM);
        Tensor lastDimStrided = Tensor.randn(DType.F32, 2, 1, 4, 2, 16).slice(3, 0, 8);
        Tensor everyOther = Tensor.wrap(lastDimStrided.segment(), DType.F32, lastDimStrided.device(),
                new int[] {1, 4, 2, 8}, new long[] {128, 32, 16, 2}, 0);
        assertThat(AttentionRequest.builder(everyOther, everyOther, everyOther).build().requiredFeatures())
                .contains(AttentionFeature.STRIDED_LAST_DIM);
    }

    @Test
    void validatesPaddingLengths() {
        rejects(fixed(2, 4, 4, 2, 2, 8).seqlensK(new int[] {4}), "seqlens_k has 1 entries");
        rejects(fixed(2, 4, 4, 2, 2, 8).seqlensK(new int[] {4, 5}), "seqlens_k[1] = 5 is outside 0..4");
        AttentionRequest r = fixed(2, 4, 4, 2, 2, 8).seqlensK(new int[] {4, 2}).build();
        assertThat(r.seqK(1)).isEqualTo(2);
        assertThat(r.requiredFeatures()).contains(AttentionFeature.KEY_PADDING);
    }

    @Test
    void validatesVarlenPrefixSums() {
        Tensor q = t(DType.BF16, 10, 4, 8);
        Tensor k = t(DType.BF16, 12, 2, 8);
        AttentionRequest r = AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {0, 3, 10}, new int[] {0, 5, 12})
                .returnLse(true).build();
        assertThat(r.batch()).isEqualTo(2);
        assertThat(r.seqQ(1)).isEqualTo(7);
        assertThat(r.seqK(1)).isEqualTo(7);
        assertThat(r.maxSeqQ()).isEqualTo(7);
        assertThat(r.lseShape()).containsExactly(4, 10);
        assertThat(r.qRow(1, 2, 3)).isEqualTo(q.elementOffset(5, 3, 0));
        assertThat(r.requiredFeatures()).contains(AttentionFeature.VARLEN, AttentionFeature.LSE, AttentionFeature.GQA);

        rejects(AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {1, 3, 10}, new int[] {0, 5, 12}),
                "cu_seqlens_q[0] must be 0");
        rejects(AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {0, 5, 3}, new int[] {0, 5, 12}),
                "must not decrease");
        rejects(AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {0, 3, 11}, new int[] {0, 5, 12}),
                "holds only 10 tokens");
        rejects(AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {0, 3, 10}, new int[] {0, 12}),
                "batch + 1");
        rejects(AttentionRequest.builder(q, k, k).cuSeqlens(new int[] {0, 10}, null), "both cu_seqlens_q and cu_seqlens_k");
    }

    @Test
    void hugeWindowsDoNotWrapAround() {
        AttentionRequest r = AttentionRequest.builder(t(DType.F32, 1, 4, 1, 8), t(DType.F32, 1, 2, 1, 8), t(DType.F32, 1, 2, 1, 8))
                .window(Integer.MAX_VALUE, Integer.MAX_VALUE).build();
        // seq_q 4 > seq_k 2: shift -2; a window of "everything" leaves every key visible to every row
        for (int i = 0; i < 4; i++) {
            org.assertj.core.api.Assertions.assertThat(r.firstKey(i, 4, 2)).isZero();
            org.assertj.core.api.Assertions.assertThat(r.endKey(i, 4, 2)).isEqualTo(2);
        }
    }
}

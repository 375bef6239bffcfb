package io.kernelhub.models;

import io.kernelhub.core.DType;

/**
 * How far logits may move between two attention implementations on identical weights.
 *
 * <p>f32: both implementations accumulate in f32 (eager in double); only summation order
 * differs, giving ~1e-6 on logits of magnitude ~4. We allow 1e-4.
 *
 * <p>f16/bf16: only q/k/v and the attention output are rounded to the dtype; everything else
 * is f32 and bit-identical. eager additionally rounds scores and probabilities like a
 * framework does, sdpa keeps them in f32, so each attention output differs by about one unit
 * roundoff u of the dtype (f16 2^-11, bf16 2^-8) relative to its magnitude. The o-projection,
 * residual, MLP and LM head (all ~unit gain with 1/sqrt(fan-in) weights) carry that into the
 * logits, so the difference scales as u * max|logit|. Measured: ~0.6 u * max|logit| (llama)
 * and ~1.2 u * max|logit| (composite, two backbones). We allow 8 u * max|logit|, several
 * times the measured value yet far below what a real bug (wrong mask, head or position) gives,
 * which moves logits by O(1).
 */
final class Tolerances {

    private Tolerances() {
    }

    static double unitRoundoff(DType dtype) {
        return switch (dtype) {
            case F32 -> Math.scalb(1.0, -24);
            case F16 -> Math.scalb(1.0, -11);
            case BF16 -> Math.scalb(1.0, -8);
        };
    }

    static double logits(DType dtype, Logits reference) {
        return dtype == DType.F32 ? 1e-4 : 8 * unitRoundoff(dtype) * reference.maxAbs();
    }
}

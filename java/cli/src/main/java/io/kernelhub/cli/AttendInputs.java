package io.kernelhub.cli;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import java.util.SplittableRandom;

/**
 * The seeded random inputs of {@code kernelhub attend}. From {@code --seed} a
 * {@link SplittableRandom} draws, in order, the seeds of q, k and v (standard normal values
 * rounded to the dtype) and, under varlen, each sequence's query length and key length
 * (uniform in 1..seq_q and 1..seq_k). The same options give the same tensors everywhere.
 *
 * @param q    [batch, seq_q, heads_q, head_dim], or packed [total_q, heads_q, head_dim]
 * @param k    [batch, seq_k, heads_kv, head_dim], or packed [total_k, heads_kv, head_dim]
 * @param v    shaped like k
 * @param cuQ  varlen query prefix sums (batch + 1 entries), or null
 * @param cuK  varlen key prefix sums, or null
 */
record AttendInputs(Tensor q, Tensor k, Tensor v, int[] cuQ, int[] cuK) {

    /** The largest tensor the CPU path handles (elements are gathered into one float[]). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    static AttendInputs generate(AttendShape s, DType dtype, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long qSeed = rnd.nextLong();
        long kSeed = rnd.nextLong();
        long vSeed = rnd.nextLong();
        if (!s.varlen()) {
            int[] qShape = {s.batch(), s.seqQ(), s.headsQ(), s.headDim()};
            int[] kShape = {s.batch(), s.seqK(), s.headsKv(), s.headDim()};
            checkSize("q", qShape);
            checkSize("k", kShape);
            return new AttendInputs(Tensor.randn(dtype, qSeed, qShape), Tensor.randn(dtype, kSeed, kShape),
                    Tensor.randn(dtype, vSeed, kShape), null, null);
        }
        int[] cuQ = new int[s.batch() + 1];
        int[] cuK = new int[s.batch() + 1];
        for (int b = 0; b < s.batch(); b++) {
            cuQ[b + 1] = Math.addExact(cuQ[b], 1 + rnd.nextInt(s.seqQ()));
            cuK[b + 1] = Math.addExact(cuK[b], 1 + rnd.nextInt(s.seqK()));
        }
        int[] qShape = {cuQ[s.batch()], s.headsQ(), s.headDim()};
        int[] kShape = {cuK[s.batch()], s.headsKv(), s.headDim()};
        checkSize("q", qShape);
        checkSize("k", kShape);
        return new AttendInputs(Tensor.randn(dtype, qSeed, qShape), Tensor.randn(dtype, kSeed, kShape),
                Tensor.randn(dtype, vSeed, kShape), cuQ, cuK);
    }

    /** The same memory viewed as if it lived on another device: only for capability checks, never for compute. */
    static Tensor labelledOn(Tensor t, Device device) {
        return Tensor.wrap(t.segment(), t.dtype(), device, t.shape(), t.strides(), t.offset());
    }

    int totalQ() {
        return cuQ == null ? q.size(0) * q.size(1) : cuQ[cuQ.length - 1];
    }

    int totalK() {
        return cuK == null ? k.size(0) * k.size(1) : cuK[cuK.length - 1];
    }

    private static void checkSize(String name, int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException(name + " would hold more than " + MAX_ELEMENTS
                        + " elements; use a smaller --batch, --seq-q/--seq-k, --heads or --head-dim");
            }
        }
    }
}

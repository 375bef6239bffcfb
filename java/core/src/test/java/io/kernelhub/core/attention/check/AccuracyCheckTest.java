package io.kernelhub.core.attention.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.eager.EagerAttention;
import io.kernelhub.core.attention.sdpa.SdpaAttention;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The accuracy check cannot be talked into a pass: a missing LSE, a yardstick that is NaN, Inf
 * or wrong in the same way as the implementation, and an empty output all fail with a reason;
 * correct implementations (eager itself included) pass.
 */
class AccuracyCheckTest {

    static final EagerAttention EAGER = new EagerAttention(EagerAttention.Precision.FRAMEWORK);
    static final AttentionFunction SDPA = SdpaAttention.implementation().function();

    static AttentionRequest request(DType dt, boolean lse) {
        return AttentionRequest.builder(Tensor.randn(dt, 11, 2, 37, 4, 32), Tensor.randn(dt, 12, 2, 53, 2, 32),
                Tensor.randn(dt, 13, 2, 53, 2, 32)).causal(true).returnLse(lse).build();
    }

    static AttentionOutput yardstick(AttentionRequest r) {
        AttentionRequest base = r.withOutputs(null, null);
        return EAGER.forward(base.withOutputs(null, Tensor.zeros(DType.F32, base.lseShape())));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void correctImplementationsPassEagerIncluded(DType dt) {
        AttentionRequest r = request(dt, true);
        for (AttentionOutput out : List.of(SDPA.forward(r), EAGER.forward(r))) {
            AccuracyCheck.Result res = AccuracyCheck.check(r, out);
            assertThat(res.ok()).as(res.summary()).isTrue();
            assertThat(res.problem()).isNull();
            assertThat(res.compared()).isEqualTo(2L * 37 * 4 * 32);
            assertThat(res.lseErr()).isLessThanOrEqualTo(res.lseTolerance());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void anImplementationThatDropsTheRequestedLseFails(DType dt) {
        AttentionRequest r = request(dt, true);
        AttentionOutput full = SDPA.forward(r);
        AccuracyCheck.Result res = AccuracyCheck.check(r, new AttentionOutput(full.out(), null));
        assertThat(res.ok()).isFalse();
        assertThat(res.problem()).startsWith("no LSE").contains("returnLse");
        assertThat(res.summary()).contains("FAILED");
        // without a request for it, no LSE is fine
        AttentionRequest noLse = request(dt, false);
        assertThat(AccuracyCheck.check(noLse, SDPA.forward(noLse)).ok()).isTrue();
    }

    @Test
    void aWrongLseFailsEvenWhenTheOutputIsRight() {
        AttentionRequest r = request(DType.F32, true);
        AttentionOutput out = SDPA.forward(r);
        out.lse().setAt(out.lse().elementOffset(1, 2, 30), out.lse().get(1, 2, 30) + 0.01f);
        AccuracyCheck.Result res = AccuracyCheck.check(r, out);
        assertThat(res.problem()).startsWith("error over tolerance: lse");
        assertThat(res.lseErr()).isGreaterThan(res.lseTolerance());
    }

    @Test
    void nanInTheOutputFails() {
        AttentionRequest r = request(DType.BF16, false);
        AttentionOutput out = SDPA.forward(r);
        out.out().set(Float.NaN, 1, 3, 0, 7);
        AccuracyCheck.Result res = AccuracyCheck.check(r, out);
        assertThat(res.problem()).isEqualTo("output has NaN or Inf in 1 of " + (2 * 37 * 4 * 32) + " elements");
        assertThat(res.maxAbsErr()).isInfinite();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void aNanOrInfiniteYardstickCannotMakeAWrongOutputPass(DType dt) {
        AttentionRequest r = request(dt, true);
        AttentionOutput wrong = SDPA.forward(r);
        wrong.out().set(wrong.out().get(0, 5, 1, 3) + 1, 0, 5, 1, 3);
        F64Reference.Values ref = F64Reference.compute(r);
        for (float poison : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            AttentionOutput y = yardstick(r);
            y.out().set(poison, 1, 0, 2, 0);
            AccuracyCheck.Result res = AccuracyCheck.judge(r, wrong, ref, y);
            assertThat(res.ok()).as("yardstick with %s: %s", poison, res.summary()).isFalse();
            assertThat(res.problem()).startsWith("cannot judge: the low-precision eager yardstick");
            // the same poison in the yardstick's LSE
            AttentionOutput y2 = yardstick(r);
            y2.lse().set(poison, 1, 2, 3);
            AccuracyCheck.Result res2 = AccuracyCheck.judge(r, SDPA.forward(r), ref, y2);
            assertThat(res2.ok()).as("yardstick lse with %s", poison).isFalse();
            assertThat(res2.problem()).startsWith("cannot judge: the low-precision eager yardstick's LSE");
        }
    }

    /**
     * The old check took the reference and the yardstick from eager: an implementation wrong in
     * the same way as the yardstick (here: both ignore the causal mask, like an eager with a
     * masking bug judging itself) passed with err == yardstick err. The independent reference
     * exposes the yardstick.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void aYardstickWrongLikeTheImplementationIsRejected(DType dt) {
        AttentionRequest causal = request(dt, true);
        AttentionRequest noMask = causal.toBuilder().causal(false).build();
        AttentionOutput wrong = EAGER.forward(noMask.withOutputs(null, Tensor.zeros(DType.F32, noMask.lseShape())));
        AccuracyCheck.Result res = AccuracyCheck.judge(causal, wrong, F64Reference.compute(causal), wrong);
        assertThat(res.maxAbsErr()).isEqualTo(res.refErr()).isGreaterThan(0.1);
        assertThat(res.ok()).isFalse();
        assertThat(res.problem()).startsWith("cannot judge").contains("eager itself is wrong");
        // and against the real yardstick it is plainly over tolerance
        assertThat(AccuracyCheck.check(causal, wrong).problem()).startsWith("error over tolerance");
    }

    @Test
    void aZeroSizeOutputIsNotAPass() {
        AttentionRequest r = AttentionRequest.builder(Tensor.zeros(DType.F32, 1, 0, 2, 16), Tensor.randn(DType.F32, 3, 1, 8, 2, 16),
                Tensor.randn(DType.F32, 4, 1, 8, 2, 16)).build();
        AccuracyCheck.Result res = AccuracyCheck.check(r, new AttentionOutput(Tensor.zeros(DType.F32, 1, 0, 2, 16), null));
        assertThat(res.ok()).isFalse();
        assertThat(res.compared()).isZero();
        assertThat(res.problem()).startsWith("nothing to compare");
    }

    @Test
    void anOutputOfTheWrongShapeFailsWithoutAnException() {
        AttentionRequest r = request(DType.F32, false);
        AccuracyCheck.Result res = AccuracyCheck.check(r, new AttentionOutput(Tensor.zeros(DType.F32, 2, 37, 4, 16), null));
        assertThat(res.problem()).startsWith("output has shape [2, 37, 4, 16] but must match q [2, 37, 4, 32]");
    }

    @Test
    void packedTokensPastTheLastSequenceAreNotJudged() {
        // 10 packed query rows, sequences use 7: rows 7..9 belong to no sequence
        AttentionRequest r = AttentionRequest.builder(Tensor.randn(DType.F32, 5, 10, 2, 16), Tensor.randn(DType.F32, 6, 9, 2, 16),
                Tensor.randn(DType.F32, 7, 9, 2, 16)).cuSeqlens(new int[] {0, 3, 7}, new int[] {0, 4, 9}).returnLse(true).build();
        AttentionOutput out = SDPA.forward(r);
        out.out().set(123f, 8, 1, 5);
        AccuracyCheck.Result res = AccuracyCheck.check(r, out);
        assertThat(res.ok()).as(res.summary()).isTrue();
        assertThat(res.compared()).isEqualTo(7L * 2 * 16);
    }

    /** Two implementations written apart agree: the f64 reference and eager in f64, over the core grid's features. */
    @Test
    void theIndependentReferenceAgreesWithEagerInF64() {
        EagerAttention f64 = new EagerAttention(EagerAttention.Precision.F64);
        for (AttentionCase c : AttentionCase.grid()) {
            if (c.dtype() != DType.BF16 || (long) c.seqQ() * c.seqK() > 100_000) {
                continue;
            }
            AttentionRequest r = c.request();
            AttentionRequest base = r.withOutputs(null, null);
            AttentionOutput e = f64.forward(base.withOutputs(Tensor.zeros(DType.F32, r.q().shape()),
                    Tensor.zeros(DType.F32, base.lseShape())));
            F64Reference.Values ref = F64Reference.compute(r);
            float[] out = e.out().toFloatArray();
            for (int i = 0; i < out.length; i++) {
                if (ref.defined()[i / (r.headsQ() * r.headDim())]) {
                    assertThat(out[i]).as("%s out[%d]", c, i).isCloseTo((float) ref.out()[i], within(1e-5f));
                }
            }
            float[] lse = e.lse().toFloatArray();
            for (int i = 0; i < lse.length; i++) {
                double x = ref.lse()[i];
                if (Double.isInfinite(x)) {
                    assertThat(lse[i]).as("%s lse[%d]", c, i).isEqualTo(Float.NEGATIVE_INFINITY);
                } else if (!Double.isNaN(x)) {
                    assertThat(lse[i]).as("%s lse[%d]", c, i).isCloseTo((float) x, within(1e-5f));
                }
            }
        }
    }

    /** One query, keys visible by hand: out and LSE computed on paper. */
    @Test
    void theReferenceMatchesAHandComputedCase() {
        // seq_q 2, seq_k 3, causal bottom-right: query 0 sees keys 0..1, query 1 sees keys 0..2; d = 1, scale 1
        Tensor q = Tensor.of(DType.F32, new float[] {1, 2}, 1, 2, 1, 1);
        Tensor k = Tensor.of(DType.F32, new float[] {0, 1, 2}, 1, 3, 1, 1);
        Tensor v = Tensor.of(DType.F32, new float[] {10, 20, 40}, 1, 3, 1, 1);
        AttentionRequest r = AttentionRequest.builder(q, k, v).causal(true).scale(1).returnLse(true).build();
        F64Reference.Values ref = F64Reference.compute(r);
        double z0 = Math.exp(0) + Math.exp(1);
        double z1 = Math.exp(0) + Math.exp(2) + Math.exp(4);
        assertThat(ref.out()[0]).isCloseTo((10 + 20 * Math.E) / z0, within(1e-12));
        assertThat(ref.out()[1]).isCloseTo((10 + 20 * Math.exp(2) + 40 * Math.exp(4)) / z1, within(1e-12));
        assertThat(ref.lse()[0]).isCloseTo(Math.log(z0), within(1e-12));
        assertThat(ref.lse()[1]).isCloseTo(Math.log(z1), within(1e-12));
        assertThat(ref.maxAbsScore()).isEqualTo(4);
        assertThat(ref.maxAbsValue()).isEqualTo(40);
        assertThat(ref.visiblePairs()).isEqualTo(5);
    }
}

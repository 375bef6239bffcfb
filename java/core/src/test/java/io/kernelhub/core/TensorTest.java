package io.kernelhub.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class TensorTest {

    private static Tensor iota(DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        t.copyFromFloats(v);
        return t;
    }

    @Test
    void contiguousLayoutAndAccess() {
        Tensor t = iota(DType.F32, 2, 3, 4);
        assertThat(t.strides()).containsExactly(12, 4, 1);
        assertThat(t.get(1, 2, 3)).isEqualTo(23f);
        t.set(-1f, 0, 1, 2);
        assertThat(t.toFloatArray()[6]).isEqualTo(-1f);
        assertThat(t.isContiguous()).isTrue();
    }

    @Test
    void viewsShareMemoryAndCopyNothing() {
        Tensor t = iota(DType.F32, 2, 3, 4);
        Tensor p = t.permute(2, 0, 1);
        assertThat(p.shape()).containsExactly(4, 2, 3);
        assertThat(p.get(3, 1, 2)).isEqualTo(t.get(1, 2, 3));
        assertThat(p.isContiguous()).isFalse();
        Tensor tr = t.transpose(0, 2);
        assertThat(tr.get(3, 2, 1)).isEqualTo(23f);
        Tensor s = t.slice(1, 1, 3);
        assertThat(s.shape()).containsExactly(2, 2, 4);
        assertThat(s.get(0, 0, 0)).isEqualTo(4f);
        Tensor sel = t.select(0, 1);
        assertThat(sel.shape()).containsExactly(3, 4);
        assertThat(sel.get(0, 0)).isEqualTo(12f);
        sel.set(100f, 0, 0);
        assertThat(t.get(1, 0, 0)).isEqualTo(100f);
        assertThat(p.segment()).isSameAs(t.segment());
    }

    @Test
    void contiguousCopyOfPermutedViewIsRowMajor() {
        Tensor t = iota(DType.BF16, 2, 3);
        Tensor c = t.transpose(0, 1).contiguous();
        assertThat(c.shape()).containsExactly(3, 2);
        assertThat(c.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(c.segment()).isNotSameAs(t.segment());
        assertThat(c.dtype()).isEqualTo(DType.BF16);
    }

    @Test
    void dtypeConversionRoundsToNearestEven() {
        Tensor t = Tensor.of(DType.F32, new float[] {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, 65519f}, 3);
        assertThat(t.to(DType.BF16).toFloatArray()).containsExactly(1f, 1f + 0x1p-6f, 65536f);
        assertThat(t.to(DType.F16).toFloatArray()[2]).isEqualTo(65504f);
    }

    @Test
    void seededRandomIsReproducibleAndNormal() {
        Tensor a = Tensor.randn(DType.F32, 42, 1000);
        Tensor b = Tensor.randn(DType.F32, 42, 1000);
        Tensor c = Tensor.randn(DType.F32, 43, 1000);
        assertThat(a.toFloatArray()).containsExactly(b.toFloatArray());
        assertThat(a.toFloatArray()).isNotEqualTo(c.toFloatArray());
        double mean = 0;
        double sq = 0;
        for (float f : a.toFloatArray()) {
            mean += f;
            sq += f * f;
        }
        assertThat(mean / 1000).isBetween(-0.15, 0.15);
        assertThat(sq / 1000).isBetween(0.85, 1.15);
    }

    @Test
    void viewsOutsideMemoryAreRejected() {
        Tensor t = Tensor.zeros(DType.F16, 4, 4);
        assertThatThrownBy(() -> Tensor.wrap(t.segment(), DType.F16, Device.CPU, new int[] {4, 5}, new long[] {4, 1}, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside its memory");
        assertThatThrownBy(() -> t.slice(0, 2, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> t.get(4, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> t.reshape(3, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("element counts differ");
        assertThatThrownBy(() -> t.transpose(0, 1).reshape(16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contiguous");
        assertThatThrownBy(() -> t.permute(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repeats");
    }

    @Test
    void arenaAllocatedTensorsFollowTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, DType.F32, 8);
            t.fill(2f);
            assertThat(t.toFloatArray()).containsOnly(2f);
        }
    }

    @Test
    void errorStatsFlagNonFiniteValues() {
        ErrorStats s = ErrorStats.between(new float[] {1, 2, Float.NaN}, new float[] {1, 2.5f, 3});
        assertThat(s.nonFinite()).isEqualTo(1);
        assertThat(s.maxAbs()).isInfinite();
        ErrorStats ok = ErrorStats.between(new float[] {1, Float.NEGATIVE_INFINITY}, new float[] {1.5f, Float.NEGATIVE_INFINITY});
        assertThat(ok.maxAbs()).isEqualTo(0.5);
        assertThat(ok.nonFinite()).isZero();
    }
}

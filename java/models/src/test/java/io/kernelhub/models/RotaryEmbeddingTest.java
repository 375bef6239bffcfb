package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {

    private static final int D = 32;
    private final RotaryEmbedding rope = new RotaryEmbedding(D, 512, 10_000);

    private static float[] randomVector(long seed) {
        return new ParameterStore(seed).normal("v", D, 0, 1);
    }

    private float[] rotated(float[] x, int position) {
        float[] copy = x.clone();
        rope.rotate(copy, 0, position);
        return copy;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void positionZeroIsIdentity() {
        float[] x = randomVector(1);
        assertThat(rotated(x, 0)).containsExactly(x);
    }

    @Test
    void rotationPreservesNorm() {
        float[] x = randomVector(2);
        for (int p : new int[] {1, 7, 100, 511}) {
            assertThat(dot(rotated(x, p), rotated(x, p))).isCloseTo(dot(x, x), offset(1e-3));
        }
    }

    /** <R(m) q, R(n) k> depends only on n - m: the property that makes RoPE a relative encoding. */
    @Test
    void dotProductDependsOnlyOnRelativePosition() {
        float[] q = randomVector(3);
        float[] k = randomVector(4);
        for (int delta : new int[] {0, 1, 5, 40}) {
            double base = dot(rotated(q, 0), rotated(k, delta));
            for (int m : new int[] {1, 17, 200, 400}) {
                assertThat(dot(rotated(q, m), rotated(k, m + delta)))
                        .as("m=%d delta=%d", m, delta)
                        .isCloseTo(base, offset(1e-3));
            }
        }
        // and it does change with the distance, or the test above would prove nothing
        assertThat(dot(rotated(q, 0), rotated(k, 1))).isNotCloseTo(dot(q, k), offset(1e-3));
    }

    @Test
    void rotatesPairsHalfAHeadApart() {
        float[] x = new float[D];
        x[0] = 1; // pairs with x[16]; the first pair turns by exactly `position` radians
        float[] r = rotated(x, 1);
        assertThat((double) r[0]).isCloseTo(Math.cos(1), offset(1e-6));
        assertThat((double) r[D / 2]).isCloseTo(Math.sin(1), offset(1e-6));
    }

    @Test
    void rejectsPositionsOutsideTheTable() {
        assertThatThrownBy(() -> rope.rotate(new float[D], 0, 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RotaryEmbedding(31, 8, 10_000)).isInstanceOf(IllegalArgumentException.class);
    }
}

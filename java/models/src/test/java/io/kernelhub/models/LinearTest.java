package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinearTest {

    /** Rows small enough to stay serial, and large enough to take the parallel path. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 300})
    void matchesDoublePrecisionReference(int rows) {
        ParameterStore store = new ParameterStore(5);
        Linear linear = Linear.create(store, "l", 37, 53, true);
        float[] x = store.normal("x", rows * 37, 0, 1);
        float[] w = store.view().get("l.weight");
        float[] b = store.view().get("l.bias");

        float[] y = linear.apply(x, rows);

        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 53; j++) {
                double expected = b[j];
                for (int k = 0; k < 37; k++) {
                    expected += (double) x[i * 37 + k] * w[k * 53 + j];
                }
                assertThat((double) y[i * 53 + j]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void rejectsWrongInputSize() {
        Linear linear = Linear.create(new ParameterStore(1), "l", 4, 2, false);
        assertThatThrownBy(() -> linear.apply(new float[7], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 x 4");
    }

    @Test
    void weightsDependOnSeedAndNameNotOnOrder() {
        ParameterStore a = new ParameterStore(9);
        float[] a1 = a.normal("first", 16, 0, 1);
        float[] a2 = a.normal("second", 16, 0, 1);
        ParameterStore b = new ParameterStore(9);
        float[] b2 = b.normal("second", 16, 0, 1);
        float[] b1 = b.normal("first", 16, 0, 1);
        assertThat(b1).containsExactly(a1);
        assertThat(b2).containsExactly(a2);
        assertThat(new ParameterStore(10).normal("first", 16, 0, 1)).isNotEqualTo(a1);
        assertThatThrownBy(() -> a.normal("first", 1, 0, 1)).isInstanceOf(IllegalStateException.class);
    }
}

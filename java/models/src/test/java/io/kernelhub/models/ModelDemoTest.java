package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelDemoTest {

    @Test
    void runsEveryImplementationOnBothModelsPlusAMixedRow() {
        List<DemoRow> rows = ModelDemo.run(List.of("eager", "sdpa"), 3, 2);

        assertThat(rows).extracting(DemoRow::model, DemoRow::implementation).containsExactly(
                org.assertj.core.groups.Tuple.tuple(ModelDemo.LLAMA, "eager"),
                org.assertj.core.groups.Tuple.tuple(ModelDemo.LLAMA, "sdpa"),
                org.assertj.core.groups.Tuple.tuple(ModelDemo.VISION_TEXT, "eager"),
                org.assertj.core.groups.Tuple.tuple(ModelDemo.VISION_TEXT, "sdpa"),
                org.assertj.core.groups.Tuple.tuple(ModelDemo.VISION_TEXT, "vision=sdpa,text=eager"));
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.millis()).isPositive();
            assertThat(row.maxAbsLogitDiffVsEager()).isLessThan(1e-4);
        });
        assertThat(rows.get(0).maxAbsLogitDiffVsEager()).isZero();
    }

    @Test
    void singleImplementationMixesWithEager() {
        List<DemoRow> rows = ModelDemo.run(List.of("sdpa"), 3, 1);
        assertThat(rows).extracting(DemoRow::implementation)
                .containsExactly("sdpa", "sdpa", "vision=sdpa,text=eager");
        assertThat(ModelDemo.run(List.of("eager", "eager"), 3, 1)).hasSize(2);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> ModelDemo.run(List.of(), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelDemo.run(List.of("eager"), 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelDemo.run(List.of("eager", "nope"), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(ModelDemo.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(ModelDemo.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
    }
}

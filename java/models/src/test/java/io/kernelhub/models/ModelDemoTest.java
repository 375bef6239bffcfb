package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo compares every implementation with eager, and the comparison has teeth: sdpa really
 * runs (its logits differ from eager's, by less than the tolerance), a counting implementation
 * is really called by both backbones, and a deliberately wrong one is outside the tolerance.
 */
class ModelDemoTest {

    @Test
    void sdpaIsComparedWithEagerWithinARealTolerance() {
        List<DemoRow> rows = ModelDemo.run(List.of("eager", "sdpa"), 3, 2);

        assertThat(rows).extracting(DemoRow::model, DemoRow::implementation).containsExactly(
                tuple(ModelDemo.LLAMA, "eager"),
                tuple(ModelDemo.LLAMA, "sdpa"),
                tuple(ModelDemo.VISION_TEXT, "eager"),
                tuple(ModelDemo.VISION_TEXT, "sdpa"),
                tuple(ModelDemo.VISION_TEXT, "vision=sdpa,text=eager"));
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.millis()).isPositive();
            assertThat(row.tolerance()).isEqualTo(ModelDemo.F32_LOGIT_TOLERANCE);
            assertThat(row.withinTolerance()).as("%s", row).isTrue();
        });
        // the eager rows are the reference itself; every other row ran something else: sdpa sums in another
        // order, so its f32 logits differ from eager's (a switch that silently kept eager would give exactly 0)
        assertThat(rows).filteredOn(r -> r.implementation().equals("eager"))
                .allSatisfy(r -> assertThat(r.maxAbsLogitDiffVsEager()).isZero());
        assertThat(rows).filteredOn(r -> !r.implementation().equals("eager")).hasSize(3)
                .allSatisfy(r -> assertThat(r.maxAbsLogitDiffVsEager()).as("%s", r).isPositive()
                        .isLessThanOrEqualTo(ModelDemo.F32_LOGIT_TOLERANCE));
    }

    @Test
    void theNamedImplementationIsTheOneThatRunsOnBothBackbones() {
        AttentionInterface registry = AttentionInterface.standalone();
        CountingAttention counted = CountingAttention.register(registry, "counted-sdpa");
        List<DemoRow> rows = ModelDemo.run(List.of("counted-sdpa"), 3, 1, registry);

        assertThat(rows).extracting(DemoRow::model, DemoRow::implementation).containsExactly(
                tuple(ModelDemo.LLAMA, "counted-sdpa"),
                tuple(ModelDemo.VISION_TEXT, "counted-sdpa"),
                tuple(ModelDemo.VISION_TEXT, "vision=counted-sdpa,text=eager"));
        assertThat(rows).allSatisfy(r -> assertThat(r.withinTolerance()).as("%s", r).isTrue());
        // the causal text decoder and the bidirectional vision encoder both called it
        assertThat(counted.calls).extracting(AttentionRequest::causal).contains(true, false);
        int llamaLayers = LlamaConfig.tiny().layers();
        int visionLayers = VisionConfig.tiny().layers();
        // warm-up passes plus timed ones, per row: llama alone, then the composite (both backbones), then vision only
        int passes = ModelDemo.WARMUP_PASSES + 1;
        assertThat(counted.count()).isEqualTo(passes * (llamaLayers + (visionLayers + llamaLayers) + visionLayers));
    }

    @Test
    void aWrongImplementationIsOutsideTheTolerance() {
        AttentionInterface registry = AttentionInterface.standalone();
        AttentionImplementation sdpa = registry.get("sdpa");
        // attention with a 10% larger softmax scale: plausible numbers, wrong model
        registry.register(new AttentionImplementation("wrong-scale", "sdpa with the scale off by 10%",
                AttentionCapabilities.cpuAll(1024), r -> sdpa.function().forward(r.toBuilder().scale(r.scale() * 1.1).build())));
        List<DemoRow> rows = ModelDemo.run(List.of("sdpa", "wrong-scale"), 3, 1, registry);

        assertThat(rows).extracting(DemoRow::implementation).containsExactly("sdpa", "wrong-scale", "sdpa", "wrong-scale",
                "vision=wrong-scale,text=sdpa");
        assertThat(rows).filteredOn(r -> r.implementation().equals("sdpa"))
                .allSatisfy(r -> assertThat(r.withinTolerance()).isTrue());
        assertThat(rows).filteredOn(r -> r.implementation().contains("wrong-scale")).hasSize(3).allSatisfy(r -> {
            assertThat(r.withinTolerance()).as("%s", r).isFalse();
            assertThat(r.maxAbsLogitDiffVsEager()).isGreaterThan(10 * r.tolerance());
        });
    }

    @Test
    void toleranceFollowsTheAttentionDtype() {
        Logits reference = new Logits(1, 1, 2, new float[] {-4, 2});
        assertThat(ModelDemo.logitTolerance(DType.F32, reference)).isEqualTo(1e-4);
        assertThat(ModelDemo.logitTolerance(DType.F16, reference)).isEqualTo(8 * 4 * Math.scalb(1.0, -11));
        assertThat(ModelDemo.logitTolerance(DType.BF16, reference)).isEqualTo(8 * 4 * Math.scalb(1.0, -8));
        assertThat(new DemoRow("m", "i", 1, Double.POSITIVE_INFINITY, 1).withinTolerance()).isFalse();
        assertThat(new DemoRow("m", "i", 1, Double.NaN, 1).withinTolerance()).isFalse();
    }

    @Test
    void singleImplementationMixesWithEager() {
        List<DemoRow> rows = ModelDemo.run(List.of("sdpa"), 3, 1);
        assertThat(rows).extracting(DemoRow::implementation)
                .containsExactly("sdpa", "sdpa", "vision=sdpa,text=eager");
        assertThat(ModelDemo.run(List.of("eager", "eager"), 3, 1)).extracting(DemoRow::implementation)
                .containsExactly("eager", "eager");
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

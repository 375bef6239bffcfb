package io.kernelhub.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.core.DType;
import io.kernelhub.validate.BuggyKernels.Bug;
import io.kernelhub.validate.grid.ValidationGrid;
import io.kernelhub.validate.report.ValidationReport;
import io.kernelhub.validate.run.CaseResult;
import io.kernelhub.validate.run.ValidationRun;
import io.kernelhub.validate.run.ValidationTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proof that validate can fail: each deliberately wrong kernel is reported failing (and only
 * where its bug shows), a crashing kernel fails its cases under --isolate while the run goes
 * on, and the correct template passes the same grid. Every check runs in each dtype: the
 * tolerance of f16 and bf16 is hundreds of times looser than f32's, and each bug must still
 * be caught there.
 */
class ValidateCatchesBuggyKernelsTest {

    static ValidationReport validate(Path dir, boolean isolate, List<DType> dtypes) throws IOException {
        return new ValidationRun(ValidationTarget.parse(dir.toString()), "cpu", ValidationGrid.Size.QUICK, dtypes, 0, 2, isolate,
                Path.of("target", "crashes").toAbsolutePath()).execute(r -> { });
    }

    static List<CaseResult> failed(ValidationReport r) {
        return r.results().stream().filter(c -> c.status() == CaseResult.Status.FAILED).toList();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void theCorrectTemplatePasses(DType dt) throws IOException {
        ValidationReport r = validate(KernelBuilds.template("good/template"), false, List.of(dt));
        assertThat(failed(r)).as("%s", failed(r)).isEmpty();
        assertThat(r.count(CaseResult.Status.PASSED)).isEqualTo(r.results().size());
        assertThat(r.passed()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void offByOneCausalMaskFailsExactlyWhereAMaskHasARightEdge(DType dt) throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.CAUSAL_OFF_BY_ONE), false, List.of(dt));
        assertThat(failed(r)).isNotEmpty().allSatisfy(c -> assertThat(c.message()).startsWith("error over tolerance"));
        // every causal case where a query cannot see every key has the bug show; unmasked non-causal cases pass
        assertThat(r.results()).filteredOn(c -> !c.features().contains("causal") && !c.features().contains("window"))
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(CaseResult.Status.PASSED));
        assertThat(failed(r)).anySatisfy(c -> assertThat(c.features()).contains("causal"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void wrongScaleFailsAlmostEverything(DType dt) throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.WRONG_SCALE), false, List.of(dt));
        // only cases where every query sees at most one key (the softmax of one score is 1 at any scale) survive
        assertThat(failed(r).size()).isGreaterThan(r.results().size() / 2);
        // with one visible key the output is still right, but the LSE shows the scale
        assertThat(failed(r)).allSatisfy(c -> assertThat(c.maxErr() > c.tolerance() || c.lseErr() > c.lseTol()).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void nondeterminismIsCaughtByRepeatedRuns(DType dt) throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.NONDETERMINISTIC), false, List.of(dt));
        assertThat(failed(r)).isNotEmpty().allSatisfy(c -> assertThat(c.message()).startsWith("nondeterministic"));
        // the wobble is far below the accuracy tolerance: only the bitwise comparison sees it
        assertThat(failed(r)).allSatisfy(c -> assertThat(c.maxErr()).isLessThan(c.tolerance()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void aCrashFailsItsCasesUnderIsolateAndTheRunGoesOn(DType dt) throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.CRASH_AT_HEAD_DIM_80), true, List.of(dt));
        List<CaseResult> crashed = failed(r);
        assertThat(crashed).isNotEmpty().allSatisfy(c -> {
            assertThat(c.name()).contains("d=80");
            assertThat(c.message()).startsWith("crashed").contains("exit code");
        });
        assertThat(r.results()).filteredOn(c -> !c.name().contains("d=80"))
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(CaseResult.Status.PASSED));
        assertThat(r.results()).hasSize(ValidationGrid.cases(ValidationGrid.Size.QUICK, List.of(dt), 0).size());
    }
}

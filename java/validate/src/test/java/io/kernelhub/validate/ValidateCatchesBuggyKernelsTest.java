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
import org.junit.jupiter.api.Test;

/**
 * Proof that validate can fail: each deliberately wrong kernel is reported failing (and only
 * where its bug shows), a crashing kernel fails its cases under --isolate while the run goes
 * on, and the correct template passes the same grid.
 */
class ValidateCatchesBuggyKernelsTest {

    static ValidationReport validate(Path dir, boolean isolate, List<DType> dtypes) throws IOException {
        return new ValidationRun(ValidationTarget.parse(dir.toString()), "cpu", ValidationGrid.Size.QUICK, dtypes, 0, 2, isolate,
                Path.of("target", "crashes").toAbsolutePath()).execute(r -> { });
    }

    static List<CaseResult> failed(ValidationReport r) {
        return r.results().stream().filter(c -> c.status() == CaseResult.Status.FAILED).toList();
    }

    @Test
    void theCorrectTemplatePasses() throws IOException {
        ValidationReport r = validate(KernelBuilds.template("good/template"), false, List.of(DType.F32, DType.BF16));
        assertThat(failed(r)).as("%s", failed(r)).isEmpty();
        assertThat(r.count(CaseResult.Status.PASSED)).isEqualTo(r.results().size());
    }

    @Test
    void offByOneCausalMaskFailsExactlyWhereAMaskHasARightEdge() throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.CAUSAL_OFF_BY_ONE), false, List.of(DType.F32));
        assertThat(failed(r)).isNotEmpty().allSatisfy(c -> assertThat(c.message()).startsWith("error over tolerance"));
        // every causal case where a query cannot see every key has the bug show; unmasked non-causal cases pass
        assertThat(r.results()).filteredOn(c -> !c.features().contains("causal") && !c.features().contains("window"))
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(CaseResult.Status.PASSED));
        assertThat(failed(r)).anySatisfy(c -> assertThat(c.features()).contains("causal"));
    }

    @Test
    void wrongScaleFailsAlmostEverything() throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.WRONG_SCALE), false, List.of(DType.F32));
        // only cases where every query sees at most one key (the softmax of one score is 1 at any scale) survive
        assertThat(failed(r).size()).isGreaterThan(r.results().size() / 2);
        // with one visible key the output is still right, but the LSE shows the scale
        assertThat(failed(r)).allSatisfy(c -> assertThat(c.maxErr() > c.tolerance() || c.lseErr() > c.lseTol()).isTrue());
    }

    @Test
    void nondeterminismIsCaughtByRepeatedRuns() throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.NONDETERMINISTIC), false, List.of(DType.F32));
        assertThat(failed(r)).isNotEmpty().allSatisfy(c -> assertThat(c.message()).startsWith("nondeterministic"));
        // the wobble is far below the accuracy tolerance: only the bitwise comparison sees it
        assertThat(failed(r)).allSatisfy(c -> assertThat(c.maxErr()).isLessThan(c.tolerance()));
    }

    @Test
    void aCrashFailsItsCasesUnderIsolateAndTheRunGoesOn() throws IOException {
        ValidationReport r = validate(BuggyKernels.build(Bug.CRASH_AT_HEAD_DIM_80), true, List.of(DType.F32));
        List<CaseResult> crashed = failed(r);
        assertThat(crashed).isNotEmpty().allSatisfy(c -> {
            assertThat(c.name()).contains("d=80");
            assertThat(c.message()).startsWith("crashed").contains("exit code");
        });
        assertThat(r.results()).filteredOn(c -> !c.name().contains("d=80"))
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(CaseResult.Status.PASSED));
        assertThat(r.results()).hasSize(ValidationGrid.cases(ValidationGrid.Size.QUICK, List.of(DType.F32), 0).size());
    }
}

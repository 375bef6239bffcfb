package io.kernelhub.validate.run;

import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.validate.device.CpuRunner;
import io.kernelhub.validate.device.DeviceRunner;
import io.kernelhub.validate.grid.ValidationCase;
import java.util.List;
import java.util.Locale;

/**
 * Runs cases in this JVM: skips what the implementation does not declare (naming the unmet
 * capability), runs the rest, judges each with FlashAttention's criterion against an f64
 * reference written apart from eager ({@link AccuracyCheck}: output and LSE, a requested LSE
 * must be returned, NaN/Inf fail), and runs it {@code repeats} more times to check that
 * the results are bitwise identical.
 */
public final class Validator {

    private final AttentionImplementation impl;
    private final int repeats;
    private final DeviceRunner runner;

    /**
     * @param impl    the implementation under test
     * @param repeats extra runs compared bitwise with the first (determinism)
     */
    public Validator(AttentionImplementation impl, int repeats) {
        this(impl, repeats, new CpuRunner());
    }

    /** @param runner where the kernel runs (inputs are built and checked on the host) */
    public Validator(AttentionImplementation impl, int repeats, DeviceRunner runner) {
        this.impl = impl;
        this.repeats = repeats;
        this.runner = runner;
    }

    public CaseResult run(ValidationCase c) {
        String features = String.join(" ", c.features());
        AttentionRequest request;
        try {
            request = c.request();
        } catch (IllegalArgumentException e) {
            return CaseResult.skipped(c.name(), features, "not a valid request: " + e.getMessage(), 0, c.seqK());
        }
        double flops = request.flops();
        List<String> unmet = impl.capabilities().unmetBy(request, runner.kind());
        if (!unmet.isEmpty()) {
            return CaseResult.skipped(c.name(), features, "not declared by the kernel: " + String.join("; ", unmet), flops,
                    c.seqK());
        }
        AttentionOutput first;
        double millis;
        try {
            DeviceRunner.Timed t = runner.run(impl, request);
            first = t.output();
            millis = t.millis();
        } catch (RuntimeException e) {
            return CaseResult.failed(c.name(), features, "the kernel failed: " + e.getMessage(), flops, c.seqK());
        }
        AccuracyCheck.Result acc = AccuracyCheck.check(request, first);
        String problem = acc.problem();
        if (problem == null) {
            problem = determinismProblem(request, first);
        }
        double lseTol = Double.isNaN(acc.lseErr()) ? Double.NaN : acc.lseTolerance();
        return new CaseResult(c.name(), features, problem == null ? CaseResult.Status.PASSED : CaseResult.Status.FAILED, problem,
                acc.maxAbsErr(), acc.tolerance(), acc.lseErr(), lseTol, millis, flops, c.seqK());
    }

    private String determinismProblem(AttentionRequest request, AttentionOutput first) {
        float[] out = first.out().toFloatArray();
        float[] lse = first.lse() == null ? null : first.lse().toFloatArray();
        for (int r = 1; r <= repeats; r++) {
            AttentionOutput again;
            try {
                again = runner.run(impl, request).output();
            } catch (RuntimeException e) {
                return "the kernel failed on repeated run " + (r + 1) + ": " + e.getMessage();
            }
            String d = firstDifference("output", out, again.out());
            if (d == null && lse != null) d = firstDifference("lse", lse, again.lse());
            if (d != null) {
                return "nondeterministic: run " + (r + 1) + " differs from run 1 (" + d + ")";
            }
        }
        return null;
    }

    private static String firstDifference(String what, float[] a, Tensor t) {
        float[] b = t.toFloatArray();
        int count = 0, first = -1;
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                if (first < 0) first = i;
                count++;
                max = Math.max(max, Math.abs((double) a[i] - b[i]));
            }
        }
        return count == 0 ? null : String.format(Locale.ROOT, "%s: %d of %d elements, first at flat index %d, max |diff| %.3g",
                what, count, a.length, first, max);
    }
}

package io.kernelhub.cli;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.KernelResolutionException;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.validate.grid.ValidationGrid;
import io.kernelhub.validate.report.HtmlReport;
import io.kernelhub.validate.report.JsonReport;
import io.kernelhub.validate.report.JunitReport;
import io.kernelhub.validate.report.ValidationReport;
import io.kernelhub.validate.run.CaseResult;
import io.kernelhub.validate.run.ValidationRun;
import io.kernelhub.validate.run.ValidationTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub validate ID|DIR}: FlashAttention's grid and criterion against the eager reference. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Validate an attention implementation (registry name, hub id, or a kernel's build directory) on "
                + "FlashAttention's grid, limited to what it declares, with FlashAttention's criterion (max error vs an f64 "
                + "reference <= 2x the low-precision eager's error + 1e-5; LSE too; NaN/Inf fail; repeated runs bitwise "
                + "identical). Exit 0 all passed (skips allowed, but at least one case must run), 1 failures, 2 usage or "
                + "infrastructure error, or nothing ran (every case skipped).")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID|DIR", description = "e.g. kernels-community/flash-attn2, sdpa, or kernels-community/flash-attn2/build")
    String target;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--grid", defaultValue = "quick", description = "quick or full (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--dtypes", split = ",", paramLabel = "LIST", description = "dtypes to sweep (default: every dtype the kernel declares).")
    List<String> dtypes = new ArrayList<>();

    @Option(names = "--junit", paramLabel = "FILE", description = "JUnit XML report (Surefire format).")
    Path junit;

    @Option(names = "--html", paramLabel = "FILE", description = "Self-contained HTML report with plots.")
    Path html;

    @Option(names = "--json", paramLabel = "FILE", description = "JSON summary.")
    Path json;

    @Option(names = "--isolate", description = "Run cases in child JVMs: a native crash fails its case instead of the run.")
    boolean isolate;

    @Option(names = "--seed", defaultValue = "0", description = "Input seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--repeats", defaultValue = "2", description = "Extra runs per case compared bitwise (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--quiet", description = "No per-case lines, only the summary.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (repeats < 0) throw new IllegalArgumentException("--repeats must be >= 0, got " + repeats);
        List<DType> dts = dtypes.stream().map(DType::parse).toList();
        ValidationGrid.Size size = ValidationGrid.Size.parse(grid);
        PrintWriter out = spec.commandLine().getOut();
        ValidationTarget t = ValidationTarget.parse(target);
        Path crashDir = HubSettings.fromEnvironment().home().resolve("validate-crashes");
        ValidationReport report;
        try {
            report = new ValidationRun(t, device, size, dts, seed, repeats, isolate, crashDir).execute(r -> {
                if (!quiet) {
                    out.println(line(r));
                    out.flush();
                }
            });
        } catch (IllegalStateException | KernelResolutionException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // infrastructure: exit 2 with one line
        }
        OutputFiles.createParents(junit, html, json);
        if (json != null) JsonReport.write(report, json);
        if (junit != null) JunitReport.write(report, junit);
        if (html != null) HtmlReport.write(report, html);
        out.printf(Locale.ROOT, "%s on %s: %d passed, %d failed, %d skipped of %d cases (%s grid, %s, %.1f s)%n",
                report.implName(), report.device(), report.count(CaseResult.Status.PASSED),
                report.count(CaseResult.Status.FAILED), report.count(CaseResult.Status.SKIPPED), report.results().size(),
                report.grid(), report.dtypes(), report.seconds());
        out.flush();
        if (report.nothingRan()) {
            // usage, not an accuracy failure: the kernel was asked for nothing it declares
            throw new IllegalArgumentException(nothingRan(report));
        }
        return report.passed() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }

    /** The one-line error of a run in which no case ran: how many were skipped and the commonest reasons. */
    static String nothingRan(ValidationReport report) {
        int n = report.results().size();
        if (n == 0) {
            return "nothing was validated: the " + report.grid() + " grid has no cases for dtypes '" + report.dtypes()
                    + "'; give --dtypes the kernel declares";
        }
        return "nothing was validated: all " + n + " cases were skipped, so no case ran (" + report.skipReasons(3)
                + "); validate dtypes, head dims and features " + report.implName() + " declares (see --dtypes, --device, "
                + "and 'kernelhub list' or the kernel's kernel.json for what it declares)";
    }

    static String line(CaseResult r) {
        return switch (r.status()) {
            case PASSED -> String.format(Locale.ROOT, "PASS  %s  err %.2e <= %.2e  %.2f ms", r.name(), r.maxErr(), r.tolerance(),
                    r.millis());
            case FAILED -> "FAIL  " + r.name() + "  " + r.message();
            case SKIPPED -> "SKIP  " + r.name() + "  " + r.message();
        };
    }
}

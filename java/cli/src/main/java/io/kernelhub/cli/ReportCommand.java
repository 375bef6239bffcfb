package io.kernelhub.cli;

import io.kernelhub.validate.report.HtmlReport;
import io.kernelhub.validate.report.JsonReport;
import io.kernelhub.validate.report.JunitReport;
import io.kernelhub.validate.report.ValidationReport;
import io.kernelhub.validate.run.CaseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub report SUMMARY.json --html FILE [--junit FILE]}: redraws a validation's reports
 * from its JSON summary (a GPU machine whose trimmed runtime cannot draw plots writes JSON; the
 * HTML is made where it is read).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write the HTML (and/or JUnit XML) report of a validation from its JSON summary (validate --json). "
                + "Exit 0 when the summarised run passed, 1 when it had failures.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SUMMARY", description = "A summary written by kernelhub validate --json.")
    Path summary;

    @Option(names = "--html", paramLabel = "FILE", description = "Self-contained HTML report with plots.")
    Path html;

    @Option(names = "--junit", paramLabel = "FILE", description = "JUnit XML report.")
    Path junit;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(summary)) throw new IllegalArgumentException("no such file: " + summary);
        if (html == null && junit == null) throw new IllegalArgumentException("give --html FILE and/or --junit FILE");
        ValidationReport r;
        try {
            r = JsonReport.read(summary);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + summary + ": " + e.getMessage());
        }
        if (html != null) HtmlReport.write(r, html);
        if (junit != null) JunitReport.write(r, junit);
        spec.commandLine().getOut().printf("%s on %s: %d passed, %d failed, %d skipped%n", r.implName(), r.device(),
                r.count(CaseResult.Status.PASSED), r.count(CaseResult.Status.FAILED), r.count(CaseResult.Status.SKIPPED));
        spec.commandLine().getOut().flush();
        if (r.nothingRan()) {
            throw new IllegalArgumentException(ValidateCommand.nothingRan(r)); // exit 2, as validate itself
        }
        return r.passed() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}

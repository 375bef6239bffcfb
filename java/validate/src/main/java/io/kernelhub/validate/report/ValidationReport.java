package io.kernelhub.validate.report;

import io.kernelhub.validate.run.CaseResult;
import java.util.List;

/**
 * A validation run: what was tested, where, and every case's result.
 *
 * @param kernel      the target as named (id, registry name or directory)
 * @param implName    the registry name it resolved to
 * @param description the implementation's description
 * @param device      cpu or cuda
 * @param grid        quick or full
 * @param dtypes      dtypes swept, comma-separated
 * @param seed        input seed
 * @param isolated    cases ran in child JVMs
 * @param host        machine summary (host name, OS, CPU)
 * @param startedAt   ISO-8601 instant
 * @param seconds     wall time of the run
 * @param results     one per case, in grid order
 */
public record ValidationReport(String kernel, String implName, String description, String device, String grid,
        String dtypes, long seed, boolean isolated, String host, String startedAt, double seconds, List<CaseResult> results) {

    public ValidationReport {
        results = List.copyOf(results);
    }

    public long count(CaseResult.Status s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    public boolean passed() {
        return count(CaseResult.Status.FAILED) == 0;
    }

    /** The JUnit suite name: kernelhub.validate.<kernel>.<device> with the id's '/' as '.'. */
    public String suiteName() {
        return "kernelhub.validate." + implName.replaceAll("[^A-Za-z0-9_.-]", ".") + "." + device;
    }
}

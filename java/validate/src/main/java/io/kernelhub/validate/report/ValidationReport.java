package io.kernelhub.validate.report;

import io.kernelhub.validate.run.CaseResult;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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

    /** True when at least one case ran and none failed: a run that skipped everything proved nothing. */
    public boolean passed() {
        return !nothingRan() && count(CaseResult.Status.FAILED) == 0;
    }

    /** True when no case ran (every case was skipped, or the grid was empty). */
    public boolean nothingRan() {
        return count(CaseResult.Status.PASSED) == 0 && count(CaseResult.Status.FAILED) == 0;
    }

    /**
     * Why cases were skipped, most frequent first: each distinct reason (one unmet capability,
     * e.g. "dtype bf16 (accepts f32)", or an invalid request) with how many cases it skipped,
     * at most {@code limit} of them and "N more reasons" after. Empty when nothing was skipped.
     */
    public String skipReasons(int limit) {
        Map<String, Long> counts = results.stream().filter(r -> r.status() == CaseResult.Status.SKIPPED)
                .flatMap(r -> reasons(r.message()).stream())
                .collect(Collectors.groupingBy(x -> x, LinkedHashMap::new, Collectors.counting()));
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).toList();
        String shown = sorted.stream().limit(limit).map(e -> e.getKey() + " (" + e.getValue() + " case"
                + (e.getValue() == 1 ? "" : "s") + ")").collect(Collectors.joining("; "));
        int more = sorted.size() - Math.min(limit, sorted.size());
        return more == 0 ? shown : shown + "; " + more + " more reason" + (more == 1 ? "" : "s");
    }

    /** "not declared by the kernel: a; b" -> [a, b]; any other message is one reason. */
    private static List<String> reasons(String message) {
        String prefix = "not declared by the kernel: ";
        if (message == null) return List.of("no reason given");
        if (!message.startsWith(prefix)) return List.of(message);
        return List.of(message.substring(prefix.length()).split("; "));
    }

    /** The JUnit suite name: kernelhub.validate.<kernel>.<device> with the id's '/' as '.'. */
    public String suiteName() {
        return "kernelhub.validate." + implName.replaceAll("[^A-Za-z0-9_.-]", ".") + "." + device;
    }
}

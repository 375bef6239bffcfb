package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub demo}: the tiny models run under several attention implementations,
 * switched at run time on one set of weights, with time and logit agreement against eager.
 * Exit 1 when any implementation's logits differ from eager's beyond the tolerance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the tiny Llama and vision+text models under each implementation, switching at run time "
                + "without reloading weights; report time and max |logit diff| against eager. Exit 0 when every "
                + "implementation's logits agree with eager's within the tolerance (1e-4 for the f32 models), 1 when "
                + "one does not, 2 for bad usage.")
final class DemoCommand implements Callable<Integer> {

    static final String HEADER_DIFF = "max |logit diff| vs eager";
    static final String HEADER_TOLERANCE = "tolerance";
    static final String HEADER_RESULT = "result";

    @Spec
    CommandSpec spec;

    @Option(names = "--impl", split = ",", paramLabel = "NAME",
            description = "Implementations to run, repeatable or comma-separated (default: eager, sdpa and every "
                    + "community kernel, e.g. kernels-community/flash-attn2).")
    List<String> impls = new ArrayList<>();

    @Option(names = "--no-hub", description = "Skip the hub path (build, publish, serve, resolve): eager and sdpa only.")
    boolean noHub;

    @Option(names = "--kernels", paramLabel = "DIR",
            description = "Kernel sources to build, publish and run on the hub path, one kernel per subdirectory "
                    + "(default: kernels-community/ of this checkout).")
    Path kernelsDir;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of weights and inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--iters", defaultValue = "10", paramLabel = "N",
            description = "Timed forward passes per row after one warmup; the median is reported (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws java.io.IOException {
        if (iters < 1) {
            throw new IllegalArgumentException("--iters must be >= 1, got " + iters);
        }
        PrintWriter out = spec.commandLine().getOut();
        // progress goes before the table on stdout; with --json stdout holds only the JSON
        PrintWriter log = json ? spec.commandLine().getErr() : out;
        if (kernelsDir != null) {
            if (noHub) {
                throw new IllegalArgumentException("--kernels is for the hub path, which --no-hub skips: drop one of them");
            }
            if (!Files.isDirectory(kernelsDir)) {
                throw new IllegalArgumentException("--kernels " + kernelsDir + " is not a directory (give a directory with "
                        + "one kernel source per subdirectory, e.g. kernels-community)");
            }
        }
        boolean wantsHub = !noHub && (kernelsDir != null || impls.isEmpty()
                || impls.stream().anyMatch(HubKernelId::looksLikeHubId));
        Path kernels = !wantsHub ? null : kernelsDir != null ? kernelsDir : LocalHubDemo.communityKernels();
        if (wantsHub && kernels == null) {
            log.println("demo: no kernels-community/ next to this kernelhub (run it from a checkout with ./kernelhub); "
                    + "running eager and sdpa only");
        }
        List<DemoRow> rows;
        if (kernels == null) {
            rows = ModelDemo.run(impls.isEmpty() ? List.of(ModelDemo.REFERENCE, "sdpa") : impls, seed, iters);
        } else {
            try (LocalHubDemo hub = LocalHubDemo.start(kernels, log)) {
                hub.fetchAll(log);
                List<String> run = new ArrayList<>(impls);
                if (run.isEmpty()) {
                    run.addAll(List.of(ModelDemo.REFERENCE, "sdpa"));
                    run.addAll(hub.kernelIds);
                }
                rows = ModelDemo.run(run, seed, iters, hub.registry());
            }
        }
        log.flush();
        String failure = failure(rows);
        if (json) {
            Json.print(out, toJson(rows, failure == null));
        } else {
            printTable(out, rows);
        }
        out.flush();
        if (failure != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(failure);
            err.flush();
            return ExitCodes.CHECK_FAILED;
        }
        return ExitCodes.OK;
    }

    /** One line naming every row whose logits differ from eager's beyond its tolerance, or null when none does. */
    static String failure(List<DemoRow> rows) {
        List<String> bad = new ArrayList<>();
        for (DemoRow r : rows) {
            if (!r.withinTolerance()) {
                bad.add(String.format(Locale.ROOT, "%s on %s differs by %.3e > tolerance %.1e", r.implementation(), r.model(),
                        r.maxAbsLogitDiffVsEager(), r.tolerance()));
            }
        }
        return bad.isEmpty() ? null : "kernelhub: demo failed: logits differ from eager's beyond the tolerance: "
                + String.join("; ", bad);
    }

    private ObjectNode toJson(List<DemoRow> rows, boolean ok) {
        ObjectNode root = Json.object();
        root.put("seed", seed);
        root.put("iters", iters);
        root.put("ok", ok);
        ArrayNode a = root.putArray("rows");
        for (DemoRow r : rows) {
            ObjectNode n = a.addObject();
            n.put("model", r.model());
            n.put("implementation", r.implementation());
            n.put("time_ms", r.millis());
            Json.putNumberOrNull(n, "max_abs_logit_diff_vs_eager", r.maxAbsLogitDiffVsEager());
            n.put("tolerance", r.tolerance());
            n.put("within_tolerance", r.withinTolerance());
        }
        return root;
    }

    static void printTable(PrintWriter out, List<DemoRow> rows) {
        int wModel = "model".length();
        int wImpl = "implementation".length();
        for (DemoRow r : rows) {
            wModel = Math.max(wModel, r.model().length());
            wImpl = Math.max(wImpl, r.implementation().length());
        }
        String fmt = "%-" + wModel + "s  %-" + wImpl + "s  %10s  %-" + HEADER_DIFF.length() + "s  %-"
                + HEADER_TOLERANCE.length() + "s  %s%n";
        out.printf(Locale.ROOT, fmt, "model", "implementation", "time ms", HEADER_DIFF, HEADER_TOLERANCE, HEADER_RESULT);
        out.printf(Locale.ROOT, fmt, "-".repeat(wModel), "-".repeat(wImpl), "-".repeat(10), "-".repeat(HEADER_DIFF.length()),
                "-".repeat(HEADER_TOLERANCE.length()), "-".repeat(HEADER_RESULT.length()));
        for (DemoRow r : rows) {
            out.printf(Locale.ROOT, fmt, r.model(), r.implementation(), String.format(Locale.ROOT, "%.3f", r.millis()),
                    String.format(Locale.ROOT, "%.3e", r.maxAbsLogitDiffVsEager()),
                    String.format(Locale.ROOT, "%.1e", r.tolerance()), r.withinTolerance() ? "ok" : "FAIL");
        }
        out.println();
        out.println("Each model loaded its weights once and switched its attention implementation at run time");
        out.println("(setAttnImplementation) without reloading them; the diff column compares each run's logits");
        out.println("with the same model's logits under eager, which a correct implementation keeps within the tolerance.");
        out.flush();
    }
}

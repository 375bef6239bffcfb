package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
import java.io.PrintWriter;
import io.kernelhub.core.attention.HubKernelId;
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
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the tiny Llama and vision+text models under each implementation, switching at run time "
                + "without reloading weights; report time and max |logit diff| against eager.")
final class DemoCommand implements Callable<Integer> {

    static final String HEADER_DIFF = "max |logit diff| vs eager";

    @Spec
    CommandSpec spec;

    @Option(names = "--impl", split = ",", paramLabel = "NAME",
            description = "Implementations to run, repeatable or comma-separated (default: eager, sdpa and every "
                    + "community kernel, e.g. kernels-community/flash-attn2).")
    List<String> impls = new ArrayList<>();

    @Option(names = "--no-hub", description = "Skip the hub path (build, publish, serve, resolve): eager and sdpa only.")
    boolean noHub;

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
        boolean wantsHub = !noHub && (impls.isEmpty() || impls.stream().anyMatch(HubKernelId::looksLikeHubId));
        Path kernels = wantsHub ? LocalHubDemo.communityKernels() : null;
        if (wantsHub && kernels == null) {
            log.println("demo: no kernels-community/ next to this kernelhub (run it from a checkout with ./kernelhub); "
                    + "running eager and sdpa only");
        }
        List<DemoRow> rows;
        if (kernels == null) {
            rows = ModelDemo.run(impls.isEmpty() ? List.of("eager", "sdpa") : impls, seed, iters);
        } else {
            try (LocalHubDemo hub = LocalHubDemo.start(kernels, log)) {
                hub.fetchAll(log);
                List<String> run = new ArrayList<>(impls);
                if (run.isEmpty()) {
                    run.addAll(List.of("eager", "sdpa"));
                    run.addAll(hub.kernelIds);
                }
                rows = ModelDemo.run(run, seed, iters, hub.registry());
            }
        }
        if (json) {
            Json.print(out, toJson(rows));
        } else {
            printTable(out, rows);
        }
        return ExitCodes.OK;
    }

    private ObjectNode toJson(List<DemoRow> rows) {
        ObjectNode root = Json.object();
        root.put("seed", seed);
        root.put("iters", iters);
        ArrayNode a = root.putArray("rows");
        for (DemoRow r : rows) {
            ObjectNode n = a.addObject();
            n.put("model", r.model());
            n.put("implementation", r.implementation());
            n.put("time_ms", r.millis());
            n.put("max_abs_logit_diff_vs_eager", r.maxAbsLogitDiffVsEager());
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
        String fmt = "%-" + wModel + "s  %-" + wImpl + "s  %10s  %s%n";
        out.printf(Locale.ROOT, fmt, "model", "implementation", "time ms", HEADER_DIFF);
        out.printf(Locale.ROOT, fmt, "-".repeat(wModel), "-".repeat(wImpl), "-".repeat(10), "-".repeat(HEADER_DIFF.length()));
        for (DemoRow r : rows) {
            out.printf(Locale.ROOT, fmt, r.model(), r.implementation(), String.format(Locale.ROOT, "%.3f", r.millis()),
                    String.format(Locale.ROOT, "%.3e", r.maxAbsLogitDiffVsEager()));
        }
        out.println();
        out.println("Each model loaded its weights once and switched its attention implementation at run time");
        out.println("(setAttnImplementation) without reloading them; the last column compares each run's logits");
        out.println("with the same model's logits under eager.");
        out.flush();
    }
}

package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.demo.GenerationDemo;
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
 * switched at run time on one set of weights, with time and logit agreement against eager;
 * then a seeded small Llama checkpoint (written once under KERNELHUB_HOME/demo/models) generates
 * greedily under each implementation, with tokens/s and whether its tokens are eager's
 * ({@link GenerationDemo}). Exit 1 when any implementation's logits differ from eager's beyond
 * the tolerance, or its greedy tokens leave eager's where eager's choice was clear.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the tiny Llama and vision+text models under each implementation, switching at run time "
                + "without reloading weights; report time and max |logit diff| against eager. Then generate 24 greedy "
                + "tokens with a seeded small Llama checkpoint (written once under KERNELHUB_HOME/demo/models) under "
                + "each implementation; report prefill and decode tokens/s and whether the tokens are eager's. Exit 0 "
                + "when every implementation's logits agree with eager's within the tolerance (1e-4 for the f32 models) "
                + "and its greedy tokens are eager's or leave them only at a near-tie (eager's margin <= 1e-3), 1 when "
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
            description = "Timed forward passes per row after one warmup; the median is reported (default: ${DEFAULT-VALUE}). "
                    + "The generation section times min(N, 3) generations per implementation after a short warm-up.")
    int iters;

    @Option(names = "--json", description = "Print one JSON object instead of the tables.")
    boolean json;

    /** The model directory the generation section used. */
    private Path modelDir;

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
        GenerationDemo.Report generation;
        if (kernels == null) {
            List<String> run = impls.isEmpty() ? List.of(ModelDemo.REFERENCE, "sdpa") : impls;
            rows = ModelDemo.run(run, seed, iters);
            generation = generate(run, AttentionInterface.global(), log);
        } else {
            try (LocalHubDemo hub = LocalHubDemo.start(kernels, log)) {
                hub.fetchAll(log);
                List<String> run = new ArrayList<>(impls);
                if (run.isEmpty()) {
                    run.addAll(List.of(ModelDemo.REFERENCE, "sdpa"));
                    run.addAll(hub.kernelIds);
                }
                AttentionInterface registry = hub.registry();
                rows = ModelDemo.run(run, seed, iters, registry);
                generation = generate(run, registry, log);
            }
        }
        log.flush();
        String failure = failure(rows, generation.rows());
        if (json) {
            ObjectNode root = toJson(rows, failure == null);
            putGeneration(root, generation);
            Json.print(out, root);
        } else {
            printTable(out, rows);
            out.println();
            printGeneration(out, generation, modelDir);
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
        return failure(rows, List.of());
    }

    /**
     * One line naming every row whose logits differ from eager's beyond its tolerance and every
     * generation whose greedy tokens leave eager's where eager's choice was clear (margin above
     * the tolerance), or null when there is none.
     */
    static String failure(List<DemoRow> rows, List<GenerationDemo.Row> generation) {
        List<String> parts = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (DemoRow r : rows) {
            if (!r.withinTolerance()) {
                bad.add(String.format(Locale.ROOT, "%s on %s differs by %.3e > tolerance %.1e", r.implementation(), r.model(),
                        r.maxAbsLogitDiffVsEager(), r.tolerance()));
            }
        }
        if (!bad.isEmpty()) {
            parts.add("logits differ from eager's beyond the tolerance: " + String.join("; ", bad));
        }
        List<String> diverged = new ArrayList<>();
        for (GenerationDemo.Row g : generation) {
            if (!g.ok()) {
                diverged.add(String.format(Locale.ROOT, "%s at token %d (eager's margin %.3e > %.1e)", g.implementation(),
                        g.firstDivergence(), g.eagerMargin(), g.marginTolerance()));
            }
        }
        if (!diverged.isEmpty()) {
            parts.add("greedy tokens diverge from eager's where eager's choice is clear: " + String.join(", ", diverged));
        }
        return parts.isEmpty() ? null : "kernelhub: demo failed: " + String.join("; ", parts);
    }

    /**
     * The generation section: the seeded small Llama checkpoint under KERNELHUB_HOME/demo/models
     * (written once), loaded once with the demo's registry, generating under each implementation.
     */
    private GenerationDemo.Report generate(List<String> names, AttentionInterface registry, PrintWriter log) {
        GenerationDemo.Checkpoint c = GenerationDemo.ensureCheckpoint(KernelhubHome.get().resolve("demo").resolve("models"),
                seed);
        modelDir = c.directory();
        if (c.written()) {
            log.printf(Locale.ROOT, "demo: wrote   %s (small Llama, f32, seed %d): %.1f MB in %.1f s%n", c.directory(), seed,
                    c.weightBytes() / 1e6, c.nanos() / 1e9);
        } else {
            log.println("demo: using   " + c.directory() + " (written by an earlier demo)");
        }
        log.flush();
        ModelOptions options = ModelOptions.defaults().withRegistry(registry)
                .withThreads(Runtime.getRuntime().availableProcessors())
                .withAttnImplementation(GenerationDemo.REFERENCE);
        long t0 = System.nanoTime();
        try (CausalLM model = AutoModel.fromPretrained(c.directory(), options)) {
            GenerationDemo.Report report = GenerationDemo.run(model, names, GenerationDemo.PROMPT,
                    GenerationDemo.MAX_NEW_TOKENS, Math.min(iters, GenerationDemo.MAX_TIMED_RUNS));
            log.printf(Locale.ROOT, "demo: loaded it and generated under %d implementation(s) in %.1f s%n",
                    report.rows().size(), (System.nanoTime() - t0) / 1e9);
            log.flush();
            return report;
        }
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

    private void putGeneration(ObjectNode root, GenerationDemo.Report g) {
        ObjectNode m = root.putObject("generation_model");
        m.put("directory", modelDir.toString());
        m.put("preset", "small");
        m.put("dtype", GenerationDemo.DTYPE.id());
        m.put("seed", seed);
        m.put("prompt", g.prompt());
        m.set("prompt_tokens", ints(g.promptTokens()));
        m.put("max_new_tokens", g.maxNewTokens());
        m.put("sampling", "greedy");
        m.put("timed_runs", g.timedRuns());
        m.put("margin_tolerance", GenerationDemo.MARGIN_TOLERANCE);
        m.put("rule", RULE);
        m.set("eager_tokens", ints(g.referenceTokens()));
        m.put("eager_text", g.referenceText());
        ArrayNode a = root.putArray("generation");
        for (GenerationDemo.Row r : g.rows()) {
            ObjectNode n = a.addObject();
            n.put("implementation", r.implementation());
            n.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
            n.put("decode_tokens_per_s", r.decodeTokensPerSecond());
            n.set("tokens", ints(r.tokens()));
            n.put("text", r.text());
            n.put("agrees_with_eager", r.agreesWithEager());
            if (r.agreesWithEager()) {
                n.putNull("first_divergence");
            } else {
                n.put("first_divergence", r.firstDivergence());
            }
            Json.putNumberOrNull(n, "eager_margin", r.eagerMargin());
            n.put("ok", r.ok());
        }
    }

    private static ArrayNode ints(int[] values) {
        ArrayNode a = Json.array();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    static final String HEADER_AGREE = "greedy tokens agree with eager";

    /** How a greedy disagreement is judged, as printed under the table and in the JSON. */
    static final String RULE = String.format(Locale.ROOT, "Greedy tokens are compared with eager's up to the first one "
            + "that differs. A difference fails only when eager's choice there was clear: eager's logit of its own token "
            + "exceeds its logit of the implementation's token by more than %.1e (an implementation whose logits are "
            + "within d of eager's can only flip a choice with a margin of at most 2d; the random model has near-ties, "
            + "which a correct implementation may resolve the other way in f32).", GenerationDemo.MARGIN_TOLERANCE);

    /** The judgement of one generation row as the table shows it. */
    static String agreement(GenerationDemo.Row r) {
        if (r.agreesWithEager()) {
            return r.implementation().equals(GenerationDemo.REFERENCE) ? "yes (reference)"
                    : String.format(Locale.ROOT, "yes (%d/%d)", r.tokens().length, r.tokens().length);
        }
        return r.ok()
                ? String.format(Locale.ROOT, "diverge at token %d (eager's margin %.1e <= %.1e: near-tie, ok)",
                        r.firstDivergence(), r.eagerMargin(), r.marginTolerance())
                : String.format(Locale.ROOT, "diverge at token %d (eager's margin %.1e > %.1e): FAIL", r.firstDivergence(),
                        r.eagerMargin(), r.marginTolerance());
    }

    static void printGeneration(PrintWriter out, GenerationDemo.Report g, Path modelDir) {
        out.printf(Locale.ROOT, "Generation with %s (seeded small Llama, %s), loaded once and switched at run time:%n",
                modelDir, GenerationDemo.DTYPE.id());
        out.printf(Locale.ROOT, "%d greedy tokens after %s (%d prompt tokens); tok/s: median of %d timed run(s) after a "
                + "warm-up of %d tokens.%n%n", g.maxNewTokens(), quoted(g.prompt()), g.promptTokens().length, g.timedRuns(),
                GenerationDemo.WARMUP_TOKENS);
        int wImpl = "implementation".length();
        for (GenerationDemo.Row r : g.rows()) {
            wImpl = Math.max(wImpl, r.implementation().length());
        }
        String fmt = "%-" + wImpl + "s  %13s  %12s  %s%n";
        out.printf(Locale.ROOT, fmt, "implementation", "prefill tok/s", "decode tok/s", HEADER_AGREE);
        out.printf(Locale.ROOT, fmt, "-".repeat(wImpl), "-".repeat(13), "-".repeat(12), "-".repeat(HEADER_AGREE.length()));
        for (GenerationDemo.Row r : g.rows()) {
            out.printf(Locale.ROOT, fmt, r.implementation(), String.format(Locale.ROOT, "%.1f", r.prefillTokensPerSecond()),
                    String.format(Locale.ROOT, "%.1f", r.decodeTokensPerSecond()), agreement(r));
        }
        out.println();
        out.println("eager's text: " + quoted(g.referenceText()));
        for (GenerationDemo.Row r : g.rows()) {
            if (!r.agreesWithEager()) {
                out.println(r.implementation() + "'s text: " + quoted(r.text()));
            }
        }
        out.println();
        wrap(RULE, 100).forEach(out::println);
        out.flush();
    }

    /** {@code text} in lines of at most {@code width} characters, broken at spaces. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** A JSON string literal: quoted, with control characters escaped (generated text can hold any). */
    private static String quoted(String text) {
        try {
            return Json.mapper().writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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

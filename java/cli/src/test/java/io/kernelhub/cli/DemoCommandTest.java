package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
import io.kernelhub.models.demo.GenerationDemo;
import io.kernelhub.models.hf.HfCheckpointWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's contract: each non-eager implementation is compared with eager against a stated
 * tolerance, the rows name the implementations that actually ran, and logits beyond the
 * tolerance fail the command (exit 1, one line); the generation section runs the seeded small
 * checkpoint under the same implementations and fails only on a divergence from eager's greedy
 * tokens where eager's choice was clear. In-process runs use --no-hub or registry names only;
 * they reach KERNELHUB_HOME (the build's empty test home) only for the generation checkpoint,
 * which every in-process run shares. The hub path runs in a child JVM whose KERNELHUB_HOME is a
 * temporary directory (as HubCliTest does).
 */
class DemoCommandTest {

    @TempDir
    Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    /** model/implementation of every row, in order. */
    static List<String> keys(JsonNode rows) {
        List<String> keys = new ArrayList<>();
        rows.forEach(row -> keys.add(row.get("model").asText() + "/" + row.get("implementation").asText()));
        return keys;
    }

    @Test
    void eagerAndSdpaWithoutTheHubCompareSdpaWithEager() throws Exception {
        Cli r = Cli.run("demo", "--no-hub", "--iters", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(keys(j.get("rows"))).containsExactly(ModelDemo.LLAMA + "/eager", ModelDemo.LLAMA + "/sdpa",
                ModelDemo.VISION_TEXT + "/eager", ModelDemo.VISION_TEXT + "/sdpa",
                ModelDemo.VISION_TEXT + "/vision=sdpa,text=eager");
        for (JsonNode row : j.get("rows")) {
            assertThat(row.get("time_ms").asDouble()).isPositive();
            double diff = row.get("max_abs_logit_diff_vs_eager").asDouble();
            assertThat(row.get("tolerance").asDouble()).isEqualTo(ModelDemo.F32_LOGIT_TOLERANCE);
            assertThat(row.get("within_tolerance").asBoolean()).isTrue();
            if (row.get("implementation").asText().equals("eager")) {
                assertThat(diff).isZero();
            } else {
                // sdpa really ran (eager against itself is exactly 0) and agrees within the tolerance
                assertThat(diff).as("%s", row).isPositive().isLessThanOrEqualTo(ModelDemo.F32_LOGIT_TOLERANCE);
            }
        }
    }

    /** implementation of every generation row, in order. */
    static List<String> generationImpls(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.get("generation").forEach(row -> names.add(row.get("implementation").asText()));
        return names;
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asInt()));
        return values;
    }

    @Test
    void generationWithoutTheHubRunsEagerAndSdpaOnTheSmallCheckpointAndTheyAgree() throws Exception {
        Cli r = Cli.run("demo", "--no-hub", "--iters", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        JsonNode model = j.get("generation_model");
        Path models = KernelhubHome.get().resolve("demo").resolve("models").toAbsolutePath().normalize();
        Path dir = Path.of(model.get("directory").asText());
        assertThat(dir).isEqualTo(models.resolve("small-0-f32-w" + HfCheckpointWriter.WEIGHTS_VERSION));
        assertThat(dir.resolve("config.json")).isRegularFile();
        assertThat(dir.resolve("tokenizer.json")).isRegularFile();
        assertThat(r.err()).containsAnyOf("demo: wrote   " + dir, "demo: using   " + dir);
        assertThat(model.get("dtype").asText()).isEqualTo("f32");
        assertThat(model.get("prompt").asText()).isEqualTo(GenerationDemo.PROMPT);
        assertThat(model.get("prompt_tokens").size()).isGreaterThan(1);
        assertThat(model.get("max_new_tokens").asInt()).isEqualTo(GenerationDemo.MAX_NEW_TOKENS);
        assertThat(model.get("timed_runs").asInt()).isEqualTo(1);
        assertThat(model.get("margin_tolerance").asDouble()).isEqualTo(GenerationDemo.MARGIN_TOLERANCE);
        assertThat(model.get("rule").asText()).isEqualTo(DemoCommand.RULE);
        List<Integer> eager = ints(model.get("eager_tokens"));
        assertThat(eager).hasSize(GenerationDemo.MAX_NEW_TOKENS);
        assertThat(model.get("eager_text").asText()).isNotBlank();

        assertThat(generationImpls(j)).containsExactly("eager", "sdpa");
        for (JsonNode row : j.get("generation")) {
            assertThat(row.get("prefill_tokens_per_s").asDouble()).as("%s", row).isPositive();
            assertThat(row.get("decode_tokens_per_s").asDouble()).as("%s", row).isPositive();
            assertThat(ints(row.get("tokens"))).as("%s", row).isEqualTo(eager);
            assertThat(row.get("text").asText()).isEqualTo(model.get("eager_text").asText());
            assertThat(row.get("agrees_with_eager").asBoolean()).isTrue();
            assertThat(row.get("first_divergence").isNull()).isTrue();
            assertThat(row.get("eager_margin").isNull()).isTrue();
            assertThat(row.get("ok").asBoolean()).isTrue();
        }
        // written once: the directory is reused as it is
        GenerationDemo.Checkpoint again = GenerationDemo.ensureCheckpoint(models, 0);
        assertThat(again.directory()).isEqualTo(dir);
        assertThat(again.written()).isFalse();
    }

    /**
     * sdpa with the scale halved in decode steps only (one query position): the logits table,
     * which runs whole sequences, cannot see it; the generation section diverges from eager's
     * greedy tokens after the first token (the prefill's) where eager's choice is clear, and fails.
     */
    @Test
    void aDecodeOnlyBugPassesTheLogitsTableButFailsGeneration() throws Exception {
        String name = "test-demo-wrong-decode";
        AttentionImplementation sdpa = AttentionInterface.global().get("sdpa");
        AttentionInterface.global().register(new AttentionImplementation(name, "sdpa with the scale halved when seq_q is 1",
                AttentionCapabilities.cpuAll(1024), q -> sdpa.function().forward(
                        q.maxSeqQ() == 1 ? q.toBuilder().scale(q.scale() * 0.5).build() : q)));
        try {
            Cli r = Cli.run("demo", "--iters", "1", "--json", "--impl", "sdpa," + name);
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            JsonNode j = JSON.readTree(r.out());
            assertThat(j.get("ok").asBoolean()).isFalse();
            j.get("rows").forEach(row -> assertThat(row.get("within_tolerance").asBoolean()).as("%s", row).isTrue());
            assertThat(generationImpls(j)).containsExactly("sdpa", name);
            JsonNode good = j.get("generation").get(0);
            assertThat(good.get("agrees_with_eager").asBoolean()).isTrue();
            JsonNode bad = j.get("generation").get(1);
            assertThat(bad.get("agrees_with_eager").asBoolean()).isFalse();
            int at = bad.get("first_divergence").asInt();
            assertThat(at).isBetween(1, GenerationDemo.MAX_NEW_TOKENS - 1);
            assertThat(ints(bad.get("tokens")).subList(0, at))
                    .isEqualTo(ints(j.get("generation_model").get("eager_tokens")).subList(0, at));
            assertThat(bad.get("eager_margin").asDouble()).isGreaterThan(GenerationDemo.MARGIN_TOLERANCE);
            assertThat(bad.get("ok").asBoolean()).isFalse();
            List<String> err = r.err().lines().filter(l -> l.startsWith("kernelhub:")).toList();
            assertThat(err).singleElement().isEqualTo(String.format(java.util.Locale.ROOT,
                    "kernelhub: demo failed: greedy tokens diverge from eager's where eager's choice is clear: "
                            + "%s at token %d (eager's margin %.3e > 1.0e-03)", name, at, bad.get("eager_margin").asDouble()));
        } finally {
            AttentionInterface.global().unregister(name);
        }
    }

    static GenerationDemo.Row genRow(String impl, int[] tokens, String text, int diverge, double margin) {
        return new GenerationDemo.Row(impl, 900.5, 150.25, tokens, text, diverge, margin, GenerationDemo.MARGIN_TOLERANCE);
    }

    @Test
    void generationDivergenceFailsOnlyWhereEagersChoiceWasClear() {
        int[] t = {5, 6, 7};
        GenerationDemo.Row eager = genRow("eager", t, "abc", -1, Double.NaN);
        GenerationDemo.Row nearTie = genRow("near", new int[] {5, 9, 9}, "axx", 1, 2e-5);
        GenerationDemo.Row clear = genRow("clear", new int[] {4, 4, 4}, "zzz", 0, 0.75);
        assertThat(eager.ok()).isTrue();
        assertThat(nearTie.agreesWithEager()).isFalse();
        assertThat(nearTie.ok()).isTrue();
        assertThat(clear.ok()).isFalse();
        assertThat(DemoCommand.failure(List.of(), List.of(eager, nearTie))).isNull();
        assertThat(DemoCommand.failure(List.of(), List.of(eager, nearTie, clear))).isEqualTo(
                "kernelhub: demo failed: greedy tokens diverge from eager's where eager's choice is clear: clear at token 0 "
                        + "(eager's margin 7.500e-01 > 1.0e-03)");
        assertThat(DemoCommand.failure(List.of(new DemoRow("m", "x", 1, 0.5, 1e-4)), List.of(clear))).isEqualTo(
                "kernelhub: demo failed: logits differ from eager's beyond the tolerance: x on m differs by 5.000e-01 > "
                        + "tolerance 1.0e-04; greedy tokens diverge from eager's where eager's choice is clear: clear at token 0 "
                        + "(eager's margin 7.500e-01 > 1.0e-03)");

        assertThat(DemoCommand.agreement(eager)).isEqualTo("yes (reference)");
        assertThat(DemoCommand.agreement(genRow("sdpa", t, "abc", -1, Double.NaN))).isEqualTo("yes (3/3)");
        assertThat(DemoCommand.agreement(nearTie)).isEqualTo("diverge at token 1 (eager's margin 2.0e-05 <= 1.0e-03: near-tie, ok)");
        assertThat(DemoCommand.agreement(clear)).isEqualTo("diverge at token 0 (eager's margin 7.5e-01 > 1.0e-03): FAIL");

        assertThat(GenerationDemo.firstDivergence(t, t.clone())).isEqualTo(-1);
        assertThat(GenerationDemo.firstDivergence(t, new int[] {5, 6, 8})).isEqualTo(2);
        assertThat(GenerationDemo.firstDivergence(t, new int[] {5, 6})).isEqualTo(2);
        float[] logits = {0.5f, 3f, 2.75f, -1f};
        assertThat(GenerationDemo.top2Gap(logits)).isEqualTo(0.25);
        assertThat(GenerationDemo.margin(logits, new int[] {1}, new int[] {3}, 0)).isEqualTo(4.0);
        assertThat(GenerationDemo.margin(logits, new int[] {1}, new int[] {}, 0)).isEqualTo(0.25);
    }

    @Test
    void generationTableIsAlignedShowsEagersTextOnceAndStatesTheRule() {
        GenerationDemo.Report g = new GenerationDemo.Report(GenerationDemo.PROMPT, new int[] {1, 2, 3}, 3, 2,
                new int[] {5, 6, 7}, "line one\nline \"two\"", List.of(
                        genRow("eager", new int[] {5, 6, 7}, "line one\nline \"two\"", -1, Double.NaN),
                        genRow("kernels-community/flash-attn2", new int[] {5, 6, 7}, "line one\nline \"two\"", -1, Double.NaN),
                        genRow("near", new int[] {5, 9, 9}, "other", 1, 2e-5)));
        StringWriter s = new StringWriter();
        DemoCommand.printGeneration(new PrintWriter(s), g, tmp.resolve("small-0-f32"));
        String text = s.toString();
        List<String> lines = text.lines().toList();
        int header = 0;
        while (!lines.get(header).startsWith("implementation")) {
            header++;
        }
        assertThat(lines.get(0)).contains(tmp.resolve("small-0-f32").toString(), "f32", "loaded once");
        assertThat(lines.get(1)).contains("3 greedy tokens after \"" + GenerationDemo.PROMPT + "\" (3 prompt tokens)",
                "median of 2 timed run(s)");
        String h = lines.get(header);
        assertThat(h).contains("prefill tok/s", "decode tok/s").endsWith(DemoCommand.HEADER_AGREE);
        int agree = h.indexOf(DemoCommand.HEADER_AGREE);
        assertThat(lines.get(header + 2)).startsWith("eager ").endsWith("yes (reference)").contains("900.5", "150.3");
        assertThat(lines.get(header + 2).indexOf("yes")).isEqualTo(agree);
        assertThat(lines.get(header + 3).indexOf("yes (3/3)")).isEqualTo(agree);
        assertThat(lines.get(header + 4).indexOf("diverge at token 1")).isEqualTo(agree);
        assertThat(lines.get(header + 2).indexOf("900.5") + "900.5".length()).isEqualTo(h.indexOf("prefill tok/s")
                + "prefill tok/s".length());
        // eager's text once, escaped onto one line; a diverging implementation's text after it
        assertThat(text).containsOnlyOnce("eager's text: \"line one\\nline \\\"two\\\"\"");
        assertThat(text).contains("near's text: \"other\"").doesNotContain("flash-attn2's text");
        List<String> rule = DemoCommand.wrap(DemoCommand.RULE, 100);
        assertThat(rule).hasSizeGreaterThan(1).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
        assertThat(String.join(" ", rule)).isEqualTo(DemoCommand.RULE);
        assertThat(lines).containsSubsequence(rule);
    }

    @Test
    void implOptionReplacesTheDefault() throws Exception {
        Cli r = Cli.run("demo", "--iters", "1", "--json", "--impl", "sdpa");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(keys(JSON.readTree(r.out()).get("rows"))).containsExactly(ModelDemo.LLAMA + "/sdpa",
                ModelDemo.VISION_TEXT + "/sdpa", ModelDemo.VISION_TEXT + "/vision=sdpa,text=eager");
    }

    /** An implementation registered in the process's registry, as an application would, with its scale 10% off. */
    @Test
    void logitsBeyondTheToleranceFailWithOneLineNamingTheImplementation() throws Exception {
        String name = "test-demo-wrong-scale";
        AttentionImplementation sdpa = AttentionInterface.global().get("sdpa");
        AttentionInterface.global().register(new AttentionImplementation(name, "sdpa with the scale off by 10%",
                AttentionCapabilities.cpuAll(1024), q -> sdpa.function().forward(q.toBuilder().scale(q.scale() * 1.1).build())));
        try {
            Cli text = Cli.run("demo", "--iters", "1", "--impl", "sdpa," + name);
            assertThat(text.exit()).as(text.err()).isEqualTo(1);
            List<String> err = text.err().lines().filter(l -> !l.isBlank()).toList();
            assertThat(err).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("kernelhub: demo failed: logits differ from eager's beyond the tolerance: ")
                    .contains(name + " on " + ModelDemo.LLAMA + " differs by ")
                    .contains(name + " on " + ModelDemo.VISION_TEXT)
                    .contains("vision=" + name + ",text=sdpa on " + ModelDemo.VISION_TEXT)
                    .contains("> tolerance 1.0e-04")
                    .doesNotContain("sdpa on " + ModelDemo.LLAMA));
            assertThat(text.out()).contains("FAIL").contains(DemoCommand.HEADER_TOLERANCE);

            Cli json = Cli.run("demo", "--iters", "1", "--json", "--impl", "sdpa," + name);
            assertThat(json.exit()).isEqualTo(1);
            JsonNode j = JSON.readTree(json.out());
            assertThat(j.get("ok").asBoolean()).isFalse();
            for (JsonNode row : j.get("rows")) {
                boolean wrong = row.get("implementation").asText().contains(name);
                assertThat(row.get("within_tolerance").asBoolean()).as("%s", row).isEqualTo(!wrong);
                assertThat(row.get("max_abs_logit_diff_vs_eager").asDouble() > row.get("tolerance").asDouble()).isEqualTo(wrong);
            }
            // its greedy tokens leave eager's where eager's choice is clear; sdpa's are eager's
            assertThat(generationImpls(j)).containsExactly("sdpa", name);
            assertThat(j.get("generation").get(0).get("agrees_with_eager").asBoolean()).isTrue();
            assertThat(j.get("generation").get(1).get("ok").asBoolean()).isFalse();
            assertThat(text.err()).contains("; greedy tokens diverge from eager's where eager's choice is clear: " + name
                    + " at token ");
        } finally {
            AttentionInterface.global().unregister(name);
        }
    }

    @Test
    void failureLineIsNullWhenEveryRowIsWithinTolerance() {
        assertThat(DemoCommand.failure(List.of(new DemoRow("m", "sdpa", 1, 1e-6, 1e-4)))).isNull();
        assertThat(DemoCommand.failure(List.of(new DemoRow("m", "sdpa", 1, 1e-6, 1e-4),
                new DemoRow("m", "x", 1, Double.POSITIVE_INFINITY, 1e-4))))
                .isEqualTo("kernelhub: demo failed: logits differ from eager's beyond the tolerance: x on m differs by "
                        + "Infinity > tolerance 1.0e-04");
    }

    @Test
    void tableIsAlignedAndExplainsTheSwitch() {
        StringWriter s = new StringWriter();
        DemoCommand.printTable(new PrintWriter(s), List.of(
                new DemoRow("tiny-llama", "eager", 12.5, 0, 1e-4),
                new DemoRow("tiny-vision-text", "vision=sdpa,text=eager", 3.25, 1.5e-6, 1e-4),
                new DemoRow("tiny-vision-text", "wrong", 3.25, 0.5, 1e-4)));
        List<String> lines = s.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("model").contains("implementation", "time ms", DemoCommand.HEADER_DIFF,
                DemoCommand.HEADER_TOLERANCE).endsWith(DemoCommand.HEADER_RESULT);
        int col = lines.get(0).indexOf(DemoCommand.HEADER_DIFF);
        int tol = lines.get(0).indexOf(DemoCommand.HEADER_TOLERANCE);
        assertThat(lines.get(2).indexOf("0.000e+00")).isEqualTo(col);
        assertThat(lines.get(3).indexOf("1.500e-06")).isEqualTo(col);
        assertThat(lines.get(3).indexOf("1.0e-04")).isEqualTo(tol);
        assertThat(lines.get(2)).contains("12.500").endsWith("ok");
        assertThat(lines.get(4)).endsWith("FAIL");
        assertThat(s.toString()).contains("without reloading");
    }

    @Test
    void unknownImplementationIsExitTwo() {
        Cli r = Cli.run("demo", "--iters", "1", "--impl", "nope");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("kernelhub: error: ").contains("nope");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void kernelsOptionMistakesAreExitTwo() {
        Cli missing = Cli.run("demo", "--kernels", tmp.resolve("none").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("kernelhub: error: --kernels ").contains("is not a directory");
        Cli both = Cli.run("demo", "--no-hub", "--kernels", tmp.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--no-hub");
    }

    // ---- the hub path, in a child JVM with KERNELHUB_HOME in the temporary directory --------------

    ChildCli.Run kernelhub(String... args) throws Exception {
        return ChildCli.run(tmp.resolve("home"), Map.of(), 600, args);
    }

    /**
     * Two hub kernels built from the template: a correct one and one whose scores are scaled 1.1 x.
     * The demo builds, publishes (into the temporary home), serves and resolves both, runs eager,
     * sdpa and both kernels, holds each to the tolerance, and fails naming only the wrong kernel.
     */
    @Test
    void hubPathJudgesEachBuiltKernelAgainstEager() throws Exception {
        Path kernels = tmp.resolve("kernels");
        String good = "test-demo/template";
        String wrong = "test-demo/wrong-scale";
        ChildCli.Run init = kernelhub("init", good, kernels.resolve("good").toString());
        assertThat(init.exit()).as(init.err()).isZero();
        init = kernelhub("init", wrong, kernels.resolve("wrong").toString());
        assertThat(init.exit()).as(init.err()).isZero();
        Path src = kernels.resolve("wrong/src/attention.c");
        String code = Files.readString(src);
        assertThat(code).as("the template changed: cannot patch the scale").contains("s *= p.scale;");
        Files.writeString(src, code.replace("s *= p.scale;", "s *= p.scale * 1.1f;"));

        ChildCli.Run r = kernelhub("demo", "--kernels", kernels.toString(), "--iters", "1", "--json");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        JsonNode j = JSON.readTree(r.out());
        assertThat(keys(j.get("rows"))).containsExactly(
                ModelDemo.LLAMA + "/eager", ModelDemo.LLAMA + "/sdpa", ModelDemo.LLAMA + "/" + good,
                ModelDemo.LLAMA + "/" + wrong,
                ModelDemo.VISION_TEXT + "/eager", ModelDemo.VISION_TEXT + "/sdpa", ModelDemo.VISION_TEXT + "/" + good,
                ModelDemo.VISION_TEXT + "/" + wrong, ModelDemo.VISION_TEXT + "/vision=" + wrong + ",text=eager");
        for (JsonNode row : j.get("rows")) {
            String impl = row.get("implementation").asText();
            double diff = row.get("max_abs_logit_diff_vs_eager").asDouble();
            double tolerance = row.get("tolerance").asDouble();
            assertThat(tolerance).isEqualTo(ModelDemo.F32_LOGIT_TOLERANCE);
            if (impl.equals("eager")) {
                assertThat(diff).isZero();
            } else if (impl.contains(wrong)) {
                assertThat(diff).as("%s", row).isGreaterThan(10 * tolerance);
            } else {
                // sdpa and the correct kernel ran (not eager again: their sums differ from eager's) and agree
                assertThat(diff).as("%s", row).isPositive().isLessThanOrEqualTo(tolerance);
            }
        }
        // generation: the same registry, the hub kernels switched in at run time on the small checkpoint
        assertThat(generationImpls(j)).containsExactly("eager", "sdpa", good, wrong);
        for (JsonNode row : j.get("generation")) {
            assertThat(row.get("prefill_tokens_per_s").asDouble()).as("%s", row).isPositive();
            assertThat(row.get("decode_tokens_per_s").asDouble()).as("%s", row).isPositive();
            assertThat(row.get("tokens").size()).isEqualTo(GenerationDemo.MAX_NEW_TOKENS);
            if (!row.get("implementation").asText().equals(wrong)) {
                assertThat(row.get("agrees_with_eager").asBoolean()).as("%s", row).isTrue();
                assertThat(row.get("text").asText()).isEqualTo(j.get("generation_model").get("eager_text").asText());
            }
        }
        assertThat(j.get("generation_model").get("directory").asText())
                .isEqualTo(tmp.resolve("home/demo/models/small-0-f32-w" + HfCheckpointWriter.WEIGHTS_VERSION).toString());
        List<String> err = r.err().lines().filter(l -> l.startsWith("kernelhub:")).toList();
        assertThat(err).singleElement().satisfies(line -> assertThat(line).startsWith("kernelhub: demo failed:")
                .contains(wrong + " on " + ModelDemo.LLAMA).doesNotContain(good));
        // progress went to stderr: published into the temporary home's hub, resolved over HTTP
        assertThat(r.err()).contains("demo: publish " + good).contains(tmp.resolve("home").toString())
                .contains("demo: resolve " + wrong);
        assertThat(tmp.resolve("home/keys")).isDirectory();
    }
}

package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
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
 * tolerance fail the command (exit 1, one line). In-process runs use --no-hub or registry
 * names only, so they never reach KERNELHUB_HOME; the hub path runs in a child JVM whose
 * KERNELHUB_HOME is a temporary directory (as HubCliTest does).
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
        List<String> err = r.err().lines().filter(l -> l.startsWith("kernelhub:")).toList();
        assertThat(err).singleElement().satisfies(line -> assertThat(line).startsWith("kernelhub: demo failed:")
                .contains(wrong + " on " + ModelDemo.LLAMA).doesNotContain(good));
        // progress went to stderr: published into the temporary home's hub, resolved over HTTP
        assertThat(r.err()).contains("demo: publish " + good).contains(tmp.resolve("home").toString())
                .contains("demo: resolve " + wrong);
        assertThat(tmp.resolve("home/keys")).isDirectory();
    }
}

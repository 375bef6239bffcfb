package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validate and bench CLI contracts: exit codes, one-line errors, report files. */
class ValidateAndBenchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void validatePassesSdpaAndWritesAllReports() throws Exception {
        Path junit = tmp.resolve("r/junit.xml"), html = tmp.resolve("r/report.html"), json = tmp.resolve("r/summary.json");
        Cli r = Cli.run("validate", "sdpa", "--device", "cpu", "--grid", "quick", "--dtypes", "f32", "--junit", junit.toString(),
                "--html", html.toString(), "--json", json.toString(), "--quiet");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("sdpa on cpu:").contains("0 failed");
        assertThat(Files.readString(junit)).contains("<testsuite name=\"kernelhub.validate.sdpa.cpu\"").contains("failures=\"0\"");
        assertThat(Files.readString(html)).contains("data:image/png;base64,");
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("passed").asBoolean()).isTrue();
        assertThat(j.path("counts").path("total").asInt()).isGreaterThan(30);
        // the reports can be redrawn from the JSON alone (GPU runs write JSON; HTML is drawn elsewhere)
        Path again = tmp.resolve("r/again.html");
        Cli rep = Cli.run("report", json.toString(), "--html", again.toString());
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(Files.readString(again)).contains("data:image/png;base64,").contains("sdpa on cpu: passed");
    }

    @Test
    void validateUsageAndInfrastructureErrorsAreExitTwoWithOneLine() {
        for (String[] args : new String[][] {{"validate", "nobody/no-such-kernel"}, {"validate", "sdpa", "--device", "cuda"},
                {"validate", "sdpa", "--grid", "huge"}, {"validate", "sdpa", "--dtypes", "f64"},
                {"validate", "./no/such/dir"}, {"bench", "sdpa", "--shapes", "1x8x1024"}, {"bench", "sdpa", "--peer", "numpy"},
                {"bench", "sdpa", "--device", "cuda"}, {"bench", "sdpa", "--device", "tpu"}}) {
            Cli r = Cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().lines().filter(l -> !l.isBlank()).count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("kernelhub: error: ");
        }
    }

    @Test
    void benchReportsGflopsWithTheFormulaAndWritesJson() throws Exception {
        Path json = tmp.resolve("bench.json");
        Cli r = Cli.run("bench", "sdpa", "eager", "--shapes", "1x2x64x64x32", "--iters", "2", "--warmup-seconds", "0",
                "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("1x2x64x64x32 f32 causal").contains("FLOPs = 4 * head_dim");
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("results")).hasSize(4);
        assertThat(j.path("results").get(0).path("gflops").asDouble()).isPositive();
        assertThat(j.path("results").get(1).path("flops").asDouble()).isEqualTo(4.0 * 32 * 2 * (64 * 65 / 2));
    }
}

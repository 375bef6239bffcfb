package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.models.DemoRow;
import io.kernelhub.models.ModelDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void runsBothModelsUnderEagerAndSdpaByDefault() throws Exception {
        Cli r = Cli.run("demo", "--iters", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        for (JsonNode row : j.get("rows")) {
            String model = row.get("model").asText();
            String impl = row.get("implementation").asText();
            keys.add(model + "/" + impl);
            assertThat(row.get("time_ms").asDouble()).isPositive();
            double diff = row.get("max_abs_logit_diff_vs_eager").asDouble();
            if (impl.equals("eager")) {
                assertThat(diff).isZero();
            } else {
                assertThat(diff).isLessThan(1e-3);
            }
        }
        assertThat(keys).contains(ModelDemo.LLAMA + "/eager", ModelDemo.LLAMA + "/sdpa",
                ModelDemo.VISION_TEXT + "/eager", ModelDemo.VISION_TEXT + "/sdpa");
    }

    @Test
    void implOptionReplacesTheDefault() throws Exception {
        Cli r = Cli.run("demo", "--iters", "1", "--json", "--impl", "sdpa");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
        for (JsonNode row : rows) {
            assertThat(row.get("implementation").asText()).contains("sdpa");
        }
    }

    @Test
    void tableIsAlignedAndExplainsTheSwitch() {
        StringWriter s = new StringWriter();
        DemoCommand.printTable(new PrintWriter(s), List.of(
                new DemoRow("tiny-llama", "eager", 12.5, 0),
                new DemoRow("tiny-vision-text", "vision=sdpa,text=eager", 3.25, 1.5e-6)));
        List<String> lines = s.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("model").contains("implementation", "time ms", DemoCommand.HEADER_DIFF);
        int col = lines.get(0).indexOf(DemoCommand.HEADER_DIFF);
        assertThat(lines.get(2).indexOf("0.000e+00")).isEqualTo(col);
        assertThat(lines.get(3).indexOf("1.500e-06")).isEqualTo(col);
        assertThat(lines.get(2)).contains("12.500");
        assertThat(s.toString()).contains("without reloading");
    }

    @Test
    void unknownImplementationIsExitTwo() {
        Cli r = Cli.run("demo", "--iters", "1", "--impl", "nope");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("kernelhub: error: ").contains("nope");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }
}

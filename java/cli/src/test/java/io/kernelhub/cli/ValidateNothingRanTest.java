package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate must not pass a run in which nothing ran: when every case is skipped it exits 2 with
 * one line saying so and why (the skip reasons, most frequent first), and its reports say
 * "not passed". A run where some cases are skipped and the rest pass still passes.
 */
class ValidateNothingRanTest {

    /** sdpa behind narrow declarations: f32 only, head dims up to 32 (the quick grid's smallest). */
    static final String NARROW = "test-validate-f32-d32-only";

    @TempDir
    Path tmp;

    @BeforeAll
    static void register() {
        AttentionImplementation sdpa = AttentionInterface.global().get("sdpa");
        AttentionInterface.global().register(new AttentionImplementation(NARROW, "sdpa declaring f32 and head dims 1..32",
                new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.of(DType.F32), 1, 32, 1,
                        EnumSet.allOf(AttentionFeature.class)), sdpa.function()));
    }

    @AfterAll
    static void unregister() {
        AttentionInterface.global().unregister(NARROW);
    }

    static List<String> errLines(Cli r) {
        // the JVM's incubator notice is not ours
        return r.err().lines().filter(l -> !l.isBlank() && !l.contains("incubator")).toList();
    }

    @Test
    void everyCaseSkippedForItsDtypeIsExitTwoWithTheReasons() throws Exception {
        Path json = tmp.resolve("summary.json");
        Cli r = Cli.run("validate", NARROW, "--dtypes", "bf16", "--quiet", "--json", json.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(errLines(r)).singleElement().satisfies(l -> assertThat(l)
                .startsWith("kernelhub: error: nothing was validated: all ")
                .contains("cases were skipped, so no case ran")
                // every case misses the dtype: the commonest reason comes first, with its count
                .containsPattern("\\(dtype bf16 \\(accepts f32\\) \\(\\d+ cases\\);")
                .contains("--dtypes"));
        assertThat(r.out()).contains(NARROW + " on cpu: 0 passed, 0 failed, ");
        // the reports are written and do not claim a pass
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("passed").asBoolean()).isFalse();
        assertThat(j.path("nothing_ran").asBoolean()).isTrue();
        assertThat(j.path("counts").path("skipped").asInt()).isEqualTo(j.path("counts").path("total").asInt()).isPositive();
        // redrawing the reports from that summary does not turn it into a pass either
        Cli report = Cli.run("report", json.toString(), "--junit", tmp.resolve("junit.xml").toString());
        assertThat(report.exit()).as(report.out() + report.err()).isEqualTo(2);
        assertThat(errLines(report)).singleElement().satisfies(l -> assertThat(l)
                .startsWith("kernelhub: error: nothing was validated: all "));
    }

    @Test
    void everyCaseSkippedForItsHeadDimsIsExitTwoToo() {
        // its dtype is swept by default, but it declares head dims up to 16 and the quick grid starts at 32
        String tiny = NARROW + "-d16";
        AttentionImplementation sdpa = AttentionInterface.global().get("sdpa");
        AttentionInterface.global().register(new AttentionImplementation(tiny, "sdpa declaring head dims 1..16",
                new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.of(DType.F32), 1, 16, 1,
                        EnumSet.allOf(AttentionFeature.class)), sdpa.function()));
        try {
            Cli r = Cli.run("validate", tiny, "--quiet");
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
            assertThat(errLines(r)).singleElement().satisfies(l -> assertThat(l)
                    .startsWith("kernelhub: error: nothing was validated")
                    .contains("head dim 64 (supports 1..16)")
                    .contains("more reason"));
        } finally {
            AttentionInterface.global().unregister(tiny);
        }
    }

    @Test
    void someSkippedAndTheRestPassedIsStillAPass() {
        Cli r = Cli.run("validate", NARROW, "--dtypes", "f32", "--quiet");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern(NARROW + " on cpu: [1-9]\\d* passed, 0 failed, [1-9]\\d* skipped");
    }
}

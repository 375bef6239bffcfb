package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.sdpa.SdpaAttention;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A deliberately wrong implementation (sdpa with a 1.5x softmax scale) must fail --check with exit 1. */
class CheckFailureTest {

    private static final String NAME = "test-wrong-scale";

    @BeforeAll
    static void register() {
        AttentionImplementation sdpa = SdpaAttention.implementation();
        AttentionFunction wrong = r -> sdpa.function().forward(r.toBuilder().scale(r.scale() * 1.5).build());
        AttentionInterface.global().register(new AttentionImplementation(NAME, "sdpa with a wrong scale (test only)",
                sdpa.capabilities(), wrong));
    }

    @AfterAll
    static void unregister() {
        AttentionInterface.global().unregister(NAME);
    }

    @Test
    void wrongImplementationFailsTheCheckWithExitOne() throws Exception {
        Cli r = Cli.run("attend", "--impl", NAME, "--heads", "2", "--seq-q", "32", "--head-dim", "16", "--iters", "1",
                "--check", "--json");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("checked").asBoolean()).isTrue();
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("max_abs_err").asDouble()).isGreaterThan(2 * j.get("ref_err").asDouble() + 1e-5);
    }

    @Test
    void humanOutputSaysFailed() {
        Cli r = Cli.run("attend", "--impl", NAME, "--heads", "2", "--seq-q", "32", "--head-dim", "16", "--iters", "1",
                "--check");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAILED");
    }

    @Test
    void withoutCheckItRunsFine() {
        Cli r = Cli.run("attend", "--impl", NAME, "--heads", "2", "--seq-q", "32", "--head-dim", "16", "--iters", "1");
        assertThat(r.exit()).isZero();
    }
}

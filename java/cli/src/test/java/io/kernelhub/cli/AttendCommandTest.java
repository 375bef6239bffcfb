package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AttendCommandTest {

    private static final String[] SMALL = {"--batch", "2", "--heads", "4", "--seq-q", "48", "--seq-k", "40",
            "--head-dim", "32", "--warmup", "0", "--iters", "1"};

    static Cli attend(String... extra) {
        List<String> args = new ArrayList<>(List.of("attend"));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    static JsonNode json(Cli r) throws Exception {
        return new ObjectMapper().readTree(r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "--causal",
            "--window 8,4",
            "--causal --window 16,0",
            "--softcap 2.5",
            "--kv-heads 2",
            "--kv-heads 1 --causal",
            "--varlen",
            "--varlen --causal --kv-heads 2",
            "--varlen --window 5,-1 --softcap 10",
            "--dtype f16",
            "--dtype bf16 --causal",
            "--dtype f16 --varlen --window 8,0 --kv-heads 2",
            "--dtype bf16 --softcap 5 --window -1,3"})
    void sdpaPassesTheCheck(String options) throws Exception {
        List<String> extra = new ArrayList<>(List.of("--impl", "sdpa", "--check", "--json"));
        if (!options.isEmpty()) {
            extra.addAll(List.of(options.split(" ")));
        }
        Cli r = attend(extra.toArray(String[]::new));
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).as(r.out()).isZero();
        JsonNode j = json(r);
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("checked").asBoolean()).isTrue();
        assertThat(j.get("max_abs_err").asDouble()).isLessThanOrEqualTo(2 * j.get("ref_err").asDouble() + 1e-5);
        assertThat(j.get("lse_max_abs_err").isNumber()).isTrue();
        assertThat(j.get("time_ms").asDouble()).isPositive();
        assertThat(j.get("gflops").isNumber()).isTrue();
    }

    @Test
    void jsonHasExactlyTheDocumentedFields() throws Exception {
        Cli r = attend("--impl", "eager", "--json", "--dtype", "bf16", "--kv-heads", "2", "--causal", "--window", "6,0",
                "--softcap", "3");
        assertThat(r.exit()).isZero();
        JsonNode j = json(r);
        List<String> fields = new ArrayList<>();
        j.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("impl", "device", "dtype", "shape", "seed", "warmup", "iters", "time_ms",
                "gflops", "checked", "max_abs_err", "ref_err", "lse_max_abs_err", "lse_ref_err", "ok", "saved");
        assertThat(j.get("impl").asText()).isEqualTo("eager");
        assertThat(j.get("device").asText()).isEqualTo("cpu");
        assertThat(j.get("dtype").asText()).isEqualTo("bf16");
        JsonNode s = j.get("shape");
        assertThat(s.get("batch").asInt()).isEqualTo(2);
        assertThat(s.get("heads_q").asInt()).isEqualTo(4);
        assertThat(s.get("heads_kv").asInt()).isEqualTo(2);
        assertThat(s.get("seq_q").asInt()).isEqualTo(48);
        assertThat(s.get("seq_k").asInt()).isEqualTo(40);
        assertThat(s.get("head_dim").asInt()).isEqualTo(32);
        assertThat(s.get("causal").asBoolean()).isTrue();
        assertThat(s.get("window").get(0).asInt()).isEqualTo(6);
        assertThat(s.get("window").get(1).asInt()).isEqualTo(0);
        assertThat(s.get("softcap").asDouble()).isEqualTo(3.0);
        assertThat(s.get("varlen").asBoolean()).isFalse();
        assertThat(s.get("total_q").asInt()).isEqualTo(96);
        assertThat(s.get("total_k").asInt()).isEqualTo(80);
        assertThat(j.get("checked").asBoolean()).isFalse();
        assertThat(j.get("max_abs_err").isNull()).isTrue();
        assertThat(j.get("ref_err").isNull()).isTrue();
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("saved").isNull()).isTrue();
    }

    @Test
    void defaultsAreDocumented() throws Exception {
        Cli r = Cli.run("attend", "--impl", "sdpa", "--json", "--iters", "1", "--warmup", "0");
        assertThat(r.exit()).isZero();
        JsonNode j = json(r);
        assertThat(j.at("/shape/batch").asInt()).isEqualTo(1);
        assertThat(j.at("/shape/heads_q").asInt()).isEqualTo(8);
        assertThat(j.at("/shape/heads_kv").asInt()).isEqualTo(8);
        assertThat(j.at("/shape/seq_q").asInt()).isEqualTo(512);
        assertThat(j.at("/shape/seq_k").asInt()).isEqualTo(512);
        assertThat(j.at("/shape/head_dim").asInt()).isEqualTo(64);
        assertThat(j.at("/shape/window").isNull()).isTrue();
        assertThat(j.get("dtype").asText()).isEqualTo("f32");
        assertThat(j.get("seed").asLong()).isZero();
    }

    @Test
    void varlenLengthsAreSeededAndWithinBounds() throws Exception {
        JsonNode a = json(attend("--impl", "sdpa", "--varlen", "--json", "--seed", "7"));
        JsonNode b = json(attend("--impl", "sdpa", "--varlen", "--json", "--seed", "7"));
        assertThat(a.at("/shape/varlen").asBoolean()).isTrue();
        assertThat(a.at("/shape/total_q").asInt()).isEqualTo(b.at("/shape/total_q").asInt()).isBetween(2, 96);
        assertThat(a.at("/shape/total_k").asInt()).isEqualTo(b.at("/shape/total_k").asInt()).isBetween(2, 80);
    }

    @Test
    void humanOutputIsAShortSummary() {
        Cli r = attend("--impl", "sdpa", "--check", "--causal");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("sdpa on cpu, f32", "causal", "ms", "GFLOP/s", "ok");
        assertThat(r.out().lines().count()).isLessThanOrEqualTo(5);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(AttendCommand.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(AttendCommand.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }
}

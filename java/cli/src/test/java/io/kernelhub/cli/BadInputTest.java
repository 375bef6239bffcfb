package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BadInputTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "attend --impl sdpa --heads 8 --kv-heads 3 | multiple of --kv-heads",
            "attend --impl sdpa --window 1;2 | '1;2' is not a window",
            "attend --impl sdpa --window 4 | not a window",
            "attend --impl sdpa --window a,b | not a window",
            "attend --impl sdpa --window -2,0 | not a window",
            "attend --impl no-such-impl | no attention implementation named 'no-such-impl'",
            "attend --impl sdpa --dtype f64 | unknown dtype 'f64'",
            "attend --impl sdpa --device cuda | does not support device cuda",
            "attend --impl sdpa --device cuda:1 | does not support device cuda",
            "attend --impl sdpa --device tpu | unknown device 'tpu'",
            // the suite's KERNELHUB_HOME is empty (root pom.xml): no hub lists the kernel
            "attend --impl kernels-community/flash-attn2 | cannot resolve kernels-community/flash-attn2: no hub has a matching version",
            "attend --impl flash_attention_2 | cannot resolve kernels-community/flash-attn2: no hub has a matching version",
            "attend --impl bad//id | bad hub kernel id 'bad//id': expected org/name[@version][:op]",
            "attend --impl sdpa --causal --window 4,4 | causal",
            "attend --impl sdpa --batch 0 | --batch must be >= 1",
            "attend --impl sdpa --batch x | 'x' is not an int",
            "attend --impl sdpa --iters 0 | --iters must be >= 1",
            "attend --impl sdpa --softcap -1 | --softcap",
            "attend --impl sdpa --seq-q 65536 --seq-k 65536 --heads 1024 --head-dim 1024 | smaller",
            "attend --impl sdpa --nope | Unknown option: '--nope'",
            "attend | Missing required option",
            "frobnicate | Unmatched argument",
            "<none> | missing command",
            "list --json --x | Unknown option"})
    void badInputIsOneLineAndExitTwo(String args, String expected) {
        Cli r = Cli.run(args.equals("<none>") ? new String[0] : args.split(" "));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("kernelhub: error: ").contains(expected);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
    }
}

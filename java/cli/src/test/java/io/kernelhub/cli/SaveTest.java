package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaveTest {

    @TempDir
    Path dir;

    @Test
    void savesFixedLayoutTensorsAsFloat32() throws Exception {
        Path out = dir.resolve("fixed");
        Cli r = Cli.run("attend", "--impl", "sdpa", "--batch", "2", "--heads", "4", "--kv-heads", "2", "--seq-q", "24",
                "--seq-k", "40", "--head-dim", "16", "--dtype", "bf16", "--causal", "--seed", "3", "--iters", "1",
                "--save", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        AttendShape shape = new AttendShape(2, 4, 2, 24, 40, 16, true, false, -1, -1, 0, false);
        AttendInputs inputs = AttendInputs.generate(shape, DType.BF16, 3);
        AttentionOutput expected = AttentionInterface.global().attend("sdpa",
                AttentionRequest.builder(inputs.q(), inputs.k(), inputs.v()).causal(true).returnLse(true).build());

        assertSame(out.resolve("q.npy"), inputs.q());
        assertSame(out.resolve("k.npy"), inputs.k());
        assertSame(out.resolve("v.npy"), inputs.v());
        assertSame(out.resolve("out.npy"), expected.out());
        assertSame(out.resolve("lse.npy"), expected.lse());
        assertThat(NpyReader.read(out.resolve("lse.npy")).shape()).containsExactly(2, 4, 24);
        assertThat(Files.exists(out.resolve("cu_seqlens_q.npy"))).isFalse();
    }

    @Test
    void savesVarlenTensorsAndCuSeqlensAsInt32() throws Exception {
        Path out = dir.resolve("varlen");
        Cli r = Cli.run("attend", "--impl", "sdpa", "--batch", "3", "--heads", "2", "--seq-q", "20", "--head-dim", "8",
                "--varlen", "--dtype", "f16", "--seed", "11", "--iters", "1", "--json", "--save", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"saved\" : \"" + out.toString().replace("\\", "\\\\") + "\"");
        AttendShape shape = new AttendShape(3, 2, 2, 20, 20, 8, false, false, -1, -1, 0, true);
        AttendInputs inputs = AttendInputs.generate(shape, DType.F16, 11);
        NpyReader cuQ = NpyReader.read(out.resolve("cu_seqlens_q.npy"));
        NpyReader cuK = NpyReader.read(out.resolve("cu_seqlens_k.npy"));
        assertThat(cuQ.shape()).containsExactly(4);
        assertThat(cuQ.ints()).containsExactly(inputs.cuQ());
        assertThat(cuK.ints()).containsExactly(inputs.cuK());
        for (int b = 0; b < 3; b++) {
            assertThat(inputs.cuQ()[b + 1] - inputs.cuQ()[b]).isBetween(1, 20);
            assertThat(inputs.cuK()[b + 1] - inputs.cuK()[b]).isBetween(1, 20);
        }
        AttentionOutput expected = AttentionInterface.global().attend("sdpa",
                AttentionRequest.builder(inputs.q(), inputs.k(), inputs.v()).cuSeqlens(inputs.cuQ(), inputs.cuK())
                        .returnLse(true).build());
        assertSame(out.resolve("q.npy"), inputs.q());
        assertSame(out.resolve("k.npy"), inputs.k());
        assertSame(out.resolve("v.npy"), inputs.v());
        assertSame(out.resolve("out.npy"), expected.out());
        assertSame(out.resolve("lse.npy"), expected.lse());
        assertThat(NpyReader.read(out.resolve("q.npy")).shape()).containsExactly(inputs.cuQ()[3], 2, 8);
        assertThat(NpyReader.read(out.resolve("lse.npy")).shape()).containsExactly(2, inputs.cuQ()[3]);
    }

    private static void assertSame(Path file, Tensor expected) throws Exception {
        NpyReader npy = NpyReader.read(file);
        assertThat(npy.descr()).isEqualTo("<f4");
        assertThat(npy.shape()).containsExactly(expected.shape());
        assertThat(npy.floats()).containsExactly(expected.toFloatArray());
    }
}

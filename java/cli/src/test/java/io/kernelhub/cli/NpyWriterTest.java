package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

    @TempDir
    Path dir;

    @Test
    void headerIsPaddedToSixtyFourBytesAndEndsWithNewline() {
        for (int[] shape : new int[][] {{}, {5}, {2, 3}, {1, 512, 8, 64}, {123456789, 2, 3, 4}}) {
            byte[] h = NpyWriter.header("<f4", shape);
            assertThat(h.length % 64).isZero();
            assertThat(h[h.length - 1]).isEqualTo((byte) '\n');
            assertThat(h[6]).isEqualTo((byte) 1);
            assertThat(h[7]).isEqualTo((byte) 0);
            int len = (h[8] & 0xff) | (h[9] & 0xff) << 8;
            assertThat(len).isEqualTo(h.length - 10);
            String text = new String(h, 10, len, StandardCharsets.US_ASCII);
            assertThat(text).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': " + NpyWriter.shapeTuple(shape) + ", }");
        }
        assertThat(NpyWriter.shapeTuple(new int[] {})).isEqualTo("()");
        assertThat(NpyWriter.shapeTuple(new int[] {5})).isEqualTo("(5,)");
        assertThat(NpyWriter.shapeTuple(new int[] {2, 3})).isEqualTo("(2, 3)");
    }

    @Test
    void writesTensorsOfEveryDtypeAsExactFloat32() throws Exception {
        for (DType dt : DType.values()) {
            Tensor t = Tensor.randn(dt, 7, 3, 4, 5);
            Path f = dir.resolve(dt.id() + ".npy");
            NpyWriter.writeFloat32(f, t);
            NpyReader r = NpyReader.read(f);
            assertThat(r.descr()).isEqualTo("<f4");
            assertThat(r.shape()).containsExactly(3, 4, 5);
            assertThat(r.floats()).containsExactly(t.toFloatArray());
        }
    }

    @Test
    void writesStridedViewsInLogicalOrder() throws Exception {
        Tensor t = Tensor.randn(DType.F32, 3, 4, 6).transpose(0, 1);
        Path f = dir.resolve("t.npy");
        NpyWriter.writeFloat32(f, t);
        NpyReader r = NpyReader.read(f);
        assertThat(r.shape()).containsExactly(6, 4);
        assertThat(r.floats()).containsExactly(t.toFloatArray());
    }

    @Test
    void writesInt32() throws Exception {
        Path f = dir.resolve("cu.npy");
        NpyWriter.writeInt32(f, new int[] {0, 3, 10}, 3);
        NpyReader r = NpyReader.read(f);
        assertThat(r.descr()).isEqualTo("<i4");
        assertThat(r.shape()).containsExactly(3);
        assertThat(r.ints()).containsExactly(0, 3, 10);
    }
}

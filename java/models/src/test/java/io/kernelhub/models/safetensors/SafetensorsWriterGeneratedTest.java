package io.kernelhub.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Generated tensors ({@link SafetensorsWriter#addGenerated}) give the same bytes as the same
 * values added as arrays, whatever the blocks and threads that produce them.
 */
class SafetensorsWriterGeneratedTest {

    @TempDir
    Path dir;

    /** A value that depends on the index alone, with fractions that bf16/f16 must round. */
    static float valueAt(long i) {
        return (float) Math.sin(i * 0.7) * 3.1f + (i % 7) * 0.013f;
    }

    static float[] values(long offset, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = valueAt(offset + i);
        }
        return v;
    }

    static final SafetensorsWriter.ValueSource SOURCE = (from, out, count) -> {
        for (int i = 0; i < count; i++) {
            out[i] = valueAt(from + i);
        }
    };

    @ParameterizedTest
    @EnumSource(DType.class)
    void generatedTensorsAreByteIdenticalToAddedArrays(DType dtype) throws IOException {
        // one tensor spans several blocks (and so several threads), one is empty, one is small
        int cols = SafetensorsWriter.GENERATE_BLOCK / 3 * 2 + 41;
        int big = 3 * cols;
        SafetensorsWriter arrays = new SafetensorsWriter().metadata("format", "pt")
                .add("b.big", dtype, values(0, big), 3, cols)
                .add("a.empty", dtype, new float[0], 0, 4)
                .add("c.small", dtype, values(0, 10), 10);
        SafetensorsWriter generated = new SafetensorsWriter().metadata("format", "pt")
                .addGenerated("b.big", dtype, SOURCE, 3, cols)
                .addGenerated("a.empty", dtype, SOURCE, 0, 4)
                .addGenerated("c.small", dtype, SOURCE, 10);
        assertThat(generated.dataBytes()).isEqualTo(arrays.dataBytes());
        arrays.writeFile(dir.resolve("arrays.safetensors"));
        generated.writeFile(dir.resolve("generated.safetensors"));
        assertThat(Files.readAllBytes(dir.resolve("generated.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("arrays.safetensors")));
    }

    @Test
    void mixesWithArraysAndShardsLikeTheArrayWriter() throws IOException {
        long shard = 4000;
        SafetensorsWriter arrays = new SafetensorsWriter();
        SafetensorsWriter mixed = new SafetensorsWriter();
        for (int i = 0; i < 6; i++) {
            arrays.add("t" + i, DType.BF16, values(0, 700), 7, 100);
            if (i % 2 == 0) {
                mixed.addGenerated("t" + i, DType.BF16, SOURCE, 7, 100);
            } else {
                mixed.add("t" + i, DType.BF16, values(0, 700), 7, 100);
            }
        }
        List<Path> a = arrays.writeCheckpoint(dir.resolve("arrays"), shard);
        List<Path> m = mixed.writeCheckpoint(dir.resolve("mixed"), shard);
        assertThat(m).hasSize(a.size()).hasSizeGreaterThan(2);
        for (int i = 0; i < a.size(); i++) {
            assertThat(Files.readAllBytes(m.get(i))).as(m.get(i).toString()).isEqualTo(Files.readAllBytes(a.get(i)));
        }
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir.resolve("mixed"))) {
            assertThat(c.readFloats("t4")).containsExactly(values(0, 700), org.assertj.core.api.Assertions.within(0.02f));
        }
    }

    @Test
    void everyElementIsRequestedExactlyOnce() {
        int n = SafetensorsWriter.GENERATE_BLOCK * 3 + 5;
        ConcurrentLinkedQueue<long[]> ranges = new ConcurrentLinkedQueue<>();
        new SafetensorsWriter().addGenerated("x", DType.F16, (from, out, count) -> {
            ranges.add(new long[] {from, count});
            SOURCE.fill(from, out, count);
        }, n).writeFile(dir.resolve("x.safetensors"));
        List<long[]> sorted = ranges.stream().sorted((p, q) -> Long.compare(p[0], q[0])).toList();
        long next = 0;
        for (long[] r : sorted) {
            assertThat(r[0]).isEqualTo(next);
            next += r[1];
        }
        assertThat(next).isEqualTo(n);
    }

    @Test
    void aFailingSourceFailsTheWriteAndLeavesNoFile() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().addGenerated("x", DType.F32, (from, out, count) -> {
            throw new IllegalStateException("source broke at " + from);
        }, SafetensorsWriter.GENERATE_BLOCK * 4L);
        assertThatThrownBy(() -> w.writeFile(dir.resolve("x.safetensors")))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("source broke at ");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void holdsNoValuesUntilWritten() {
        // a 64 GiB tensor can be declared; only its shape is held
        SafetensorsWriter w = new SafetensorsWriter().addGenerated("huge", DType.F32, SOURCE, 1L << 16, 1L << 18);
        assertThat(w.dataBytes()).isEqualTo(1L << 36);
        assertThatThrownBy(() -> w.addGenerated("bad", DType.F32, SOURCE, 2, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative dimension");
    }
}

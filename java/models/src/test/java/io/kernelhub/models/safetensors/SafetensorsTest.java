package io.kernelhub.models.safetensors;

import static io.kernelhub.models.safetensors.SafetensorsTestFiles.bytes;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.concat;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.le32f;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.le64;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.raw;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The format, byte for byte, and round trips through the writer and the mapped readers. */
class SafetensorsTest {

    @TempDir
    Path dir;

    private static float[] randomValues(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 3);
        }
        return v;
    }

    private static float[] rounded(DType type, float[] values) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = type.round(out[i]);
        }
        return out;
    }

    // ---- exact bytes -----------------------------------------------------------------------------

    /**
     * The reference implementation's own serialization test vectors (safetensors crate,
     * tensor.rs: test_serialization_forced_alignement and test_empty), typed in as numbers.
     */
    @Test
    void writerReproducesTheReferenceImplementationsTestVectors() throws IOException {
        float[] zeroToFive = {0, 1, 2, 3, 4, 5};
        new SafetensorsWriter().add("attn0", DType.F32, zeroToFive, 1, 1, 2, 3).writeFile(dir.resolve("a.safetensors"));
        assertThat(Files.readAllBytes(dir.resolve("a.safetensors"))).isEqualTo(bytes(
                72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                160, 64));

        new SafetensorsWriter().writeFile(dir.resolve("empty.safetensors"));
        assertThat(Files.readAllBytes(dir.resolve("empty.safetensors")))
                .isEqualTo(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32));

        new SafetensorsWriter().metadata("framework", "pt").writeFile(dir.resolve("meta.safetensors"));
        assertThat(Files.readAllBytes(dir.resolve("meta.safetensors"))).isEqualTo(bytes(
                40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32));
    }

    /**
     * A file built by hand: metadata first, tensors by descending dtype then name (F32 "b", "m",
     * then BF16, then F16), offsets from the byte after the header, 263 header bytes padded with
     * one space to 264, values little-endian.
     */
    @Test
    void writerLaysOutMixedDtypesExactlyAsTheReference() throws IOException {
        new SafetensorsWriter().metadata("format", "pt")
                .add("z.bias", DType.F16, new float[] {1f, -2f}, 2)
                .add("a.weight", DType.BF16, new float[] {1f, 0.5f}, 1, 2)
                .add("m", DType.F32, new float[] {3f})
                .add("b", DType.F32, new float[] {0.25f, -1f}, 2)
                .writeFile(dir.resolve("mixed.safetensors"));

        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"m\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"a.weight\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[12,16]},"
                + "\"z.bias\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]}}";
        assertThat(header).hasSize(263);
        byte[] expected = concat(le64(264), (header + " ").getBytes(StandardCharsets.US_ASCII),
                bytes(0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x80, 0xbf), // b: 0.25, -1
                bytes(0x00, 0x00, 0x40, 0x40), // m: 3
                bytes(0x80, 0x3f, 0x00, 0x3f), // a.weight: bf16 1, 0.5
                bytes(0x00, 0x3c, 0x00, 0xc0)); // z.bias: f16 1, -2
        assertThat(Files.readAllBytes(dir.resolve("mixed.safetensors"))).isEqualTo(expected);

        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("mixed.safetensors"))) {
            assertThat(f.names()).containsExactly("b", "m", "a.weight", "z.bias");
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(f.dataStart()).isEqualTo(8 + 264);
            assertThat(f.info("a.weight")).isEqualTo(new TensorInfo(dir.resolve("mixed.safetensors"), "a.weight",
                    SafetensorsDType.BF16, new long[] {1, 2}, 8 + 264 + 12, 4));
            assertThat(f.readFloats("m")).containsExactly(3f);
            assertThat(f.readFloats("z.bias")).containsExactly(1f, -2f);
        }
    }

    /** Names with quotes, backslashes, control and non-ASCII characters: escaped as serde_json does, read back intact. */
    @Test
    void namesNeedingEscapesRoundTrip() throws IOException {
        String name = "a\"b\\c\n\u0001é";
        new SafetensorsWriter().add(name, DType.F32, new float[] {7f}, 1).writeFile(dir.resolve("n.safetensors"));
        String text = new String(Files.readAllBytes(dir.resolve("n.safetensors")), StandardCharsets.UTF_8);
        assertThat(text).contains("\"a\\\"b\\\\c\\n\\u0001é\":{");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("n.safetensors"))) {
            assertThat(f.names()).containsExactly(name);
            assertThat(f.readFloats(name)).containsExactly(7f);
        }
    }

    /** Offsets are relative to the data area, entries may come in any order, and the padding is optional for readers. */
    @Test
    void readsHandBuiltHeadersInAnyOrderWithoutPadding() {
        String header = "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"__metadata__\":null,"
                + "\"first\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path file = write(dir, "h.safetensors", raw(header, le32f(1.5f, 2.5f, -4f)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("first", "second");
            assertThat(f.metadata()).isEmpty();
            assertThat(f.readFloats("first")).containsExactly(1.5f, 2.5f);
            assertThat(f.readFloats("second")).containsExactly(-4f);
        }
    }

    // ---- round trips -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void singleFileRoundTrip(DType type) {
        float[] w = randomValues(11, 6 * 5);
        float[] b = randomValues(12, 5);
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().metadata("format", "pt").add("layer.weight", type, w, 6, 5)
                .add("layer.bias", type, b, 5).add("empty", type, new float[0], 0, 3).writeFile(file);

        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertThat(ckpt.isSharded()).isFalse();
            assertThat(ckpt.path()).isEqualTo(file);
            assertThat(ckpt.shards().getFirst().metadata()).containsEntry("format", "pt");
            TensorInfo info = ckpt.require("layer.weight", type, 6, 5);
            assertThat(info.dtype()).isEqualTo(SafetensorsDType.of(type));
            assertThat(info.byteLength()).isEqualTo(30L * type.byteSize());
            assertThat(ckpt.require("layer.bias", null, 5).numel()).isEqualTo(5);
            assertThat(ckpt.readFloats("layer.weight")).containsExactly(rounded(type, w));
            assertThat(ckpt.readFloats("layer.bias")).containsExactly(rounded(type, b));
            assertThat(ckpt.readFloats("empty")).isEmpty();
            assertThat(ckpt.view("layer.weight").toFloatArray()).containsExactly(rounded(type, w));
            assertThat(ckpt.view("layer.weight").shape()).containsExactly(6, 5);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void shardedRoundTrip(DType type) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (int i = 0; i < 7; i++) {
            float[] v = randomValues(100 + i, 16 * (i + 1));
            values.put("layers." + i + ".w", v);
            writer.add("layers." + i + ".w", type, v, i + 1, 16);
        }
        // transformers' split: rows 1+2 fill a shard; 3 rows start the next; 4..7 rows are each over
        // the limit, so each becomes a shard at once, before the 3-row shard is closed last
        long max = 48L * type.byteSize();
        List<Path> written = writer.writeCheckpoint(dir, max);

        assertThat(written.getLast()).isEqualTo(dir.resolve(SafetensorsCheckpoint.INDEX_FILE));
        assertThat(written.subList(0, written.size() - 1)).extracting(p -> p.getFileName().toString())
                .containsExactly("model-00001-of-00006.safetensors", "model-00002-of-00006.safetensors",
                        "model-00003-of-00006.safetensors", "model-00004-of-00006.safetensors",
                        "model-00005-of-00006.safetensors", "model-00006-of-00006.safetensors");
        assertThat(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE)).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }

        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertThat(ckpt.isSharded()).isTrue();
            assertThat(ckpt.shards()).hasSize(6);
            assertThat(ckpt.totalSize()).hasValue(writer.dataBytes());
            assertThat(ckpt.names()).containsExactly("layers.0.w", "layers.1.w", "layers.3.w", "layers.4.w",
                    "layers.5.w", "layers.6.w", "layers.2.w");
            assertThat(ckpt.shardOf("layers.0.w")).isSameAs(ckpt.shardOf("layers.1.w"));
            assertThat(ckpt.shardOf("layers.3.w").path().getFileName()).hasToString("model-00002-of-00006.safetensors");
            assertThat(ckpt.shardOf("layers.2.w").path().getFileName()).hasToString("model-00006-of-00006.safetensors");
            for (SafetensorsFile shard : ckpt.shards()) {
                assertThat(shard.metadata()).containsEntry("format", "pt");
            }
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                int rows = e.getValue().length / 16;
                ckpt.require(e.getKey(), type, rows, 16);
                float[] into = new float[e.getValue().length];
                ckpt.readFloats(e.getKey(), into);
                assertThat(into).containsExactly(rounded(type, e.getValue()));
            }
        }
    }

    /** The index is what transformers writes: json.dumps(indent=2, sort_keys=True) plus a newline. */
    @Test
    void indexIsFormattedAsTransformersWritesIt() throws IOException {
        new SafetensorsWriter().add("b", DType.F32, new float[] {1, 2, 3, 4}, 4)
                .add("a", DType.BF16, new float[] {1, 2}, 2).add("c", DType.F16, new float[] {5, 6}, 2)
                .writeCheckpoint(dir, 16);
        assertThat(Files.readString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE))).isEqualTo("""
                {
                  "metadata": {
                    "total_size": 24
                  },
                  "weight_map": {
                    "a": "model-00002-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors"
                  }
                }
                """);
        // non-ASCII keys are escaped as Python's ensure_ascii does, keys sorted by code point
        assertThat(SafetensorsWriter.indexJson(28, Map.of("b", "s2", "a", "s1", "é\u0001", "x")))
                .isEqualTo("{\n  \"metadata\": {\n    \"total_size\": 28\n  },\n  \"weight_map\": {\n"
                        + "    \"a\": \"s1\",\n    \"b\": \"s2\",\n    \"\\u00e9\\u0001\": \"x\"\n  }\n}\n");
    }

    /** Saving again replaces every weight file of the previous save, so nothing stale can shadow the new weights. */
    @Test
    void savingAgainRemovesStaleWeightFiles() throws IOException {
        SafetensorsWriter big = new SafetensorsWriter().add("a", DType.F32, new float[8], 8)
                .add("b", DType.F32, new float[8], 8);
        big.writeCheckpoint(dir, 32);
        assertThat(dir.resolve("model-00002-of-00002.safetensors")).exists();
        Path unrelated = write(dir, "config.json", "{}".getBytes(StandardCharsets.UTF_8));

        new SafetensorsWriter().add("only", DType.F32, new float[] {9}, 1).writeCheckpoint(dir, 1 << 20);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("model.safetensors", "config.json");
        }
        assertThat(unrelated).exists();

        big.writeCheckpoint(dir, 32); // a stale model.safetensors would win over the new index
        assertThat(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE)).doesNotExist();
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertThat(ckpt.names()).containsExactly("a", "b");
        }
    }

    @Test
    void checkpointOpensAFileOrAnIndexDirectly() {
        SafetensorsWriter w = new SafetensorsWriter().add("a", DType.F32, new float[] {1, 2}, 2)
                .add("b", DType.F32, new float[] {3, 4}, 2);
        w.writeFile(dir.resolve("consolidated.safetensors"));
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir.resolve("consolidated.safetensors"))) {
            assertThat(ckpt.readFloats("b")).containsExactly(3, 4);
        }
        Path sharded = dir.resolve("sharded");
        w.writeCheckpoint(sharded, 8);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(sharded.resolve(SafetensorsCheckpoint.INDEX_FILE))) {
            assertThat(ckpt.isSharded()).isTrue();
            assertThat(ckpt.directory()).isEqualTo(sharded.toAbsolutePath());
            assertThat(ckpt.readFloats("a")).containsExactly(1, 2);
        }
    }

    @Test
    void tensorsAndRawBytesOfOtherDtypesRoundTrip() {
        Tensor t = Tensor.randn(DType.BF16, 5, 3, 4).transpose(0, 1); // strided: written row-major as its logical shape
        MemorySegment ids = MemorySegment.ofArray(new long[] {7, -1, 1L << 40});
        new SafetensorsWriter().add("t", t).addRaw("position_ids", SafetensorsDType.I64, new long[] {3}, ids)
                .writeFile(dir.resolve("x.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("x.safetensors"))) {
            assertThat(f.info("t").shape()).containsExactly(4, 3);
            assertThat(f.readFloats("t")).containsExactly(t.toFloatArray());
            MemorySegment back = f.slice("position_ids");
            assertThat(back.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 16)).isEqualTo(1L << 40);
            assertThat(f.names()).containsExactly("position_ids", "t"); // I64 sorts before BF16
        }
    }

    // ---- zero copy ---------------------------------------------------------------------------------

    /**
     * The slice is the file's own pages: mapped, read-only, off-heap, and a change written to the
     * file through another channel shows through it (a copy would keep the old value).
     */
    @Test
    void slicesAreReadOnlyViewsOfTheMappedFile() throws IOException {
        Path file = dir.resolve("v.safetensors");
        new SafetensorsWriter().add("w", DType.F32, new float[] {1, 2, 3, 4}, 2, 2).writeFile(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            MemorySegment s = f.slice("w");
            assertThat(s.isMapped()).isTrue();
            assertThat(s.isReadOnly()).isTrue();
            assertThat(s.heapBase()).isEmpty();
            assertThat(s.byteSize()).isEqualTo(16);
            Tensor view = f.view("w");
            assertThat(view.segment().address()).isEqualTo(s.address());
            assertThat(view.get(1, 0)).isEqualTo(3f);

            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(le32f(42f)), f.info("w").byteOffset() + 8);
            }
            assertThat(view.get(1, 0)).isEqualTo(42f);
            assertThat(f.readFloats("w")).containsExactly(1, 2, 42, 4);
            assertThatThrownBy(() -> view.set(0f, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("read-only");
        }
    }

    /** close() unmaps: the kernel's table forgets the file and earlier views refuse access. */
    @Test
    void closeUnmapsAndInvalidatesViews() {
        Path file = dir.resolve("c.safetensors");
        new SafetensorsWriter().add("w", DType.BF16, new float[] {1, 2}, 2).writeFile(file);
        SafetensorsFile f = SafetensorsFile.open(file);
        MemorySegment s = f.slice("w");
        Tensor loaded = f.load("w", DType.F32);
        if (SafetensorsTestFiles.procAvailable()) {
            assertThat(SafetensorsTestFiles.mappingsOf(file)).isNotEmpty(); // the check below can see a mapping
            assertThat(SafetensorsTestFiles.descriptorsOf(file)).isEmpty(); // the channel closed after mapping
        }
        f.close();
        f.close(); // idempotent
        assertThat(f.isOpen()).isFalse();
        assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> f.slice("w")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(loaded.toFloatArray()).containsExactly(1, 2); // a load is a copy: it outlives the file
        SafetensorsTestFiles.assertReleasedAndDelete(file);
    }

    /** load converts once into native memory: bf16 widens exactly to f32, f32 narrows nearest-even to f16/bf16. */
    @Test
    void loadConvertsToTheRequestedDtype() {
        float[] v = randomValues(3, 2 * 40_000); // more than one conversion chunk
        new SafetensorsWriter().add("bf", DType.BF16, v, 2, 40_000).add("f", DType.F32, v, 2, 40_000)
                .writeCheckpoint(dir, Long.MAX_VALUE);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir); Arena arena = Arena.ofConfined()) {
            Tensor widened = ckpt.load("bf", DType.F32, arena);
            assertThat(widened.dtype()).isEqualTo(DType.F32);
            assertThat(widened.shape()).containsExactly(2, 40_000);
            assertThat(widened.segment().heapBase()).isEmpty();
            // JUnit's array equality: AssertJ's element-wise report is slow on 80,000 floats
            assertArrayEquals(rounded(DType.BF16, v), widened.toFloatArray());
            assertArrayEquals(rounded(DType.F16, v), ckpt.load("f", DType.F16).toFloatArray());
            assertArrayEquals(rounded(DType.BF16, v), ckpt.load("f", DType.BF16).toFloatArray());
            assertArrayEquals(rounded(DType.BF16, v), ckpt.load("bf", DType.BF16).toFloatArray());
            assertArrayEquals(v, ckpt.load("f", DType.F32).toFloatArray());
        }
    }

    @Test
    void readFloatsPacksTensorsIntoOneArray() {
        new SafetensorsWriter().add("q", DType.F16, new float[] {1, 2}, 2).add("k", DType.BF16, new float[] {3}, 1)
                .writeFile(dir.resolve("p.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("p.safetensors"))) {
            float[] qk = new float[4];
            f.readFloats("q", qk, 0);
            f.readFloats("k", qk, 2);
            assertThat(qk).containsExactly(1, 2, 3, 0);
        }
    }

    @Test
    void scalarsAndEmptyTensors() {
        new SafetensorsWriter().add("s", DType.F32, new float[] {2.5f}).add("e1", DType.F16, new float[0], 0)
                .add("e2", DType.F16, new float[0], 4, 0).writeFile(dir.resolve("s.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("s.safetensors"))) {
            assertThat(f.info("s").shape()).isEmpty();
            assertThat(f.view("s").get()).isEqualTo(2.5f);
            assertThat(f.info("e2").shape()).containsExactly(4, 0);
            assertThat(f.slice("e2").byteSize()).isZero();
            assertThat(f.view("e1").numel()).isZero();
        }
    }

    /** Where a python3 with the safetensors package exists, its save_file writes the same bytes and loads ours. */
    @Test
    void optionalCrossCheckWithPythonSafetensors() throws Exception {
        assumeThat(python("import safetensors.numpy, numpy")).as("python3 with safetensors and numpy").isZero();
        float[] w = randomValues(9, 6);
        new SafetensorsWriter().metadata("format", "pt").add("w", DType.F32, w, 2, 3)
                .add("h", DType.F16, new float[] {1, -0.5f}, 2).writeFile(dir.resolve("java.safetensors"));
        StringBuilder ws = new StringBuilder();
        for (float x : w) {
            ws.append(Float.toString(x)).append(',');
        }
        String script = "import numpy as np\n"
                + "from safetensors.numpy import save_file, load_file\n"
                + "d = {'w': np.array([" + ws + "], dtype=np.float32).reshape(2, 3),"
                + " 'h': np.array([1, -0.5], dtype=np.float16)}\n"
                + "save_file(d, '" + dir.resolve("py.safetensors") + "', metadata={'format': 'pt'})\n"
                + "back = load_file('" + dir.resolve("java.safetensors") + "')\n"
                + "assert (back['w'] == d['w']).all() and (back['h'] == d['h']).all()\n";
        assertThat(python(script)).isZero();
        assertThat(Files.readAllBytes(dir.resolve("py.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("java.safetensors")));
    }

    private static int python(String code) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", code).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return -1; // no python3 at all
        }
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}

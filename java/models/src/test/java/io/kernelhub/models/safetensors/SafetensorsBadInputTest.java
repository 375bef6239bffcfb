package io.kernelhub.models.safetensors;

import static io.kernelhub.models.safetensors.SafetensorsTestFiles.assertReleased;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.assertReleasedAndDelete;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.bytes;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.concat;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.le64;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.raw;
import static io.kernelhub.models.safetensors.SafetensorsTestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kernelhub.core.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gives one {@link CheckpointException} whose message starts with the
 * file and names the tensor, and a failed open leaves nothing of any file mapped or open.
 */
class SafetensorsBadInputTest {

    @TempDir
    Path dir;

    /** Runs {@code action}, which must throw a CheckpointException naming {@code file} and {@code tensor} (null: none). */
    static CheckpointException fails(Path file, String tensor, Runnable action, String... fragments) {
        try {
            action.run();
        } catch (CheckpointException e) {
            assertThat(e.file()).as(e.getMessage()).hasValue(file);
            assertThat(e.getMessage()).startsWith(file + ": ");
            if (tensor == null) {
                assertThat(e.tensor()).as(e.getMessage()).isEmpty();
            } else {
                assertThat(e.tensor()).as(e.getMessage()).hasValue(tensor);
                assertThat(e.getMessage()).startsWith(file + ": tensor '" + tensor + "': ");
            }
            assertThat(e.getMessage()).contains(fragments);
            return e;
        }
        throw new AssertionError("expected a CheckpointException about " + file + " / " + tensor);
    }

    /** Both entry points refuse the file, then nothing of it is mapped or open and it can be deleted. */
    private void openFails(Path file, String tensor, String... fragments) {
        fails(file, tensor, () -> SafetensorsFile.open(file), fragments);
        fails(file, tensor, () -> SafetensorsCheckpoint.open(file), fragments);
        assertReleasedAndDelete(file);
    }

    private static String f32(String name, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + (end - begin) / 4 + "],\"data_offsets\":["
                + begin + "," + end + "]}";
    }

    // ---- headers -------------------------------------------------------------------------------

    static Stream<Arguments> badHeaders() {
        String ok = "\"shape\":[2],\"data_offsets\":[0,8]";
        return Stream.of(
                Arguments.of("{\"w\":3}", 0, "w", new String[] {"its header entry is 3, not an object"}),
                Arguments.of("{\"w\":{" + ok + "}}", 8, "w", new String[] {"has no dtype"}),
                Arguments.of("{\"w\":{\"dtype\":32," + ok + "}}", 8, "w", new String[] {"dtype is 32, not a string"}),
                Arguments.of("{\"w\":{\"dtype\":\"Q4\"," + ok + "}}", 8, "w", new String[] {"unsupported dtype 'Q4'", "BF16"}),
                Arguments.of("{\"w\":{\"dtype\":\"f32\"," + ok + "}}", 8, "w", new String[] {"unsupported dtype 'f32'"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "w",
                        new String[] {"shape is nothing, not a list of non-negative integers"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "w",
                        new String[] {"shape is [-2]"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "w",
                        new String[] {"shape is [2.0]"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "w",
                        new String[] {"shape is \"2\""}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "w",
                        new String[] {"data_offsets are nothing, not a pair [begin, end]"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "w",
                        new String[] {"data_offsets are [0], not a pair"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", 16, "w",
                        new String[] {"not a pair"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", 8, "w",
                        new String[] {"not a pair"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", 8,
                        "w", new String[] {"not a pair"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8, "w",
                        new String[] {"data_offsets [8, 0] end before they begin"}),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12, "w",
                        new String[] {"data_offsets [0, 12] hold 12 bytes but F32 [2, 2] needs 16"}),
                Arguments.of("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, "w",
                        new String[] {"F4 [3] (3 elements of 4 bits) does not fill a whole number of bytes"}),
                Arguments.of("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}", 8,
                        "w", new String[] {"has more elements than a file can hold"}),
                Arguments.of("{" + f32("w", 0, 8) + "}", 4, "w",
                        new String[] {"data_offsets [0, 8] run past the end of the data area (4 bytes after the header)"}),
                Arguments.of("{" + f32("a", 0, 8) + "," + f32("b", 4, 12) + "}", 12, "b",
                        new String[] {"data_offsets [4, 12] overlap tensor 'a' at [0, 8]"}),
                Arguments.of("{" + f32("a", 0, 8) + "," + f32("b", 12, 20) + "}", 20, "b",
                        new String[] {"gap of 4 bytes after tensor 'a' (which ends at 8)", "cover the data area exactly"}),
                Arguments.of("{" + f32("a", 4, 12) + "}", 12, "a",
                        new String[] {"gap of 4 bytes at the start of the data area"}),
                Arguments.of("{" + f32("a", 0, 8) + "}", 12, "a",
                        new String[] {"ends at data offset 8 but 4 bytes at the end of the data area (12 bytes after the "
                                + "header) belong to no tensor"}),
                Arguments.of("{}", 4, null, new String[] {"4 bytes at the end of the data area"}),
                Arguments.of("{" + f32("a", 0, 8) + "," + f32("a", 0, 8) + "}", 8, "a",
                        new String[] {"appears twice in the header"}),
                Arguments.of("{\"__metadata__\":[1]}", 0, null, new String[] {"__metadata__ is [1], not a map of strings"}),
                Arguments.of("{\"__metadata__\":{\"k\":1}}", 0, null,
                        new String[] {"__metadata__ maps 'k' to 1, not a string"}),
                Arguments.of("{\"a\":", 0, null, new String[] {"the header is not valid JSON"}),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\"}}", 0, "a",
                        new String[] {"its header entry is not valid JSON", "dtype"}),
                Arguments.of("[1]", 0, null, new String[] {"does not start with '{'"}),
                Arguments.of(" {}", 0, null, new String[] {"does not start with '{'"}),
                Arguments.of("", 0, null, new String[] {"does not start with '{' (0 header bytes)"}),
                Arguments.of("{}{}", 0, null, new String[] {"text after its JSON object"}),
                Arguments.of("{} x", 0, null, new String[] {"the header is not valid JSON"}));
    }

    @ParameterizedTest
    @MethodSource("badHeaders")
    void badHeaderNamesFileAndTensor(String header, int dataBytes, String tensor, String[] fragments) {
        Path file = write(dir, "model.safetensors", raw(header, dataBytes));
        openFails(file, tensor, fragments);
    }

    @Test
    void everyHeaderMessageSaysWhatToDo() {
        Path file = write(dir, "x.safetensors", raw("{" + f32("a", 0, 8) + "}", 12));
        fails(file, "a", () -> SafetensorsFile.open(file), "; the file is damaged or incomplete: download it again");
    }

    // ---- files ---------------------------------------------------------------------------------

    @Test
    void missingAndUnusablePaths() throws IOException {
        Path missing = dir.resolve("nope.safetensors");
        fails(missing, null, () -> SafetensorsFile.open(missing), "file not found", "download");
        fails(missing, null, () -> SafetensorsCheckpoint.open(missing), "not found");
        fails(dir, null, () -> SafetensorsFile.open(dir), "is a directory");
        fails(dir, null, () -> SafetensorsCheckpoint.open(dir),
                "has no model.safetensors and no model.safetensors.index.json (nor any other weight file)");
        write(dir, "pytorch_model.bin", new byte[4]);
        fails(dir, null, () -> SafetensorsCheckpoint.open(dir), "it holds pytorch_model.bin; kernelhub reads safetensors");
    }

    @Test
    void unreadableFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new float[] {1}, 1).writeFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        } catch (UnsupportedOperationException e) {
            assumeThat(false).as("POSIX permissions").isTrue();
        }
        assumeThat(Files.isReadable(file)).as("a file without read permission is unreadable (not root)").isFalse();
        openFails(file, null, "cannot be read (permission denied)");
    }

    @Test
    void tooShortForTheLength() {
        openFails(write(dir, "a.safetensors", new byte[0]), null, "the file is 0 bytes, too short for the 8-byte header length");
        openFails(write(dir, "b.safetensors", bytes(8, 0, 0, 0, 0)), null, "the file is 5 bytes");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() {
        Path file = write(dir, "a.safetensors", concat(le64(1000), "{}".getBytes(StandardCharsets.US_ASCII)));
        openFails(file, null, "header length 1000 runs past the end of the file (10 bytes, so at most 2 bytes of header)");
    }

    @Test
    void insaneHeaderLengths() {
        openFails(write(dir, "a.safetensors", concat(le64(100_000_001), new byte[16])), null,
                "header length 100000001 is over the format's limit of 100000000 bytes");
        openFails(write(dir, "b.safetensors", concat(le64(-1), new byte[16])), null,
                "header length 18446744073709551615 is over the format's limit");
    }

    @Test
    void headerThatIsNotUtf8() {
        openFails(write(dir, "a.safetensors", concat(le64(4), bytes('{', 0xff, 0xfe, '}'))), null,
                "the header is not valid UTF-8 text (4 header bytes)");
    }

    @Test
    void truncatedDownload() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new float[] {1, 2}, 2).add("z", DType.BF16, new float[] {3, 4}, 2)
                .writeFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }
        openFails(file, "z", "data_offsets [8, 12] run past the end of the data area (9 bytes after the header)",
                "download it again");
    }

    // ---- tensors the model asks for ----------------------------------------------------------------

    @Test
    void missingTensorMismatchedShapeOrDtype() {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("w", DType.BF16, new float[6], 2, 3).add("b", DType.BF16, new float[3], 3)
                .writeFile(file);
        try (SafetensorsFile f = SafetensorsFile.open(file); SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            for (TensorSource source : new TensorSource[] {f, c}) {
                fails(file, "nope", () -> source.require("nope", null, 3), "not in the checkpoint (it has 2 tensors)");
                fails(file, "nope", () -> source.readFloats("nope"), "not in the checkpoint");
                fails(file, "nope", () -> source.slice("nope"), "not in the checkpoint");
                fails(file, "w", () -> source.require("w", null, 3, 2), "shape [2, 3] but the model expects [3, 2]",
                        "config.json");
                fails(file, "w", () -> source.require("w", null, 6), "shape [2, 3] but the model expects [6]");
                fails(file, "w", () -> source.require("w", DType.F32, 2, 3), "dtype BF16 but the model expects F32");
                fails(file, "w", () -> source.readFloats("w", new float[5]),
                        "holds 6 elements (shape [2, 3]) but the model's array holds 5");
                fails(file, "w", () -> source.readFloats("w", new float[6], 2), "do not fit an array of 6 from index 2");
            }
        }
    }

    /** Other dtypes open (a header is validated whole) but cannot be read as numbers. */
    @Test
    void unsupportedDtypeNamesFileAndTensor() {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().addRaw("ids", SafetensorsDType.I64, new long[] {2}, MemorySegment.ofArray(new long[2]))
                .add("w", DType.F32, new float[] {1}, 1).writeFile(file);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.slice("ids").byteSize()).isEqualTo(16);
            fails(file, "ids", () -> c.require("ids", null, 2), "unsupported dtype I64 (kernelhub reads F32, F16 and BF16)");
            fails(file, "ids", () -> c.readFloats("ids"), "unsupported dtype I64");
            fails(file, "ids", () -> c.view("ids"), "unsupported dtype I64");
            fails(file, "ids", () -> c.load("ids", DType.F32), "unsupported dtype I64");
        }
    }

    @Test
    void dimensionsBeyondIntCannotBecomeATensor() {
        Path file = write(dir, "model.safetensors",
                raw("{\"huge\":{\"dtype\":\"F32\",\"shape\":[3000000000,0],\"data_offsets\":[0,0]}}", 0));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            fails(file, "huge", () -> f.view("huge"), "dimension 0 of shape [3000000000, 0] is larger than 2147483647");
        }
    }

    // ---- sharded checkpoints ---------------------------------------------------------------------

    private Path shard(int i) {
        return dir.resolve("model-0000" + i + "-of-00002.safetensors");
    }

    private Path index() {
        return dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
    }

    /** a in shard 1, b in shard 2. */
    private void writeTwoShards() {
        new SafetensorsWriter().add("a", DType.F32, new float[] {1, 2}, 2).add("b", DType.F32, new float[] {3, 4}, 2)
                .writeCheckpoint(dir, 8);
        assertThat(shard(2)).exists();
    }

    private void shardedFails(Path file, String tensor, String... fragments) {
        fails(file, tensor, () -> SafetensorsCheckpoint.open(dir), fragments);
        assertReleased(shard(1), shard(2)); // shard 1 opened fine and must be unmapped again
    }

    @Test
    void missingTensorInAShardedCheckpointNamesTheIndex() {
        writeTwoShards();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            fails(index(), "nope", () -> c.require("nope", null, 1), "not in the checkpoint (it has 2 tensors)");
            fails(shard(2), "b", () -> c.require("b", null, 3), "shape [2] but the model expects [3]");
        }
    }

    @Test
    void missingShard() throws IOException {
        writeTwoShards();
        Files.delete(shard(2));
        shardedFails(shard(2), "b", "shard file not found (model.safetensors.index.json lists 1 tensors in it)");
    }

    @Test
    void tensorListedInTheIndexButAbsentFromItsShard() {
        writeTwoShards();
        new SafetensorsWriter().add("c", DType.F32, new float[] {5, 6}, 2).writeFile(shard(2));
        shardedFails(shard(2), "b", "listed for this shard in model.safetensors.index.json but not in it");
    }

    @Test
    void tensorInTwoShards() {
        writeTwoShards();
        new SafetensorsWriter().add("a", DType.F32, new float[] {1, 2}, 2).add("b", DType.F32, new float[] {3, 4}, 2)
                .writeFile(shard(2));
        shardedFails(shard(2), "a", "also in shard model-00001-of-00002.safetensors");
    }

    @Test
    void damagedSecondShardUnmapsTheFirst() throws IOException {
        writeTwoShards();
        try (FileChannel ch = FileChannel.open(shard(2), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        shardedFails(shard(2), "b", "run past the end of the data area");
    }

    static Stream<Arguments> badIndexes() {
        String shard1 = "\"model-00001-of-00002.safetensors\"";
        return Stream.of(
                Arguments.of("{\"weight_map\": {\"a\": " + shard1 + "", null, "is not valid JSON"),
                Arguments.of("{\"weight_map\": {}} []", null, "is not valid JSON"),
                Arguments.of("[]", null, "is [], not a JSON object"),
                Arguments.of("{\"metadata\": {}}", null, "has no weight_map object"),
                Arguments.of("{\"weight_map\": {\"a\": 3}}", "a", "weight_map gives 3, not a shard file name"),
                Arguments.of("{\"weight_map\": {\"a\": \"../model-00001-of-00002.safetensors\"}}", "a",
                        "lies outside the model directory"),
                Arguments.of("{\"weight_map\": {\"a\": \".\"}}", "a", "lies outside the model directory"));
    }

    @ParameterizedTest
    @MethodSource("badIndexes")
    void badIndex(String json, String tensor, String fragment) throws IOException {
        writeTwoShards();
        Files.writeString(index(), json);
        shardedFails(index(), tensor, fragment);
    }
}

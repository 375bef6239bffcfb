package io.kernelhub.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded corruption of real files and indexes: whatever the damage, opening either works (and
 * then every tensor reads without error) or throws a {@link CheckpointException} naming the
 * file; never another exception, never a mapping left behind.
 */
class SafetensorsFuzzTest {

    private static final byte[] JSON_CHARS = "{}[],:\"\\ -0123456789eE.tfnul".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /** What the fuzzer saw: how many opened, and each distinct refusal (numbers and names blanked). */
    private final TreeMap<String, Integer> outcomes = new TreeMap<>();

    private static float[] values(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static SafetensorsWriter model() {
        return new SafetensorsWriter().metadata("format", "pt")
                .add("model.embed_tokens.weight", DType.F32, values(1, 24), 4, 6)
                .add("model.layers.0.input_layernorm.weight", DType.BF16, values(2, 6), 6)
                .add("model.layers.0.mlp.up_proj.weight", DType.F16, values(3, 18), 3, 6)
                .addRaw("position_ids", SafetensorsDType.I64, new long[] {3},
                        MemorySegment.ofArray(new long[] {0, 1, 2}))
                .add("lm_head.weight", DType.BF16, values(4, 24), 4, 6);
    }

    @Test
    void corruptedFilesOnlyEverThrowCheckpointException() throws IOException {
        Path base = dir.resolve("base.safetensors");
        model().writeFile(base);
        byte[] good = Files.readAllBytes(base);
        int headerLength = (int) ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom rnd = new SplittableRandom(0x5afe7e5L);

        List<Path> tried = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            Path file = Files.write(dir.resolve("fuzz-" + i + ".safetensors"), mutate(good, headerLength, rnd));
            tried.add(file);
            attempt(file, () -> SafetensorsFile.open(file));
            Files.delete(file); // also proves the file is no longer held open (Windows)
        }
        SafetensorsTestFiles.assertReleased(tried.toArray(Path[]::new));

        int opened = outcomes.getOrDefault("opened", 0);
        int refused = outcomes.values().stream().mapToInt(Integer::intValue).sum() - opened;
        // not vacuous: most mutations are refused, some survive (a changed name or metadata
        // value), and the refusals come from many different checks
        assertThat(refused).as("%s", outcomes).isGreaterThan(1000);
        assertThat(opened).as("%s", outcomes).isGreaterThan(20);
        assertThat(outcomes).as("%s", outcomes).hasSizeGreaterThan(15);
    }

    @Test
    void corruptedIndexesOnlyEverThrowCheckpointException() throws IOException {
        model().writeCheckpoint(dir, 100);
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
        byte[] good = Files.readAllBytes(index);
        SplittableRandom rnd = new SplittableRandom(0x1de7L);
        for (int i = 0; i < 400; i++) {
            byte[] bad = good.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                bad[rnd.nextInt(bad.length)] = rnd.nextBoolean() ? (byte) rnd.nextInt(256)
                        : JSON_CHARS[rnd.nextInt(JSON_CHARS.length)];
            }
            Files.write(index, bad);
            attempt(index, () -> SafetensorsCheckpoint.open(dir));
        }
        try (var shards = Files.list(dir)) {
            SafetensorsTestFiles.assertReleased(shards.toArray(Path[]::new));
        }
        assertThat(outcomes.getOrDefault("opened", 0)).as("%s", outcomes).isGreaterThan(10);
        assertThat(outcomes).as("%s", outcomes).hasSizeGreaterThan(3);
    }

    /** Opens, reads every tensor every way, closes; only a CheckpointException may escape, and is recorded. */
    private void attempt(Path file, Supplier<? extends TensorSource> open) {
        try (TensorSource source = open.get()) {
            outcomes.merge("opened", 1, Integer::sum);
            for (String name : source.names()) {
                TensorInfo info = source.info(name);
                MemorySegment bytes = source.slice(name);
                if (bytes.byteSize() > 0) {
                    bytes.get(ValueLayout.JAVA_BYTE, 0);
                    bytes.get(ValueLayout.JAVA_BYTE, bytes.byteSize() - 1);
                }
                if (info.dtype().coreType().isPresent()) {
                    assertThat(source.readFloats(name)).hasSize((int) info.numel());
                    assertThat(source.load(name, DType.F32).numel()).isEqualTo(info.numel());
                    assertThat(source.view(name).numel()).isEqualTo(info.numel());
                }
            }
        } catch (CheckpointException e) {
            assertThat(e.getMessage()).startsWith(e.file().orElseThrow() + ": ");
            String problem = e.getMessage().substring(e.file().orElseThrow().toString().length())
                    .replaceFirst("^: tensor '.*?': ", ": ")
                    .replaceAll("'[^']*'", "'X'").replaceAll("\\d+", "N");
            outcomes.merge(problem.substring(0, Math.min(60, problem.length())), 1, Integer::sum);
        } catch (RuntimeException | Error e) {
            throw new AssertionError(file + " threw " + e, e);
        }
    }

    /** One seeded corruption of a file: the header's bytes, its length, or the file's length. */
    private static byte[] mutate(byte[] good, int headerLength, SplittableRandom rnd) {
        byte[] b = good.clone();
        int h0 = 8;
        int h1 = 8 + headerLength;
        switch (rnd.nextInt(7)) {
            case 0 -> { // random bytes in the header
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    b[h0 + rnd.nextInt(headerLength)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> { // a digit becomes another: shapes and offsets that still parse
                int[] digits = java.util.stream.IntStream.range(h0, h1).filter(i -> b[i] >= '0' && b[i] <= '9').toArray();
                b[digits[rnd.nextInt(digits.length)]] = (byte) ('0' + rnd.nextInt(10));
            }
            case 2 -> { // a wrong header length
                long n = rnd.nextBoolean() ? rnd.nextLong() : headerLength + rnd.nextInt(-16, 17);
                ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
            }
            case 3 -> { // a truncated download
                return Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 4 -> { // bytes appended
                byte[] longer = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(16));
                return longer;
            }
            case 5 -> { // a structural JSON character
                b[h0 + rnd.nextInt(headerLength)] = JSON_CHARS[rnd.nextInt(JSON_CHARS.length)];
            }
            default -> { // a header byte deleted, the length kept consistent
                int at = h0 + rnd.nextInt(headerLength);
                byte[] shorter = new byte[b.length - 1];
                System.arraycopy(b, 0, shorter, 0, at);
                System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                ByteBuffer.wrap(shorter, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength - 1);
                return shorter;
            }
        }
        return b;
    }
}

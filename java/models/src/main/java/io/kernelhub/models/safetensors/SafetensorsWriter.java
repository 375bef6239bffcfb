package io.kernelhub.models.safetensors;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes named tensors as safetensors files that the Hugging Face tools read, byte for byte as
 * the reference implementation (the Rust crate behind {@code safetensors.torch.save_file})
 * writes them:
 * <ul>
 *   <li>an unsigned 64-bit little-endian header length, then the header: compact JSON with
 *       {@code "__metadata__"} first (when there is any), then each tensor's
 *       {@code {"dtype":..,"shape":[..],"data_offsets":[begin,end]}}, padded with spaces to a
 *       multiple of 8 bytes so that the data area is 8-byte aligned;</li>
 *   <li>the tensors' bytes, little-endian, in header order, which is the reference order:
 *       by descending dtype ({@link SafetensorsDType} declaration order), then by name.</li>
 * </ul>
 * {@link #writeCheckpoint} adds transformers' sharding: tensors in the order they were added,
 * a new shard when the next tensor would push the current one past the size limit (a tensor
 * larger than the limit gets a shard to itself), files {@code model-00001-of-00003.safetensors}
 * and {@code model.safetensors.index.json} with {@code metadata.total_size} and a sorted
 * {@code weight_map}, formatted as Python's {@code json.dumps(indent=2, sort_keys=True)}.
 *
 * <p>Every file is written to a temporary file beside it and renamed into place, so a reader
 * never sees half a file (the directory as a whole is replaced file by file). Values are copied
 * when they are added. Write failures throw {@link UncheckedIOException} naming the file.
 *
 * <p>A checkpoint larger than memory is written from {@link #addGenerated generated} tensors:
 * only their shape is held, and their values are produced block by block while the file is
 * written, on several threads, so memory use stays a few blocks per thread whatever the model's
 * size.
 */
public final class SafetensorsWriter {

    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    private static final int WRITE_CHUNK = 1 << 30;
    /** Elements per block of a generated tensor: 4 MiB of floats per writing thread. */
    static final int GENERATE_BLOCK = 1 << 20;

    /**
     * The values of a tensor produced on demand ({@link #addGenerated}), so that they never all
     * exist at once.
     */
    @FunctionalInterface
    public interface ValueSource {
        /**
         * Writes the values at row-major indices {@code [from, from + count)} into {@code out[0 .. count)}.
         * Called from several threads at once for disjoint ranges, in no particular order, so the
         * values must depend on the index alone.
         */
        void fill(long from, float[] out, int count);
    }

    /** Where a tensor's bytes come from. */
    private sealed interface Payload {
        long byteSize();
    }

    /** Little-endian bytes owned by this writer. */
    private record Bytes(MemorySegment data) implements Payload {
        @Override
        public long byteSize() {
            return data.byteSize();
        }
    }

    /** {@code count} values produced while writing, rounded to {@code type}. */
    private record Generated(DType type, long count, ValueSource values) implements Payload {
        @Override
        public long byteSize() {
            return count * type.byteSize();
        }
    }

    /** One tensor to write. */
    private record Entry(String name, SafetensorsDType dtype, long[] shape, Payload payload) {
        long byteSize() {
            return payload.byteSize();
        }
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} entry (transformers writes {@code "format": "pt"}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Adds row-major {@code values} of the given shape, rounded to {@code dtype} (nearest-even). */
    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long numel = numel(name, shape);
        if (numel != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + numel + " elements but " + values.length + " values were given");
        }
        long bytes = Math.multiplyExact(numel, dtype.byteSize());
        MemorySegment data = Arena.ofAuto().allocate(Math.max(1, bytes), 8).asSlice(0, bytes);
        Elements.write(values, 0, values.length, dtype, data, 0);
        return put(new Entry(name, SafetensorsDType.of(dtype), shape.clone(), new Bytes(data)));
    }

    /**
     * Adds a tensor whose values {@code values} produces while the file is written, rounded to
     * {@code dtype} (nearest-even); nothing but the shape is held until then. The source is
     * called again for every file that is written.
     */
    public SafetensorsWriter addGenerated(String name, DType dtype, ValueSource values, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(values, "values");
        long numel = numel(name, shape);
        Math.multiplyExact(numel, dtype.byteSize());
        return put(new Entry(name, SafetensorsDType.of(dtype), shape.clone(), new Generated(dtype, numel, values)));
    }

    /** Adds a CPU tensor (any strides) in its own dtype. */
    public SafetensorsWriter add(String name, Tensor tensor) {
        long[] shape = Arrays.stream(tensor.shape()).asLongStream().toArray();
        return add(name, tensor.dtype(), tensor.toFloatArray(), shape);
    }

    /**
     * Adds raw little-endian bytes of any safetensors dtype (I64 position ids, F64 buffers, ...).
     *
     * @throws IllegalArgumentException when the byte count does not match shape and dtype
     */
    public SafetensorsWriter addRaw(String name, SafetensorsDType dtype, long[] shape, MemorySegment bytes) {
        Objects.requireNonNull(dtype, "dtype");
        long expected = dtype.byteSize(numel(name, shape));
        if (expected < 0 || bytes.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape)
                    + " needs " + (expected < 0 ? "a whole number of bytes" : expected + " bytes") + ", got "
                    + bytes.byteSize());
        }
        MemorySegment data = Arena.ofAuto().allocate(Math.max(1, expected), 8).asSlice(0, expected);
        MemorySegment.copy(bytes, 0, data, 0, expected);
        return put(new Entry(name, dtype, shape.clone(), new Bytes(data)));
    }

    private static long numel(String name, long[] shape) {
        Objects.requireNonNull(name, "name");
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private SafetensorsWriter put(Entry e) {
        if (SafetensorsFile.METADATA_KEY.equals(e.name())) {
            throw new IllegalArgumentException("'" + SafetensorsFile.METADATA_KEY + "' is reserved for metadata");
        }
        if (entries.putIfAbsent(e.name(), e) != null) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' added twice");
        }
        return this;
    }

    /** Names in the order they were added. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** Bytes of tensor data (what an index calls {@code total_size}). */
    public long dataBytes() {
        return entries.values().stream().mapToLong(Entry::byteSize).sum();
    }

    // ---- single file ---------------------------------------------------------------------------

    /** Writes every tensor to one {@code .safetensors} file (replacing it atomically). */
    public void writeFile(Path file) {
        writeFile(file, List.copyOf(entries.values()));
    }

    private void writeFile(Path file, List<Entry> tensors) {
        List<Entry> ordered = new ArrayList<>(tensors);
        // the reference layout: descending dtype (alignment), then name by UTF-8 bytes as Rust compares Strings
        ordered.sort(Comparator.comparing(Entry::dtype, Comparator.reverseOrder())
                .thenComparing((a, b) -> Arrays.compareUnsigned(utf8(a.name()), utf8(b.name()))));
        byte[] header = header(ordered);
        writeAtomically(file, channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            long offset = 8L + header.length;
            List<Block> generated = new ArrayList<>();
            for (Entry e : ordered) {
                switch (e.payload()) {
                    case Bytes b -> {
                        for (long at = 0; at < b.byteSize(); at += WRITE_CHUNK) {
                            long len = Math.min(WRITE_CHUNK, b.byteSize() - at);
                            writeFully(channel, b.data().asSlice(at, len).asByteBuffer(), offset + at);
                        }
                    }
                    case Generated g -> {
                        for (long from = 0; from < g.count(); from += GENERATE_BLOCK) {
                            int count = (int) Math.min(GENERATE_BLOCK, g.count() - from);
                            generated.add(new Block(g, from, count, offset + from * g.type().byteSize()));
                        }
                    }
                }
                offset += e.byteSize();
            }
            writeBlocks(channel, generated);
        });
    }

    /** {@code count} values of a generated tensor starting at element {@code from}, and where they go in the file. */
    private record Block(Generated tensor, long from, int count, long filePosition) {
    }

    /**
     * Produces and writes generated blocks on up to one thread per core, each with its own
     * buffers; positional writes let them finish in any order.
     */
    private static void writeBlocks(FileChannel channel, List<Block> blocks) throws IOException {
        if (blocks.isEmpty()) {
            return;
        }
        int threads = Math.min(blocks.size(), Runtime.getRuntime().availableProcessors());
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<?>> workers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon()
                .name("safetensors-writer-", 0).factory())) {
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    float[] values = new float[GENERATE_BLOCK];
                    ByteBuffer bytes = ByteBuffer.allocateDirect(GENERATE_BLOCK * Float.BYTES);
                    MemorySegment out = MemorySegment.ofBuffer(bytes);
                    for (int i = next.getAndIncrement(); i < blocks.size() && !failed.get(); i = next.getAndIncrement()) {
                        Block b = blocks.get(i);
                        try {
                            b.tensor().values().fill(b.from(), values, b.count());
                            Elements.write(values, 0, b.count(), b.tensor().type(), out, 0);
                            writeFully(channel, bytes.clear().limit(b.count() * b.tensor().type().byteSize()),
                                    b.filePosition());
                        } catch (IOException | RuntimeException | Error e) {
                            failed.set(true);
                            throw e;
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> w : workers) {
            try {
                w.get();
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case IOException io -> throw io;
                    case RuntimeException re -> throw re;
                    case Error err -> throw err;
                    default -> throw new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing", e);
            }
        }
    }

    /** The header as serde_json writes it (compact), padded with spaces to a multiple of 8 bytes. */
    private byte[] header(List<Entry> ordered) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(jsonString(SafetensorsFile.METADATA_KEY, false)).append(":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                json.append(sep).append(jsonString(m.getKey(), false)).append(':').append(jsonString(m.getValue(), false));
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Entry e : ordered) {
            if (json.length() > 1) {
                json.append(',');
            }
            long end = offset + e.byteSize();
            json.append(jsonString(e.name(), false)).append(":{\"dtype\":\"").append(e.dtype().name())
                    .append("\",\"shape\":[");
            for (int i = 0; i < e.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(e.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] text = utf8(json.toString());
        int padded = (text.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(text, padded);
        Arrays.fill(out, text.length, padded, (byte) ' ');
        return out;
    }

    // ---- model directory -----------------------------------------------------------------------

    /**
     * Writes a Hugging Face model directory's weights: one {@value SafetensorsCheckpoint#SINGLE_FILE}
     * when all tensor data fits in {@code maxShardBytes}, otherwise shards and
     * {@value SafetensorsCheckpoint#INDEX_FILE}. Weight files of an earlier save that the new
     * one does not replace (a stale single file, index or {@code model-NNNNN-of-NNNNN} shard)
     * are deleted afterwards, so that they cannot shadow or mix with the new weights.
     *
     * @return the files written, shards first, the index last
     */
    public List<Path> writeCheckpoint(Path directory, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<List<Entry>> shards = split(maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() <= 1) {
            Path file = directory.resolve(SafetensorsCheckpoint.SINGLE_FILE);
            writeFile(file, shards.isEmpty() ? List.of() : shards.getFirst());
            written.add(file);
        } else {
            Map<String, String> weightMap = new LinkedHashMap<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path file = directory.resolve(name);
                writeFile(file, shards.get(i));
                written.add(file);
                shards.get(i).forEach(e -> weightMap.put(e.name(), name));
            }
            Path index = directory.resolve(SafetensorsCheckpoint.INDEX_FILE);
            byte[] text = utf8(indexJson(dataBytes(), weightMap));
            writeAtomically(index, channel -> writeFully(channel, ByteBuffer.wrap(text)));
            written.add(index);
        }
        removeStale(directory, written);
        return Collections.unmodifiableList(written);
    }

    /** transformers' (huggingface_hub's) greedy split, in the order the tensors were added. */
    private List<List<Entry>> split(long maxShardBytes) {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (Entry e : entries.values()) {
            long size = e.byteSize();
            if (size > maxShardBytes) {
                shards.add(List.of(e));
                continue;
            }
            if (currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += size;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** {@code json.dumps({"metadata": {"total_size": N}, "weight_map": ...}, indent=2, sort_keys=True) + "\n"}. */
    static String indexJson(long totalSize, Map<String, String> weightMap) {
        List<String> names = new ArrayList<>(weightMap.keySet());
        names.sort((a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray())); // Python sorts by code point
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"metadata\": {\n    \"total_size\": ").append(totalSize).append("\n  },\n  \"weight_map\": {");
        String sep = "\n";
        for (String name : names) {
            sb.append(sep).append("    ").append(jsonString(name, true)).append(": ")
                    .append(jsonString(weightMap.get(name), true));
            sep = ",\n";
        }
        sb.append(names.isEmpty() ? "}" : "\n  }").append("\n}\n");
        return sb.toString();
    }

    private static void removeStale(Path directory, List<Path> written) {
        Set<Path> keep = new HashSet<>();
        written.forEach(p -> keep.add(p.getFileName()));
        try (Stream<Path> files = Files.list(directory)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                boolean weights = SHARD_NAME.matcher(name).matches() || name.equals(SafetensorsCheckpoint.SINGLE_FILE)
                        || name.equals(SafetensorsCheckpoint.INDEX_FILE);
                if (weights && !keep.contains(p.getFileName())) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove stale weights in " + directory + ": " + e.getMessage(), e);
        }
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private interface Body {
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Writes UTF-8 {@code text} as {@code target} the way every file of a model directory is
     * written: into a synced temporary sibling, then renamed over the target.
     *
     * @throws UncheckedIOException naming the target when writing fails (the target is then untouched)
     */
    public static void writeTextAtomically(Path target, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        writeAtomically(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    /** Writes a temporary file beside the target, syncs it, and renames it over the target. */
    private static void writeAtomically(Path target, Body body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(channel);
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** A positional write: leaves the channel's position alone, so several threads may write at once. */
    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A JSON string literal: serde_json's escapes ({@code asciiOnly} false: only quote,
     * backslash and control characters) or Python's {@code ensure_ascii} ones (everything
     * outside printable ASCII as {@code \\uXXXX}, surrogate pairs for the rest).
     */
    public static String jsonString(String s, boolean asciiOnly) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}

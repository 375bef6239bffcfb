package io.kernelhub.models.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code .safetensors} file, memory-mapped read-only through FFM.
 *
 * <p>The format: an unsigned 64-bit little-endian length {@code N}; {@code N} bytes of UTF-8 JSON
 * (an object starting with <code>{</code>, possibly padded with spaces) mapping each tensor name
 * to {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional
 * {@code "__metadata__"} map of strings; then the data area, in which each tensor's bytes are
 * {@code [begin, end)} counted from the byte after the header, little-endian and row-major.
 *
 * <p>{@link #open} maps the whole file into a shared {@link Arena} that this object owns, copies
 * only the header onto the heap, and validates it as strictly as the reference implementation:
 * the header length fits the file and is at most {@value #MAX_HEADER_BYTES} bytes; the JSON is an
 * object with no duplicate names; each entry has a known dtype, a shape of non-negative
 * integers and two offsets whose span is exactly {@code numel × dtype size}; and the tensors
 * cover the data area exactly, without overlaps or gaps. Tensor data is not touched: pages are
 * read by the operating system only when a tensor's elements are.
 *
 * <p>Any failure closes what was mapped and throws one {@link CheckpointException} naming the
 * file and, where there is one, the tensor. Tensors of dtypes kernelhub does not compute with
 * (I64, F64, ...) do not fail the open; reading them as numbers does ({@link TensorInfo#coreDType}).
 * Thread-safe; {@link #close} unmaps, after which {@link #slice} and the views it handed out
 * throw {@link IllegalStateException}. The file must not be truncated while it is mapped: the
 * operating system then faults on the missing pages and the JVM throws {@link InternalError}.
 */
public final class SafetensorsFile implements TensorSource {

    /** The reference implementation's limit on the header's length, in bytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapped, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @throws CheckpointException when the file is missing, unreadable or malformed; nothing
     *                             stays mapped or open then
     */
    public static SafetensorsFile open(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new CheckpointException(file, null, "is a directory, not a .safetensors file",
                    "pass the model directory to SafetensorsCheckpoint.open, or the path of a .safetensors file");
        }
        Arena arena = null;
        try {
            MemorySegment mapped;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < 8) {
                    throw new CheckpointException(file, null, "the file is " + size
                            + " bytes, too short for the 8-byte header length", CheckpointException.DAMAGED);
                }
                arena = Arena.ofShared();
                // The channel may close right away: the mapping lives until the arena closes.
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            SafetensorsFile opened = parse(file, arena, mapped);
            arena = null; // owned by the new object from here on
            return opened;
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, null, "file not found", "check the path, or download the model again", e);
        } catch (AccessDeniedException e) {
            throw new CheckpointException(file, null, "cannot be read (permission denied)",
                    "check the file's permissions", e);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be read or mapped (" + e.getMessage() + ")",
                    "check the file and the disk", e);
        } finally {
            if (arena != null) {
                arena.close(); // a failed open unmaps what it mapped
            }
        }
    }

    /** One header entry as read, before the layout checks. */
    private record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    }

    private static SafetensorsFile parse(Path file, Arena arena, MemorySegment mapped) {
        long size = mapped.byteSize();
        long n = mapped.get(Elements.U64_LE, 0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new CheckpointException(file, null, "header length " + Long.toUnsignedString(n)
                    + " is over the format's limit of " + MAX_HEADER_BYTES + " bytes (the file is " + size
                    + " bytes)", "this is not a safetensors file, or it is damaged: download it again");
        }
        if (n > size - 8) {
            throw new CheckpointException(file, null, "header length " + n + " runs past the end of the file ("
                    + size + " bytes, so at most " + (size - 8) + " bytes of header)", CheckpointException.DAMAGED);
        }
        String text = decodeUtf8(file, mapped.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new CheckpointException(file, null, "the header does not start with '{' (" + n
                    + " header bytes)", "this is not a safetensors file, or it is damaged: download it again");
        }
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = readEntries(file, text, metadata, dataSize);
        Map<String, TensorInfo> tensors = checkLayout(file, entries, dataStart, dataSize);
        return new SafetensorsFile(file, arena, mapped, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static String decodeUtf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, null, "the header is not valid UTF-8 text (" + bytes.length
                    + " header bytes)", CheckpointException.DAMAGED, e);
        }
    }

    /** Walks the top-level object itself so that a repeated tensor name is reported by name. */
    private static List<Entry> readEntries(Path file, String text, Map<String, String> metadata, long dataSize) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (JsonParser p = Json.MAPPER.createParser(text)) {
            p.nextToken(); // START_OBJECT: the text starts with '{'
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new CheckpointException(file, null, "the header's JSON object ends early",
                            CheckpointException.DAMAGED);
                }
                String name = p.currentName();
                p.nextToken();
                JsonNode value;
                try {
                    value = Json.MAPPER.readTree(p);
                } catch (JsonProcessingException e) {
                    throw new CheckpointException(file, name, "its header entry is not valid JSON (" + Json.describe(e)
                            + ")", CheckpointException.DAMAGED, e);
                }
                if (!seen.add(name)) {
                    throw new CheckpointException(file, name, "appears twice in the header", CheckpointException.DAMAGED);
                }
                if (METADATA_KEY.equals(name)) {
                    readMetadata(file, value, metadata);
                } else {
                    entries.add(readEntry(file, name, value, dataSize));
                }
            }
            if (p.nextToken() != null) {
                throw new CheckpointException(file, null, "the header has text after its JSON object (at character "
                        + p.currentTokenLocation().getCharOffset() + ")", CheckpointException.DAMAGED);
            }
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, null, "the header is not valid JSON (" + Json.describe(e) + ")",
                    CheckpointException.DAMAGED, e);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "the header cannot be read (" + e.getMessage() + ")",
                    CheckpointException.DAMAGED, e);
        }
        return entries;
    }

    private static void readMetadata(Path file, JsonNode value, Map<String, String> metadata) {
        if (value == null || value.isNull()) {
            return; // the reference parser accepts a null __metadata__ as absent
        }
        if (!value.isObject()) {
            throw new CheckpointException(file, null, "the header's " + METADATA_KEY + " is " + Json.brief(value)
                    + ", not a map of strings", CheckpointException.DAMAGED);
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(file, null, "the header's " + METADATA_KEY + " maps '" + e.getKey()
                        + "' to " + Json.brief(e.getValue()) + ", not a string", CheckpointException.DAMAGED);
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode value, long dataSize) {
        if (value == null || !value.isObject()) {
            throw new CheckpointException(file, name, "its header entry is " + Json.brief(value)
                    + ", not an object with dtype, shape and data_offsets", CheckpointException.DAMAGED);
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(file, name, dtypeNode == null ? "its header entry has no dtype"
                    : "its dtype is " + Json.brief(dtypeNode) + ", not a string", CheckpointException.DAMAGED);
        }
        SafetensorsDType dtype = SafetensorsDType.fromHeader(dtypeNode.textValue()).orElseThrow(
                () -> new CheckpointException(file, name, "unsupported dtype '" + Json.cut(dtypeNode.textValue(), 40)
                        + "': not one of the format's " + SafetensorsDType.allNames(),
                        "the file is damaged or was written by a newer tool: convert it to bf16, f16 or f32"));
        long[] shape = readLongs(value.get("shape"), -1);
        if (shape == null) {
            throw new CheckpointException(file, name, "its shape is " + Json.brief(value.get("shape"))
                    + ", not a list of non-negative integers", CheckpointException.DAMAGED);
        }
        long[] offsets = readLongs(value.get("data_offsets"), 2);
        if (offsets == null) {
            throw new CheckpointException(file, name, "its data_offsets are " + Json.brief(value.get("data_offsets"))
                    + ", not a pair [begin, end] of non-negative integers", CheckpointException.DAMAGED);
        }
        long begin = offsets[0];
        long end = offsets[1];
        String range = "data_offsets [" + begin + ", " + end + "]";
        if (end < begin) {
            throw new CheckpointException(file, name, range + " end before they begin", CheckpointException.DAMAGED);
        }
        long numel = 1;
        for (long d : shape) {
            if (d != 0 && numel > Long.MAX_VALUE / d) {
                throw new CheckpointException(file, name, "shape " + Arrays.toString(shape)
                        + " has more elements than a file can hold", CheckpointException.DAMAGED);
            }
            numel *= d;
        }
        long needed = dtype.byteSize(numel);
        if (needed < 0) {
            throw new CheckpointException(file, name, dtype + " " + Arrays.toString(shape) + " (" + numel
                    + " elements of " + dtype.bits() + " bits) does not fill a whole number of bytes",
                    CheckpointException.DAMAGED);
        }
        if (end - begin != needed) {
            throw new CheckpointException(file, name, range + " hold " + (end - begin) + " bytes but " + dtype + " "
                    + Arrays.toString(shape) + " needs " + needed, CheckpointException.DAMAGED);
        }
        if (end > dataSize) {
            throw new CheckpointException(file, name, range + " run past the end of the data area (" + dataSize
                    + " bytes after the header)", CheckpointException.DAMAGED);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Reads an array of non-negative whole numbers (of exactly {@code length} if not -1), or null. */
    private static long[] readLongs(JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            return null;
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            if (!Json.isNonNegativeLong(node.get(i))) {
                return null;
            }
            out[i] = node.get(i).asLong();
        }
        return out;
    }

    /** The spec's layout rule: in offset order, each tensor starts where the previous one ended, and the last ends the file. */
    private static Map<String, TensorInfo> checkLayout(Path file, List<Entry> entries, long dataStart, long dataSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end).thenComparing(Entry::name));
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        Entry previous = null;
        long expected = 0;
        for (Entry e : sorted) {
            String range = "data_offsets [" + e.begin() + ", " + e.end() + "]";
            if (e.begin() < expected) {
                throw new CheckpointException(file, e.name(), range + " overlap tensor '" + previous.name() + "' at ["
                        + previous.begin() + ", " + previous.end() + "]", CheckpointException.DAMAGED);
            }
            if (e.begin() > expected) {
                String where = previous == null ? "at the start of the data area"
                        : "after tensor '" + previous.name() + "' (which ends at " + expected + ")";
                throw new CheckpointException(file, e.name(), range + " leave a gap of " + (e.begin() - expected)
                        + " bytes " + where + "; the format requires the tensors to cover the data area exactly",
                        CheckpointException.DAMAGED);
            }
            out.put(e.name(), new TensorInfo(file, e.name(), e.dtype(), e.shape(), dataStart + e.begin(),
                    e.end() - e.begin()));
            expected = e.end();
            previous = e;
        }
        if (expected != dataSize) {
            String problem = (dataSize - expected) + " bytes at the end of the data area (" + dataSize
                    + " bytes after the header) belong to no tensor";
            throw new CheckpointException(file, previous == null ? null : previous.name(),
                    previous == null ? problem : "ends at data offset " + expected + " but " + problem,
                    CheckpointException.DAMAGED);
        }
        return out;
    }

    // ---- the open file ------------------------------------------------------------------------

    /** The file's path, as given to {@link #open}. */
    @Override
    public Path path() {
        return path;
    }

    /** Tensor names in the order of their bytes in the file. */
    @Override
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(Objects.requireNonNull(name, "name")));
    }

    /** All tensors, in the order of their bytes in the file. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The header's {@code __metadata__} (empty when it has none), in header order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file's size in bytes. */
    public long fileSize() {
        return mapped.byteSize();
    }

    /** Offset of the data area (8 + header length) from the start of the file. */
    public long dataStart() {
        return dataStart;
    }

    /** Whether the file is still mapped. */
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public MemorySegment slice(String name) {
        TensorInfo info = info(name);
        if (closed.get()) {
            throw new IllegalStateException(path + " is closed");
        }
        return mapped.asSlice(info.byteOffset(), info.byteLength());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors" + (isOpen() ? "" : ", closed") + "]";
    }
}

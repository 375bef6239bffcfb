package io.kernelhub.models.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model directory: either one {@value #SINGLE_FILE}, or the shards
 * {@code model-0000N-of-0000M.safetensors} that {@value #INDEX_FILE} lists. When both exist the
 * single file wins, as in transformers.
 *
 * <p>Opening maps every file (see {@link SafetensorsFile}) and checks that they agree: every
 * shard the index's {@code weight_map} names exists and holds the tensors listed for it, and no
 * tensor is in two shards. Tensors a shard holds beyond those its index lists are still found,
 * as transformers loads every tensor of every shard. Any failure closes the shards opened so
 * far and throws a {@link CheckpointException} naming the file and the tensor.
 *
 * <p>Lookups go by name across shards; {@link #close()} unmaps every shard.
 */
public final class SafetensorsCheckpoint implements TensorSource {

    /** The weights of an unsharded model. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded model: {@code {"metadata": {"total_size": N}, "weight_map": {tensor: shard}}}. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Indexes are small JSON; anything this large is not one. */
    static final long MAX_INDEX_BYTES = 100_000_000L;

    private final Path directory;
    private final Path path;
    private final boolean sharded;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owners;
    private final OptionalLong totalSize;

    private SafetensorsCheckpoint(Path directory, Path path, boolean sharded, List<SafetensorsFile> shards,
            Map<String, SafetensorsFile> owners, OptionalLong totalSize) {
        this.directory = directory;
        this.path = path;
        this.sharded = sharded;
        this.shards = shards;
        this.owners = owners;
        this.totalSize = totalSize;
    }

    /**
     * Opens a model directory, or directly a {@code .safetensors} file or a
     * {@code *.safetensors.index.json}.
     *
     * @throws CheckpointException when the weights are missing, unreadable, malformed or
     *                             inconsistent; nothing stays mapped then
     */
    public static SafetensorsCheckpoint open(Path location) {
        Objects.requireNonNull(location, "location");
        if (Files.isDirectory(location)) {
            Path single = location.resolve(SINGLE_FILE);
            if (Files.exists(single)) {
                return openSingle(location, single);
            }
            Path index = location.resolve(INDEX_FILE);
            if (Files.exists(index)) {
                return openSharded(location, index);
            }
            throw new CheckpointException(location, null, "has no " + SINGLE_FILE + " and no " + INDEX_FILE
                    + weightFilesHint(location), "point at a Hugging Face model directory with safetensors weights");
        }
        if (!Files.exists(location)) {
            throw new CheckpointException(location, null, "not found", "check the path, or download the model again");
        }
        Path dir = location.toAbsolutePath().getParent();
        String name = location.getFileName().toString();
        return name.endsWith(".index.json") ? openSharded(dir, location) : openSingle(dir, location);
    }

    private static String weightFilesHint(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> weights = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt")
                            || n.endsWith(".pth") || n.endsWith(".gguf"))
                    .sorted().limit(5).toList();
            return weights.isEmpty() ? " (nor any other weight file)"
                    : " (it holds " + String.join(", ", weights) + "; kernelhub reads safetensors only)";
        } catch (IOException e) {
            return "";
        }
    }

    private static SafetensorsCheckpoint openSingle(Path dir, Path file) {
        SafetensorsFile only = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
        for (String name : only.names()) {
            owners.put(name, only);
        }
        return new SafetensorsCheckpoint(dir, file, false, List.of(only), Collections.unmodifiableMap(owners),
                OptionalLong.empty());
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        JsonNode root = readIndex(index);
        // shard file name -> the tensors the index puts in it, shards in name order (00001 first)
        Map<String, List<String>> listed = new TreeMap<>();
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index, null, "has no weight_map object (it has " + Json.brief(weightMap)
                    + ")", "the index is damaged: download it again");
        }
        Path base = dir.toAbsolutePath().normalize();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual() || shard.textValue().isEmpty()) {
                throw new CheckpointException(index, e.getKey(), "weight_map gives " + Json.brief(shard)
                        + ", not a shard file name", "the index is damaged: download it again");
            }
            Path resolved = base.resolve(shard.textValue()).normalize();
            if (!resolved.startsWith(base) || resolved.equals(base)) {
                throw new CheckpointException(index, e.getKey(), "shard '" + Json.cut(shard.textValue(), 80)
                        + "' lies outside the model directory", "the index is damaged or hostile: do not use it");
            }
            listed.computeIfAbsent(shard.textValue(), k -> new ArrayList<>()).add(e.getKey());
        }
        OptionalLong totalSize = OptionalLong.empty();
        JsonNode size = root.path("metadata").path("total_size");
        if (Json.isNonNegativeLong(size)) {
            totalSize = OptionalLong.of(size.asLong());
        }

        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : listed.entrySet()) {
                Path shardPath = dir.resolve(e.getKey());
                List<String> tensors = e.getValue();
                if (!Files.exists(shardPath)) {
                    throw new CheckpointException(shardPath, tensors.getFirst(), "shard file not found (" + INDEX_FILE
                            + " lists " + tensors.size() + " tensors in it)",
                            "the download is incomplete: download the missing shard");
                }
                SafetensorsFile shard = SafetensorsFile.open(shardPath);
                opened.add(shard);
                for (String tensor : tensors) {
                    if (!shard.contains(tensor)) {
                        throw new CheckpointException(shardPath, tensor, "listed for this shard in " + INDEX_FILE
                                + " but not in it (the shard has " + shard.names().size() + " tensors)",
                                "the index and the shards disagree: download the model again");
                    }
                }
                for (String tensor : shard.names()) {
                    SafetensorsFile other = owners.putIfAbsent(tensor, shard);
                    if (other != null) {
                        throw new CheckpointException(shardPath, tensor, "also in shard " + other.path().getFileName()
                                + "; a tensor must be in exactly one shard",
                                "the shards disagree: download the model again");
                    }
                }
            }
            return new SafetensorsCheckpoint(dir, index, true, List.copyOf(opened),
                    Collections.unmodifiableMap(owners), totalSize);
        } catch (RuntimeException | Error e) {
            opened.forEach(SafetensorsFile::close); // a failed open leaves nothing mapped
            throw e;
        }
    }

    private static JsonNode readIndex(Path index) {
        try {
            long size = Files.size(index);
            if (size > MAX_INDEX_BYTES) {
                throw new CheckpointException(index, null, "is " + size + " bytes, over the " + MAX_INDEX_BYTES
                        + "-byte limit for an index", "this is not a safetensors index");
            }
            JsonNode root = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(Files.readAllBytes(index));
            if (root == null || !root.isObject()) {
                throw new CheckpointException(index, null, "is " + Json.brief(root) + ", not a JSON object",
                        "the index is damaged: download it again");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index, null, "is not valid JSON (" + Json.describe(e) + ")",
                    "the index is damaged: download it again", e);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(index, null, "file not found", "check the path, or download the model again", e);
        } catch (AccessDeniedException e) {
            throw new CheckpointException(index, null, "cannot be read (permission denied)",
                    "check the file's permissions", e);
        } catch (IOException e) {
            throw new CheckpointException(index, null, "cannot be read (" + e.getMessage() + ")",
                    "check the file and the disk", e);
        }
    }

    // ---- the open checkpoint ------------------------------------------------------------------

    /** The single weights file, or the index of a sharded checkpoint: the file messages about missing tensors name. */
    @Override
    public Path path() {
        return path;
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    /** Whether the weights come from an index and shards. */
    public boolean isSharded() {
        return sharded;
    }

    /** The open files, shard 1 first. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The index's {@code metadata.total_size} (bytes of tensor data), when it gives one. */
    public OptionalLong totalSize() {
        return totalSize;
    }

    /** Tensor names: shard by shard, each in the order of its bytes. */
    @Override
    public List<String> names() {
        return List.copyOf(owners.keySet());
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile owner = owners.get(Objects.requireNonNull(name, "name"));
        return owner == null ? Optional.empty() : owner.find(name);
    }

    /** The file that holds a tensor. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile owner = owners.get(Objects.requireNonNull(name, "name"));
        if (owner == null) {
            info(name); // throws the missing-tensor message
        }
        return owner;
    }

    @Override
    public MemorySegment slice(String name) {
        return shardOf(name).slice(name);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "SafetensorsCheckpoint[" + path + ", " + shards.size() + " file(s), " + owners.size() + " tensors]";
    }
}

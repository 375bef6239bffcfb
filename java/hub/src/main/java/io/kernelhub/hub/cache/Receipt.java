package io.kernelhub.hub.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Written into an entry when it is installed, after the archive's digest matched: what was
 * verified and the size and SHA-256 of every unpacked file. Loading checks that the receipt
 * exists and the sizes match (cheap); {@code kernelhub cache verify} re-hashes the files.
 *
 * @param archiveSha256 the archive's digest
 * @param archiveSize   its size
 * @param source        what was installed (id, version, variant, hub), for humans and {@code cache ls}
 * @param installedAt   ISO-8601 instant
 * @param files         the unpacked files
 */
public record Receipt(String archiveSha256, long archiveSize, String source, String installedAt, List<FileRecord> files) {

    public static final String FILE_NAME = ".kernelhub-receipt.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Receipt {
        files = List.copyOf(files);
    }

    /** One unpacked file: path relative to the entry, size, SHA-256. */
    public record FileRecord(String path, long size, String sha256) {}

    void write(Path dir) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("archive_sha256", archiveSha256);
        n.put("archive_size", archiveSize);
        n.put("source", source);
        n.put("installed_at", installedAt);
        var arr = n.putArray("files");
        for (FileRecord f : files) {
            arr.addObject().put("path", f.path()).put("size", f.size()).put("sha256", f.sha256());
        }
        Files.writeString(dir.resolve(FILE_NAME), n.toPrettyString() + "\n");
    }

    /** The entry's receipt, or null when it is missing or unreadable (the entry is then not trusted). */
    static Receipt read(Path dir) {
        try {
            JsonNode n = JSON.readTree(dir.resolve(FILE_NAME).toFile());
            List<FileRecord> files = new ArrayList<>();
            for (JsonNode f : n.path("files")) {
                files.add(new FileRecord(f.path("path").asText(), f.path("size").asLong(-1), f.path("sha256").asText()));
            }
            return new Receipt(n.path("archive_sha256").asText(), n.path("archive_size").asLong(-1),
                    n.path("source").asText(""), n.path("installed_at").asText(""), files);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

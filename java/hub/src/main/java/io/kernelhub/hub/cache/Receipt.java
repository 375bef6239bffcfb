package io.kernelhub.hub.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.kernelhub.hub.manifest.JsonValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    public Receipt {
        files = List.copyOf(files);
    }

    /** One unpacked file: path relative to the entry, size, SHA-256. */
    public record FileRecord(String path, long size, String sha256) {}

    void write(Path dir) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("archive_sha256", archiveSha256);
        n.put("archive_size", archiveSize);
        n.put("source", source);
        n.put("installed_at", installedAt);
        List<Object> arr = new ArrayList<>();
        for (FileRecord f : files) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("path", f.path());
            o.put("size", f.size());
            o.put("sha256", f.sha256());
            arr.add(o);
        }
        n.put("files", arr);
        Files.writeString(dir.resolve(FILE_NAME), JsonValues.write(n) + "\n");
    }

    /** The entry's receipt, or null when it is missing or unreadable (the entry is then not trusted). */
    static Receipt read(Path dir) {
        try {
            // streaming parser: this runs on every load from the cache (see JsonValues)
            if (!(JsonValues.parse(Files.readAllBytes(dir.resolve(FILE_NAME))) instanceof Map<?, ?> n)) {
                return null;
            }
            List<FileRecord> files = new ArrayList<>();
            if (n.get("files") instanceof List<?> fs) {
                for (Object o : fs) {
                    Map<?, ?> f = (Map<?, ?>) o;
                    files.add(new FileRecord((String) f.get("path"), f.get("size") instanceof Long l ? l : -1,
                            (String) f.get("sha256")));
                }
            }
            if (!(n.get("archive_sha256") instanceof String sha) || !(n.get("archive_size") instanceof Long size)
                    || files.stream().anyMatch(f -> f.path() == null || f.size() < 0 || f.sha256() == null)) {
                return null; // a damaged receipt: the entry is not trusted and gets reinstalled
            }
            return new Receipt(sha, size, String.valueOf(n.get("source")), String.valueOf(n.get("installed_at")), files);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

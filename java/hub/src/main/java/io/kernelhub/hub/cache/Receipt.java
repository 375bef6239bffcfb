package io.kernelhub.hub.cache;

import io.kernelhub.hub.HubFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import io.kernelhub.hub.manifest.JsonValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Written into an entry when it is installed, after the archive's digest matched: what was
 * verified and the size and SHA-256 of every unpacked file. Lookup checks that the receipt
 * exists and the sizes match (cheap); the loader then hashes the library from the descriptor it
 * loads and compares it with this receipt; {@code kernelhub cache verify} re-hashes every file.
 *
 * @param archiveSha256 the archive's digest
 * @param archiveSize   its size
 * @param source        what was installed (id, version, variant, hub), for humans and {@code cache ls}
 * @param installedAt   ISO-8601 instant
 * @param files         the unpacked files
 */
public record Receipt(String archiveSha256, long archiveSize, String source, String installedAt, List<FileRecord> files) {

    public static final String FILE_NAME = ".kernelhub-receipt.json";
    private static final int MAX_BYTES = 16 << 20;

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
        // a fresh file in the entry being built: never through a link, never over something already there
        Files.writeString(dir.resolve(FILE_NAME), JsonValues.write(n) + "\n", StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        HubFiles.makeReadable(dir.resolve(FILE_NAME)); // 0644 whatever the umask, like the unpacked files
    }

    /** The whole file, opened without following a link (a link there fails: the entry is then not trusted). */
    private static byte[] readNoFollow(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(MAX_BYTES + 1);
        }
    }

    /** The entry's receipt, or null when it is missing or unreadable (the entry is then not trusted). */
    static Receipt read(Path dir) {
        try {
            // streaming parser: this runs on every load from the cache (see JsonValues)
            if (Files.isSymbolicLink(dir) || !(JsonValues.parse(readNoFollow(dir.resolve(FILE_NAME))) instanceof Map<?, ?> n)) {
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

package io.kernelhub.hub.cache;

import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.hub.HubFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loader's memory of verified files for one cache entry: {@code .kernelhub-verified} beside
 * the receipt, one line per library ({@code path TAB sha256 TAB identity}), where identity is the
 * device, inode, size and change time of the exact inode whose bytes were hashed. A warm load of
 * the same unchanged inode skips the hash (most of a fresh JVM's load time); a rewritten or
 * replaced file has another identity and is hashed again. The file has the receipt's standing:
 * whoever can write it could rewrite the receipt too, which the directory checks rule out.
 */
public final class VerifiedInodes implements BundleLoader.VerifiedFiles {

    static final String FILE_NAME = ".kernelhub-verified";

    private final Path entryDir;

    public VerifiedInodes(Path entryDir) {
        this.entryDir = entryDir.toAbsolutePath().normalize();
    }

    @Override
    public boolean verified(Path file, String identity, String sha256) {
        String[] line = read().get(relative(file));
        return line != null && line[0].equals(sha256) && line[1].equals(identity);
    }

    @Override
    public void remember(Path file, String identity, String sha256) {
        Map<String, String[]> all = read();
        all.put(relative(file), new String[] {sha256, identity});
        StringBuilder b = new StringBuilder();
        all.forEach((k, v) -> b.append(k).append('\t').append(v[0]).append('\t').append(v[1]).append('\n'));
        try {
            HubFiles.writeAtomically(entryDir.resolve(FILE_NAME), b.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // only a speed-up: the next load hashes again
        }
    }

    private String relative(Path file) {
        return entryDir.relativize(file.toAbsolutePath().normalize()).toString();
    }

    private Map<String, String[]> read() {
        Map<String, String[]> out = new LinkedHashMap<>();
        Path f = entryDir.resolve(FILE_NAME);
        try {
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) > 1 << 16) return out;
            for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String[] p = l.split("\t");
                if (p.length == 3) out.put(p[0], new String[] {p[1], p[2]});
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: nothing is remembered, every file is hashed
        }
        return out;
    }
}

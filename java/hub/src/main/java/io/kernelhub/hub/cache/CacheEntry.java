package io.kernelhub.hub.cache;

import java.nio.file.Path;

/**
 * An installed bundle: the archive's files, unpacked, in a directory named by the archive's
 * SHA-256. Entries never change once visible.
 *
 * @param sha256  the archive's digest (the entry's name)
 * @param dir     the unpacked files
 * @param receipt what was verified at install time
 */
public record CacheEntry(String sha256, Path dir, Receipt receipt) {

    public Path file(String name) {
        return dir.resolve(name);
    }
}

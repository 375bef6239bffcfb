package io.kernelhub.hub.cache;

/**
 * Bounds on what an archive may unpack to.
 *
 * @param maxEntries    entries (files and directories)
 * @param maxTotalBytes sum of file sizes
 * @param maxEntryBytes one file
 */
public record ArchiveLimits(int maxEntries, long maxTotalBytes, long maxEntryBytes) {
    public static final ArchiveLimits DEFAULT = new ArchiveLimits(1000, 4L << 30, 2L << 30);
}

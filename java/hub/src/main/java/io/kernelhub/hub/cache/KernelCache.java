package io.kernelhub.hub.cache;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.ProcessLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The content-addressed bundle cache under {@code KERNELHUB_HOME/cache}:
 * <pre>
 *   bundles/&lt;sha256&gt;/        unpacked archive + receipt; immutable once visible
 *   downloads/&lt;sha256&gt;.part  partial download, resumed by the next attempt or process
 *   tmp/                     unpacking in progress (renamed into bundles/ atomically)
 *   trash/                   entries that failed verification (moved, never rewritten in place)
 *   locks/&lt;sha256&gt;.lock     cross-process lock per archive
 *   manifests/               verified manifests, for offline use
 * </pre>
 * A library in {@code bundles/} is never rewritten: another process may have it loaded. A
 * damaged entry is renamed into {@code trash/} (a process that has it mapped keeps its copy)
 * and a fresh one installed.
 */
public final class KernelCache {

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final ArchiveLimits limits;

    public KernelCache(Path root) {
        this(root, ArchiveLimits.DEFAULT);
    }

    public KernelCache(Path root, ArchiveLimits limits) {
        this.root = root.toAbsolutePath().normalize();
        this.limits = limits;
    }

    public Path root() {
        return root;
    }

    public Path manifests() {
        return root.resolve("manifests");
    }

    private Path entryDir(String sha) {
        return root.resolve("bundles").resolve(sha);
    }

    /** Fetches an archive into {@code partial} and returns the SHA-256 of what it wrote. */
    @FunctionalInterface
    public interface Fetcher {
        String fetch(Path partial);
    }

    /** The installed entry for an archive digest, if present and intact (receipt and file sizes). */
    public Optional<CacheEntry> lookup(String sha256) {
        requireSha(sha256);
        Path dir = entryDir(sha256);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Receipt r = Receipt.read(dir);
        if (r == null || !r.archiveSha256().equals(sha256) || !sizesMatch(dir, r)) {
            return Optional.empty();
        }
        return Optional.of(new CacheEntry(sha256, dir, r));
    }

    private static boolean sizesMatch(Path dir, Receipt r) {
        for (Receipt.FileRecord f : r.files()) {
            try {
                if (Files.size(dir.resolve(f.path())) != f.size()) return false;
            } catch (IOException e) {
                return false;
            }
        }
        return !r.files().isEmpty();
    }

    /**
     * The entry for an archive, installing it when absent: under the archive's lock (threads and
     * processes), fetch into {@code downloads/<sha>.part} (a previous partial download is
     * resumed by the fetcher), check the digest, unpack into {@code tmp/}, write the receipt,
     * rename into place. On any failure nothing becomes visible.
     *
     * @param source a description for the receipt (id, version, variant, hub)
     */
    public CacheEntry install(String sha256, long size, String source, Fetcher fetcher) {
        requireSha(sha256);
        Optional<CacheEntry> hit = lookup(sha256);
        if (hit.isPresent()) {
            return hit.get();
        }
        try (ProcessLocks.Held lock = ProcessLocks.acquire(root.resolve("locks").resolve(sha256 + ".lock"))) {
            hit = lookup(sha256); // another thread or process may have finished it while we waited
            if (hit.isPresent()) {
                return hit.get();
            }
            Path existing = entryDir(sha256);
            if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                moveToTrash(existing); // damaged or incomplete receipt: set aside, never rewritten in place
            }
            Path downloads = Files.createDirectories(root.resolve("downloads"));
            Path partial = downloads.resolve(sha256 + ".part");
            String got = fetcher.fetch(partial);
            if (!sha256.equals(got)) {
                Files.deleteIfExists(partial);
                throw new HubException("digest mismatch for " + source + ": expected sha256 " + sha256 + ", got " + got
                        + ". The download is corrupt or the hub's file does not match its manifest; nothing was "
                        + "cached. Retry, and report it to the hub's owner if it persists.");
            }
            long got_size = Files.size(partial);
            Path tmp = Files.createDirectories(root.resolve("tmp")).resolve(sha256 + "-" + UUID.randomUUID());
            Files.createDirectory(tmp);
            try {
                try {
                    SafeExtractor.extract(partial, tmp, limits);
                } catch (HubException refused) {
                    Files.deleteIfExists(partial); // a refused archive leaves nothing behind
                    throw refused;
                }
                Receipt receipt = new Receipt(sha256, got_size, source, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        listFiles(tmp));
                receipt.write(tmp);
                Files.createDirectories(existing.getParent());
                Files.move(tmp, existing, StandardCopyOption.ATOMIC_MOVE);
                deleteQuietly(partial); // installed: a leftover download is only litter now
                return new CacheEntry(sha256, existing, receipt);
            } finally {
                try {
                    HubFiles.deleteTree(tmp);
                } catch (IOException cleanup) {
                    // never hide the error that got us here; prune removes leftovers
                }
            }
        } catch (IOException e) {
            throw new HubException("cannot install " + source + " into the cache at " + root + ": " + e
                    + ". Check free space and permissions (KERNELHUB_HOME).", e);
        }
    }

    private static List<Receipt.FileRecord> listFiles(Path dir) throws IOException {
        List<Receipt.FileRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                out.add(new Receipt.FileRecord(dir.relativize(p).toString(), Files.size(p), Digests.sha256(p)));
            }
        }
        return out;
    }

    /** One entry's state as {@code cache ls} and {@code cache verify} report it. */
    public record EntryStatus(String sha256, Path dir, String source, long bytes, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    /** Every entry, optionally re-hashing its files against the receipt. */
    public List<EntryStatus> entries(boolean rehash) {
        List<EntryStatus> out = new ArrayList<>();
        Path bundles = root.resolve("bundles");
        if (!Files.isDirectory(bundles)) {
            return out;
        }
        try (Stream<Path> s = Files.list(bundles)) {
            for (Path dir : s.sorted().toList()) {
                String sha = dir.getFileName().toString();
                Receipt r = Receipt.read(dir);
                if (r == null) {
                    out.add(new EntryStatus(sha, dir, "?", 0, "no readable receipt"));
                    continue;
                }
                long bytes = r.files().stream().mapToLong(Receipt.FileRecord::size).sum();
                out.add(new EntryStatus(sha, dir, r.source(), bytes, rehash ? rehashProblem(dir, r) : null));
            }
        } catch (IOException e) {
            throw new HubException("cannot list the cache at " + bundles + ": " + e, e);
        }
        return out;
    }

    private static String rehashProblem(Path dir, Receipt r) {
        if (!SHA.matcher(dir.getFileName().toString()).matches() || !r.archiveSha256().equals(dir.getFileName().toString())) {
            return "receipt is for archive " + r.archiveSha256() + ", not this entry";
        }
        for (Receipt.FileRecord f : r.files()) {
            try {
                Path p = dir.resolve(f.path());
                if (Files.size(p) != f.size()) return f.path() + ": size " + Files.size(p) + ", receipt says " + f.size();
                String h = Digests.sha256(p);
                if (!h.equals(f.sha256())) return f.path() + ": sha256 " + h + ", receipt says " + f.sha256();
            } catch (IOException e) {
                return f.path() + ": " + e.getMessage();
            }
        }
        return null;
    }

    /** Moves a damaged entry aside so the next resolve installs a fresh copy. */
    public void evict(String sha256) {
        requireSha(sha256);
        try (ProcessLocks.Held lock = ProcessLocks.acquire(root.resolve("locks").resolve(sha256 + ".lock"))) {
            Path dir = entryDir(sha256);
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) moveToTrash(dir);
        } catch (IOException e) {
            throw new HubException("cannot evict " + sha256 + " from the cache: " + e, e);
        }
    }

    /**
     * Removes what no resolve needs: trash, leftovers of interrupted unpacking and downloads not
     * touched for a day, and (when {@code keep} is given) entries whose digest it does not list.
     *
     * @return paths removed
     */
    public List<Path> prune(java.util.Set<String> keep) {
        List<Path> removed = new ArrayList<>();
        Instant dayAgo = Instant.now().minus(1, ChronoUnit.DAYS);
        try {
            for (String sub : new String[] {"trash", "tmp", "downloads"}) {
                Path d = root.resolve(sub);
                if (!Files.isDirectory(d)) continue;
                try (Stream<Path> s = Files.list(d)) {
                    for (Path p : s.toList()) {
                        if (sub.equals("trash") || Files.getLastModifiedTime(p).toInstant().isBefore(dayAgo)) {
                            HubFiles.deleteTree(p);
                            removed.add(p);
                        }
                    }
                }
            }
            if (keep != null) {
                for (EntryStatus e : entries(false)) {
                    if (!SHA.matcher(e.sha256()).matches()) {
                        HubFiles.deleteTree(e.dir()); // not an entry kernelhub made
                        removed.add(e.dir());
                    } else if (!keep.contains(e.sha256())) {
                        evict(e.sha256());
                        removed.add(e.dir());
                    }
                }
                HubFiles.deleteTree(root.resolve("trash"));
            }
        } catch (IOException e) {
            throw new HubException("cannot prune the cache at " + root + ": " + e, e);
        }
        return removed;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // prune removes it later
        }
    }

    private void moveToTrash(Path dir) throws IOException {
        Path trash = Files.createDirectories(root.resolve("trash"));
        Files.move(dir, trash.resolve(dir.getFileName() + "-" + UUID.randomUUID()), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireSha(String sha) {
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha);
        }
    }
}

package io.kernelhub.hub.cache;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.ProcessLocks;
import io.kernelhub.hub.SecureDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
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
 *
 * <p>Against other local accounts: on first use the root and these directories are checked with
 * {@link SecureDirectories} (owned by the user, not group- or world-writable; refused otherwise,
 * nothing written), and the ones kernelhub creates are 0700. Nothing inside the root is reached
 * through a symbolic link: a link where a file or directory is expected is refused. The archive
 * is hashed from one open descriptor of the partial download and unpacked from that same
 * descriptor, so what is unpacked is exactly what was verified.
 */
public final class KernelCache {

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
    private static final List<String> DIRS = List.of("bundles", "downloads", "tmp", "trash", "locks", "manifests");
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path root;
    private final ArchiveLimits limits;
    /** Set once the root and its directories passed {@link SecureDirectories}; later ones are created 0700 by us. */
    private volatile boolean checked;
    /** Tests only: runs after the partial download was opened and verified, before it is unpacked. */
    private volatile Consumer<Path> afterVerify = p -> {};

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

    /**
     * The directory of verified manifests (created 0700 when absent), after the cache's directories
     * passed the ownership and mode checks.
     *
     * @throws HubException when the cache's directories are unsafe, or it is a symbolic link
     */
    public Path manifests() {
        try {
            return dir("manifests");
        } catch (IOException e) {
            return root.resolve("manifests"); // cannot create it: the caller's own write reports that
        }
    }

    /**
     * Checks the cache root and its directories (ownership, mode, no links below the root) once per
     * instance; every public operation calls it first.
     *
     * @throws HubException naming the unsafe directory and the {@code chmod}/{@code chown} that fixes it
     */
    public void requireSafe() {
        if (checked) {
            return;
        }
        SecureDirectories.requireSafe(root, "the kernel cache");
        for (String d : DIRS) {
            SecureDirectories.requireSafe(root, root.resolve(d), "the kernel cache");
        }
        checked = true;
    }

    /** One of the cache's directories, created 0700 (with the root) when absent; a link there is refused. */
    private Path dir(String name) throws IOException {
        requireSafe();
        Path d = root.resolve(name);
        HubFiles.refuseSymlink(d, "the kernel cache's " + name + " directory");
        SecureDirectories.createPrivate(root);
        SecureDirectories.createPrivate(d);
        HubFiles.refuseSymlink(d, "the kernel cache's " + name + " directory");
        return d;
    }

    private Path entryDir(String sha) {
        return root.resolve("bundles").resolve(sha);
    }

    /** Fetches an archive into {@code partial} and returns the SHA-256 of what it wrote. */
    @FunctionalInterface
    public interface Fetcher {
        String fetch(Path partial);
    }

    /**
     * The installed entry for an archive digest, if present and intact (receipt and file sizes).
     *
     * @throws HubException when the cache's directories are unsafe or the entry is a symbolic link
     */
    public Optional<CacheEntry> lookup(String sha256) {
        requireSha(sha256);
        requireSafe();
        Path dir = entryDir(sha256);
        HubFiles.refuseSymlink(dir, "the cache entry");
        if (!Files.isDirectory(dir, NOFOLLOW)) {
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
                if (fileAttributes(dir, f.path()).size() != f.size()) return false;
            } catch (IOException e) {
                return false;
            }
        }
        return !r.files().isEmpty();
    }

    /**
     * The attributes of a file of an entry, reached without following any link: every directory on
     * the way and the file itself are checked with NOFOLLOW_LINKS.
     */
    private static BasicFileAttributes fileAttributes(Path dir, String relative) throws IOException {
        Path p = dir;
        Path rel = Path.of(relative).normalize();
        if (rel.isAbsolute() || rel.startsWith("..")) {
            throw new IOException(relative + " is not inside the entry");
        }
        for (int i = 0; i < rel.getNameCount(); i++) {
            p = p.resolve(rel.getName(i));
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            boolean last = i == rel.getNameCount() - 1;
            if (a.isSymbolicLink()) {
                throw new IOException(p + " is a symbolic link");
            }
            if (last ? !a.isRegularFile() : !a.isDirectory()) {
                throw new IOException(p + " is not a " + (last ? "regular file" : "directory"));
            }
            if (last) {
                return a;
            }
        }
        throw new IOException("empty path in the receipt");
    }

    /**
     * The entry for an archive, installing it when absent: under the archive's lock (threads and
     * processes), fetch into {@code downloads/<sha>.part} (a previous partial download is
     * resumed by the fetcher), open it once (no link followed), hash it from that descriptor and
     * compare with {@code sha256}, unpack from the same descriptor into {@code tmp/} (hashing each
     * file as it is written, for the receipt), write the receipt, rename into place. On any
     * failure nothing becomes visible.
     *
     * @param source a description for the receipt (id, version, variant, hub)
     */
    public CacheEntry install(String sha256, long size, String source, Fetcher fetcher) {
        requireSha(sha256);
        Optional<CacheEntry> hit = lookup(sha256);
        if (hit.isPresent()) {
            return hit.get();
        }
        try (ProcessLocks.Held lock = ProcessLocks.acquire(dir("locks").resolve(sha256 + ".lock"))) {
            hit = lookup(sha256); // another thread or process may have finished it while we waited
            if (hit.isPresent()) {
                return hit.get();
            }
            Path existing = entryDir(sha256);
            if (Files.exists(existing, NOFOLLOW)) {
                moveToTrash(existing); // damaged or incomplete receipt: set aside, never rewritten in place
            }
            Path partial = dir("downloads").resolve(sha256 + ".part");
            preparePartial(partial);
            String got = fetcher.fetch(partial);
            if (!sha256.equals(got)) {
                deleteQuietly(partial);
                throw new HubException("digest mismatch for " + source + ": expected sha256 " + sha256 + ", got " + got
                        + ". The download is corrupt or the hub's file does not match its manifest; nothing was "
                        + "cached. Retry, and report it to the hub's owner if it persists.");
            }
            Path tmp = dir("tmp").resolve(sha256 + "-" + UUID.randomUUID());
            SecureDirectories.createPrivate(tmp); // a fresh name: 0700, ours
            try (FileChannel archive = openVerified(partial, sha256, source)) {
                afterVerify.accept(partial);
                List<Receipt.FileRecord> files;
                try {
                    files = SafeExtractor.extract(archive, partial.getFileName().toString(), tmp, limits);
                } catch (HubException refused) {
                    deleteQuietly(partial); // a refused archive leaves nothing behind
                    throw refused;
                }
                Receipt receipt = new Receipt(sha256, archive.size(), source,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), files);
                receipt.write(tmp);
                Path bundles = dir("bundles");
                Files.move(tmp, bundles.resolve(sha256), StandardCopyOption.ATOMIC_MOVE);
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

    /**
     * Before the fetch: a link at the partial download is refused (its target untouched), a file
     * others could write to is discarded (the download starts over), one of another user is
     * refused, and an absent one is created 0600, so that the fetcher, which opens
     * it without {@code CREATE_NEW}, writes a file no other account can open for writing.
     */
    private static void preparePartial(Path partial) throws IOException {
        HubFiles.refuseSymlink(partial, "the partial download");
        if (Files.isRegularFile(partial, NOFOLLOW) && SecureDirectories.writableByOthers(partial)) {
            Files.delete(partial); // others could write to it (an old umask): its bytes are not worth resuming
        }
        SecureDirectories.requireOwnFile(partial, "the partial download");
        if (Files.exists(partial, NOFOLLOW)) {
            return; // ours and private: resumed by the fetcher
        }
        if (partial.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(partial);
        }
    }

    /**
     * Opens the partial download once (a regular file of ours, no link followed) and checks the
     * SHA-256 of the bytes read through that descriptor. The caller unpacks from the same
     * descriptor: renaming or rewriting the path afterwards cannot change what is unpacked.
     */
    private static FileChannel openVerified(Path partial, String sha256, String source) throws IOException {
        SecureDirectories.requireOwnFile(partial, "the partial download");
        FileChannel ch;
        try {
            ch = FileChannel.open(partial, StandardOpenOption.READ, NOFOLLOW);
        } catch (IOException e) {
            HubFiles.refuseSymlink(partial, "the partial download"); // planted since the check (ELOOP)
            throw e;
        }
        try {
            MessageDigest md = Digests.sha256();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            ch.position(0);
            while (ch.read(buf) > 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
            String onDisk = Digests.hex(md.digest());
            if (!sha256.equals(onDisk)) {
                ch.close();
                deleteQuietly(partial);
                throw new HubException("the downloaded archive of " + source + " changed after it was received: " + partial
                        + " now has sha256 " + onDisk + ", not the verified " + sha256 + ". Another program wrote to it; "
                        + "nothing was cached. Retry, and check who else can write to KERNELHUB_HOME.");
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Tests only: {@code hook} runs after the partial download was verified, before it is unpacked. */
    void afterVerify(Consumer<Path> hook) {
        this.afterVerify = hook;
    }

    /** One entry's state as {@code cache ls} and {@code cache verify} report it. */
    public record EntryStatus(String sha256, Path dir, String source, long bytes, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    /** Every entry, optionally re-hashing its files against the receipt. */
    public List<EntryStatus> entries(boolean rehash) {
        requireSafe();
        List<EntryStatus> out = new ArrayList<>();
        Path bundles = root.resolve("bundles");
        if (!Files.isDirectory(bundles, NOFOLLOW)) {
            return out;
        }
        try (Stream<Path> s = Files.list(bundles)) {
            for (Path dir : s.sorted().toList()) {
                String sha = dir.getFileName().toString();
                if (Files.isSymbolicLink(dir)) {
                    out.add(new EntryStatus(sha, dir, "?", 0, "is a symbolic link, not an entry kernelhub made (remove it: rm "
                            + dir + ")"));
                    continue;
                }
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
                long size = fileAttributes(dir, f.path()).size();
                if (size != f.size()) return f.path() + ": size " + size + ", receipt says " + f.size();
                String h = sha256NoFollow(dir.resolve(f.path()));
                if (!h.equals(f.sha256())) return f.path() + ": sha256 " + h + ", receipt says " + f.sha256();
            } catch (IOException e) {
                return f.path() + ": " + e.getMessage();
            }
        }
        return null;
    }

    private static String sha256NoFollow(Path file) throws IOException {
        MessageDigest md = Digests.sha256();
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, NOFOLLOW)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digests.hex(md.digest());
    }

    /** Moves a damaged entry aside so the next resolve installs a fresh copy. */
    public void evict(String sha256) {
        requireSha(sha256);
        try (ProcessLocks.Held lock = ProcessLocks.acquire(dir("locks").resolve(sha256 + ".lock"))) {
            Path dir = entryDir(sha256);
            if (Files.exists(dir, NOFOLLOW)) moveToTrash(dir); // a link is moved as a link, never followed
        } catch (IOException e) {
            throw new HubException("cannot evict " + sha256 + " from the cache: " + e, e);
        }
    }

    /**
     * Removes what no resolve needs: trash, leftovers of interrupted unpacking and downloads not
     * touched for a day, and (when {@code keep} is given) entries whose digest it does not list.
     * Links are deleted, never followed.
     *
     * @return paths removed
     */
    public List<Path> prune(java.util.Set<String> keep) {
        requireSafe();
        List<Path> removed = new ArrayList<>();
        Instant dayAgo = Instant.now().minus(1, ChronoUnit.DAYS);
        try {
            for (String sub : new String[] {"trash", "tmp", "downloads"}) {
                Path d = root.resolve(sub);
                if (!Files.isDirectory(d, NOFOLLOW)) continue;
                try (Stream<Path> s = Files.list(d)) {
                    for (Path p : s.toList()) {
                        if (sub.equals("trash") || Files.getLastModifiedTime(p, NOFOLLOW).toInstant().isBefore(dayAgo)) {
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
        Path trash = dir("trash");
        Files.move(dir, trash.resolve(dir.getFileName() + "-" + UUID.randomUUID()), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireSha(String sha) {
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha);
        }
    }
}

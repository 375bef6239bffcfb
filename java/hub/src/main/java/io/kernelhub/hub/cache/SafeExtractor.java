package io.kernelhub.hub.cache;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a bundle archive ({@code .tar.gz}) into an empty directory, accepting only regular
 * files and directories with plain relative names inside it. Absolute paths, {@code ..},
 * symlinks, hard links, devices, FIFOs, duplicate names and archives over the limits are
 * refused with a {@link HubException} naming the entry; the caller then deletes the directory,
 * so nothing of a refused archive survives.
 */
public final class SafeExtractor {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIR_OR_EXEC = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final FileAttribute<Set<PosixFilePermission>> WRITING =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private SafeExtractor() {}

    /**
     * Unpacks the archive file {@code archive} (a path the user named, e.g. {@code kernelhub
     * check}); the cache uses {@link #extract(SeekableByteChannel, String, Path, ArchiveLimits)}
     * with the descriptor it verified instead.
     *
     * @return every unpacked file with its size and SHA-256, sorted by path
     */
    public static List<Receipt.FileRecord> extract(Path archive, Path into, ArchiveLimits limits) {
        try (SeekableByteChannel ch = Files.newByteChannel(archive, StandardOpenOption.READ)) {
            return extract(ch, archive.getFileName().toString(), into, limits);
        } catch (IOException ex) {
            throw new HubException("cannot read " + archive + ": " + ex + ".", ex);
        }
    }

    /**
     * Unpacks the archive from {@code archive}, from its first byte (the position is reset to 0:
     * the caller hands over the very descriptor whose bytes it hashed, so what is unpacked is what
     * was verified, whatever happens to the file's path meanwhile). The channel is left open. The
     * size and SHA-256 of each file are computed from the bytes as they are written, not by reading
     * the files back.
     *
     * @param name the archive's name for messages
     * @return every unpacked file with its size and SHA-256, sorted by path
     */
    public static List<Receipt.FileRecord> extract(SeekableByteChannel archive, String name, Path into, ArchiveLimits limits) {
        try {
            archive.position(0);
        } catch (IOException ex) {
            throw new HubException("cannot read " + name + ": " + ex + ".", ex);
        }
        // not closed here: the channel belongs to the caller
        InputStream source = new FilterInputStream(Channels.newInputStream(archive)) {
            @Override
            public void close() {}
        };
        return extract(source, name, into, limits);
    }

    private static List<Receipt.FileRecord> extract(InputStream source, String archive, Path into, ArchiveLimits limits) {
        Path root = into.toAbsolutePath().normalize();
        List<Receipt.FileRecord> files = new ArrayList<>();
        try (InputStream raw = new BufferedInputStream(source, 1 << 16);
                GzipCompressorInputStream gz = new GzipCompressorInputStream(raw);
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            Set<String> seen = new HashSet<>();
            int entries = 0;
            long total = 0;
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (++entries > limits.maxEntries()) {
                    throw refused(archive, "more than " + limits.maxEntries() + " entries");
                }
                String clean = checkName(archive, name);
                if (e.isSymbolicLink() || e.isLink()) {
                    throw refused(archive, "entry '" + name + "' is a " + (e.isSymbolicLink() ? "symbolic" : "hard")
                            + " link to '" + e.getLinkName() + "'");
                }
                if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                    throw refused(archive, "entry '" + name + "' is a device or FIFO");
                }
                // only plain files and directories (isFile() is true for contiguous, sparse and unknown types too)
                byte flag = e.getLinkFlag();
                if (!e.isDirectory() && flag != TarConstants.LF_NORMAL && flag != TarConstants.LF_OLDNORM) {
                    throw refused(archive, "entry '" + name + "' is neither a plain file nor a directory (type '"
                            + (char) flag + "')");
                }
                if (!seen.add(clean)) {
                    throw refused(archive, "entry '" + name + "' appears twice");
                }
                Path target = root.resolve(clean).normalize();
                if (!target.startsWith(root) || target.equals(root)) {
                    throw refused(archive, "entry '" + name + "' would be written outside the target directory");
                }
                if (e.isDirectory()) {
                    makeDirectories(root, target);
                    continue;
                }
                if (e.getSize() > limits.maxEntryBytes()) {
                    throw refused(archive, "entry '" + name + "' is " + e.getSize() + " bytes, over the limit of "
                            + limits.maxEntryBytes());
                }
                total += e.getSize();
                if (total > limits.maxTotalBytes()) {
                    throw refused(archive, "it unpacks to more than " + limits.maxTotalBytes() + " bytes");
                }
                Path parent = target.getParent();
                makeDirectories(root, parent);
                if (!parent.toRealPath().startsWith(root.toRealPath())) {
                    throw refused(archive, "entry '" + name + "' would be written outside the target directory");
                }
                MessageDigest md = Digests.sha256();
                long copied = copyEntry(tar, target, into, md);
                if (copied != e.getSize()) {
                    throw refused(archive, "entry '" + name + "' is truncated");
                }
                files.add(new Receipt.FileRecord(clean, copied, Digests.hex(md.digest())));
                boolean executable = (e.getMode() & 0111) != 0;
                if (posix(root)) {
                    // written 0600 (never open to others while being written), then 0644/0755 whatever the umask
                    Files.setPosixFilePermissions(target, executable ? DIR_OR_EXEC : FILE);
                } else if (executable) {
                    target.toFile().setExecutable(true, false);
                }
            }
            if (entries == 0) {
                throw refused(archive, "it is empty");
            }
            files.sort(Comparator.comparing(Receipt.FileRecord::path));
            return files;
        } catch (HubException ex) {
            throw ex;
        } catch (IOException | RuntimeException ex) {
            throw new HubException("cannot unpack " + archive + ": it is not a valid .tar.gz (" + ex.getMessage()
                    + "). The download may be corrupt; it was not cached.", ex);
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates the missing directories from {@code root} down to {@code dir}, each created 0700 and
     * then opened to 0755 (readable, never writable by others, whatever the umask); an existing
     * component must be a directory, not a link.
     */
    private static void makeDirectories(Path root, Path dir) throws IOException {
        Path p = root;
        for (Path name : root.relativize(dir)) {
            if (name.toString().isEmpty()) continue;
            p = p.resolve(name);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
            if (posix(p)) {
                Files.createDirectory(p, PRIVATE_DIR);
                Files.setPosixFilePermissions(p, DIR_OR_EXEC);
            } else {
                Files.createDirectory(p);
            }
        }
    }

    /** Write errors (disk full, permissions) are the cache's problem, not the archive's: say so. */
    private static long copyEntry(TarArchiveInputStream tar, Path target, Path into, MessageDigest md) throws IOException {
        OutputStream out;
        try {
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            out = Channels.newOutputStream(posix(target) ? Files.newByteChannel(target, options, WRITING)
                    : Files.newByteChannel(target, options));
        } catch (IOException e) {
            throw cacheWriteError(into, e);
        }
        try (out) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = tar.read(buf)) > 0; ) {
                try {
                    out.write(buf, 0, n);
                    md.update(buf, 0, n);
                } catch (IOException e) {
                    throw cacheWriteError(into, e);
                }
                total += n;
            }
            return total;
        }
    }

    private static HubException cacheWriteError(Path into, IOException e) {
        return new HubException("cannot write into the cache (" + into + "): " + e + ". Check free space and permissions of "
                + "KERNELHUB_HOME.", e);
    }

    private static String checkName(String archive, String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw refused(archive, "an entry has an empty or invalid name");
        }
        if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
            throw refused(archive, "entry '" + name + "' has an absolute path");
        }
        StringBuilder clean = new StringBuilder();
        for (String seg : name.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.equals("..")) {
                throw refused(archive, "entry '" + name + "' contains '..'");
            }
            if (!clean.isEmpty()) clean.append('/');
            clean.append(seg);
        }
        if (clean.isEmpty()) {
            throw refused(archive, "entry '" + name + "' names no file");
        }
        return clean.toString();
    }

    private static HubException refused(String archive, String why) {
        return new HubException("refusing archive " + archive + ": " + why
                + ". Nothing from it was installed; report this to the kernel's publisher.");
    }
}

package io.kernelhub.hub.cache;

import io.kernelhub.hub.HubException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
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

    private SafeExtractor() {}

    public static void extract(Path archive, Path into, ArchiveLimits limits) {
        Path root = into.toAbsolutePath().normalize();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
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
                    Files.createDirectories(target);
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
                Files.createDirectories(parent);
                if (!parent.toRealPath().startsWith(root.toRealPath())) {
                    throw refused(archive, "entry '" + name + "' would be written outside the target directory");
                }
                long copied = copyEntry(tar, target, into);
                if (copied != e.getSize()) {
                    throw refused(archive, "entry '" + name + "' is truncated");
                }
                if ((e.getMode() & 0111) != 0) {
                    target.toFile().setExecutable(true, false);
                }
            }
            if (entries == 0) {
                throw refused(archive, "it is empty");
            }
        } catch (HubException ex) {
            throw ex;
        } catch (IOException | RuntimeException ex) {
            throw new HubException("cannot unpack " + archive.getFileName() + ": it is not a valid .tar.gz (" + ex.getMessage()
                    + "). The download may be corrupt; it was not cached.", ex);
        }
    }

    /** Write errors (disk full, permissions) are the cache's problem, not the archive's: say so. */
    private static long copyEntry(TarArchiveInputStream tar, Path target, Path into) throws IOException {
        OutputStream out;
        try {
            out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw cacheWriteError(into, e);
        }
        try (out) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = tar.read(buf)) > 0; ) {
                try {
                    out.write(buf, 0, n);
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

    private static String checkName(Path archive, String name) {
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

    private static HubException refused(Path archive, String why) {
        return new HubException("refusing archive " + archive.getFileName() + ": " + why
                + ". Nothing from it was installed; report this to the kernel's publisher.");
    }
}

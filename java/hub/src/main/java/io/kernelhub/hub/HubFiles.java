package io.kernelhub.hub;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The file operations the hub, the cache and the publishers share: files appear whole (written
 * to a temporary sibling, then renamed atomically) and readable by other users (temporary files
 * are created 0600; an nginx worker or another account on a shared hub must read what is
 * published), and trees are deleted bottom-up.
 */
public final class HubFiles {
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private HubFiles() {}

    /** What to write into a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code target} through a temporary sibling and an atomic rename (replacing what was there). */
    public static void writeAtomically(Path target, Content content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            // the temporary file was created exclusively (O_EXCL): reopen it without following a link swapped in since
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS)) {
                content.writeTo(out);
            }
            makeReadable(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeAtomically(Path target, byte[] data) throws IOException {
        writeAtomically(target, out -> out.write(data));
    }

    public static void copyAtomically(Path target, Path source) throws IOException {
        writeAtomically(target, out -> Files.copy(source, out));
    }

    /** 0644 where the file system has POSIX permissions. */
    public static void makeReadable(Path file) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, READABLE);
        }
    }

    /**
     * Opens {@code file} for writing without following a link (a link there fails), appending or
     * truncating; created 0600 when absent (an existing file keeps its mode). For partial downloads.
     */
    public static OutputStream openPrivateForWriting(Path file, boolean append) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
        return Channels.newOutputStream(file.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? Files.newByteChannel(file, options, PosixFilePermissions.asFileAttribute(PRIVATE))
                : Files.newByteChannel(file, options));
    }

    /**
     * Refuses a symbolic link where kernelhub expects a file or a directory of its own (a partial
     * download, a lock, a cache directory): it never writes or reads through one.
     *
     * @throws HubException when {@code p} is a symbolic link
     */
    public static void refuseSymlink(Path p, String what) {
        if (Files.isSymbolicLink(p)) {
            throw symlinkRefused(p, what);
        }
    }

    /** The error for a symbolic link found where kernelhub expects its own file or directory. */
    public static HubException symlinkRefused(Path p, String what) {
        String target;
        try {
            target = " (to " + Files.readSymbolicLink(p) + ")";
        } catch (IOException | UnsupportedOperationException e) {
            target = "";
        }
        return new HubException("refusing " + what + ": " + p + " is a symbolic link" + target + ", and kernelhub never "
                + "follows links inside its own directories (another account or program may have planted it). Remove it "
                + "(rm " + SecureDirectories.quote(p) + ") and retry; kernelhub recreates what it needs.");
    }

    /** Deletes a file or a directory tree (links are deleted, not followed); absent is fine. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}

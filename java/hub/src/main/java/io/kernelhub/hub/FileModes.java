package io.kernelhub.hub;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Temporary files are created owner-only (0600); what a hub publishes or a cache installs must
 * be readable by other users (an nginx worker, other accounts on a shared hub), so files are
 * made 0644 before they are moved into place.
 */
public final class FileModes {
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private FileModes() {}

    public static void makeReadable(Path file) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, READABLE);
        }
    }
}

package io.kernelhub.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Report files the commands write: their directories are created first (null entries are not asked for). */
final class OutputFiles {
    private OutputFiles() {}

    static void createParents(Path... files) throws IOException {
        for (Path p : files) {
            if (p != null && p.toAbsolutePath().getParent() != null) {
                Files.createDirectories(p.toAbsolutePath().getParent());
            }
        }
    }

    /** A file written by {@code writer} into a temporary sibling, then moved into place: never half-written. */
    static void writeAtomically(Path file, FileWriter writer) throws IOException {
        createParents(file);
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".part");
        try {
            writer.write(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes one file. */
    @FunctionalInterface
    interface FileWriter {
        void write(Path file) throws IOException;
    }
}

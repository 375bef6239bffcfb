package io.kernelhub.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}

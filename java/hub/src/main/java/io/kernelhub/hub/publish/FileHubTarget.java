package io.kernelhub.hub.publish;

import io.kernelhub.hub.HubException;
import io.kernelhub.hub.ProcessLocks;
import io.kernelhub.hub.HubFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** A hub directory on a local or mounted file system. */
public record FileHubTarget(Path root) implements HubTarget {

    public FileHubTarget {
        root = root.toAbsolutePath().normalize();
    }

    @Override
    public URI uri() {
        return root.toUri();
    }

    private Path resolve(String path) {
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root)) throw new HubException("path '" + path + "' leaves the hub directory " + root);
        return p;
    }

    @Override
    public Optional<byte[]> get(String path) {
        try {
            return Optional.of(Files.readAllBytes(resolve(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HubException("cannot read " + resolve(path) + ": " + e, e);
        }
    }

    /** Published files never change (only maven-metadata.xml does): different bytes at an existing path are refused. */
    private static void refuseChange(Path p, java.util.function.Supplier<Boolean> same) {
        if (Files.exists(p) && !io.kernelhub.hub.manifest.HubLayout.isMutable(p.getFileName().toString()) && !same.get()) {
            throw new HubException(p + " is already published with different content; published files never change");
        }
    }

    @Override
    public void put(String path, byte[] data) {
        Path p = resolve(path);
        try {
            refuseChange(p, () -> {
                try {
                    return java.util.Arrays.equals(Files.readAllBytes(p), data);
                } catch (IOException e) {
                    return false;
                }
            });
            Files.createDirectories(p.getParent());
            HubFiles.writeAtomically(p, data);
        } catch (IOException e) {
            throw new HubException("cannot write " + p + ": " + e, e);
        }
    }

    @Override
    public void put(String path, Path file) {
        Path p = resolve(path);
        try {
            refuseChange(p, () -> {
                try {
                    return Files.mismatch(p, file) == -1;
                } catch (IOException e) {
                    return false;
                }
            });
            Files.createDirectories(p.getParent());
            HubFiles.copyAtomically(p, file);
        } catch (IOException e) {
            throw new HubException("cannot write " + p + ": " + e, e);
        }
    }

    @Override
    public void withKernelLock(String org, String name, Runnable action) {
        try (ProcessLocks.Held l = ProcessLocks.acquire(resolve(org + "/" + name + "/.publish.lock"))) {
            action.run();
        }
    }
}

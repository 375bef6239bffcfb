package io.kernelhub.bridge.authoring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What kernel authors build with: {@code cmake/KernelHub.cmake} (with its helpers and the
 * {@code init} template) and {@code native/include/kernelhub.h}, laid out as in the repository.
 * Found in the repository when kernelhub runs from a checkout ({@code -Dkernelhub.sdk=ROOT},
 * which the launcher sets), else unpacked from this jar into
 * {@code KERNELHUB_HOME/sdk/<content hash>/} (atomically: a temp dir renamed into place).
 */
public record KernelhubSdk(Path root) {

    public static final String PROPERTY = "kernelhub.sdk";
    private static final String RESOURCE_ROOT = "kernelhub-sdk";

    public Path cmakeDir() {
        return root.resolve("cmake");
    }

    public Path includeDir() {
        return root.resolve("native/include");
    }

    public Path templateDir() {
        return cmakeDir().resolve("template");
    }

    /** The SDK of this kernelhub, from the checkout or unpacked from the jar. */
    public static KernelhubSdk locate(Path kernelhubHome) {
        String fromProperty = System.getProperty(PROPERTY);
        if (fromProperty != null && Files.isRegularFile(Path.of(fromProperty, "cmake", "KernelHub.cmake"))) {
            return new KernelhubSdk(Path.of(fromProperty).toAbsolutePath());
        }
        URL marker = KernelhubSdk.class.getClassLoader().getResource(RESOURCE_ROOT + "/cmake/KernelHub.cmake");
        if (marker == null) {
            throw new IllegalStateException("this kernelhub build contains no SDK (cmake/KernelHub.cmake); run it from a "
                    + "checkout with -D" + PROPERTY + "=REPO or rebuild the jar");
        }
        try {
            URI uri = marker.toURI();
            if (uri.getScheme().equals("file")) {
                return new KernelhubSdk(Path.of(uri).getParent().getParent());
            }
            return unpack(uri, kernelhubHome);
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot unpack the kernelhub SDK: " + e.getMessage(), e);
        }
    }

    private static KernelhubSdk unpack(URI markerUri, Path home) throws IOException {
        FileSystem fs;
        boolean close = false;
        try {
            fs = FileSystems.getFileSystem(markerUri);
        } catch (FileSystemNotFoundException e) {
            fs = FileSystems.newFileSystem(markerUri, Map.of());
            close = true;
        }
        try {
            Path src = fs.getPath("/" + RESOURCE_ROOT);
            List<Path> files;
            try (Stream<Path> walk = Files.walk(src)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(src.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update(Files.readAllBytes(f));
            }
            String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            Path target = home.resolve("sdk").resolve(hash);
            if (Files.isRegularFile(target.resolve("cmake/KernelHub.cmake"))) {
                return new KernelhubSdk(target);
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempDirectory(target.getParent(), hash + ".tmp");
            for (Path f : files) {
                Path dest = tmp.resolve(src.relativize(f).toString());
                Files.createDirectories(dest.getParent());
                try (InputStream in = Files.newInputStream(f)) {
                    Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // another process unpacked the same SDK first; theirs is identical
                deleteTree(tmp);
            }
            return new KernelhubSdk(target);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (close) {
                fs.close();
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

package io.kernelhub.bridge.authoring;

import io.kernelhub.core.attention.HubKernelId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code kernelhub init org/name DIR}: writes the template kernel (a simple but correct CPU
 * attention with every feature) with the id filled in. Refuses to write into a non-empty
 * directory, so nothing of the author's is overwritten.
 */
public final class KernelTemplate {

    private final KernelhubSdk sdk;

    public KernelTemplate(KernelhubSdk sdk) {
        this.sdk = sdk;
    }

    /** Writes the template; returns the files written, relative to {@code dir}. */
    public List<Path> write(String id, Path dir) {
        HubKernelId parsed = HubKernelId.parse(id);
        if (parsed.versionSpec() != null || parsed.op() != null) {
            throw new IllegalArgumentException("init takes a kernel id org/name without @version or :op, got '" + id + "'");
        }
        Path template = sdk.templateDir();
        if (!Files.isDirectory(template)) {
            throw new IllegalStateException("the kernelhub SDK at " + sdk.root() + " has no template (cmake/template)");
        }
        try {
            if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
                throw new IllegalArgumentException(dir + " already exists and is not an empty directory; choose a new one");
            }
            List<Path> written = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(template)) {
                for (Path src : walk.filter(Files::isRegularFile).sorted().toList()) {
                    Path rel = template.relativize(src);
                    Path dest = dir.resolve(rel.toString());
                    Files.createDirectories(dest.getParent());
                    String text = Files.readString(src, StandardCharsets.UTF_8)
                            .replace("@KH_ID@", parsed.kernel())
                            .replace("@KH_ORG@", parsed.org())
                            .replace("@KH_NAME@", parsed.name());
                    Files.writeString(dest, text, StandardCharsets.UTF_8);
                    written.add(rel);
                }
            }
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the template into " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}

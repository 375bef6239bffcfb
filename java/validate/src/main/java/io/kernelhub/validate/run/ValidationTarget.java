package io.kernelhub.validate.run;

import io.kernelhub.bridge.LocalKernelResolver;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.LocalVariant;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What validate tests: a registry name or hub id ({@code sdpa}, {@code kernels-community/flash-attn2},
 * resolved like any model would: local builds, then hubs), or a kernel's build directory (its
 * id read from the build's kernel.json).
 *
 * @param spec the argument as given
 * @param name the registry name used (for a directory: the kernel's id)
 * @param dir  the build directory, or null
 */
public record ValidationTarget(String spec, String name, Path dir) {

    public static ValidationTarget parse(String spec) {
        Path p = Path.of(spec);
        if (Files.isDirectory(p) && looksLikePath(spec)) {
            List<String> problems = new ArrayList<>();
            List<LocalVariant> vs = LocalVariant.scan(p, problems);
            if (vs.isEmpty()) {
                throw new IllegalArgumentException("no built kernel in " + p + " (no <variant>/kernel.json under it or its "
                        + "build/): build it first with kernelhub build " + p + (problems.isEmpty() ? "" : "; " + problems));
            }
            String id = idOf(vs.getFirst());
            return new ValidationTarget(spec, id, p);
        }
        return new ValidationTarget(spec, spec, null);
    }

    /**
     * A directory is meant when the text is explicitly a path (absolute, ./ or ../) or cannot be an
     * id or registry name; {@code kernels-community/flash-attn2} is an id even where a directory of
     * that name exists (write {@code ./kernels-community/flash-attn2} for the local build).
     */
    static boolean looksLikePath(String spec) {
        if (spec.startsWith("/") || spec.startsWith("./") || spec.startsWith("../") || spec.equals(".")) return true;
        if (!HubKernelId.looksLikeHubId(spec)) return false; // plain names: eager, sdpa, aliases
        try {
            HubKernelId.parse(spec);
            return false;
        } catch (IllegalArgumentException notAnId) {
            return true;
        }
    }

    private static String idOf(LocalVariant v) {
        try {
            return io.kernelhub.hub.manifest.ManifestCodec.readTree(Files.readAllBytes(v.library().resolveSibling("kernel.json")),
                    "kernel.json").path("id").asText();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + v.library().resolveSibling("kernel.json") + ": " + e.getMessage());
        }
    }

    /** Loads the implementation (throws KernelResolutionException / IllegalArgumentException with the reason). */
    public AttentionImplementation load() {
        if (dir == null) {
            return AttentionInterface.global().get(name);
        }
        AttentionInterface r = AttentionInterface.standalone();
        r.setHubResolver(new LocalKernelResolver(LocalKernels.parse(name + "=" + dir.toAbsolutePath())));
        return r.get(name);
    }
}

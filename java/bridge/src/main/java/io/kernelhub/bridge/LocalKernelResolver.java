package io.kernelhub.bridge;

import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.HubResolver;
import io.kernelhub.core.attention.KernelResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves hub ids to local builds named in {@code KERNELHUB_LOCAL_KERNELS}. The bundle's ops
 * register under {@code org/name[@spec]} (default op) and {@code org/name[@spec]:op}; a local
 * build serves any version spec (it is the version under development). Downloads from a hub
 * come with the hub module.
 */
public final class LocalKernelResolver implements HubResolver {

    /** Below the hub client's resolver, which handles local builds too when installed. */
    @Override
    public int priority() {
        return 1;
    }

    private final LocalKernels local;
    /** One load per library and prefix, however many names are asked for. */
    private final ConcurrentHashMap<String, LoadedBundle> loaded = new ConcurrentHashMap<>();

    /** The ServiceLoader constructor: reads the environment. */
    public LocalKernelResolver() {
        this(LocalKernels.fromEnvironment());
    }

    public LocalKernelResolver(LocalKernels local) {
        this.local = local;
    }

    @Override
    public AttentionImplementation resolve(HubKernelId id, AttentionInterface registry) {
        Path dir = local.directoryFor(id).orElseThrow(() -> new KernelResolutionException("cannot load hub kernel '" + id
                + "': it has no local build and this kernelhub build cannot download from a hub yet. For a kernel "
                + "you built yourself, set " + LocalKernels.ENV + "=" + id.kernel() + "=DIR (its build directory)."));
        if (!Files.isDirectory(dir)) {
            throw new KernelResolutionException("cannot load hub kernel '" + id + "': " + LocalKernels.ENV + " maps it to "
                    + dir + ", which is not a directory. Build it with: kernelhub build DIR");
        }
        List<String> attempts = new ArrayList<>();
        List<LocalVariant> variants = LocalVariant.scan(dir, attempts);
        String prefix = id.kernel() + (id.versionSpec() == null ? "" : "@" + id.versionSpec());
        for (LocalVariant v : variants) {
            String rejection = v.rejection();
            if (rejection != null) {
                attempts.add(v.variant() + ": " + rejection);
                continue;
            }
            try {
                LoadedBundle bundle = loaded.computeIfAbsent(v.library() + "|" + prefix,
                        key -> BundleLoader.load(v.library(), prefix));
                return bundle.registerAndFind(registry, id.op());
            } catch (BundleLoadException e) {
                attempts.add(v.variant() + ": " + e.getMessage());
            }
        }
        if (variants.isEmpty()) {
            attempts.add("no kernel.json under " + dir + ", " + dir.resolve("build") + " or their subdirectories");
        }
        throw new BundleLoadException("cannot load hub kernel '" + id + "' from " + dir, attempts,
                "Build it for this machine with: kernelhub build " + (dir.endsWith("build") ? dir.getParent() : dir));
    }
}

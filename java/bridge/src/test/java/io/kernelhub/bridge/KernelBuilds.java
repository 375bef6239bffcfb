package io.kernelhub.bridge;

import io.kernelhub.bridge.authoring.BundleBuilder;
import io.kernelhub.bridge.authoring.KernelTemplate;
import io.kernelhub.bridge.authoring.KernelhubSdk;
import io.kernelhub.core.attention.AttentionInterface;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real kernel builds through the kernelhub CMake module, made once per test JVM. */
public final class KernelBuilds {

    public static final KernelhubSdk SDK = new KernelhubSdk(NativeToolchain.REPO);
    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    private KernelBuilds() {
    }

    /** The template kernel written by init as {@code id}, built; returns its build directory. */
    public static Path template(String id) {
        return BUILT.computeIfAbsent("template:" + id, key -> {
            Path dir = NativeToolchain.OUT.resolve("template-" + id.replace('/', '_'));
            deleteTree(dir);
            new KernelTemplate(SDK).write(id, dir);
            return build(dir, dir.resolve("build"));
        });
    }

    /** A kernel from the repository (e.g. kernels-community/flash-attn2), built into target/. */
    public static Path repoKernel(String relativeDir) {
        return BUILT.computeIfAbsent("repo:" + relativeDir, key -> build(NativeToolchain.REPO.resolve(relativeDir),
                NativeToolchain.OUT.resolve("build-" + relativeDir.replace('/', '_'))));
    }

    private static Path build(Path source, Path out) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try {
            BundleBuilder.Result r = new BundleBuilder(SDK).build(source, out, Runtime.getRuntime().availableProcessors(),
                    "Release", log);
            if (r.variants().isEmpty()) {
                throw new IllegalStateException("no variant built: " + r.problems() + "\n" + log);
            }
            return r.outputDir();
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + log, e);
        }
    }

    /** A registry where {@code id} resolves to the local build in {@code dir}. */
    public static AttentionInterface registryWith(String id, Path dir) {
        AttentionInterface registry = AttentionInterface.standalone();
        registry.setHubResolver(new LocalKernelResolver(LocalKernels.parse(id + "=" + dir)));
        return registry;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

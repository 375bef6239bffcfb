package io.kernelhub.validate;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.NativeToolchain;
import io.kernelhub.bridge.authoring.BundleBuilder;
import io.kernelhub.bridge.authoring.KernelTemplate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Deliberately wrong kernels: the template kernel (a correct reference attention in C) with one
 * bug patched into its source, built by cmake/gcc like any bundle. Each bug is a source edit that
 * must apply; if the template changes so that it no longer does, the build here fails loudly.
 */
final class BuggyKernels {

    enum Bug {
        /** the right edge of the mask is one key too far: causal rows see one future key */
        CAUSAL_OFF_BY_ONE("hi = i + shift + p.win_right;", "hi = i + shift + p.win_right + 1;"),
        /** scores scaled by 1.01 x the requested scale */
        WRONG_SCALE("s *= p.scale;", "s *= p.scale * 1.01f;"),
        /** results depend on how often the op ran (a relative 1e-6 wobble on every other call): like a race */
        NONDETERMINISTIC("for (int64_t d = 0; d < p.dim; d++) acc[d] *= inv;",
                "for (int64_t d = 0; d < p.dim; d++) acc[d] *= inv * (1.0f + 1e-6f * (float)(nd_calls & 1));"),
        /** a null-pointer write for head dim 80 */
        CRASH_AT_HEAD_DIM_80("kh_status st = validate(a, &p, err, err_cap);\n    if (st != KH_OK) return st;",
                "kh_status st = validate(a, &p, err, err_cap);\n    if (st != KH_OK) return st;\n"
                        + "    if (p.dim == 80) *(volatile int *)(uintptr_t)0 = 1;");

        final String from, to;

        Bug(String from, String to) {
            this.from = from;
            this.to = to;
        }
    }

    private static final Map<Bug, Path> BUILT = new ConcurrentHashMap<>();

    private BuggyKernels() {}

    static String id(Bug bug) {
        return "buggy/" + bug.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Builds (once per JVM) the template with the bug; returns the build directory. */
    static Path build(Bug bug) {
        return BUILT.computeIfAbsent(bug, b -> {
            try {
                Path dir = NativeToolchain.OUT.resolve("buggy-" + b.name().toLowerCase(java.util.Locale.ROOT));
                deleteTree(dir);
                new KernelTemplate(KernelBuilds.SDK).write(id(b), dir);
                Path src = dir.resolve("src/attention.c");
                String code = Files.readString(src);
                if (!code.contains(b.from)) {
                    throw new IllegalStateException("the template changed: cannot patch bug " + b + " (missing: " + b.from + ")");
                }
                code = code.replace(b.from, b.to);
                if (b == Bug.NONDETERMINISTIC) {
                    code = code.replace("static kh_status attention_fwd(const kh_attention_args *a, char *err, size_t err_cap) {",
                            "static unsigned nd_calls;\n\nstatic kh_status attention_fwd(const kh_attention_args *a, char *err, "
                                    + "size_t err_cap) {\n    __atomic_fetch_add(&nd_calls, 1u, __ATOMIC_RELAXED);");
                }
                if (b == Bug.CRASH_AT_HEAD_DIM_80) {
                    code = code.replace("#include <math.h>", "#include <math.h>\n#include <stdint.h>");
                }
                Files.writeString(src, code);
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                BundleBuilder.Result r = new BundleBuilder(KernelBuilds.SDK).build(dir, dir.resolve("build"), 2, "Release", log);
                if (r.variants().isEmpty()) {
                    throw new IllegalStateException("build of " + b + " failed: " + r.problems() + "\n" + log);
                }
                return r.outputDir();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}

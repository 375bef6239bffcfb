package io.kernelhub.bridge.authoring;

import io.kernelhub.bridge.LocalVariant;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kernelhub build}: configures and builds a kernel's CMake project with the kernelhub
 * module, producing {@code OUT/<variant>/} (library + kernel.json) for every variant this
 * machine can build. The CMake cache lives in {@code OUT/.cmake}.
 */
public final class BundleBuilder {

    private final KernelhubSdk sdk;

    public BundleBuilder(KernelhubSdk sdk) {
        this.sdk = sdk;
    }

    /** What a build produced. */
    public record Result(Path outputDir, List<LocalVariant> variants, List<String> problems) {
    }

    /**
     * @param kernelDir the kernel's source directory (holds CMakeLists.txt)
     * @param outputDir where variants go (default {@code kernelDir/build})
     * @param jobs      parallel compile jobs
     * @param log       where cmake's output goes
     */
    public Result build(Path kernelDir, Path outputDir, int jobs, String buildType, OutputStream log) {
        if (!Files.isRegularFile(kernelDir.resolve("CMakeLists.txt"))) {
            throw new IllegalArgumentException(kernelDir + " has no CMakeLists.txt: not a kernel source directory "
                    + "(create one with: kernelhub init org/name DIR)");
        }
        Path out = (outputDir == null ? kernelDir.resolve("build") : outputDir).toAbsolutePath().normalize();
        Path cache = out.resolve(".cmake");
        String cmake = Tools.find("cmake").orElseThrow(() -> new IllegalStateException(
                "cmake is not installed: install CMake >= 3.20 (e.g. apt-get install cmake) to build kernels"));
        run(List.of(cmake, "-S", kernelDir.toAbsolutePath().toString(), "-B", cache.toString(),
                "-DKERNELHUB_CMAKE_DIR=" + sdk.cmakeDir(), "-DKERNELHUB_OUTPUT_DIR=" + out,
                "-DCMAKE_BUILD_TYPE=" + buildType), log, "configuring " + kernelDir);
        run(List.of(cmake, "--build", cache.toString(), "--parallel", Integer.toString(Math.max(1, jobs))), log,
                "building " + kernelDir);
        List<String> problems = new ArrayList<>();
        List<LocalVariant> variants = LocalVariant.scan(out, problems);
        if (variants.isEmpty()) {
            problems.add("the build finished but wrote no <variant>/kernel.json under " + out
                    + " (does CMakeLists.txt call kernelhub_kernel()?)");
        }
        return new Result(out, variants, problems);
    }

    private static void run(List<String> cmd, OutputStream log, String what) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().transferTo(log);
            if (!p.waitFor(60, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(what + " failed (" + String.join(" ", cmd) + " exited with "
                        + p.exitValue() + "); see the output above");
            }
        } catch (IOException e) {
            throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }
}

package io.kernelhub.bridge;

import io.kernelhub.bridge.authoring.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need a tool this machine may lack (nvcc, ...): locally a missing
 * tool is a visible skip whose reason names the tool and what to install; under {@code CI=true}
 * the same message fails the test, so CI can never pass by skipping. Shared with the hub's and
 * validate's tests through this module's test-jar.
 *
 * <p>Call the require methods from {@code @BeforeEach} or the test itself, not {@code @BeforeAll}:
 * Surefire does not count a class whose {@code @BeforeAll} aborted as skipped (it reports "Tests
 * run: 0, Skipped: 0"), so only a per-test skip is visible in its summary.
 */
public final class RequiredTools {

    /** Where a CUDA toolkit installs nvcc when it is not on PATH. */
    public static final Path DEFAULT_CUDA_BIN = Path.of("/usr/local/cuda/bin");

    private RequiredTools() {
    }

    /** True when the environment variable CI is {@code true} (GitHub Actions, GitLab, Buildkite and .ci/run set it). */
    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Stops the calling test because a tool is missing: a skip with {@code reason} locally, a
     * failure with the same reason under CI=true. Never returns (throws).
     */
    public static <T> T missing(String reason) {
        return missing(reason, onCi());
    }

    static <T> T missing(String reason, boolean ci) {
        if (ci) {
            return Assertions.fail(reason + " [CI=true: a missing tool fails the test instead of skipping it]");
        }
        System.err.println("SKIPPED (missing tool): " + reason); // the console shows it, not only the XML report
        return Assumptions.abort(reason);
    }

    /** An nvcc found here, with the toolkit version it reports. */
    public record Nvcc(Path path, int major, int minor, boolean cmakeFindsIt) {

        /** How KernelHub.cmake names this toolkit's variants: {@code cu<major><minor>} ({@code cu130}, {@code cu124}). */
        public String variantPrefix() {
            return "cu" + major + minor;
        }

        /** The CUDA variant a build on this machine writes, e.g. {@code cu130-x86_64-linux}. */
        public String variant() {
            return variantPrefix() + "-" + LocalVariant.machineArch() + "-" + LocalVariant.machineOs();
        }
    }

    /**
     * nvcc as a build would find it: $CUDACXX, then PATH (where CMake's CUDA detection looks),
     * then /usr/local/cuda/bin (where only FindCUDAToolkit, i.e. the headers, looks).
     */
    public static Optional<Nvcc> findNvcc() {
        Optional<Nvcc> n = found;
        if (n == null) {
            n = search();
            found = n;
        }
        return n;
    }

    private static volatile Optional<Nvcc> found;

    private static Optional<Nvcc> search() {
        String cudacxx = System.getenv("CUDACXX");
        if (cudacxx != null && !cudacxx.isBlank() && Files.isExecutable(Path.of(cudacxx.trim()))) {
            return Optional.of(version(Path.of(cudacxx.trim()), true));
        }
        Optional<Path> onPath = onPath("nvcc");
        if (onPath.isPresent()) {
            return Optional.of(version(onPath.get(), true));
        }
        Path fallback = DEFAULT_CUDA_BIN.resolve("nvcc");
        return Files.isExecutable(fallback) ? Optional.of(version(fallback, false)) : Optional.empty();
    }

    /** nvcc (for the CUDA headers and the toolkit version), or a skip / CI failure that says so. */
    public static Nvcc requireNvcc() {
        return findNvcc().orElseGet(() -> missing("nvcc not found on PATH or in " + DEFAULT_CUDA_BIN
                + ": CUDA source tests skipped; install a CUDA toolkit"));
    }

    /**
     * nvcc where CMake's CUDA detection finds it, so that a kernel build makes its CUDA variant;
     * otherwise a skip / CI failure naming what to change.
     */
    public static Nvcc requireNvccForCudaVariant() {
        Nvcc n = requireNvcc();
        if (!n.cmakeFindsIt()) {
            return missing("nvcc is at " + n.path() + " but not on PATH (nor named by CUDACXX), where CMake looks for it: "
                    + "CUDA variant tests skipped; add " + n.path().getParent() + " to PATH");
        }
        return n;
    }

    /** An executable on PATH, found as kernel builds find cmake. */
    public static Optional<Path> onPath(String exe) {
        return Tools.find(exe).map(Path::of);
    }

    private static final Pattern RELEASE = Pattern.compile("release (\\d+)\\.(\\d+)");

    /** Parses {@code nvcc --version}'s "Cuda compilation tools, release 13.0, V13.0.88". */
    static Nvcc version(Path nvcc, boolean cmakeFindsIt) {
        String out = NativeToolchain.run(List.of(nvcc.toString(), "--version"));
        int[] mm = parseRelease(out);
        return new Nvcc(nvcc, mm[0], mm[1], cmakeFindsIt);
    }

    /** {major, minor} from nvcc --version output; the same two numbers KernelHub.cmake takes from the compiler version. */
    static int[] parseRelease(String nvccVersionOutput) {
        Matcher m = RELEASE.matcher(nvccVersionOutput);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the CUDA version from nvcc --version:\n" + nvccVersionOutput);
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}

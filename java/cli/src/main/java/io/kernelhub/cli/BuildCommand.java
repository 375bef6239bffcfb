package io.kernelhub.cli;

import io.kernelhub.bridge.LocalVariant;
import io.kernelhub.bridge.authoring.BundleBuilder;
import io.kernelhub.bridge.authoring.KernelhubSdk;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub build DIR}: builds every variant of a kernel this machine can build. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build a kernel's bundle variants with CMake into DIR/build/<variant>/ (library + kernel.json).")
final class BuildCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The kernel's source directory (with CMakeLists.txt).")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: DIR/build).")
    Path out;

    @Option(names = "--jobs", paramLabel = "N", description = "Parallel compile jobs (default: all cores).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = "--build-type", paramLabel = "TYPE", description = "CMake build type (default: ${DEFAULT-VALUE}).")
    String buildType = "Release";

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such kernel directory: " + dir);
        }
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        KernelhubSdk sdk = KernelhubSdk.locate(KernelhubHome.get());
        BundleBuilder.Result result;
        try {
            result = new BundleBuilder(sdk).build(dir, out, jobs, buildType, System.err);
        } catch (IllegalStateException failed) {
            e.println("kernelhub: error: " + failed.getMessage());
            e.flush();
            return failed.getMessage().startsWith("cmake is not installed") ? ExitCodes.USAGE : ExitCodes.CHECK_FAILED;
        }
        for (String p : result.problems()) {
            e.println("kernelhub: warning: " + p);
        }
        o.println("built " + result.variants().size() + " variant(s) into " + result.outputDir() + ":");
        for (LocalVariant v : result.variants()) {
            o.println("  " + v.variant() + "  " + v.library().getFileName() + "  (version " + v.version() + ")");
        }
        o.flush();
        return result.variants().isEmpty() ? ExitCodes.CHECK_FAILED : ExitCodes.OK;
    }
}

package io.kernelhub.cli;

import io.kernelhub.hub.cache.ArchiveLimits;
import io.kernelhub.hub.cache.SafeExtractor;
import io.kernelhub.hub.check.BundleChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub check PATH}: a bundle's library against what its kernel.json promises. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check bundles: required symbols exported, only system libraries (or libraries the bundle ships) "
                + "as dynamic dependencies (no libcudart), nothing loadable from outside the bundle (RPATH/RUNPATH only "
                + "$ORIGIN, no unknown DT_NEEDED), the ABI note present and equal to kernel.json, glibc symbol versions "
                + "within the recorded ceiling, CUDA SASS/PTX architectures equal to kernel.json. publish runs the same "
                + "check. PATH: a kernel's source or build directory, a variant directory, or a .tar.gz archive. "
                + "Exit 0 all passed, 1 a check failed.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "Kernel directory, build directory, variant directory or bundle archive.")
    Path path;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("no such file or directory: " + path);
        }
        Path dir = path;
        Path tmp = null;
        if (Files.isRegularFile(path)) {
            tmp = Files.createTempDirectory("kernelhub-check");
            SafeExtractor.extract(path, tmp, ArchiveLimits.DEFAULT);
            dir = tmp;
        }
        try {
            List<BundleChecker.Report> reports = BundleChecker.checkAll(dir);
            PrintWriter o = spec.commandLine().getOut();
            boolean ok = true;
            for (BundleChecker.Report r : reports) {
                o.println(r.variant() + ": " + (r.ok() ? "ok" : "FAILED"));
                for (BundleChecker.Finding f : r.findings()) {
                    o.printf("  %-5s %-13s %s%n", f.ok() ? "ok" : "FAIL", f.check(), f.detail());
                }
                ok &= r.ok();
            }
            o.flush();
            return ok ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
        } finally {
            if (tmp != null) io.kernelhub.hub.HubFiles.deleteTree(tmp);
        }
    }
}

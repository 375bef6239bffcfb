package io.kernelhub.cli;

import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.pack.BundlePacker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub pack DIR}: a build directory into one archive per variant plus the version manifest. */
@Command(name = "pack", mixinStandardHelpOptions = true,
        description = "Pack a kernel's build (DIR/build/<variant>/) into hub files: one .tar.gz (+ .sha256) per variant "
                + "and the version manifest, laid out as in a hub (<org>/<name>/<version>/).")
final class PackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The kernel's source directory (its build/ is packed) or a build directory.")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the hub tree is written (default: DIR/dist).")
    Path out;

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory: " + dir);
        }
        Path target = out != null ? out : (dir.endsWith("build") ? dir.getParent() : dir).resolve("dist");
        BundlePacker.Packed p = BundlePacker.pack(dir, target);
        PrintWriter o = spec.commandLine().getOut();
        o.println("packed " + p.manifest().id() + " " + p.manifest().version() + " into " + p.versionDir() + ":");
        for (VariantEntry v : p.manifest().variants()) {
            o.printf("  %-22s %s  %d bytes  sha256 %s%n", v.name(), v.archive(), v.size(), v.sha256());
        }
        o.println("  manifest " + p.manifestFile().getFileName());
        o.flush();
        return ExitCodes.OK;
    }
}

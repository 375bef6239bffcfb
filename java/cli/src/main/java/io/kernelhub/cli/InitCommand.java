package io.kernelhub.cli;

import io.kernelhub.bridge.authoring.KernelTemplate;
import io.kernelhub.bridge.authoring.KernelhubSdk;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub init org/name DIR}: writes a working template kernel. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a template kernel (a simple, correct CPU attention) for org/name into DIR.")
final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The kernel id, e.g. acme/my-attention.")
    String id;

    @Parameters(index = "1", paramLabel = "DIR", description = "A new (or empty) directory.")
    Path dir;

    @Override
    public Integer call() {
        List<Path> files = new KernelTemplate(KernelhubSdk.locate(KernelhubHome.get())).write(id, dir);
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote " + files.size() + " files for " + id + " into " + dir + ":");
        files.forEach(f -> o.println("  " + f));
        o.println("next: kernelhub build " + dir + "  then  KERNELHUB_LOCAL_KERNELS=" + id + "=" + dir.resolve("build")
                + " kernelhub attend --impl " + id + " --check");
        o.flush();
        return ExitCodes.OK;
    }
}

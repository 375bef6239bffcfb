package io.kernelhub.cli;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.HubClient;
import io.kernelhub.hub.Resolution;
import io.kernelhub.hub.lock.Lockfile;
import io.kernelhub.hub.manifest.VariantEntry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub lock ID... [--out kernels.lock]}: pin exact versions and digests. */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = "Resolve ids and write (or update) a lockfile with each kernel's exact version, manifest digest and "
                + "every variant's archive digest. Load with KERNELHUB_LOCKFILE=FILE to get exactly those bytes.")
final class LockCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", arity = "1..*", description = "Hub ids (org/name[@spec]).")
    List<String> ids;

    @Option(names = "--out", paramLabel = "FILE", description = "Lockfile (default: ${DEFAULT-VALUE}).")
    Path out = Path.of(Lockfile.DEFAULT_NAME);

    @Override
    public Integer call() {
        // resolve without an existing lock: locking is how versions move forward
        HubClient client = HubCommands.client(HubCommands.settings().withLockfile(null));
        Lockfile lock = Files.exists(out) ? Lockfile.read(out) : Lockfile.empty();
        PrintWriter o = spec.commandLine().getOut();
        for (String id : ids) {
            Resolution r = client.resolve(HubKernelId.parse(id));
            Map<String, String> variants = new LinkedHashMap<>();
            for (VariantEntry v : r.manifest().variants()) variants.put(v.name(), v.sha256());
            lock = lock.with(new Lockfile.Entry(r.manifest().id(), r.manifest().version(), r.hub(), r.manifestSha256(), variants));
            o.println("locked " + r.manifest().id() + " at " + r.manifest().version() + " (" + variants.size() + " variant(s))");
        }
        lock.write(out);
        o.println("wrote " + out);
        o.flush();
        return ExitCodes.OK;
    }
}

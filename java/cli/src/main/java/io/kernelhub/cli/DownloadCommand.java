package io.kernelhub.cli;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.HubClient;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.lock.Lockfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub download ID... | --lock FILE}: install kernels into the cache (for offline use later). */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Resolve and install kernels into the cache without loading them: the given ids, or every kernel "
                + "of a lockfile at its locked version and digests. Afterwards KERNELHUB_OFFLINE=1 works for them.")
final class DownloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "Hub ids (org/name[@spec]).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--lock", paramLabel = "FILE", description = "Download every kernel pinned in this lockfile.")
    Path lock;

    @Override
    public Integer call() {
        HubSettings s = HubCommands.settings();
        List<String> todo = new ArrayList<>(ids);
        if (lock != null) {
            s = s.withLockfile(lock);
            todo.addAll(Lockfile.read(lock).ids());
        }
        if (todo.isEmpty()) {
            throw new IllegalArgumentException("nothing to download: give ids or --lock FILE");
        }
        HubClient client = HubCommands.client(s);
        PrintWriter o = spec.commandLine().getOut();
        for (String id : todo) {
            HubClient.Installed i = client.fetch(HubKernelId.parse(id));
            o.println(i.resolution().manifest().id() + " " + i.resolution().manifest().version() + " " + i.variant().name()
                    + " -> " + i.library());
        }
        o.flush();
        return ExitCodes.OK;
    }
}

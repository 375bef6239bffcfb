package io.kernelhub.cli;

import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.publish.HubTarget;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub publish DIR --hub URL}: pack, sign (when a key exists) and upload a kernel version. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Pack DIR's build, run kernelhub check on every variant's archive (a failing bundle is refused, "
                + "exit 1, nothing uploaded), sign the manifest when KERNELHUB_HOME/keys has a signing key, and publish it "
                + "to a hub (file: directory, or http(s): with PUT and KERNELHUB_TOKEN). Publishing the same content again "
                + "is a no-op; different content under a published version is refused.")
final class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The kernel's source directory (its build/ is published) or a build directory.")
    Path dir;

    @Option(names = "--hub", paramLabel = "URL", description = "Target hub (default: the local hub, KERNELHUB_HOME/hub).")
    String hub;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory: " + dir + " (publish takes the kernel's source or build "
                    + "directory, e.g. kernels-community/flash-attn2 after kernelhub build kernels-community/flash-attn2)");
        }
        HubSettings s = HubCommands.settings();
        String url = hub != null ? hub : s.localHub().toUri().toString();
        Path staging = Files.createDirectories(s.home().resolve("tmp")).resolve("publish-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        try {
            Publisher.Outcome r = new Publisher(new KeyRing(s.keysDir())).publish(dir, HubTarget.of(url, s.token()), staging);
            PrintWriter o = spec.commandLine().getOut();
            if (r.alreadyPublished()) {
                o.println(r.manifest().id() + " " + r.manifest().version() + " is already published at " + r.hub()
                        + " with the same content; nothing to do");
            } else {
                o.println("published " + r.manifest().id() + " " + r.manifest().version() + " ("
                        + r.manifest().variants().size() + " variant(s)) to " + r.hub() + (r.signedBy() == null
                        ? " (unsigned: run kernelhub keygen to sign; remote users need signed manifests)"
                        : ", signed by key " + r.signedBy()));
            }
            o.flush();
            return ExitCodes.OK;
        } catch (Publisher.RefusedException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(Errors.PREFIX + e.getMessage());
            err.flush();
            return ExitCodes.CHECK_FAILED;
        } finally {
            HubFiles.deleteTree(staging);
        }
    }
}

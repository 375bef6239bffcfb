package io.kernelhub.cli;

import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.trust.KeyRing;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kernelhub keygen}: an Ed25519 signing key under KERNELHUB_HOME/keys, trusted on this machine. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create an Ed25519 signing key in KERNELHUB_HOME/keys (publish signs manifests with it) and add "
                + "its public key to the trusted keys. Give users keys/signing.pub to trust.")
final class KeygenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HubSettings s = HubCommands.settings();
        KeyRing keys = new KeyRing(s.keysDir());
        String id = keys.generate();
        PrintWriter o = spec.commandLine().getOut();
        o.println("created signing key " + id + " in " + s.keysDir());
        o.println("  private: " + s.keysDir().resolve("signing.key") + " (keep it secret)");
        o.println("  public:  " + s.keysDir().resolve("signing.pub") + " (users trust it with: kernelhub trust add FILE "
                + "--org ORG)");
        o.println("  trusted here for every org (this machine's own key)");
        o.flush();
        return ExitCodes.OK;
    }
}

package io.kernelhub.cli;

import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub trust add FILE | list}: the public keys whose signed manifests are accepted. */
@Command(name = "trust", mixinStandardHelpOptions = true, description = "Manage the trusted publisher keys.",
        subcommands = {TrustCommand.Add.class, TrustCommand.ListKeys.class})
final class TrustCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Trust a publisher's public key (PEM file).")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The publisher's signing.pub.")
        Path file;

        @picocli.CommandLine.Option(names = "--org", split = ",", paramLabel = "ORG",
                description = "Trust the key only for these orgs (ids org/name); default: any org.")
        java.util.List<String> orgs = new java.util.ArrayList<>();

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such key file: " + file);
            String id = new KeyRing(HubCommands.settings().keysDir()).trust(Files.readString(file), orgs);
            spec.commandLine().getOut().println("trusted key " + id + (orgs.isEmpty() ? " for any org" : " for " + orgs));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the trusted keys.")
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            KeyRing keys = new KeyRing(HubCommands.settings().keysDir());
            PrintWriter o = spec.commandLine().getOut();
            keys.trusted().keySet().forEach(k -> o.println(k + (keys.orgsOf(k).isEmpty() ? "  any org" : "  orgs " + keys.orgsOf(k))
                    + (keys.signingKeyId().filter(k::equals).isPresent() ? "  (this machine's signing key)" : "")));
            o.flush();
            return ExitCodes.OK;
        }
    }
}

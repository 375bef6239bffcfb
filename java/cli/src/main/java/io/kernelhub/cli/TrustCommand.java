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
                description = "The orgs (the part of ids before '/') whose kernels the key may sign. Required, "
                        + "unless --any-org.")
        java.util.List<String> orgs = new java.util.ArrayList<>();

        @picocli.CommandLine.Option(names = "--any-org", description = "Trust the key for every org (an explicit choice).")
        boolean anyOrg;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such key file: " + file);
            if (anyOrg && !orgs.isEmpty()) throw new IllegalArgumentException("--org and --any-org exclude each other");
            if (!anyOrg && orgs.isEmpty()) {
                throw new IllegalArgumentException("name the orgs this key may sign for: kernelhub trust add " + file
                        + " --org ORG[,ORG...] (or --any-org to trust it for every org)");
            }
            KeyRing keys = new KeyRing(HubCommands.settings().keysDir());
            String id;
            try {
                id = anyOrg ? keys.trustForAnyOrg(Files.readString(file)) : keys.trust(Files.readString(file), orgs);
            } catch (io.kernelhub.hub.HubException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            spec.commandLine().getOut().println("trusted key " + id + (anyOrg ? " for any org" : " for " + keys.orgsOf(id)));
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
            keys.trusted().keySet().forEach(k -> o.println(k + (keys.orgsOf(k).isEmpty() ? "  NO SCOPE (signs nothing; "
                    + "trust it again with --org)" : keys.orgsOf(k).contains(KeyRing.ANY_ORG) ? "  any org" : "  orgs "
                    + keys.orgsOf(k))
                    + (keys.signingKeyId().filter(k::equals).isPresent() ? "  (this machine's signing key)" : "")));
            o.flush();
            return ExitCodes.OK;
        }
    }
}

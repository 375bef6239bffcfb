package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.Resolution;
import io.kernelhub.hub.select.Selection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub resolve ID [--json]}: the version and variant this machine gets, and why not the others. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = "Resolve a hub id (org/name[@spec]) through the hubs in KERNELHUB_HUB: print the chosen version "
                + "and variant and every rejected variant with its reason. Downloads nothing but the manifest. An id "
                + "that KERNELHUB_LOCAL_KERNELS maps to a build resolves to that build, as loading it would.")
final class ResolveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "org/name, org/name@^2.1, org/name@2.1.0, ...")
    String id;

    @Option(names = "--json", description = "JSON output: id, version, variant, match, hub, trust, rejected[{variant, reason}].")
    boolean json;

    @Override
    public Integer call() {
        HubKernelId kid = HubKernelId.parse(id);
        var client = HubCommands.client(HubCommands.settings());
        // what attend --impl ID would load: a local build named in KERNELHUB_LOCAL_KERNELS comes first
        Resolution r = client.resolveLocal(kid, LocalKernels.fromEnvironment()).orElseGet(() -> client.resolve(kid));
        Selection sel = r.selection();
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectNode n = Json.object();
            n.put("id", r.manifest().id());
            n.put("version", r.manifest().version().toString());
            n.put("variant", sel.chosen().map(v -> v.name()).orElse(null));
            n.put("match", sel.match() == null ? null : sel.match().name().toLowerCase(java.util.Locale.ROOT));
            n.put("detail", sel.detail());
            n.put("sha256", sel.chosen().map(v -> v.sha256()).orElse(null));
            n.put("hub", r.hub());
            n.put("trust", r.trust());
            n.put("manifest_sha256", r.manifestSha256());
            ArrayNode rej = n.putArray("rejected");
            sel.rejected().forEach(x -> rej.addObject().put("variant", x.variant()).put("reason", x.reason()));
            Json.print(o, n);
        } else {
            o.println(r.manifest().id() + " " + r.manifest().version() + " from " + r.hub() + " (" + r.trust() + ")");
            o.println("  chosen:   " + sel.chosen().map(v -> v.name() + " — " + sel.match() + ": " + sel.detail())
                    .orElse("none"));
            sel.rejected().forEach(x -> o.println("  rejected: " + x.variant() + " — " + x.reason()));
        }
        o.flush();
        if (sel.chosen().isEmpty()) {
            spec.commandLine().getErr().println(Errors.PREFIX + "no variant of " + r.manifest().id() + " "
                    + r.manifest().version() + " fits this machine (see the rejected variants above)");
            spec.commandLine().getErr().flush();
            return ExitCodes.CHECK_FAILED;
        }
        return ExitCodes.OK;
    }
}

package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kernelhub list}: the registered attention implementations, their capabilities, and the aliases. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List registered attention implementations with their capabilities, and aliases.")
final class ListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        AttentionInterface registry = AttentionInterface.global();
        // kernels built locally (KERNELHUB_LOCAL_KERNELS) are loaded so their ops show up
        for (String kernel : LocalKernels.fromEnvironment().directories().keySet()) {
            registry.get(kernel);
        }
        List<AttentionImplementation> impls = registry.list();
        Map<String, String> aliases = registry.aliases();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, toJson(impls, aliases));
        } else {
            printText(out, impls, aliases);
        }
        return ExitCodes.OK;
    }

    static ObjectNode toJson(List<AttentionImplementation> impls, Map<String, String> aliases) {
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("implementations");
        for (AttentionImplementation impl : impls) {
            AttentionCapabilities c = impl.capabilities();
            ObjectNode n = list.addObject();
            n.put("name", impl.name());
            n.put("description", impl.description());
            n.set("devices", Json.strings(c.devices().stream().map(Device.Kind::id).toList()));
            n.set("dtypes", Json.strings(c.dtypes().stream().map(DType::id).toList()));
            ObjectNode hd = n.putObject("head_dim");
            hd.put("min", c.minHeadDim());
            hd.put("max", c.maxHeadDim());
            hd.put("multiple_of", c.headDimMultiple());
            n.set("features", Json.strings(c.features().stream().map(AttentionFeature::id).toList()));
        }
        ObjectNode a = root.putObject("aliases");
        aliases.forEach(a::put);
        return root;
    }

    private static void printText(PrintWriter out, List<AttentionImplementation> impls, Map<String, String> aliases) {
        out.println("attention implementations:");
        for (AttentionImplementation impl : impls) {
            AttentionCapabilities c = impl.capabilities();
            out.println("  " + impl.name() + (impl.description().isEmpty() ? "" : "  - " + impl.description()));
            out.println("      devices:  " + c.devices().stream().map(Device.Kind::id).collect(Collectors.joining(", ")));
            out.println("      dtypes:   " + c.dtypes().stream().map(DType::id).collect(Collectors.joining(", ")));
            out.println("      head dim: " + c.headDimsText());
            out.println("      features: " + (c.features().isEmpty() ? "(none)"
                    : c.features().stream().map(AttentionFeature::id).collect(Collectors.joining(", "))));
        }
        if (!aliases.isEmpty()) {
            out.println("aliases:");
            aliases.forEach((alias, target) -> out.println("  " + alias + " -> " + target));
        }
        out.println("hub kernels are named org/name[@version][:op] (e.g. kernels-community/flash-attn2) and are resolved through the hub on first use.");
        out.flush();
    }
}

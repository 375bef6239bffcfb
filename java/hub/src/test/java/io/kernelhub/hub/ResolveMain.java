package io.kernelhub.hub;

import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import java.nio.file.Path;
import java.util.List;

/**
 * A child JVM, run in a working directory of the test's choosing: {@code ResolveMain HOME HUB_URL ID}
 * resolves ID through the hub resolver (download, install, load) and runs one attention call.
 * Prints {@code LOADED} and exits 0, or {@code REFUSED: <message>} and exits 3.
 */
public final class ResolveMain {
    private ResolveMain() {}

    public static void main(String[] args) {
        HubSettings s = new HubSettings(Path.of(args[0]), List.of(args[1]), false, false, null, null, RetryPolicy.DEFAULT);
        AttentionInterface registry = AttentionInterface.standalone();
        registry.setHubResolver(new HubKernelResolver(s, LocalKernels.parse(null), TransferListener.NONE));
        try {
            registry.attend(args[2], AttentionCase.grid().get(3).request());
            System.out.println("LOADED");
            System.exit(0);
        } catch (RuntimeException e) {
            System.out.println("REFUSED: " + e.getMessage());
            System.exit(3);
        }
    }
}

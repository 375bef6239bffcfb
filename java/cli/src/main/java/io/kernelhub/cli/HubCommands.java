package io.kernelhub.cli;

import io.kernelhub.hub.HubKernelResolver;
import io.kernelhub.hub.HubClient;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.transport.TransferListener;

/** What the hub commands share: settings from the environment and a client with a progress bar on terminals. */
final class HubCommands {
    private HubCommands() {}

    static HubSettings settings() {
        return HubSettings.fromEnvironment();
    }

    static HubClient client(HubSettings settings) {
        return HubKernelResolver.client(settings, listener());
    }

    /** A progress bar on stderr when it is a terminal, nothing otherwise (logs and pipes stay clean). */
    static TransferListener listener() {
        return System.console() != null && System.console().isTerminal() ? new ProgressBarListener() : TransferListener.NONE;
    }
}

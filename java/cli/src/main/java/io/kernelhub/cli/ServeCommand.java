package io.kernelhub.cli;

import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.server.HubServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kernelhub serve --root DIR --port N}: a hub directory over HTTP until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a hub directory over HTTP (GET/HEAD, Range, ETag), read-only unless --allow-publish "
                + "(then PUT with the bearer token in KERNELHUB_TOKEN). Logs one line per request to stderr.")
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "The hub directory (default: KERNELHUB_HOME/hub).")
    Path root;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = 8470;

    @Option(names = "--allow-publish", description = "Accept PUT uploads carrying KERNELHUB_TOKEN as bearer token.")
    boolean allowPublish;

    @Option(names = "--quiet", description = "No request log.")
    boolean quiet;

    @Override
    public Integer call() throws InterruptedException {
        HubSettings s = HubCommands.settings();
        if (allowPublish && s.token() == null) {
            throw new IllegalArgumentException("--allow-publish needs a token: set " + HubSettings.TOKEN
                    + " (publishers send it as 'Authorization: Bearer TOKEN')");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        Path dir = root != null ? root : s.localHub();
        CountDownLatch stop = new CountDownLatch(1);
        try (HubServer server = new HubServer(dir, host, port, allowPublish ? s.token() : null, quiet ? null : System.err)) {
            server.start();
            PrintWriter o = spec.commandLine().getOut();
            o.println("serving " + dir.toAbsolutePath() + " at " + server.uri() + (allowPublish ? " (publishing allowed)" : " (read-only)"));
            o.println("use it with: KERNELHUB_HUB=" + server.uri() + " kernelhub resolve ORG/NAME");
            o.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return ExitCodes.OK;
    }
}

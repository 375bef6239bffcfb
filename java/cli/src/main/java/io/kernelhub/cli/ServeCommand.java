package io.kernelhub.cli;

import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.server.PublishTokens;
import io.kernelhub.hub.server.ServeLimits;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kernelhub serve --root DIR --port N}: a hub directory over HTTP until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a hub directory over HTTP (GET/HEAD, Range, ETag). Read-only unless --allow-publish; "
                + "then PUT needs a bearer token that may publish to the upload's org (the first path component): "
                + "per-org tokens from --tokens FILE, or KERNELHUB_TOKEN with --publish-org ORG (repeatable) or "
                + "--any-org. Symbolic links below the root are never followed. Logs one line per request to stderr "
                + "(tokens are never logged).",
                "Tokens file: one line per token, 'ORG[,ORG...] TOKEN' or '* TOKEN' for every org; '#' starts a "
                + "comment line. It must not be readable by group or others (chmod 600 FILE)."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "The hub directory (default: KERNELHUB_HOME/hub).")
    Path root;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = 8470;

    @Option(names = "--allow-publish", description = "Accept PUT uploads from token holders (see --tokens, "
            + "--publish-org, --any-org).")
    boolean allowPublish;

    @Option(names = "--tokens", paramLabel = "FILE", description = "Per-org publish tokens, one 'ORG[,ORG...] TOKEN' "
            + "line each ('* TOKEN': every org); mode 600. KERNELHUB_TOKEN is not used then.")
    Path tokensFile;

    @Option(names = "--publish-org", paramLabel = "ORG", description = "An org KERNELHUB_TOKEN may publish to "
            + "(repeatable).")
    List<String> publishOrgs = new ArrayList<>();

    @Option(names = "--any-org", description = "KERNELHUB_TOKEN may publish to every org (say so explicitly; prefer "
            + "--publish-org or --tokens).")
    boolean anyOrg;

    @Option(names = "--max-uploads", paramLabel = "N", description = "Uploads received at once; more get 503 with "
            + "Retry-After (default: ${DEFAULT-VALUE}).")
    int maxUploads = ServeLimits.DEFAULTS.maxUploads();

    @Option(names = "--max-upload-mb", paramLabel = "MB", description = "Largest file one PUT may store, in MiB; "
            + "larger gets 413 (default: ${DEFAULT-VALUE}).")
    long maxUploadMb = ServeLimits.DEFAULTS.maxUploadBytes() / ServeLimits.MIB;

    @Option(names = "--header-timeout", paramLabel = "SECONDS", description = "A connection must send a complete "
            + "request head within this time of opening or of the previous response (default: ${DEFAULT-VALUE}).")
    long headerTimeout = ServeLimits.DEFAULTS.headerTimeout().toSeconds();

    @Option(names = "--body-timeout", paramLabel = "SECONDS", description = "An upload body must arrive within this "
            + "time plus 1 s per 256 KiB of it; a response write stalled this long is dropped "
            + "(default: ${DEFAULT-VALUE}).")
    long bodyTimeout = ServeLimits.DEFAULTS.bodyTimeout().toSeconds();

    @Option(names = "--quiet", description = "No request log.")
    boolean quiet;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        ServeLimits limits = limits();
        HubSettings s = HubCommands.settings();
        PublishTokens tokens = tokens(s);
        Path dir = root != null ? root : s.localHub();
        CountDownLatch stop = new CountDownLatch(1);
        try (HubServer server = new HubServer(dir, host, port, tokens, limits, quiet ? null : System.err)) {
            server.start();
            PrintWriter o = spec.commandLine().getOut();
            o.println("serving " + dir.toAbsolutePath() + " at " + server.uri() + " (" + mode(tokens) + ")");
            o.println("use it with: KERNELHUB_HUB=" + server.uri() + " kernelhub resolve ORG/NAME");
            o.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return ExitCodes.OK;
    }

    private ServeLimits limits() {
        if (maxUploads < 1) throw new IllegalArgumentException("--max-uploads must be >= 1, got " + maxUploads);
        if (maxUploadMb < 1 || maxUploadMb > Long.MAX_VALUE / ServeLimits.MIB) {
            throw new IllegalArgumentException("--max-upload-mb must be >= 1, got " + maxUploadMb);
        }
        if (headerTimeout < 1) throw new IllegalArgumentException("--header-timeout must be >= 1 second, got " + headerTimeout);
        if (bodyTimeout < 1) throw new IllegalArgumentException("--body-timeout must be >= 1 second, got " + bodyTimeout);
        return ServeLimits.DEFAULTS.withTimeouts(Duration.ofSeconds(headerTimeout), Duration.ofSeconds(bodyTimeout))
                .withUploads(maxUploads, maxUploadMb * ServeLimits.MIB);
    }

    /** Who may publish where; null for a read-only server. A token never publishes to an org nobody named. */
    private PublishTokens tokens(HubSettings s) {
        boolean singleOrgs = !publishOrgs.isEmpty() || anyOrg;
        if (!allowPublish) {
            if (tokensFile != null || singleOrgs) {
                throw new IllegalArgumentException("--tokens, --publish-org and --any-org take effect only with "
                        + "--allow-publish; add it, or drop them to serve read-only");
            }
            return null;
        }
        if (tokensFile != null) {
            if (singleOrgs) {
                throw new IllegalArgumentException("--publish-org and --any-org are for KERNELHUB_TOKEN; with --tokens "
                        + tokensFile + " each line names its token's orgs");
            }
            return PublishTokens.read(tokensFile);
        }
        if (s.token() == null) {
            throw new IllegalArgumentException("--allow-publish needs tokens: --tokens FILE (lines 'ORG[,ORG...] TOKEN', "
                    + "chmod 600), or set " + HubSettings.TOKEN + " and name its orgs with --publish-org ORG "
                    + "(publishers send it as 'Authorization: Bearer TOKEN')");
        }
        if (anyOrg && !publishOrgs.isEmpty()) {
            throw new IllegalArgumentException("--any-org and --publish-org exclude each other: choose the orgs, or all");
        }
        if (!singleOrgs) {
            throw new IllegalArgumentException("--allow-publish with " + HubSettings.TOKEN + " must name the orgs it may "
                    + "publish to: --publish-org ORG (repeatable), or --any-org for every org; or give per-org tokens "
                    + "with --tokens FILE");
        }
        return anyOrg ? PublishTokens.anyOrg(s.token(), HubSettings.TOKEN)
                : PublishTokens.single(s.token(), publishOrgs, HubSettings.TOKEN);
    }

    private String mode(PublishTokens tokens) {
        if (tokens == null) return "read-only";
        if (tokensFile != null) return "publishing allowed: " + tokens.grants().size() + " token(s) from " + tokensFile;
        return "publishing allowed: " + HubSettings.TOKEN + " for " + tokens.grants().getFirst().describeOrgs();
    }
}

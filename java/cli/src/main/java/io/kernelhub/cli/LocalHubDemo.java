package io.kernelhub.cli;

import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.authoring.BundleBuilder;
import io.kernelhub.bridge.authoring.KernelhubSdk;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.HubClient;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubKernelResolver;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.IndexPublisher;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The demo's hub path, end to end on this machine: build the community kernels (incremental),
 * sign and publish them into the local hub (a no-op when it already holds the same bytes),
 * serve the hub on loopback, and give the demo a registry whose hub ids resolve over HTTP into
 * an empty cache — exactly what an application on another machine would do.
 */
final class LocalHubDemo implements AutoCloseable {

    private final HubServer server;
    private final Path clientHome;
    private final HubSettings client;
    final List<String> kernelIds;

    private LocalHubDemo(HubServer server, Path clientHome, HubSettings client, List<String> kernelIds) {
        this.server = server;
        this.clientHome = clientHome;
        this.client = client;
        this.kernelIds = kernelIds;
    }

    /** The community kernels' directory of this checkout, or null when kernelhub runs outside one. */
    static Path communityKernels() {
        String root = System.getProperty(KernelhubSdk.PROPERTY);
        if (root == null) return null;
        Path d = Path.of(root).resolve("kernels-community");
        return Files.isDirectory(d) ? d : null;
    }

    static LocalHubDemo start(Path kernelsDir, PrintWriter log) throws IOException {
        HubSettings home = HubSettings.fromEnvironment();
        KernelhubSdk sdk = KernelhubSdk.locate(home.home());
        Files.createDirectories(home.home());
        KeyRing keys = new KeyRing(home.keysDir());
        if (keys.signingKeyId().isEmpty()) {
            log.println("demo: created signing key " + keys.generate() + " in " + home.keysDir());
        }
        List<String> ids = new ArrayList<>();
        Path buildLogs = Files.createDirectories(home.home().resolve("demo"));
        List<Path> kernels;
        try (Stream<Path> s = Files.list(kernelsDir)) {
            kernels = s.filter(d -> Files.isRegularFile(d.resolve("CMakeLists.txt"))).sorted().toList();
        }
        for (Path k : kernels) {
            long t0 = System.nanoTime();
            Path logFile = buildLogs.resolve("build-" + k.getFileName() + ".log");
            BundleBuilder.Result r;
            try (OutputStream out = Files.newOutputStream(logFile)) {
                r = new BundleBuilder(sdk).build(k, null, Runtime.getRuntime().availableProcessors(), "Release", out);
            } catch (IllegalStateException e) {
                throw new HubException("demo: building " + k + " failed: " + e.getMessage() + " (log: " + logFile + ")");
            }
            log.printf(Locale.ROOT, "demo: built   %s: %d variant(s) in %.1f s (log %s)%n", k.getFileName(),
                    r.variants().size(), (System.nanoTime() - t0) / 1e9, logFile);
            Path staging = home.home().resolve("tmp").resolve("demo-" + System.nanoTime());
            try {
                Publisher.Outcome p = new Publisher(keys).publish(k, new FileHubTarget(home.localHub()), staging);
                ids.add(p.manifest().id());
                log.println("demo: publish " + p.manifest().id() + " " + p.manifest().version() + " -> " + home.localHub()
                        + (p.alreadyPublished() ? " (already there with the same bytes: skipped)" : " (signed by key "
                        + p.signedBy() + ")"));
            } catch (HubException e) {
                log.println("demo: warning: " + e.getMessage().lines().findFirst().orElse("") + " — using what the local hub has");
                String id = readId(k);
                ids.add(id);
                // a hub published before signed indexes has none: build it from the manifests the hub holds
                HubKernelId kid = HubKernelId.parse(id);
                new IndexPublisher(keys, IndexPublisher.DEFAULT_LIFETIME).refresh(new FileHubTarget(home.localHub()), kid.org(),
                        kid.name());
            } finally {
                io.kernelhub.hub.HubFiles.deleteTree(staging);
            }
        }
        HubServer server = new HubServer(home.localHub(), "127.0.0.1", 0, null, null).start();
        log.println("demo: serving " + home.localHub() + " at " + server.uri());
        Path clientHome = Files.createTempDirectory(buildLogs, "client-");
        // the client trusts the demo's key for exactly the orgs it published, as a user would (trust add --org)
        new KeyRing(clientHome.resolve("keys")).trust(Files.readString(home.keysDir().resolve("signing.pub")),
                ids.stream().map(i -> HubKernelId.parse(i).org()).distinct().toList());
        HubSettings client = new HubSettings(clientHome, List.of(server.uri().toString()), false, false, null, null,
                RetryPolicy.DEFAULT);
        log.flush();
        return new LocalHubDemo(server, clientHome, client, ids);
    }

    private static String readId(Path kernelDir) throws IOException {
        Path build = kernelDir.resolve("build");
        try (Stream<Path> s = Files.walk(build, 2)) {
            Path kj = s.filter(p -> p.getFileName().toString().equals("kernel.json")).findFirst()
                    .orElseThrow(() -> new HubException("demo: no kernel.json under " + build));
            return io.kernelhub.hub.manifest.ManifestCodec.readTree(Files.readAllBytes(kj), kj.toString()).path("id").asText();
        }
    }

    /** Resolves and downloads each published kernel into the empty client cache, printing what happened. */
    void fetchAll(PrintWriter log) {
        for (String id : kernelIds) {
            long t0 = System.nanoTime();
            HubClient.Installed i = HubKernelResolver.client(client, HubCommands.listener()).fetch(HubKernelId.parse(id));
            log.printf(Locale.ROOT, "demo: resolve %s -> %s %s over %s (%s; %s), installed in %.0f ms from an empty cache%n",
                    id, i.resolution().manifest().version(), i.variant().name(), i.resolution().hub(), i.resolution().trust(),
                    i.resolution().selection().match(), (System.nanoTime() - t0) / 1e6);
            i.resolution().selection().rejected().forEach(x -> log.println("demo:   rejected " + x.variant() + ": " + x.reason()));
        }
        log.flush();
    }

    /** A registry whose hub ids resolve through the loopback hub (not KERNELHUB_LOCAL_KERNELS or other hubs). */
    AttentionInterface registry() {
        AttentionInterface r = AttentionInterface.standalone();
        r.setHubResolver(new HubKernelResolver(client, LocalKernels.parse(null), io.kernelhub.hub.transport.TransferListener.NONE));
        return r;
    }

    @Override
    public void close() {
        server.close();
        try {
            io.kernelhub.hub.HubFiles.deleteTree(clientHome);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot remove the demo's client home " + clientHome, e);
        }
    }
}

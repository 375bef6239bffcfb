package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.hub.lock.Lockfile;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.pack.BundlePacker;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole path with real parts: a kernel built by cmake/gcc, packed, signed and published to a
 * file hub, served over loopback HTTP (kernelhub's server and a fault-injecting one), resolved,
 * downloaded, verified, cached, loaded through FFM and run against the eager reference.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HubEndToEndTest {

    static final String ID = "test-org/hub-kernel";
    // A stalled FaultyHub connection stays silent until the hub closes, so the read timeout alone ends
    // it; 2 s of silence leaves a loaded machine's healthy transfers far from that limit.
    static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5),
            Duration.ofSeconds(2));

    Path work;
    Path build;
    Path publisherKeys;
    Path hub;
    KernelManifest published;
    String archivePath;
    Path home;

    @BeforeAll
    void publishOnce() throws IOException {
        work = Path.of("target", "hub-e2e").toAbsolutePath();
        deleteTree(work);
        build = KernelBuilds.template(ID);
        publisherKeys = work.resolve("publisher/keys");
        new KeyRing(publisherKeys).generate();
        hub = work.resolve("hub");
        Publisher.Outcome out = new Publisher(new KeyRing(publisherKeys)).publish(build, new FileHubTarget(hub),
                work.resolve("staging"));
        published = out.manifest();
        assertThat(out.signedBy()).isNotNull();
        archivePath = HubLayout.versionDir("test-org", "hub-kernel", published.version())
                + published.variants().getFirst().archive();
    }

    @BeforeEach
    void freshHome() throws IOException {
        home = work.resolve("home-" + System.nanoTime());
        Files.createDirectories(home);
    }

    /** A client home that trusts the publisher's key. */
    HubSettings settings(String hubUrl) throws IOException {
        new KeyRing(home.resolve("keys")).trustForAnyOrg(Files.readString(publisherKeys.resolve("signing.pub")));
        return new HubSettings(home, List.of(hubUrl), false, false, null, null, FAST);
    }

    static HubClient client(HubSettings s) {
        return HubKernelResolver.client(s, TransferListener.NONE);
    }

    static AttentionInterface registry(HubSettings s) {
        AttentionInterface r = AttentionInterface.standalone();
        r.setHubResolver(new HubKernelResolver(s, LocalKernels.parse(null), TransferListener.NONE));
        return r;
    }

    @Test
    void resolvesOverHttpLoadsAndMatchesEager() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (HubServer server = new HubServer(hub, "127.0.0.1", 0, null, new PrintStream(log, true)).start()) {
            HubSettings s = settings(server.uri().toString());
            AttentionInterface registry = registry(s);
            for (AttentionCase c : AttentionCase.grid().subList(0, 12)) {
                AttentionRequest r = c.request();
                AccuracyCheck.Result res = AccuracyCheck.check(r, registry.attend(ID, r));
                assertThat(res.ok()).as("%s: %s", c, res.summary()).isTrue();
            }
            Resolution again = client(s).resolve(HubKernelId.parse(ID + "@^" + published.version().major()));
            assertThat(again.trust()).startsWith("signed by key");
            assertThat(again.selection().chosen()).isPresent();
            // a second client on the same cache downloads nothing
            client(s).fetch(HubKernelId.parse(ID));
            String requests = log.toString(StandardCharsets.UTF_8);
            assertThat(requests.lines().filter(l -> l.contains(".tar.gz ")).count()).as(requests).isEqualTo(1);
        }
    }

    @Test
    void refusesUnsignedAndUntrustedAndTamperedManifests() throws IOException {
        Path unsignedHub = work.resolve("unsigned-hub-" + System.nanoTime());
        new Publisher(new KeyRing(work.resolve("no-keys"))).publish(build, new FileHubTarget(unsignedHub),
                work.resolve("staging2"));
        try (HubServer server = new HubServer(unsignedHub, "127.0.0.1", 0, null, null).start()) {
            // this client trusts the publisher for another org only: no key speaks for test-org
            new KeyRing(home.resolve("keys")).trust(Files.readString(publisherKeys.resolve("signing.pub")), List.of("acme"));
            HubSettings s = new HubSettings(home, List.of(server.uri().toString()), false, false, null, null, FAST);
            assertThatThrownBy(() -> client(s).resolve(HubKernelId.parse(ID))).isInstanceOf(HubClient.TrustException.class)
                    .hasMessageContaining("is not signed").hasMessageContaining(HubSettings.ALLOW_UNSIGNED);
            assertThat(client(s.withAllowUnsigned(true)).resolve(HubKernelId.parse(ID)).trust()).startsWith("unsigned");
            // offline, the cached unsigned manifest is held to today's policy
            assertThatThrownBy(() -> client(s.withOffline(true)).resolve(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("not signed");
            assertThat(client(s.withOffline(true).withAllowUnsigned(true)).resolve(HubKernelId.parse(ID)).trust())
                    .startsWith("unsigned");
            // once a key is trusted for test-org, KERNELHUB_ALLOW_UNSIGNED no longer admits its unsigned content
            new KeyRing(home.resolve("keys")).trust(Files.readString(publisherKeys.resolve("signing.pub")), List.of("test-org"));
            assertThatThrownBy(() -> client(s.withAllowUnsigned(true)).resolve(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("does not apply to org 'test-org'");
            assertThatThrownBy(() -> client(s.withOffline(true).withAllowUnsigned(true)).resolve(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("does not apply to org 'test-org'");
        }
        try (HubServer server = new HubServer(hub, "127.0.0.1", 0, null, null).start()) {
            HubSettings untrusting = new HubSettings(work.resolve("stranger-" + System.nanoTime()),
                    List.of(server.uri().toString()), false, false, null, null, FAST);
            assertThatThrownBy(() -> client(untrusting).resolve(HubKernelId.parse(ID)))
                    .hasMessageContaining("not among the trusted keys").hasMessageContaining("kernelhub trust add");
            // a key trusted only for another org cannot vouch for test-org
            Path scoped = work.resolve("scoped-" + System.nanoTime());
            new KeyRing(scoped.resolve("keys")).trust(Files.readString(publisherKeys.resolve("signing.pub")), List.of("acme"));
            HubSettings acmeOnly = new HubSettings(scoped, List.of(server.uri().toString()), false, false, null, null, FAST);
            assertThatThrownBy(() -> client(acmeOnly).resolve(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("trusted only for [acme]");
            new KeyRing(scoped.resolve("keys")).trust(Files.readString(publisherKeys.resolve("signing.pub")), List.of("acme",
                    "test-org"));
            assertThat(client(acmeOnly).resolve(HubKernelId.parse(ID)).trust()).startsWith("signed by key");
        }
        Path tampered = copyHub("tampered");
        Path mf = tampered.resolve(HubLayout.manifest("test-org", "hub-kernel", published.version()));
        Files.writeString(mf, Files.readString(mf).replace("\"license\"", "\"license\" : \"evil\", \"x\""));
        Files.writeString(mf, Files.readString(mf).replaceFirst("\"x\" : [^,]*,", ""));
        try (HubServer server = new HubServer(tampered, "127.0.0.1", 0, null, null).start()) {
            assertThatThrownBy(() -> client(settings(server.uri().toString())).resolve(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("but the signed index lists");
            assertThat(client(settings(server.uri().toString())).cache().entries(false)).isEmpty();
        }
    }

    @Test
    void digestMismatchCachesNothingAndAbortedTransfersResume() throws IOException {
        try (FaultyHub fh = new FaultyHub(hub)) {
            HubSettings s = settings(fh.url());
            fh.inject(".tar.gz", FaultyHub.Fault.CORRUPT);
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("digest mismatch").hasMessageContaining("nothing was cached");
            assertThat(client(s).cache().entries(false)).isEmpty();

            fh.inject(".tar.gz", FaultyHub.Fault.ABORT_HALF, FaultyHub.Fault.ERROR_503);
            HubClient.Installed inst = client(s).fetch(HubKernelId.parse(ID));
            assertThat(inst.library()).isRegularFile();
            List<String> gets = fh.requests(".tar.gz");
            assertThat(gets.getLast()).as(gets.toString()).contains(" bytes=").doesNotContain("bytes=0-");
        }
    }

    @Test
    void retriesServerErrorsAndStallsThenFailsClearly() throws IOException {
        try (FaultyHub fh = new FaultyHub(hub)) {
            HubSettings s = settings(fh.url());
            fh.inject("kernel-index.json", FaultyHub.Fault.ERROR_503, FaultyHub.Fault.ERROR_503_RETRY_AFTER_1);
            client(s).resolve(HubKernelId.parse(ID));
            // the test policy's own backoff is at most 50 ms: the server seeing the retry a second or more
            // after its Retry-After answer means the client honoured it (a lower bound: load cannot fake it)
            assertThat(fh.millisBeforeRetryOf("kernel-index.json")).isGreaterThanOrEqualTo(1000);
            fh.inject(".tar.gz", FaultyHub.Fault.STALL);
            assertThat(client(s).fetch(HubKernelId.parse(ID)).library()).isRegularFile();

            Path home2 = work.resolve("home-stall-" + System.nanoTime());
            HubSettings s2 = new HubSettings(home2, List.of(fh.url()), false, false, null, null, FAST);
            new KeyRing(home2.resolve("keys")).trustForAnyOrg(Files.readString(publisherKeys.resolve("signing.pub")));
            fh.inject(".tar.gz", FaultyHub.Fault.STALL, FaultyHub.Fault.STALL, FaultyHub.Fault.STALL, FaultyHub.Fault.STALL);
            assertThatThrownBy(() -> client(s2).fetch(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("failed after 4 attempts").hasMessageContaining("Timeout");
            // a server that trickles bytes steadily never trips the read timeout; the transfer deadline cuts it off
            Path home3 = work.resolve("home-trickle-" + System.nanoTime());
            new KeyRing(home3.resolve("keys")).trustForAnyOrg(Files.readString(publisherKeys.resolve("signing.pub")));
            HubSettings s3 = new HubSettings(home3, List.of(fh.url()), false, false, null, null, new RetryPolicy(1,
                    Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(500)));
            fh.inject(".tar.gz", FaultyHub.Fault.TRICKLE);
            assertThatThrownBy(() -> client(s3).fetch(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("took longer than");
            fh.inject("kernel-index.json", FaultyHub.Fault.ERROR_503, FaultyHub.Fault.ERROR_503, FaultyHub.Fault.ERROR_503,
                    FaultyHub.Fault.ERROR_503);
            assertThatThrownBy(() -> client(s2).resolve(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("HTTP 503").hasMessageContaining("no hub has a matching version");
        }
    }

    @Test
    void manyThreadsOneDownload() throws Exception {
        try (FaultyHub fh = new FaultyHub(hub)) {
            HubSettings s = settings(fh.url());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Path>> fs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    fs.add(pool.submit((Callable<Path>) () -> client(s).fetch(HubKernelId.parse(ID)).library()));
                }
                for (Future<Path> f : fs) {
                    assertThat(f.get()).isRegularFile();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(fh.requests(".tar.gz")).hasSize(1);
        }
    }

    /** A child JVM running {@link FetchMain} against a hub, sharing this test's client home. */
    Process child(String hubUrl, int threads) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FetchMain.class.getName(), home.toString(), hubUrl, ID, Integer.toString(threads))
                .redirectErrorStream(true).start();
    }

    @Test
    void fourProcessesTimesEightThreadsShareOneDownload() throws Exception {
        try (FaultyHub fh = new FaultyHub(hub)) {
            settings(fh.url());
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 4; i++) ps.add(child(fh.url(), 8));
            for (Process p : ps) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as(out).isZero();
                assertThat(out.lines().filter(l -> l.endsWith(".so")).distinct().count()).as(out).isEqualTo(1);
            }
            assertThat(fh.requests(".tar.gz")).as("the archive is fetched once for 32 resolvers").hasSize(1);
        }
    }

    @Test
    void aProcessKilledMidDownloadLeavesARepairableCache() throws Exception {
        try (FaultyHub fh = new FaultyHub(hub)) {
            HubSettings s = settings(fh.url());
            fh.inject(".tar.gz", FaultyHub.Fault.TRICKLE);
            Process p = child(fh.url(), 1);
            Path partial = home.resolve("cache/downloads").resolve(published.variants().getFirst().sha256() + ".part");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!(Files.exists(partial) && Files.size(partial) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(partial).as("the child started downloading").exists();
            p.destroyForcibly().waitFor();
            assertThat(client(s).cache().lookup(published.variants().getFirst().sha256())).isEmpty();
            HubClient.Installed inst = client(s).fetch(HubKernelId.parse(ID));
            assertThat(inst.library()).isRegularFile();
            assertThat(fh.requests(".tar.gz").getLast()).as("resumed from the killed process's partial file")
                    .contains(" bytes=").doesNotContain("bytes=0-");
            assertThat(client(s).cache().entries(true)).singleElement().satisfies(e -> assertThat(e.ok()).isTrue());
        }
    }

    @Test
    void offlineUsesOnlyTheCache() throws IOException {
        HubSettings s;
        try (HubServer server = new HubServer(hub, "127.0.0.1", 0, null, null).start()) {
            s = settings(server.uri().toString());
            assertThatThrownBy(() -> client(s.withOffline(true)).resolve(HubKernelId.parse(ID)))
                    .hasMessageContaining("offline").hasMessageContaining("kernelhub download");
            client(s).fetch(HubKernelId.parse(ID));
        }
        // the server is gone: offline still resolves and loads
        HubClient.Installed inst = client(s.withOffline(true)).fetch(HubKernelId.parse(ID));
        assertThat(inst.resolution().hub()).startsWith("cache");
        AttentionRequest r = AttentionCase.grid().get(3).request();
        AttentionInterface registry = registry(s.withOffline(true));
        assertThat(AccuracyCheck.check(r, registry.attend(ID, r)).ok()).isTrue();
    }

    @Test
    void lockfilePinsTheManifestBytes() throws IOException {
        Path copy = copyHub("relock");
        try (HubServer server = new HubServer(copy, "127.0.0.1", 0, null, null).start()) {
            HubSettings s = settings(server.uri().toString());
            Resolution r = client(s).resolve(HubKernelId.parse(ID));
            Path lockFile = work.resolve("kernels-" + System.nanoTime() + ".lock");
            Lockfile.empty().with(new Lockfile.Entry(r.manifest().id(), r.manifest().version(), r.hub(), r.manifestSha256(),
                    java.util.Map.of(r.selection().chosen().orElseThrow().name(), r.selection().chosen().orElseThrow().sha256())))
                    .write(lockFile);
            HubSettings locked = s.withLockfile(lockFile);
            assertThat(client(locked).fetch(HubKernelId.parse(ID)).library()).isRegularFile();
            assertThatThrownBy(() -> client(locked).resolve(HubKernelId.parse(ID + "@^99")))
                    .hasMessageContaining("pins").hasMessageContaining("does not satisfy");
            // the publisher re-signs a changed manifest under the same version: signed, but not what the lock pins
            Path mf = copy.resolve(HubLayout.manifest("test-org", "hub-kernel", published.version()));
            byte[] changed = Files.readString(mf).replace("\"created\" : \"", "\"created\" : \"1").getBytes(StandardCharsets.UTF_8);
            Files.write(mf, changed);
            Files.write(Path.of(mf + ".sig"), new KeyRing(publisherKeys).sign(changed).orElseThrow().write());
            assertThatThrownBy(() -> client(locked).resolve(HubKernelId.parse(ID)))
                    .hasMessageContaining("differs from the one the lockfile pins");
        }
    }

    @Test
    void publishesOverHttpWithATokenAndHubsAreTriedInOrder() throws IOException {
        Path served = work.resolve("http-hub-" + System.nanoTime());
        Files.createDirectories(served);
        Path other = Files.createDirectories(work.resolve("other-org-hub-" + System.nanoTime()));
        try (HubServer acmeOnly = new HubServer(other, "127.0.0.1", 0,
                io.kernelhub.hub.server.PublishTokens.single("tok", List.of("acme"), "test token"), null).start()) {
            // a valid token for another org: the publisher's error carries the server's reason, nothing is stored
            assertThatThrownBy(() -> new Publisher(new KeyRing(publisherKeys)).publish(build,
                    new io.kernelhub.hub.publish.HttpHubTarget(acmeOnly.uri(), "tok"), work.resolve("st-" + System.nanoTime())))
                    .isInstanceOf(HubException.class).hasMessageContaining("HTTP 403").hasMessageContaining("acme")
                    .hasMessageContaining("test-org");
            try (var files = Files.walk(other)) {
                assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
        try (HubServer target = new HubServer(served, "127.0.0.1", 0,
                io.kernelhub.hub.server.PublishTokens.single("tok", List.of("test-org"), "test token"), null).start();
                HubServer empty = new HubServer(Files.createDirectories(work.resolve("empty-" + System.nanoTime())), "127.0.0.1",
                        0, null, null).start()) {
            Publisher.Outcome o = new Publisher(new KeyRing(publisherKeys)).publish(build,
                    new io.kernelhub.hub.publish.HttpHubTarget(target.uri(), "tok"), work.resolve("st-" + System.nanoTime()));
            assertThat(o.alreadyPublished()).isFalse();
            assertThat(o.signedBy()).isNotNull();
            assertThat(served.resolve("test-org/hub-kernel/maven-metadata.xml")).exists();
            // what a hub publishes is readable by other users (an nginx worker, a shared hub)
            try (var files = Files.walk(served)) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                        .toList()) {
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                            .as(f.toString()).isEqualTo("rw-r--r--");
                }
            }
            // the first hub has nothing, the second answers; the note names the first
            HubSettings s = settings(empty.uri().toString()).withHubs(List.of(empty.uri().toString(), target.uri().toString()));
            Resolution r = client(s).resolve(HubKernelId.parse(ID));
            assertThat(r.hub()).isEqualTo(target.uri().toString());
            assertThat(r.notes()).singleElement().satisfies(n -> assertThat(n).contains("has no signed index for " + ID));
            assertThat(client(s).install(r).library()).isRegularFile();
        }
    }

    @Test
    void aMalformedManifestFromAHubCachesNothing() throws IOException {
        Path broken = copyHub("malformed");
        Path mf = broken.resolve(HubLayout.manifest("test-org", "hub-kernel", published.version()));
        Files.writeString(mf, "{\"schema\": 1, \"id\": \"test-org/hub-kernel\", \"version\": \"0.1.0\", \"variants\": [{}]}");
        try (HubServer server = new HubServer(broken, "127.0.0.1", 0, null, null).start()) {
            HubSettings s = settings(server.uri().toString());
            // the signed index names the manifest's digest: altered bytes are refused before they are parsed
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID))).isInstanceOf(HubClient.TrustException.class)
                    .hasMessageContaining("but the signed index lists").hasMessageContaining("nothing was cached");
            assertThat(client(s).cache().entries(false)).isEmpty();
            // a malformed index is reported as such
            Files.writeString(broken.resolve(HubLayout.index("test-org", "hub-kernel")), "{\"payloadType\": 1}");
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("malformed").hasMessageContaining("Nothing was cached");
            assertThat(client(s).cache().entries(false)).isEmpty();
        }
    }

    @Test
    void publishedVersionsAreImmutable() throws IOException {
        Path copy = copyHub("immutable");
        Publisher p = new Publisher(new KeyRing(publisherKeys));
        assertThat(p.publish(build, new FileHubTarget(copy), work.resolve("st-" + System.nanoTime())).alreadyPublished())
                .isTrue();
        // same version, different library bytes
        Path altered = work.resolve("altered-build-" + System.nanoTime());
        copyTree(build, altered);
        try (Stream<Path> s = Files.walk(altered)) {
            Path lib = s.filter(f -> f.toString().endsWith(".so")).findFirst().orElseThrow();
            Files.write(lib, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        }
        assertThatThrownBy(() -> p.publish(altered, new FileHubTarget(copy), work.resolve("st-" + System.nanoTime())))
                .isInstanceOf(HubException.class).hasMessageContaining("already published").hasMessageContaining("bump");
        KernelManifest still = ManifestCodec.parse(Files.readAllBytes(
                copy.resolve(HubLayout.manifest("test-org", "hub-kernel", published.version()))));
        assertThat(still.variants().getFirst().sha256()).isEqualTo(published.variants().getFirst().sha256());
    }

    @Test
    void packingIsReproducible() throws IOException {
        BundlePacker.Packed a = BundlePacker.pack(build, work.resolve("packA-" + System.nanoTime()));
        BundlePacker.Packed b = BundlePacker.pack(build, work.resolve("packB-" + System.nanoTime()));
        assertThat(a.manifest().variants()).extracting(v -> v.sha256())
                .isEqualTo(b.manifest().variants().stream().map(v -> v.sha256()).toList());
        assertThat(a.manifest().variants().getFirst().sha256()).isEqualTo(published.variants().getFirst().sha256());
    }

    Path copyHub(String name) throws IOException {
        Path dst = work.resolve(name + "-" + System.nanoTime());
        copyTree(hub, dst);
        return dst;
    }

    static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}

package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.lock.Lockfile;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.IndexPublisher;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The supply-chain attacks of docs/SECURITY.md on the version list and the keys, each performed
 * against real hubs on loopback: rollback, freeze, a hub that hides newer versions, yanks, key
 * rotation and revocation, trust that fails open, a lockfile with gaps, and a hub that drips
 * bytes. Each is refused with a clear message and nothing is cached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupplyChainAttacksTest {

    static final String ID = "test-org/hub-kernel";
    static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5),
            Duration.ofSeconds(5));

    Path work;
    Path keys;
    Path build;
    Path home;

    @BeforeAll
    void setUp() throws IOException {
        work = Path.of("target", "supply-chain").toAbsolutePath();
        deleteTree(work);
        keys = work.resolve("publisher/keys");
        new KeyRing(keys).generate();
        build = KernelBuilds.template(ID);
    }

    @BeforeEach
    void freshHome() throws IOException {
        home = Files.createDirectories(work.resolve("home-" + System.nanoTime()));
    }

    /** The template build relabelled as another version (same library, new manifest). */
    Path version(String v) throws IOException {
        Path dir = work.resolve("build-" + v);
        if (Files.exists(dir)) return dir;
        copyTree(build, dir);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("kernel.json")).toList()) {
                Files.writeString(f, Files.readString(f).replace("\"version\": \"0.1.0\"", "\"version\": \"" + v + "\""));
            }
        }
        return dir;
    }

    Path publish(Path hub, String... versions) throws IOException {
        for (String v : versions) {
            new Publisher(new KeyRing(keys)).publish(version(v), new FileHubTarget(hub), work.resolve("st-" + System.nanoTime()));
        }
        return hub;
    }

    HubSettings trusting(String... hubs) throws IOException {
        new KeyRing(home.resolve("keys")).trust(Files.readString(keys.resolve("signing.pub")), List.of("test-org"));
        return new HubSettings(home, List.of(hubs), false, false, null, null, FAST);
    }

    static HubClient client(HubSettings s) {
        return HubKernelResolver.client(s, TransferListener.NONE);
    }

    static Resolution resolve(HubSettings s, String id) {
        return client(s).resolve(HubKernelId.parse(id));
    }

    static HubServer serve(Path root) throws IOException {
        return new HubServer(root, "127.0.0.1", 0, null, null).start();
    }

    @Test
    void aRolledBackIndexIsRefusedOnceANewerOneWasSeen() throws IOException {
        Path hub = publish(work.resolve("rollback-hub"), "2.0.0");
        Path old = copyTree(hub, work.resolve("rollback-old")); // a mirror keeps this copy
        publish(hub, "2.1.0");
        try (HubServer current = serve(hub); HubServer stale = serve(old)) {
            assertThat(resolve(trusting(current.uri().toString()), ID + "@^2").manifest().version())
                    .isEqualTo(Version.parse("2.1.0"));
            HubSettings s = trusting(stale.uri().toString());
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID + "@^2")))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("older than serial")
                    .hasMessageContaining("rollback");
            assertThat(client(s).cache().entries(false)).isEmpty();
            // dropping the version from maven-metadata.xml changes nothing: that list is not trusted
            Files.writeString(hub.resolve(HubLayout.metadata("test-org", "hub-kernel")),
                    Files.readString(old.resolve(HubLayout.metadata("test-org", "hub-kernel"))));
            assertThat(resolve(trusting(current.uri().toString()), ID + "@^2").manifest().version())
                    .isEqualTo(Version.parse("2.1.0"));
        }
    }

    @Test
    void anIndexThatDropsASeenVersionIsRefused() throws IOException {
        // a hub with a valid, newer index (re-published by someone holding the key) that leaves 2.1.0 out
        Path hub = publish(work.resolve("drop-hub"), "2.0.0", "2.1.0");
        try (HubServer server = serve(hub)) {
            HubSettings s = trusting(server.uri().toString());
            resolve(s, ID + "@^2");
            Path other = publish(work.resolve("drop-other"), "2.0.0");
            new IndexPublisher(new KeyRing(keys), Duration.ofDays(1)).refresh(new FileHubTarget(other), "test-org", "hub-kernel");
            new IndexPublisher(new KeyRing(keys), Duration.ofDays(1)).refresh(new FileHubTarget(other), "test-org", "hub-kernel");
            new IndexPublisher(new KeyRing(keys), Duration.ofDays(1)).refresh(new FileHubTarget(other), "test-org", "hub-kernel");
            try (HubServer dropping = serve(other)) {
                assertThatThrownBy(() -> resolve(s.withHubs(List.of(dropping.uri().toString())), ID + "@^2"))
                        .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("drops version 2.1.0");
            }
        }
    }

    @Test
    void anExpiredIndexIsAFreezeAndRefused() throws IOException {
        Path hub = work.resolve("frozen-hub");
        new Publisher(new KeyRing(keys), Duration.ofMillis(1)).publish(version("3.0.0"), new FileHubTarget(hub),
                work.resolve("st-frozen"));
        try (HubServer server = serve(hub)) {
            HubSettings s = trusting(server.uri().toString());
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID)))
                    .isInstanceOf(HubClient.TrustException.class).hasMessageContaining("expired at")
                    .hasMessageContaining("kernelhub index refresh");
            assertThat(client(s).cache().entries(false)).isEmpty();
            // the publisher re-signs: a fresh expiry and a higher serial
            new IndexPublisher(new KeyRing(keys), Duration.ofDays(30)).refresh(new FileHubTarget(hub), "test-org", "hub-kernel");
            assertThat(resolve(s, ID).manifest().version()).isEqualTo(Version.parse("3.0.0"));
        }
    }

    @Test
    void theNewestIndexWinsNotTheFirstHub() throws IOException {
        Path oldHub = publish(work.resolve("first-hub"), "4.0.0");
        Path newHub = copyTree(oldHub, work.resolve("second-hub"));
        publish(newHub, "4.1.0");
        try (HubServer first = serve(oldHub); HubServer second = serve(newHub)) {
            Resolution r = resolve(trusting(first.uri().toString(), second.uri().toString()), ID + "@^4");
            assertThat(r.manifest().version()).isEqualTo(Version.parse("4.1.0"));
            assertThat(r.hub()).isEqualTo(second.uri().toString());
            assertThat(r.trust()).contains("index serial 2");
        }
    }

    @Test
    void yankedVersionsAreSkippedByRangesAndLoadOnlyWhenPinned() throws IOException {
        Path hub = publish(work.resolve("yank-hub"), "5.0.0", "5.1.0");
        new IndexPublisher(new KeyRing(keys), Duration.ofDays(30)).yank(new FileHubTarget(hub), "test-org", "hub-kernel",
                Version.parse("5.1.0"), "corrupts fp16 outputs");
        try (HubServer server = serve(hub)) {
            HubSettings s = trusting(server.uri().toString());
            assertThat(resolve(s, ID + "@^5").manifest().version()).isEqualTo(Version.parse("5.0.0"));
            Resolution pinned = resolve(s, ID + "@5.1.0");
            assertThat(pinned.manifest().version()).isEqualTo(Version.parse("5.1.0"));
            assertThat(pinned.trust()).contains("yanked: corrupts fp16 outputs");
            assertThatThrownBy(() -> resolve(s, ID + "@>=5.1.0")).hasMessageContaining("yanked [5.1.0 (corrupts fp16 outputs)]");
            // offline, the accepted index's yank still applies
            client(s).fetch(HubKernelId.parse(ID + "@5.1.0"));
            assertThatThrownBy(() -> resolve(s.withOffline(true), ID + "@>=5.1.0")).hasMessageContaining("yanked");
            assertThat(resolve(s.withOffline(true), ID + "@5.1.0").manifest().version()).isEqualTo(Version.parse("5.1.0"));
        }
    }

    @Test
    void aNewKeyTakesOverAndARevokedKeySignsNothing() throws IOException {
        Path hub = publish(work.resolve("rotate-hub"), "6.0.0");
        Path newKeys = work.resolve("new-publisher-" + System.nanoTime());
        new KeyRing(newKeys).generate();
        String oldId = new KeyRing(keys).signingKeyId().orElseThrow();
        String newId = new KeyRing(newKeys).signingKeyId().orElseThrow();
        // the new key co-signs the index and every manifest (it must trust the old key's index to do so)
        new KeyRing(newKeys).trust(Files.readString(keys.resolve("signing.pub")), List.of("test-org"));
        new IndexPublisher(new KeyRing(newKeys), Duration.ofDays(30)).cosign(new FileHubTarget(hub), "test-org", "hub-kernel");
        try (HubServer server = serve(hub)) {
            // a client that trusts only the new key
            new KeyRing(home.resolve("keys")).trust(Files.readString(newKeys.resolve("signing.pub")), List.of("test-org"));
            HubSettings newOnly = new HubSettings(home, List.of(server.uri().toString()), false, false, null, null, FAST);
            assertThat(resolve(newOnly, ID).trust()).contains(newId);

            // the old key is withdrawn by a list it signs itself: a client that trusts only the old key refuses it now
            new IndexPublisher(new KeyRing(keys), Duration.ofDays(30)).revoke(new FileHubTarget(hub), "test-org", oldId,
                    "laptop stolen");
            freshHome();
            HubSettings oldOnly = trusting(server.uri().toString());
            assertThatThrownBy(() -> client(oldOnly).fetch(HubKernelId.parse(ID))).isInstanceOf(HubClient.TrustException.class)
                    .hasMessageContaining("revoked");
            assertThat(client(oldOnly).cache().entries(false)).isEmpty();
            // revocation is remembered: a hub that stops serving the list cannot undo it
            Files.delete(hub.resolve(HubLayout.revocations("test-org")));
            assertThatThrownBy(() -> resolve(oldOnly, ID)).hasMessageContaining("revoked");
            // a client that trusts both still resolves, through the new key
            new KeyRing(home.resolve("keys")).trust(Files.readString(newKeys.resolve("signing.pub")), List.of("test-org"));
            assertThat(resolve(oldOnly, ID).trust()).contains(newId).doesNotContain(oldId);
        }
    }

    @Test
    void trustIsScopedToOrgsAndNeverFailsOpen() throws IOException {
        KeyRing ring = new KeyRing(home.resolve("keys"));
        String pem = Files.readString(keys.resolve("signing.pub"));
        assertThatThrownBy(() -> ring.trust(pem, List.of())).hasMessageContaining("--any-org");
        assertThatThrownBy(() -> ring.trust(pem, List.of(" "))).hasMessageContaining("blank");
        assertThatThrownBy(() -> ring.trust(pem, List.of("a/b"))).hasMessageContaining("not an org name");
        assertThat(ring.trusted()).isEmpty(); // a refused scope trusts nothing
        // a key trusted by an older kernelhub, without a scope file, signs nothing
        String id = ring.trust(pem, List.of("test-org"));
        Files.delete(home.resolve("keys/trusted/" + id + ".orgs"));
        Path hub = publish(work.resolve("scope-hub"), "7.0.0");
        try (HubServer server = serve(hub)) {
            HubSettings s = new HubSettings(home, List.of(server.uri().toString()), false, false, null, null, FAST);
            assertThatThrownBy(() -> resolve(s, ID)).isInstanceOf(HubClient.TrustException.class)
                    .hasMessageContaining("without an org scope");
            ring.trustForAnyOrg(pem);
            assertThat(resolve(s, ID).trust()).startsWith("signed by key " + id);
        }
        // this machine's own key from an older keygen (no scope file) keeps signing for every org
        Path own = work.resolve("own-keys-" + System.nanoTime());
        String ownId = new KeyRing(own).generate();
        Files.delete(own.resolve("trusted/" + ownId + ".orgs"));
        assertThat(new KeyRing(own).orgsOf(ownId)).containsExactly(KeyRing.ANY_ORG);
        assertThat(new KeyRing(own).trustedFor(ownId, "any-org-at-all")).isTrue();
    }

    @Test
    void aLockfileRefusesIdsItDoesNotList() throws IOException {
        Path hub = publish(work.resolve("lock-hub"), "8.0.0");
        try (HubServer server = serve(hub)) {
            Path lock = work.resolve("kernels-" + System.nanoTime() + ".lock");
            Lockfile.empty().write(lock);
            HubSettings s = trusting(server.uri().toString()).withLockfile(lock);
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID))).isInstanceOf(HubClient.TrustException.class)
                    .hasMessageContaining("does not pin " + ID).hasMessageContaining(HubSettings.LOCK_ALLOW_UNLISTED);
            assertThat(client(s).cache().entries(false)).isEmpty();
            assertThat(resolve(s.withLockAllowUnlisted(true), ID).manifest().version()).isEqualTo(Version.parse("8.0.0"));
        }
    }

    @Test
    void aHubThatDripsBytesMeetsTheFetchDeadline() throws IOException {
        Path hub = publish(work.resolve("drip-hub"), "9.0.0");
        try (FaultyHub fh = new FaultyHub(hub)) {
            HubSettings s = trusting(fh.url()).withRetry(FAST.withFetchDeadline(Duration.ofSeconds(1)));
            fh.inject("kernel-index.json", FaultyHub.Fault.DRIP);
            // the index is hundreds of bytes at 10 bytes per second: only the deadline ends the request
            assertThatThrownBy(() -> client(s).fetch(HubKernelId.parse(ID))).isInstanceOf(HubException.class)
                    .hasMessageContaining("KERNELHUB_FETCH_DEADLINE");
            assertThat(client(s).cache().entries(false)).isEmpty();
            assertThat(HubSettings.from(Map.of("KERNELHUB_HOME", home.toString(), HubSettings.FETCH_DEADLINE, "2.5")).retry()
                    .fetchDeadline()).isEqualTo(Duration.ofMillis(2500));
            assertThatThrownBy(() -> HubSettings.from(Map.of(HubSettings.FETCH_DEADLINE, "soon")))
                    .hasMessageContaining("not a number of seconds");
        }
    }

    @Test
    void aWritableHomeIsRefusedBeforeAnythingIsRead() throws IOException {
        Path hub = publish(work.resolve("perm-hub"), "10.0.0");
        try (HubServer server = serve(hub)) {
            HubSettings s = trusting(server.uri().toString());
            Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThatThrownBy(() -> client(s)).isInstanceOf(HubException.class).hasMessageContaining("KERNELHUB_HOME")
                    .hasMessageContaining("chmod go-w");
            Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(home.resolve("keys/trusted"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThatThrownBy(() -> client(s)).isInstanceOf(HubException.class).hasMessageContaining("trusted keys")
                    .hasMessageContaining("chmod go-w");
            assertThat(home.resolve("cache/bundles")).doesNotExist();
            Files.setPosixFilePermissions(home.resolve("keys/trusted"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(client(s).fetch(HubKernelId.parse(ID)).library()).isRegularFile();
        }
    }

    static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}

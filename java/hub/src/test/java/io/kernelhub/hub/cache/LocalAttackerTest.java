package io.kernelhub.hub.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.ProcessLocks;
import io.kernelhub.hub.SecureDirectories;
import io.kernelhub.hub.transport.FileHubSource;
import io.kernelhub.hub.transport.HttpHubSource;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another local account (or a planted link) attacks the cache for real: every attack is refused or
 * has no effect, and nothing is written, read or deleted outside the cache. The ownership case
 * needs root (it chowns a directory to uid 65534) and is skipped otherwise.
 */
class LocalAttackerTest {

    static final String GOOD = "G".repeat(300);
    static final String EVIL = "E".repeat(300);

    @TempDir
    Path tmp;

    Path home;
    Path cacheRoot;
    Path outside;
    byte[] good;
    String goodSha;
    byte[] evil;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        home = Files.createDirectory(tmp.resolve("home"), perms("rwxr-xr-x")); // what umask 022 gives
        cacheRoot = home.resolve("cache");
        outside = Files.createDirectory(tmp.resolve("outside"));
        good = HostileArchiveTest.archive(t -> HostileArchiveTest.file(t, "libk.so", GOOD));
        goodSha = Digests.sha256(good);
        evil = HostileArchiveTest.archive(t -> HostileArchiveTest.file(t, "libk.so", EVIL));
        assertThat(evil).hasSameSizeAs(good); // the swap below keeps the size
    }

    static java.nio.file.attribute.FileAttribute<Set<java.nio.file.attribute.PosixFilePermission>> perms(String p) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(p));
    }

    static void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    KernelCache.Fetcher writes(byte[] data, AtomicBoolean called) {
        return partial -> {
            called.set(true);
            try {
                Files.write(partial, data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Digests.sha256(data);
        };
    }

    List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).toList();
        }
    }

    // --- the normal case: a umask-022 home passes, what kernelhub creates is 0700 ----------------

    @Test
    void aNormalHomePassesAndTheCacheIsCreatedPrivate() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        AtomicBoolean fetched = new AtomicBoolean();
        CacheEntry e = cache.install(goodSha, good.length, "ok", partial -> {
            try {
                assertThat(mode(partial)).as("the fetcher writes into a file only we can open").isEqualTo("rw-------");
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return writes(good, fetched).fetch(partial);
        });
        assertThat(fetched).isTrue();
        assertThat(Files.readString(e.file("libk.so"))).isEqualTo(GOOD);
        assertThat(mode(e.file("libk.so"))).as("not writable by others, whatever the umask").isEqualTo("rw-r--r--");
        assertThat(mode(home)).as("an existing directory is never chmod'ed").isEqualTo("rwxr-xr-x");
        for (String d : List.of("", "bundles", "locks", "tmp", "downloads")) {
            assertThat(mode(cacheRoot.resolve(d))).as(d).isEqualTo("rwx------");
        }
        // the receipt's hashes were computed from the bytes as they were written
        assertThat(e.receipt().files()).singleElement().satisfies(f -> {
            assertThat(f.sha256()).isEqualTo(Digests.sha256(GOOD.getBytes()));
            assertThat(f.size()).isEqualTo(GOOD.length());
        });
        SecureDirectories.requireSafe(home, home.resolve("keys/trusted"), "the trusted keys"); // absent: fine
    }

    // --- (a) a .part that is a symbolic link to a file elsewhere ---------------------------------

    @Test
    void aPartialDownloadThatIsASymlinkIsRefusedAndItsTargetUntouched() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        Path downloads = SecureDirectories.createPrivate(cacheRoot.resolve("downloads"));
        Path victim = Files.writeString(outside.resolve("victim.txt"), "precious");
        Path part = Files.createSymbolicLink(downloads.resolve(goodSha + ".part"), victim);
        AtomicBoolean fetched = new AtomicBoolean();
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack a", writes(good, fetched)))
                .isInstanceOf(HubException.class).hasMessageContaining(part.toString())
                .hasMessageContaining("is a symbolic link").hasMessageContaining("Remove it");
        assertThat(fetched).as("nothing was downloaded through the link").isFalse();
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(cache.lookup(goodSha)).isEmpty();
    }

    @Test
    void theTransportsRefuseToWriteThroughALinkedPartialFile() throws IOException {
        Path victim = Files.writeString(outside.resolve("victim.txt"), "precious");
        Path dl = Files.createDirectories(tmp.resolve("dl"));
        Path part = Files.createSymbolicLink(dl.resolve("x.part"), victim);
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        Files.write(hub.resolve("a.tar.gz"), good);

        assertThatThrownBy(() -> new FileHubSource(hub.toUri()).download("a.tar.gz", part, good.length, TransferListener.NONE))
                .isInstanceOf(HubException.class).hasMessageContaining("is a symbolic link");
        // refused before any connection (port 9 is discard: nothing listens), and not retried
        RetryPolicy once = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        assertThatThrownBy(() -> new HttpHubSource(URI.create("http://127.0.0.1:9/"), once).download("a.tar.gz", part,
                good.length, TransferListener.NONE)).isInstanceOf(HubException.class).hasMessageContaining("is a symbolic link");
        assertThat(Files.readString(victim)).isEqualTo("precious");

        // a lock file that is a link to a path elsewhere: the target is not created
        Path lockTarget = outside.resolve("created-by-lock");
        Path lock = Files.createSymbolicLink(dl.resolve("k.lock"), lockTarget);
        assertThatThrownBy(() -> ProcessLocks.acquire(lock)).isInstanceOf(HubException.class)
                .hasMessageContaining("is a symbolic link");
        assertThat(lockTarget).doesNotExist();
    }

    @Test
    void aPartialDownloadOthersCouldWriteIsDiscardedNotResumed() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        Path downloads = SecureDirectories.createPrivate(cacheRoot.resolve("downloads"));
        Path part = Files.write(downloads.resolve(goodSha + ".part"), "planted prefix".getBytes());
        chmod(part, "rw-rw-rw-");
        AtomicBoolean fetched = new AtomicBoolean();
        CacheEntry e = cache.install(goodSha, good.length, "old umask", partial -> {
            try {
                assertThat(Files.size(partial)).as("the download starts over").isZero();
                assertThat(mode(partial)).isEqualTo("rw-------");
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return writes(good, fetched).fetch(partial);
        });
        assertThat(Files.readString(e.file("libk.so"))).isEqualTo(GOOD);
    }

    // --- (b) swapping the .part between verification and extraction ------------------------------

    @Test
    void aSwapAfterVerificationCannotChangeWhatIsUnpacked() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        Path evilFile = Files.write(outside.resolve("evil.tar.gz"), evil);
        AtomicBoolean swapped = new AtomicBoolean();
        cache.afterVerify(partial -> {
            try { // the attacker replaces the verified path with a same-size archive of their own
                Files.move(evilFile, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                swapped.set(true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        CacheEntry e = cache.install(goodSha, good.length, "attack b", writes(good, new AtomicBoolean()));
        assertThat(swapped).isTrue();
        assertThat(Files.readString(e.file("libk.so"))).as("the verified bytes were unpacked").isEqualTo(GOOD);
        assertThat(e.receipt().files().getFirst().sha256()).isEqualTo(Digests.sha256(GOOD.getBytes()));
        assertThat(cache.entries(true)).singleElement().satisfies(s -> assertThat(s.ok()).isTrue());
    }

    @Test
    void aSwapBeforeVerificationIsRefused() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        Path evilFile = Files.write(outside.resolve("evil.tar.gz"), evil);
        // the fetcher received the genuine bytes (and reports their digest), then the path is replaced
        KernelCache.Fetcher swapping = partial -> {
            try {
                Files.write(partial, good);
                Files.move(evilFile, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return goodSha;
        };
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack b2", swapping)).isInstanceOf(HubException.class)
                .hasMessageContaining("changed after it was received").hasMessageContaining("nothing was cached");
        assertThat(cache.lookup(goodSha)).isEmpty();
        assertThat(filesUnder(cacheRoot.resolve("bundles"))).isEmpty();
        assertThat(filesUnder(cacheRoot.resolve("tmp"))).isEmpty();
        assertThat(cacheRoot.resolve("downloads/" + goodSha + ".part")).doesNotExist();
    }

    // --- (c) group- or world-writable directories ------------------------------------------------

    @Test
    void aWorldWritableCacheIsRefusedWithTheChmodAndNothingIsWritten() throws IOException {
        Files.createDirectory(cacheRoot);
        chmod(cacheRoot, "rwxrwxrwx");
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        AtomicBoolean fetched = new AtomicBoolean();
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack c", writes(good, fetched)))
                .isInstanceOf(HubException.class).hasMessageContaining(cacheRoot.toString())
                .hasMessageContaining("world-writable").hasMessageContaining("chmod go-w " + cacheRoot);
        assertThat(fetched).isFalse();
        assertThat(filesUnder(cacheRoot)).as("nothing written").isEmpty();
        assertThat(mode(cacheRoot)).as("not silently fixed").isEqualTo("rwxrwxrwx");
        assertThatThrownBy(() -> cache.lookup(goodSha)).hasMessageContaining("chmod go-w");
        assertThatThrownBy(() -> cache.entries(false)).hasMessageContaining("chmod go-w");
    }

    @Test
    void aGroupWritableSubDirectoryOrHomeIsRefused() throws IOException {
        Path bundles = Files.createDirectories(cacheRoot.resolve("bundles"));
        chmod(bundles, "rwxrwxr-x");
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack c2", writes(good, new AtomicBoolean())))
                .isInstanceOf(HubException.class).hasMessageContaining("group-writable")
                .hasMessageContaining("chmod go-w " + bundles);
        assertThat(filesUnder(bundles)).isEmpty();

        // the home and a directory below it, as the hub client checks them
        chmod(home, "rwxrwxr-x");
        assertThatThrownBy(() -> SecureDirectories.requireSafe(home, "KERNELHUB_HOME")).isInstanceOf(HubException.class)
                .hasMessageContaining("KERNELHUB_HOME").hasMessageContaining("chmod go-w " + home);
        assertThatThrownBy(() -> SecureDirectories.requireSafe(home, home.resolve("keys/trusted"), "the trusted keys"))
                .hasMessageContaining("chmod go-w " + home);
        chmod(home, "rwxr-xr-x");
        Path trusted = Files.createDirectories(home.resolve("keys/trusted"));
        chmod(trusted, "rwxrwxrwx");
        assertThatThrownBy(() -> SecureDirectories.requireSafe(home, trusted, "the trusted keys"))
                .hasMessageContaining("the trusted keys").hasMessageContaining("chmod go-w " + trusted);
        // the sticky bit (as on /tmp) keeps others from renaming what is not theirs: accepted
        Files.setAttribute(trusted, "unix:mode", 01777);
        SecureDirectories.requireSafe(home, trusted, "the trusted keys");
    }

    // --- (d) owned by another user ---------------------------------------------------------------

    @Test
    void aDirectoryOwnedByAnotherUserIsRefused() throws IOException {
        Path probe = Files.createFile(tmp.resolve("probe"));
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(probe, "unix:uid")), "needs root to chown to another user");
        Files.createDirectory(cacheRoot, perms("rwx------"));
        Files.setAttribute(cacheRoot, "unix:uid", 65534); // nobody
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        AtomicBoolean fetched = new AtomicBoolean();
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack d", writes(good, fetched)))
                .isInstanceOf(HubException.class).hasMessageContaining(cacheRoot.toString())
                .hasMessageContaining("uid 65534").hasMessageContaining("sudo chown root " + cacheRoot);
        assertThat(fetched).isFalse();
        assertThat(filesUnder(cacheRoot)).isEmpty();

        // a partial download of another user, in our own directory: refused, not resumed or read
        Path other = Files.createDirectory(tmp.resolve("other"), perms("rwx------"));
        KernelCache mine = new KernelCache(other, HostileArchiveTest.LIMITS);
        Path part = Files.write(SecureDirectories.createPrivate(other.resolve("downloads")).resolve(goodSha + ".part"), good);
        chmod(part, "rw-------");
        Files.setAttribute(part, "unix:uid", 65534);
        assertThatThrownBy(() -> mine.install(goodSha, good.length, "attack d2", writes(good, fetched)))
                .isInstanceOf(HubException.class).hasMessageContaining(part.toString()).hasMessageContaining("uid 65534");
        assertThat(fetched).isFalse();

        Path trusted = Files.createDirectories(home.resolve("keys/trusted"));
        Files.setAttribute(home.resolve("keys"), "unix:uid", 65534);
        assertThatThrownBy(() -> SecureDirectories.requireSafe(home, trusted, "the trusted keys"))
                .hasMessageContaining(home.resolve("keys").toString()).hasMessageContaining("uid 65534");
    }

    // --- (e) symbolic links planted inside the cache ---------------------------------------------

    @Test
    void aLinkedEntryIsRefusedAndNothingIsWrittenThroughIt() throws IOException {
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        Path bundles = SecureDirectories.createPrivate(cacheRoot.resolve("bundles"));
        Path link = Files.createSymbolicLink(bundles.resolve(goodSha), outside);
        assertThatThrownBy(() -> cache.lookup(goodSha)).isInstanceOf(HubException.class)
                .hasMessageContaining(link.toString()).hasMessageContaining("is a symbolic link");
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack e", writes(good, new AtomicBoolean())))
                .isInstanceOf(HubException.class).hasMessageContaining("is a symbolic link");
        assertThat(cache.entries(false)).singleElement().satisfies(s -> assertThat(s.problem()).contains("symbolic link"));
        assertThat(filesUnder(outside)).isEmpty();
    }

    @Test
    void aLinkedTmpOrDownloadsDirectoryIsRefusedAndPruneDeletesNothingOutside() throws IOException {
        Files.createDirectory(cacheRoot, perms("rwx------"));
        Path old = Files.writeString(outside.resolve("old-file"), "keep me");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        Path tmpLink = Files.createSymbolicLink(cacheRoot.resolve("tmp"), outside);
        KernelCache cache = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        assertThatThrownBy(() -> cache.install(goodSha, good.length, "attack e2", writes(good, new AtomicBoolean())))
                .isInstanceOf(HubException.class).hasMessageContaining(tmpLink.toString())
                .hasMessageContaining("is a symbolic link");
        assertThatThrownBy(() -> cache.prune(Set.of())).isInstanceOf(HubException.class).hasMessageContaining("symbolic link");
        assertThat(filesUnder(outside)).containsExactly(old);

        Files.delete(tmpLink);
        Path dlLink = Files.createSymbolicLink(cacheRoot.resolve("downloads"), outside);
        KernelCache again = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS);
        assertThatThrownBy(() -> again.install(goodSha, good.length, "attack e3", writes(good, new AtomicBoolean())))
                .isInstanceOf(HubException.class).hasMessageContaining(dlLink.toString());
        assertThat(filesUnder(outside)).containsExactly(old);
    }

    @Test
    void aLinkedCacheRootIsFollowedOnlyToASafeTarget() throws IOException {
        // decided: the top directory may be a link (the user's choice, e.g. a bigger disk); its target is checked
        Path real = Files.createDirectory(tmp.resolve("big-disk"), perms("rwx------"));
        Files.createSymbolicLink(cacheRoot, real);
        CacheEntry e = new KernelCache(cacheRoot, HostileArchiveTest.LIMITS).install(goodSha, good.length, "linked root",
                writes(good, new AtomicBoolean()));
        assertThat(Files.readString(real.resolve("bundles").resolve(goodSha).resolve("libk.so"))).isEqualTo(GOOD);
        assertThat(e.dir()).isEqualTo(cacheRoot.resolve("bundles").resolve(goodSha));

        chmod(real, "rwxrwxrwx");
        assertThatThrownBy(() -> new KernelCache(cacheRoot, HostileArchiveTest.LIMITS).lookup(goodSha))
                .isInstanceOf(HubException.class).hasMessageContaining("the target of " + cacheRoot)
                .hasMessageContaining("chmod go-w " + real.toRealPath());
    }

    @Test
    void createPrivateMakesOnlyWhatIsMissingAndNeverOpensAParent() throws IOException {
        Path deep = home.resolve("a/b/c");
        SecureDirectories.createPrivate(deep);
        assertThat(mode(deep)).isEqualTo("rwx------");
        for (Path p : List.of(home.resolve("a"), home.resolve("a/b"))) {
            assertThat(mode(p)).matches("rwx.-..-.");
        }
        chmod(deep, "rwxr-x---");
        SecureDirectories.createPrivate(deep);
        assertThat(mode(deep)).as("an existing directory keeps its mode").isEqualTo("rwxr-x---");
        Path file = Files.writeString(home.resolve("f"), "x");
        assertThatThrownBy(() -> SecureDirectories.createPrivate(file)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> SecureDirectories.requireSafe(file, "KERNELHUB_HOME")).isInstanceOf(HubException.class)
                .hasMessageContaining("is not a directory");
    }
}

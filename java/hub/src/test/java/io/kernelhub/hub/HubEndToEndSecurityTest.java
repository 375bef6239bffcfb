package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.bridge.BundleLoadException;
import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.NativeToolchain;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.hub.cache.KernelCache;
import io.kernelhub.hub.check.BundleChecker;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.MavenMetadata;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.pack.BundlePacker;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The two attacks of the "nothing outside the signature runs" and "verify what you load" findings,
 * end to end with real libraries built by gcc, a signed file hub, the cache and the loader:
 * <ul>
 *   <li>a signed bundle whose library has RUNPATH {@code .} and needs {@code libcuda.so.1}, with a
 *       {@code libcuda.so.1} planted in the working directory whose constructor writes a marker:
 *       check refuses it, publish refuses it, a hub that serves it anyway (a publisher who skipped
 *       publish) gets it refused and evicted at install, a cache that holds it anyway gets it
 *       refused by the loader, and a victim process in that working directory never runs the
 *       planted library;</li>
 *   <li>a library swapped in the cache for a same-size one whose constructor writes a marker: the
 *       digest check refuses it before loading, the entry is evicted and installed afresh.</li>
 * </ul>
 * Each attack is first shown to work without kernelhub (a plain {@code dlopen} runs the marker's
 * constructor), so an absent marker means the defence, not a broken test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HubEndToEndSecurityTest {

    static final String ID = "test-org/secure-kernel";

    Path work;
    Path build;
    Path keys;

    @BeforeAll
    void setUp() throws IOException {
        work = Path.of("target", "hub-security").toAbsolutePath();
        HubEndToEndTest.deleteTree(work);
        Files.createDirectories(work);
        build = KernelBuilds.template(ID);
        keys = work.resolve("publisher-keys");
        new KeyRing(keys).generate();
    }

    HubSettings settings(Path home, Path hub) throws IOException {
        new KeyRing(home.resolve("keys")).trustForAnyOrg(Files.readString(keys.resolve("signing.pub")));
        return new HubSettings(home, List.of(hub.toUri().toString()), false, false, null, null, RetryPolicy.DEFAULT);
    }

    static AttentionInterface registry(HubSettings s) {
        AttentionInterface r = AttentionInterface.standalone();
        r.setHubResolver(new HubKernelResolver(s, LocalKernels.parse(null), TransferListener.NONE));
        return r;
    }

    /** A C library built here; {@code marker}, when given, is written by its constructor. */
    Path library(String name, String code, Path marker, String... flags) throws IOException {
        Path src = work.resolve(name + ".c");
        String ctor = marker == null ? "" : "#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {\n"
                + "    FILE *f = fopen(\"" + marker + "\", \"w\");\n"
                + "    if (f != NULL) { fputs(\"code from outside the signature ran\\n\", f); fclose(f); }\n}\n";
        Files.writeString(src, ctor + code);
        return NativeToolchain.sharedLibrary(name, List.of(src), flags);
    }

    /** What a publisher who skips kernelhub publish (and so its check) puts on a hub: packed, signed, listed. */
    void publishWithoutCheck(Path buildDir, Path hubDir) throws IOException {
        BundlePacker.Packed p = BundlePacker.pack(buildDir, work.resolve("staging-" + System.nanoTime()));
        KernelManifest m = p.manifest();
        FileHubTarget hub = new FileHubTarget(hubDir);
        String dir = HubLayout.versionDir(m.org(), m.name(), m.version());
        for (VariantEntry v : m.variants()) {
            hub.put(dir + v.archive(), p.versionDir().resolve(v.archive()));
            hub.put(dir + v.archive() + ".sha256", p.versionDir().resolve(v.archive() + ".sha256"));
        }
        byte[] mbytes = Files.readAllBytes(p.manifestFile());
        hub.put(HubLayout.signature(m.org(), m.name(), m.version()), new KeyRing(keys).sign(mbytes).orElseThrow().write());
        hub.put(HubLayout.manifest(m.org(), m.name(), m.version()), mbytes);
        hub.put(HubLayout.metadata(m.org(), m.name()), new MavenMetadata(m.org(), m.name(), List.of()).with(m.version()).write());
        new io.kernelhub.hub.publish.IndexPublisher(new KeyRing(keys), java.time.Duration.ofDays(30)).addVersion(hub, m.org(),
                m.name(), m.version(), Digests.sha256(mbytes)); // signed and listed like a real release
    }

    /** Runs {@link ResolveMain} in {@code cwd}; returns its output. */
    String victim(Path cwd, Path home, Path hub) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ResolveMain.class.getName(), home.toString(), hub.toUri().toString(), ID).directory(cwd.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isEqualTo(3);
        return out;
    }

    @Test
    void aLibcudaPlantedInTheWorkingDirectoryNeverRuns() throws Exception {
        Path cwd = Files.createDirectories(work.resolve("victim-cwd"));
        Path marker = work.resolve("planted-libcuda-ran.marker");
        Files.deleteIfExists(marker);
        // the planted "driver": any library named libcuda.so.1 runs its constructor when loaded
        Path fake = library("planted-cuda", "int cuInit(unsigned flags) { return (int) flags; }\n", marker,
                "-Wl,-soname,libcuda.so.1");
        Files.copy(fake, cwd.resolve("libcuda.so.1"), StandardCopyOption.REPLACE_EXISTING);
        // the bundle: the template kernel, linked against the driver with RUNPATH "."
        String variant = "cpu-" + io.kernelhub.hub.select.MachineProbe.arch() + "-linux";
        Path evilVariant = Files.createDirectories(work.resolve("evil-build").resolve(variant));
        Files.copy(build.resolve(variant).resolve("kernel.json"), evilVariant.resolve("kernel.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Path evil = NativeToolchain.sharedLibrary("secure-kernel-rpath-dot", List.of(build.getParent().resolve("src/attention.c")),
                "-Wl,--no-as-needed", fake.toString(), "-Wl,-rpath,.", "-Wl,--enable-new-dtags");
        Files.copy(evil, evilVariant.resolve("libsecure-kernel.so"), StandardCopyOption.REPLACE_EXISTING);

        // without kernelhub the attack works: dlopen of the bundle from that directory runs the planted library
        Path host = work.resolve("dlopen-host");
        Path hostSrc = work.resolve("dlopen_host.c");
        Files.writeString(hostSrc, "#include <dlfcn.h>\n#include <stdio.h>\nint main(int argc, char **argv) {\n"
                + "    (void) argc; void *h = dlopen(argv[1], RTLD_NOW); puts(h ? \"loaded\" : dlerror()); return h ? 0 : 1;\n}\n");
        NativeToolchain.run(List.of("gcc", "-o", host.toString(), hostSrc.toString(), "-ldl"));
        Process control = new ProcessBuilder(host.toString(), evilVariant.resolve("libsecure-kernel.so").toString())
                .directory(cwd.toFile()).redirectErrorStream(true).start();
        String controlOut = new String(control.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(control.waitFor()).as(controlOut).isZero();
        assertThat(marker).as("the attack is real: plain dlopen ran the planted libcuda.so.1").exists();
        Files.delete(marker);

        // 1. kernelhub check refuses it
        BundleChecker.Report report = BundleChecker.check(evilVariant);
        assertThat(report.ok()).isFalse();
        assertThat(report.findings()).filteredOn(f -> f.check().equals("load-policy")).singleElement()
                .satisfies(f -> assertThat(f.detail()).contains("DT_RUNPATH '.' is relative to the working directory"));

        // 2. publish refuses it
        Path hub = work.resolve("hub-rpath-dot");
        assertThatThrownBy(() -> new Publisher(new KeyRing(keys)).publish(evilVariant.getParent(), new FileHubTarget(hub),
                work.resolve("staging-refused"))).isInstanceOf(Publisher.RefusedException.class)
                .hasMessageContaining("DT_RUNPATH '.'");
        assertThat(hub.resolve(HubLayout.metadata("test-org", "secure-kernel"))).doesNotExist();

        // 3. a hub serves it anyway, signed: the client refuses it right after installing it, and evicts it
        publishWithoutCheck(evilVariant.getParent(), hub);
        Path home = work.resolve("victim-home");
        HubSettings s = settings(home, hub);
        HubClient client = HubKernelResolver.client(s, TransferListener.NONE);
        Resolution r = client.resolve(HubKernelId.parse(ID));
        String sha = r.selection().chosen().orElseThrow().sha256();
        assertThatThrownBy(() -> client.install(r)).isInstanceOf(HubClient.TrustException.class)
                .hasMessageContaining("refusing " + ID).hasMessageContaining("would load code from outside")
                .hasMessageContaining("DT_RUNPATH '.' is relative to the working directory")
                .hasMessageContaining("nothing of it was loaded");
        assertThat(client.cache().lookup(sha)).as("evicted").isEmpty();
        try (Stream<Path> trash = Files.list(home.resolve("cache/trash"))) {
            assertThat(trash.toList()).as("set aside in the trash").isNotEmpty();
        }

        // 4. a victim process whose working directory holds the planted driver: refused at install
        String out = victim(cwd, home, hub);
        assertThat(out).contains("REFUSED").contains("DT_RUNPATH '.'");
        assertThat(marker).as("the planted libcuda.so.1 never ran").doesNotExist();

        // 5. the bundle in the cache anyway (installed behind the client's back): the loader refuses it
        Path archive = hub.resolve(HubLayout.versionDir("test-org", "secure-kernel", r.manifest().version())
                + r.selection().chosen().get().archive());
        new KernelCache(home.resolve("cache")).install(sha, Files.size(archive), "planted by the test", partial -> {
            try {
                Files.copy(archive, partial, StandardCopyOption.REPLACE_EXISTING);
                return Digests.sha256(partial);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        out = victim(cwd, home, hub);
        assertThat(out).contains("REFUSED").contains("does not load").contains("DT_RUNPATH '.'")
                .contains("none of its code ran");
        assertThat(marker).as("the planted libcuda.so.1 never ran").doesNotExist();
    }

    @Test
    void aLibrarySwappedInTheCacheIsRefusedEvictedAndReinstalled() throws Exception {
        Path hub = work.resolve("hub-good");
        Publisher.Outcome published = new Publisher(new KeyRing(keys)).publish(build, new FileHubTarget(hub),
                work.resolve("staging-good"));
        assertThat(published.signedBy()).isNotNull();
        HubSettings s = settings(work.resolve("swap-home"), hub);
        AttentionRequest request = AttentionCase.grid().get(3).request();
        assertThat(AccuracyCheck.check(request, registry(s).attend(ID, request)).ok()).isTrue();
        HubClient.Installed inst = HubKernelResolver.client(s, TransferListener.NONE).fetch(HubKernelId.parse(ID));
        Path cached = inst.library();
        byte[] genuine = Files.readAllBytes(cached);

        // a same-size library whose constructor writes a marker
        Path marker = work.resolve("swapped-library-ran.marker");
        Files.deleteIfExists(marker);
        Path evil = library("swapped-in", "#include \"kernelhub.h\"\n"
                + "KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }\n"
                + "KH_EXPORT kh_status kh_register(const kh_host *h, char *e, size_t c) { (void) h; (void) e; (void) c; "
                + "return KH_OK; }\n", marker);
        byte[] bytes = Files.readAllBytes(evil);
        assertThat(bytes.length).as("the swapped-in library fits in the genuine one's size").isLessThanOrEqualTo(genuine.length);
        bytes = Arrays.copyOf(bytes, genuine.length); // zero padding: ELF does not mind trailing bytes
        Path padded = work.resolve("libswapped-in-padded.so");
        Files.write(padded, bytes);
        assertThatThrownBy(() -> BundleLoader.load(padded, "test-org/control")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("registered no op");
        assertThat(marker).as("control: loading the swapped-in library runs its constructor").exists();
        Files.delete(marker);

        Path tmp = cached.resolveSibling(".swap-" + System.nanoTime());
        Files.write(tmp, bytes);
        Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(HubKernelResolver.client(s, TransferListener.NONE).cache().lookup(inst.entry().sha256()))
                .as("the receipt-and-sizes lookup still accepts the entry").isPresent();

        // a fresh resolver (a new process, in effect): refused by the digest, evicted, installed afresh, loaded
        assertThat(AccuracyCheck.check(request, registry(s).attend(ID, request)).ok()).isTrue();
        assertThat(marker).as("the swapped-in library never ran").doesNotExist();
        assertThat(Files.readAllBytes(cached)).as("reinstalled").isEqualTo(genuine);
        try (Stream<Path> trash = Files.list(s.cacheDir().resolve("trash"))) {
            assertThat(trash.toList()).as("the altered entry set aside").isNotEmpty();
        }
        assertThat(HubKernelResolver.client(s, TransferListener.NONE).cache().entries(true))
                .allSatisfy(e -> assertThat(e.ok()).as(e.problem() == null ? "" : e.problem()).isTrue());
    }
}

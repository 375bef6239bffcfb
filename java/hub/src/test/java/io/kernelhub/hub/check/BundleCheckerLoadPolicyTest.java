package io.kernelhub.hub.check;

import static io.kernelhub.hub.check.BundleCheckerTest.cLibrary;
import static io.kernelhub.hub.check.BundleCheckerTest.finding;
import static io.kernelhub.hub.check.BundleCheckerTest.variantCopy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.bridge.NativeToolchain;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * "Nothing outside the signature runs", as kernelhub check and publish see it: real libraries
 * linked by gcc with each kind of search path and dependency that lets a library planted outside
 * the bundle run, each refused with the entry named and what to do; {@code $ORIGIN} and libraries
 * the bundle ships pass.
 */
class BundleCheckerLoadPolicyTest {

    /** A minimal bundle: the two entry points (it never needs to load here). */
    static final String BUNDLE = "#include \"kernelhub.h\"\n"
            + "KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }\n"
            + "KH_EXPORT kh_status kh_register(const kh_host *h, char *e, size_t c) { (void) h; (void) e; (void) c; return KH_OK; }\n";

    /** A stand-in for the CUDA driver, with the driver's soname. */
    static Path fakeLibcuda() throws IOException {
        return cLibrary("fakecuda", "int cuInit(unsigned flags) { return (int) flags; }\n", "-Wl,-soname,libcuda.so.1");
    }

    /** A bundle library linked with these flags, in a copy of the template's CPU variant. */
    static BundleChecker.Report checked(String name, String... flags) throws IOException {
        return BundleChecker.check(variantCopy(name, cLibrary(name, BUNDLE, flags)));
    }

    static String policy(BundleChecker.Report r) {
        BundleChecker.Finding f = finding(r, "load-policy");
        assertThat(f.ok()).as("load-policy of %s should fail: %s", r.variant(), f.detail()).isFalse();
        assertThat(r.ok()).isFalse();
        return f.detail();
    }

    @Test
    void runpathDotWithLibcudaIsRefusedThoughEveryDependencyIsASystemLibrary() throws IOException {
        BundleChecker.Report r = checked("rp-dot", "-Wl,--no-as-needed", fakeLibcuda().toString(), "-Wl,-rpath,.",
                "-Wl,--enable-new-dtags");
        assertThat(finding(r, "dependencies").ok()).as("libcuda.so.1 is allowed: the search path is the hole").isTrue();
        assertThat(policy(r)).contains("DT_RUNPATH '.' is relative to the working directory of the process that loads the "
                + "bundle").contains("libcuda.so.1").contains("link with -Wl,-rpath,'$ORIGIN'").contains("or drop the rpath");
    }

    @Test
    void absoluteEmptyAndEscapingEntriesAreRefused() throws IOException {
        Path writable = NativeToolchain.OUT.resolve("world-writable-libs");
        Files.createDirectories(writable);
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(policy(checked("rp-abs", "-Wl,-rpath," + writable, "-Wl,--disable-new-dtags")))
                .contains("DT_RPATH '" + writable + "' is an absolute directory outside the bundle")
                .contains("writable by others here");
        assertThat(policy(checked("rp-empty", "-Wl,-rpath,$ORIGIN:", "-Wl,--enable-new-dtags")))
                .contains("DT_RUNPATH an empty entry (in \"$ORIGIN:\") means the working directory");
        assertThat(policy(checked("rp-parent", "-Wl,-rpath,$ORIGIN/..", "-Wl,--enable-new-dtags")))
                .contains("DT_RUNPATH '$ORIGIN/..' leaves the bundle directory");
        assertThat(policy(checked("rp-lib", "-Wl,-rpath,$LIB/kernels", "-Wl,--enable-new-dtags")))
                .contains("'$LIB/kernels' expands to a directory outside the bundle");
    }

    @Test
    void originEntriesPass() throws IOException {
        BundleChecker.Report r = checked("rp-origin", "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        assertThat(finding(r, "load-policy").ok()).as(finding(r, "load-policy").detail()).isTrue();
        Path sub = cLibrary("rp-origin-lib", BUNDLE, "-Wl,-rpath,$ORIGIN/lib:${ORIGIN}/x/y/", "-Wl,--disable-new-dtags");
        assertThat(LibraryPolicy.check(Files.readAllBytes(sub), null)).isEmpty();
    }

    @Test
    void anUnknownDependencyIsRefusedAndOneTheBundleShipsPasses() throws IOException {
        Path dep = cLibrary("khunknown", "int khunknown(void) { return 3; }\n", "-Wl,-soname,libkhunknown.so");
        String[] link = {"-L" + dep.getParent(), "-Wl,--no-as-needed", "-lkhunknown"};
        String unknown = policy(checked("needs-unknown", link));
        assertThat(unknown).contains("DT_NEEDED libkhunknown.so is neither a system library (libc.so.6")
                .contains("link it statically or drop it, or ship it in the bundle and link with -Wl,-rpath,'$ORIGIN'");

        // shipped next to the library and reached through $ORIGIN: allowed, by the portability check too
        Path lib = cLibrary("needs-shipped", BUNDLE, link[0], link[1], link[2], "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        Path variant = variantCopy("needs-shipped", lib);
        assertThat(LibraryPolicy.check(Files.readAllBytes(lib), null)).as("without the bundle around it").isNotEmpty();
        Files.copy(dep, variant.resolve("libkhunknown.so"), StandardCopyOption.REPLACE_EXISTING);
        BundleChecker.Report shipped = BundleChecker.check(variant);
        assertThat(finding(shipped, "load-policy").ok()).as(finding(shipped, "load-policy").detail()).isTrue();
        assertThat(finding(shipped, "dependencies").detail()).contains("shipped in the bundle: [libkhunknown.so]");
        assertThat(finding(shipped, "dependencies").ok()).isTrue();

        // a shipped library is held to the same rules
        Path badDep = cLibrary("khunknown-dot", "int khunknown(void) { return 3; }\n", "-Wl,-soname,libkhunknown.so",
                "-Wl,-rpath,.", "-Wl,--enable-new-dtags");
        Files.copy(badDep, variant.resolve("libkhunknown.so"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(policy(BundleChecker.check(variant))).contains("libkhunknown.so: DT_RUNPATH '.' is relative to the "
                + "working directory");
    }

    @Test
    void aDependencyNamedByItsPathIsRefused() throws IOException {
        Path noSoname = cLibrary("khbypath", "int khbypath(void) { return 4; }\n");
        assertThat(policy(checked("needs-by-path", "-Wl,--no-as-needed", noSoname.toString())))
                .contains("DT_NEEDED '" + noSoname + "' is not a plain library file name")
                .contains("opened as a path, bypassing every search rule");
    }

    @Test
    void aSymlinkedLibraryIsRefused() throws IOException {
        Path variant = variantCopy("symlinked", null);
        Path real = NativeToolchain.OUT.resolve("symlinked-target.so");
        Files.move(variant.resolve("libcheck-kernel.so"), real, StandardCopyOption.REPLACE_EXISTING);
        Files.createSymbolicLink(variant.resolve("libcheck-kernel.so"), real);
        assertThat(policy(BundleChecker.check(variant))).contains("libcheck-kernel.so: is a symbolic link");
    }

    @Test
    void theAbiNoteMustBeThereAndAgreeWithKernelJson() throws IOException {
        BundleChecker.Report none = checked("no-note", "-DKH_NO_ABI_NOTE");
        assertThat(finding(none, "abi-note").ok()).isFalse();
        assertThat(finding(none, "abi-note").detail()).contains("no .note.kernelhub ABI note")
                .contains("Rebuild it against the current native/include/kernelhub.h");

        Path variant = variantCopy("note-vs-json", null);
        assertThat(finding(BundleChecker.check(variant), "abi-note").detail()).isEqualTo(".note.kernelhub says ABI 1");
        Path kj = variant.resolve("kernel.json");
        Files.writeString(kj, Files.readString(kj).replaceAll("\"abi_version\": 1", "\"abi_version\": 2"));
        BundleChecker.Finding f = finding(BundleChecker.check(variant), "abi-note");
        assertThat(f.ok()).isFalse();
        assertThat(f.detail()).contains("kernel.json records 2");
    }

    @Test
    void notAnElfFileIsRefusedByThePolicy() {
        assertThat(LibraryPolicy.check("#!/bin/sh\necho hi\n".getBytes(), null)).singleElement().asString()
                .contains("not a well-formed ELF shared library: not an ELF file");
    }

    @Test
    void damagedLibrariesGetAnAnswerNeverAnException() throws IOException {
        byte[] good = Files.readAllBytes(variantCopy("fuzz", null).resolve("libcheck-kernel.so"));
        assertThat(LibraryPolicy.check(good, null)).isEmpty();
        java.util.Random rnd = new java.util.Random(20261206);
        int refused = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = good.clone();
            for (int k = 1 + rnd.nextInt(6); k > 0; k--) { // headers mostly, anywhere sometimes
                b[rnd.nextInt(4) == 0 ? rnd.nextInt(b.length) : rnd.nextInt(Math.min(b.length, 4096))] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(10) == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            refused += LibraryPolicy.check(b, null).isEmpty() ? 0 : 1;
        }
        assertThat(refused).as("some damage is refused").isPositive();
    }

    @Test
    void publishRefusesABundleThatFailsTheCheckAndUploadsNothing() throws IOException {
        Path lib = cLibrary("publish-rp-dot", BUNDLE, "-Wl,--no-as-needed", fakeLibcuda().toString(), "-Wl,-rpath,.:/tmp",
                "-Wl,--enable-new-dtags");
        Path variant = variantCopy("publish-rp-dot", lib);
        Path keys = NativeToolchain.OUT.resolve("publish-keys-" + System.nanoTime());
        new KeyRing(keys).generate();
        Path hub = NativeToolchain.OUT.resolve("publish-refused-hub-" + System.nanoTime());
        assertThatThrownBy(() -> new Publisher(new KeyRing(keys)).publish(variant, new FileHubTarget(hub),
                NativeToolchain.OUT.resolve("publish-staging-" + System.nanoTime())))
                .isInstanceOfSatisfying(Publisher.RefusedException.class, e -> assertThat(e.reports()).singleElement()
                        .satisfies(r -> assertThat(finding(r, "load-policy").ok()).isFalse()))
                .hasMessageContaining("refusing to publish test-org/check-kernel")
                .hasMessageContaining("load-policy: libcheck-kernel.so: DT_RUNPATH '.' is relative to the working directory")
                .hasMessageContaining("DT_RUNPATH '/tmp' is an absolute directory outside the bundle")
                .hasMessageContaining("Nothing was published");
        if (Files.exists(hub)) {
            try (Stream<Path> s = Files.walk(hub)) {
                assertThat(s.filter(Files::isRegularFile).toList()).as("nothing uploaded").isEmpty();
            }
        }
        // the template itself publishes (the check passes on its archive)
        Publisher.Outcome ok = new Publisher(new KeyRing(keys)).publish(variantCopy("publish-good", null),
                new FileHubTarget(hub), NativeToolchain.OUT.resolve("publish-staging-" + System.nanoTime()));
        assertThat(ok.alreadyPublished()).isFalse();
        assertThat(List.of(ok.signedBy())).doesNotContainNull();
    }
}

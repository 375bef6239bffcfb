package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.bridge.elf.ElfImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * "Verify what you load", against real libraries built by gcc whose constructors write a marker
 * file: every refusal happens before dlopen, so the marker must stay absent; each control loads the
 * same kind of library and sees the marker appear, so an absent marker means the code never ran.
 */
class BundleLoaderVerificationTest {

    private static final Path SOURCE = NativeToolchain.TEST_NATIVE.resolve("test_bundle.c");
    private static final Path DIR = NativeToolchain.OUT.resolve("verify");

    /** test_bundle.c plus a constructor that writes {@code marker} and, when {@code note} is given, a hand-made ABI note. */
    private static Path library(String name, Path marker, Integer note, boolean headerNote, String... flags) throws IOException {
        Files.createDirectories(DIR);
        Path extra = DIR.resolve(name + "-extra.c");
        Files.writeString(extra, "#include <stdio.h>\n#include <stdint.h>\n"
                + (note == null ? "" : "__attribute__((section(\".note.kernelhub\"), aligned(4), used)) static const struct {\n"
                + "    uint32_t namesz, descsz, type; char name[12]; uint32_t v;\n"
                + "} forged = {10, 4, 1, \"kernelhub\", " + note + "u};\n")
                + "__attribute__((constructor)) static void constructor_ran(void) {\n"
                + "    FILE *f = fopen(\"" + marker + "\", \"w\");\n"
                + "    if (f != NULL) { fputs(\"the library's constructor ran\\n\", f); fclose(f); }\n"
                + "}\n");
        List<String> all = new ArrayList<>(List.of(flags));
        if (!headerNote) {
            all.add("-DKH_NO_ABI_NOTE");
        }
        Path built = NativeToolchain.sharedLibrary("verify-" + name, List.of(SOURCE, extra), all.toArray(String[]::new));
        Path lib = DIR.resolve(built.getFileName());
        Files.move(built, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return lib;
    }

    private static Path marker(String name) throws IOException {
        Files.createDirectories(DIR);
        Path m = DIR.resolve(name + ".marker");
        Files.deleteIfExists(m);
        return m;
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void theHeaderPutsTheAbiNoteIntoEveryBundle() throws Exception {
        Path lib = NativeToolchain.sharedLibrary("verify-plain", List.of(SOURCE));
        assertThat(ElfImage.parse(Files.readAllBytes(lib)).abiVersion()).hasValue(1);
    }

    @Test
    void aWrongAbiNoteIsRefusedWithoutRunningAnyOfTheLibrary() throws Exception {
        Path marker = marker("wrong-note");
        Path lib = library("wrong-note", marker, 42, false);
        assertThat(ElfImage.parse(Files.readAllBytes(lib)).abiVersion()).hasValue(42);
        assertThatThrownBy(() -> BundleLoader.load(lib, "acme/wrong-note")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining(".note.kernelhub says it was built for kernelhub ABI 42, this kernelhub speaks ABI 1")
                .hasMessageContaining("none of its code ran").hasMessageContaining("Upgrade kernelhub");
        assertThat(marker).as("the constructor of a refused library must not run").doesNotExist();

        // control: the same library with the right note loads, and loading runs its constructor
        Path control = marker("right-note");
        Path good = library("right-note", control, 1, false);
        assertThat(BundleLoader.load(good, "acme/right-note").abiVersion()).isEqualTo(1);
        assertThat(control).as("loading runs constructors: the marker proves the check above ran first").exists();
    }

    @Test
    void notesThatDisagreeAreRefused() throws Exception {
        Path marker = marker("two-notes");
        Path lib = library("two-notes", marker, 7, true); // the header's note (1) and a forged one (7)
        assertThatThrownBy(() -> BundleLoader.load(lib, "acme/two-notes")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("notes disagree on the ABI version [1, 7]");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aLibraryWithoutTheNoteStillLoadsThroughKhAbiVersion() throws Exception {
        Path marker = marker("no-note");
        Path lib = library("no-note", marker, null, false);
        assertThat(ElfImage.parse(Files.readAllBytes(lib)).abiVersion()).isEmpty();
        assertThat(BundleLoader.load(lib, "acme/no-note").abiVersion()).isEqualTo(1);
        assertThat(marker).as("the weaker, documented path: the library is loaded to learn its ABI").exists();
    }

    @Test
    void aSymlinkedLibraryIsRefused() throws Exception {
        Path marker = marker("symlinked");
        Path target = library("symlinked", marker, 1, false);
        Path link = DIR.resolve("libverify-link.so");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
        assertThatThrownBy(() -> BundleLoader.load(link, "acme/link")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("libverify-link.so: it is a symbolic link (to " + target + ")");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aLibraryWhoseBytesDifferFromTheExpectedDigestIsRefusedUnloaded() throws Exception {
        Path marker = marker("swapped");
        Path lib = library("swapped", marker, 1, false);
        String actual = sha256(lib);
        String recorded = "0".repeat(64);
        assertThatThrownBy(() -> BundleLoader.load(lib, "acme/swapped", new BundleLoader.Checks(Map.of(lib, recorded), null)))
                .isInstanceOfSatisfying(AlteredLibraryException.class, e -> {
                    assertThat(e.file()).isEqualTo(lib);
                    assertThat(e.expected()).isEqualTo(recorded);
                    assertThat(e.actual()).isEqualTo(actual);
                }).hasMessageContaining("the cached copy was altered").hasMessageContaining("kernelhub cache verify");
        // a file nobody recorded is refused the same way
        assertThatThrownBy(() -> BundleLoader.load(lib, "acme/swapped", new BundleLoader.Checks(Map.of(), null)))
                .isInstanceOf(AlteredLibraryException.class).hasMessageContaining("not among the files recorded");
        assertThat(marker).doesNotExist();
        // the recorded digest loads it
        assertThat(BundleLoader.load(lib, "acme/swapped", new BundleLoader.Checks(Map.of(lib, actual), null)).ops())
                .isNotEmpty();
        assertThat(marker).exists();
    }

    /** An in-memory memo of verified files that counts how often it vouched for one. */
    static final class Memo implements BundleLoader.VerifiedFiles {
        final Map<Path, String[]> seen = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger vouched = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public boolean verified(Path file, String identity, String sha256) {
            String[] s = seen.get(file);
            boolean yes = s != null && s[0].equals(identity) && s[1].equals(sha256);
            if (yes) vouched.incrementAndGet();
            return yes;
        }

        @Override
        public void remember(Path file, String identity, String sha256) {
            seen.put(file, new String[] {identity, sha256});
        }
    }

    @Test
    void aRememberedVerificationCoversOnlyTheSameUnchangedInode() throws Exception {
        // a warm load of the verified inode skips the hash ...
        Path good = library("remembered-good", marker("remembered-good"), 1, false);
        Memo memo = new Memo();
        BundleLoader.Checks checks = new BundleLoader.Checks(Map.of(good, sha256(good)), null, memo);
        BundleLoader.load(good, "acme/remembered", checks);
        assertThat(memo.seen).containsKey(good.toAbsolutePath().normalize());
        BundleLoader.load(good, "acme/remembered", checks);
        assertThat(memo.vouched.get()).isEqualTo(1);

        // ... but a file rewritten in place (same inode, new change time) or replaced (new inode) is hashed again
        Path marker = marker("remembered-evil");
        Path evil = library("remembered-evil", marker, 1, false);
        Path target = DIR.resolve("remembered-target.so");
        Files.copy(library("remembered-copy", marker("remembered-copy"), 1, false), target,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String recorded = sha256(target);
        Memo stale = new Memo();
        try (OpenedLibrary o = OpenedLibrary.open(target)) {
            stale.remember(target.toAbsolutePath().normalize(), o.identity(), recorded); // verified once, never loaded
        }
        Files.write(target, Files.readAllBytes(evil)); // in place: same inode
        assertThatThrownBy(() -> BundleLoader.load(target, "acme/remembered", new BundleLoader.Checks(Map.of(target, recorded),
                null, stale))).isInstanceOf(AlteredLibraryException.class);
        Path replacement = DIR.resolve("remembered-target.tmp");
        Files.copy(evil, replacement, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(replacement, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // a new inode
        assertThatThrownBy(() -> BundleLoader.load(target, "acme/remembered", new BundleLoader.Checks(Map.of(target, recorded),
                null, stale))).isInstanceOf(AlteredLibraryException.class);
        assertThat(stale.vouched.get()).isZero();
        assertThat(marker).doesNotExist();
    }

    @Test
    void theVetterJudgesTheBytesThatAreLoadedBeforeLoadingThem() throws Exception {
        Path marker = marker("vetted");
        Path lib = library("vetted", marker, 1, false);
        byte[] onDisk = Files.readAllBytes(lib);
        List<byte[]> seen = new ArrayList<>();
        assertThatThrownBy(() -> BundleLoader.load(lib, "acme/vetted", new BundleLoader.Checks(null, (file, bytes) -> {
            seen.add(bytes);
            return List.of("RUNPATH '.' is not allowed (test)");
        }))).isInstanceOf(BundleLoadException.class).hasMessageContaining("RUNPATH '.' is not allowed (test)")
                .hasMessageContaining("none of its code ran");
        assertThat(seen).singleElement().satisfies(b -> assertThat(b).isEqualTo(onDisk));
        assertThat(marker).doesNotExist();
    }

    @Test
    void aShippedDependencyIsLoadedThroughTheSameChecks() throws Exception {
        Path dir = DIR.resolve("shipped");
        Files.createDirectories(dir);
        Path depSource = dir.resolve("khdep.c");
        Files.writeString(depSource, "__attribute__((visibility(\"default\"))) int khdep_value(void) { return 7; }\n");
        Path dep = NativeToolchain.sharedLibrary("khdep", List.of(depSource), "-Wl,-soname,libkhdep.so");
        Files.move(dep, dir.resolve("libkhdep.so"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        dep = dir.resolve("libkhdep.so");
        Path useSource = dir.resolve("uses_dep.c");
        Files.writeString(useSource, "#include \"kernelhub.h\"\nextern int khdep_value(void);\n"
                + "KH_EXPORT int uses_dep(void) { return khdep_value(); }\n");
        Path main = NativeToolchain.sharedLibrary("verify-with-dep", List.of(SOURCE, useSource), "-L" + dir,
                "-Wl,--no-as-needed", "-lkhdep", "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        Files.move(main, dir.resolve("libverify-with-dep.so"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        main = dir.resolve("libverify-with-dep.so");
        assertThat(ElfImage.parse(Files.readAllBytes(main)).runpath()).containsExactly("$ORIGIN");

        Path m = main, d = dep;
        assertThatThrownBy(() -> BundleLoader.load(m, "acme/with-dep", new BundleLoader.Checks(
                Map.of(m, sha256(m), d, "1".repeat(64)), null))).isInstanceOfSatisfying(AlteredLibraryException.class,
                        e -> assertThat(e.file()).isEqualTo(d));
        // loaded through /proc/self/fd, $ORIGIN would be /proc/self/fd: the loader loads the shipped library first
        LoadedBundle b = BundleLoader.load(main, "acme/with-dep", new BundleLoader.Checks(
                Map.of(main, sha256(main), dep, sha256(dep)), null));
        assertThat(b.ops()).isNotEmpty();
    }
}

package io.kernelhub.hub.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Every hostile archive is refused, nothing lands outside the cache's temp dir, and no entry becomes visible. */
class HostileArchiveTest {

    @TempDir
    Path tmp;

    enum Hostile {
        ABSOLUTE_PATH("absolute path", t -> file(t, "/tmp/kernelhub-pwned", "x")),
        DOT_DOT("'..'", t -> file(t, "lib/../../kernelhub-pwned", "x")),
        SYMLINK("symbolic link", t -> link(t, "libk.so", "/etc/passwd", TarConstants.LF_SYMLINK)),
        HARD_LINK("hard link", t -> link(t, "libk.so", "/etc/passwd", TarConstants.LF_LINK)),
        CHAR_DEVICE("device", t -> special(t, "tty", TarConstants.LF_CHR)),
        FIFO("device or FIFO", t -> special(t, "pipe", TarConstants.LF_FIFO)),
        CONTIGUOUS("neither a plain file nor a directory", t -> special(t, "contig", TarConstants.LF_CONTIG)),
        TOO_MANY_ENTRIES("more than 20 entries", t -> {
            for (int i = 0; i < 25; i++) file(t, "f" + i, "x");
        }),
        TOO_LARGE("over the limit", t -> file(t, "big", "y".repeat(5000))),
        DUPLICATE("twice", t -> {
            file(t, "libk.so", "a");
            file(t, "./libk.so", "b");
        }),
        EMPTY("empty", t -> {});

        final String message;
        final Consumer<TarArchiveOutputStream> body;

        Hostile(String message, Consumer<TarArchiveOutputStream> body) {
            this.message = message;
            this.body = body;
        }
    }

    static final ArchiveLimits LIMITS = new ArchiveLimits(20, 4096, 4096);

    static byte[] archive(Consumer<TarArchiveOutputStream> body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.accept(t);
        }
        return bytes.toByteArray();
    }

    static void file(TarArchiveOutputStream t, String name, String content) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, true); // preserve the name as given (leading '/', '..')
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            t.putArchiveEntry(e);
            t.write(b);
            t.closeArchiveEntry();
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }

    static void link(TarArchiveOutputStream t, String name, String target, byte type) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setLinkName(target);
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }

    static void special(TarArchiveOutputStream t, String name, byte type) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }

    @ParameterizedTest
    @EnumSource(Hostile.class)
    void refusedAndNothingInstalled(Hostile h) throws IOException {
        byte[] data = archive(h.body);
        String sha = Digests.sha256(data);
        Path root = tmp.resolve("home/cache");
        KernelCache cache = new KernelCache(root, LIMITS);
        assertThatThrownBy(() -> cache.install(sha, data.length, "test " + h, partial -> {
            try {
                Files.write(partial, data);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return sha;
        })).isInstanceOf(HubException.class).hasMessageContaining(h.message).hasMessageContaining("Nothing from it");
        assertThat(cache.lookup(sha)).isEmpty();
        assertThat(Files.exists(root.resolve("bundles").resolve(sha))).isFalse();
        try (Stream<Path> left = Files.list(root.resolve("tmp"))) {
            assertThat(left.toList()).as("temp dirs are removed").isEmpty();
        }
        assertThat(root.resolve("downloads").resolve(sha + ".part")).as("the refused download is not kept").doesNotExist();
        // nothing written anywhere outside the cache root
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(p -> !p.startsWith(root) && !p.equals(tmp) && !p.equals(tmp.resolve("home"))).toList()).isEmpty();
        }
        assertThat(Files.exists(Path.of("/tmp/kernelhub-pwned"))).isFalse();
    }

    @Test
    void aValidArchiveInstallsWithAReceiptAndIsFoundAgain() throws IOException {
        byte[] data = archive(t -> {
            file(t, "libk.so", "elf");
            file(t, "kernel.json", "{}");
        });
        String sha = Digests.sha256(data);
        KernelCache cache = new KernelCache(tmp.resolve("c"), LIMITS);
        CacheEntry e = cache.install(sha, data.length, "ok", p -> {
            try {
                Files.write(p, data);
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
            return sha;
        });
        assertThat(Files.readString(e.file("libk.so"))).isEqualTo("elf");
        assertThat(e.receipt().files()).extracting(Receipt.FileRecord::path).containsExactly("kernel.json", "libk.so");
        assertThat(cache.lookup(sha)).isPresent();
        assertThat(cache.entries(true)).singleElement().satisfies(s -> assertThat(s.ok()).isTrue());
        // damage a file: the cheap check still passes when the size is equal; the re-hash finds it
        Files.writeString(e.file("libk.so"), "ELF");
        assertThat(cache.entries(true)).singleElement().satisfies(s -> assertThat(s.problem()).contains("libk.so"));
        cache.evict(sha);
        assertThat(cache.lookup(sha)).isEmpty();
        assertThat(cache.prune(null)).isNotEmpty(); // the trash
    }

    @Test
    void digestMismatchCachesNothing() throws IOException {
        byte[] data = archive(t -> file(t, "libk.so", "elf"));
        String expected = "0".repeat(64);
        KernelCache cache = new KernelCache(tmp.resolve("c"), LIMITS);
        assertThatThrownBy(() -> cache.install(expected, data.length, "mismatch", p -> {
            try {
                Files.write(p, data);
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
            return Digests.sha256(data);
        })).isInstanceOf(HubException.class).hasMessageContaining("digest mismatch").hasMessageContaining("nothing was cached");
        assertThat(cache.lookup(expected)).isEmpty();
        assertThat(Files.exists(tmp.resolve("c/downloads/" + expected + ".part"))).isFalse();
        assertThat(List.of(Files.exists(tmp.resolve("c/bundles/" + expected)))).containsExactly(false);
    }
}

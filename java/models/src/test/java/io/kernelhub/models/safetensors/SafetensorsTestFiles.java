package io.kernelhub.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Hand-built safetensors bytes and checks that nothing of a file stays mapped or open. */
public final class SafetensorsTestFiles {

    private SafetensorsTestFiles() {
    }

    /** An 8-byte little-endian length, the header text as given (no padding added), then the data. */
    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return concat(le64(h.length), h, data);
    }

    /** As {@link #raw} with {@code dataBytes} bytes of data 0, 1, 2, ... */
    static byte[] raw(String header, int dataBytes) {
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i++) {
            data[i] = (byte) i;
        }
        return raw(header, data);
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] le32f(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... unsigned) {
        byte[] out = new byte[unsigned.length];
        for (int i = 0; i < unsigned.length; i++) {
            out[i] = (byte) unsigned[i];
        }
        return out;
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean procAvailable() {
        return Files.isReadable(Path.of("/proc/self/maps")) && Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** Lines of /proc/self/maps that map {@code file} (Linux). */
    static List<String> mappingsOf(Path file) {
        String name = file.toAbsolutePath().normalize().toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(name)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Open descriptors of this process that point at {@code file} (Linux). */
    static List<String> descriptorsOf(Path file) {
        String name = file.toAbsolutePath().normalize().toString();
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(name)) {
                        out.add(fd + " -> " + target);
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // a descriptor closed while listing (the listing's own, for one)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Nothing of these files is mapped or open: on Linux this reads the kernel's own tables. */
    public static void assertReleased(Path... files) {
        for (Path f : files) {
            if (procAvailable()) {
                assertThat(mappingsOf(f)).as("mappings of %s", f).isEmpty();
                assertThat(descriptorsOf(f)).as("descriptors of %s", f).isEmpty();
            }
        }
    }

    /**
     * {@link #assertReleased}, then deletes each file that exists: Windows refuses to delete a
     * mapped file, so there this is the check.
     */
    static void assertReleasedAndDelete(Path... files) {
        assertReleased(files);
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new AssertionError(f + " cannot be deleted: still open?", e);
            }
        }
    }
}

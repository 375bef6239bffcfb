package io.kernelhub.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small, strict .npy v1.0 reader for the tests: little-endian f4 or i4, C order. */
record NpyReader(String descr, int[] shape, String header, ByteBuffer data) {

    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([<>|][a-z][0-9]+)', 'fortran_order': (True|False), 'shape': \\(([0-9, ]*)\\), \\} *\\n");

    static NpyReader read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        b.get(magic);
        if (!Arrays.equals(magic, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'})) {
            throw new IOException("bad magic");
        }
        if (b.get() != 1 || b.get() != 0) {
            throw new IOException("not version 1.0");
        }
        int headerLen = Short.toUnsignedInt(b.getShort());
        if ((10 + headerLen) % 64 != 0) {
            throw new IOException("data does not start at a multiple of 64: " + (10 + headerLen));
        }
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        Matcher m = HEADER.matcher(header);
        if (!m.matches()) {
            throw new IOException("unexpected header: " + header);
        }
        if (!m.group(2).equals("False")) {
            throw new IOException("fortran order");
        }
        String dims = m.group(3).strip();
        int[] shape = dims.isEmpty() ? new int[0]
                : Arrays.stream(dims.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLen, bytes.length - 10 - headerLen).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        long n = Arrays.stream(shape).asLongStream().reduce(1, (x, y) -> x * y);
        if (data.remaining() != n * 4) {
            throw new IOException("data holds " + data.remaining() + " bytes, shape needs " + n * 4);
        }
        return new NpyReader(m.group(1), shape, header, data);
    }

    float[] floats() {
        if (!descr.equals("<f4")) {
            throw new IllegalStateException("not <f4: " + descr);
        }
        float[] f = new float[data.remaining() / 4];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    int[] ints() {
        if (!descr.equals("<i4")) {
            throw new IllegalStateException("not <i4: " + descr);
        }
        int[] v = new int[data.remaining() / 4];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }
}

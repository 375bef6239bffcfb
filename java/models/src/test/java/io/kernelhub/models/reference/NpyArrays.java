package io.kernelhub.models.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the few .npy files the Llama fixtures hold (format 1.0, C order, {@code <f8} or
 * {@code <i4}), strictly: anything else is an {@link IOException}, so a damaged fixture cannot
 * be read as numbers. (core's test reader is not visible from this module.)
 */
final class NpyArrays {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([<>|a-z0-9]+)', 'fortran_order': (True|False), 'shape': \\(([0-9, ]*)\\), \\}\\s*");

    private NpyArrays() {
    }

    private record Npy(String descr, int[] shape, ByteBuffer data) {
    }

    private static Npy read(Path file, String descr, int rank) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not an .npy 1.0 file");
        }
        byte[] header = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(header);
        Matcher m = HEADER.matcher(new String(header, StandardCharsets.US_ASCII));
        if (!m.matches() || !m.group(1).equals(descr) || !m.group(2).equals("False")) {
            throw new IOException(file + ": expected a C-order " + descr + " array, header " + new String(header,
                    StandardCharsets.US_ASCII).strip());
        }
        int[] shape = Arrays.stream(m.group(3).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        if (shape.length != rank) {
            throw new IOException(file + ": rank " + shape.length + ", expected " + rank);
        }
        int width = descr.endsWith("8") ? 8 : 4;
        long count = Arrays.stream(shape).asLongStream().reduce(1, Math::multiplyExact);
        ByteBuffer data = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (data.remaining() != count * width) {
            throw new IOException(file + ": " + data.remaining() + " data bytes for shape " + Arrays.toString(shape));
        }
        return new Npy(descr, shape, data);
    }

    /** A 2-D {@code <f8} array. */
    static double[][] doubles2d(Path file) throws IOException {
        Npy n = read(file, "<f8", 2);
        double[][] out = new double[n.shape()[0]][n.shape()[1]];
        for (double[] row : out) {
            n.data().asDoubleBuffer().get(row);
            n.data().position(n.data().position() + row.length * 8);
        }
        return out;
    }

    /** A 1-D {@code <i4} array. */
    static int[] ints(Path file) throws IOException {
        Npy n = read(file, "<i4", 1);
        int[] out = new int[n.shape()[0]];
        n.data().asIntBuffer().get(out);
        return out;
    }
}

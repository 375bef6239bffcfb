package io.kernelhub.core.attention;

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
 * A strict reader of the .npy files NumPy's {@code np.save} writes (format 1.0 or 2.0,
 * little-endian {@code <f4}, {@code <f8} or {@code <i4}, C order), for the reference fixtures.
 * Anything else is an {@link IOException}, so a damaged fixture cannot be read as numbers.
 * (The cli module has its own reader in its tests; core cannot depend on it.)
 */
record NpyFile(String descr, int[] shape, ByteBuffer data) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([0-9, ]*)\\)");

    static NpyFile read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not an .npy file");
        }
        int major = b.get();
        b.get(); // minor version: no difference for these files
        int headerLen = switch (major) {
            case 1 -> Short.toUnsignedInt(b.getShort());
            case 2 -> b.getInt();
            default -> throw new IOException(file + ": .npy format " + major + " is not supported");
        };
        byte[] headerBytes = new byte[headerLen];
        b.get(headerBytes);
        String header = new String(headerBytes, StandardCharsets.US_ASCII);
        String descr = group(DESCR, header, file);
        if (!group(FORTRAN, header, file).equals("False")) {
            throw new IOException(file + ": Fortran order is not supported");
        }
        int[] shape = Arrays.stream(group(SHAPE, header, file).split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int width = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<f8" -> 8;
            default -> throw new IOException(file + ": dtype " + descr + " is not supported");
        };
        long count = Arrays.stream(shape).asLongStream().reduce(1, Math::multiplyExact);
        ByteBuffer data = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (data.remaining() != count * width) {
            throw new IOException(file + ": holds " + data.remaining() + " data bytes, shape "
                    + Arrays.toString(shape) + " of " + descr + " needs " + count * width);
        }
        return new NpyFile(descr, shape, data);
    }

    private static String group(Pattern p, String header, Path file) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": header lacks " + p.pattern() + ": " + header.strip());
        }
        return m.group(1);
    }

    float[] floats() {
        require("<f4");
        float[] f = new float[data.remaining() / 4];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    double[] doubles() {
        require("<f8");
        double[] d = new double[data.remaining() / 8];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(d);
        return d;
    }

    int[] ints() {
        require("<i4");
        int[] v = new int[data.remaining() / 4];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }

    private void require(String expected) {
        if (!descr.equals(expected)) {
            throw new IllegalStateException("expected " + expected + ", the file holds " + descr);
        }
    }
}

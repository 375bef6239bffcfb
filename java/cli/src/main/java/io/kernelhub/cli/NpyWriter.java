package io.kernelhub.cli;

import io.kernelhub.core.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Writes NumPy {@code .npy} files, format version 1.0: the magic {@code \x93NUMPY}, version
 * bytes 1 and 0, a little-endian uint16 header length, then an ASCII header dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and
 * ended by a newline so that the data starts at a multiple of 64 bytes, then the data in C
 * order, little-endian. Tensors of any dtype are widened exactly to float32.
 */
final class NpyWriter {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    static final int ALIGN = 64;
    private static final int PREAMBLE = MAGIC.length + 2 + 2; // magic, version, header length

    private NpyWriter() {
    }

    /** Writes a tensor (any dtype, any strides) as a C-order float32 array of the same shape. */
    static void writeFloat32(Path file, Tensor t) throws IOException {
        writeFloat32(file, t.toFloatArray(), t.shape());
    }

    static void writeFloat32(Path file, float[] values, int... shape) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeFloat32(out, values, shape);
        }
    }

    /** The same .npy bytes onto a stream (e.g. one writing a file atomically). */
    static void writeFloat32(OutputStream out, float[] values, int... shape) throws IOException {
        checkCount(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        out.write(header("<f4", shape));
        out.write(data.array());
    }

    static void writeInt32(Path file, int[] values, int... shape) throws IOException {
        checkCount(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        data.asIntBuffer().put(values);
        write(file, "<i4", shape, data.array());
    }

    /** The complete header (preamble and padded dict) for a dtype descriptor and shape. */
    static byte[] header(String descr, int[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeTuple(shape) + ", }";
        int unpadded = PREAMBLE + dict.length() + 1; // + the final newline
        int padding = (ALIGN - unpadded % ALIGN) % ALIGN;
        String text = dict + " ".repeat(padding) + "\n";
        if (text.length() > 0xffff) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " makes too long an .npy v1.0 header");
        }
        ByteBuffer b = ByteBuffer.allocate(PREAMBLE + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
        b.put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** Python's tuple syntax: {@code ()}, {@code (5,)}, {@code (2, 3)}. */
    static String shapeTuple(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    private static void write(Path file, String descr, int[] shape, byte[] data) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(header(descr, shape));
            out.write(data);
        }
    }

    private static void checkCount(int count, int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != count) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, got " + count);
        }
    }
}

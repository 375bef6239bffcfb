package io.kernelhub.hub.check;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.TreeSet;

/**
 * Lists the GPU code in an ELF's {@code .nv_fatbin} section: SASS ({@code sm_XY}, fatbin
 * entries of kind 2) and PTX ({@code compute_XY}, kind 1). A section holds one or more
 * containers (magic {@code 0xBA55ED50}, 16-byte header with the size of what follows), each a
 * run of entries whose header gives its kind, its own size, the payload size and the
 * architecture number.
 */
final class CudaFatbin {

    private static final int MAGIC = 0xBA55ED50;

    private CudaFatbin() {}

    /** What the section holds. */
    record Contents(TreeSet<String> sass, TreeSet<String> ptx) {}

    static Contents read(byte[] section) {
        TreeSet<String> sass = new TreeSet<>(), ptx = new TreeSet<>();
        ByteBuffer b = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 0;
        while (pos + 16 <= section.length) {
            if (b.getInt(pos) != MAGIC) {
                pos += 8; // containers are 8-byte aligned
                continue;
            }
            int headerSize = Short.toUnsignedInt(b.getShort(pos + 6));
            long fatSize = b.getLong(pos + 8);
            long end = Math.min(section.length, pos + headerSize + fatSize);
            long e = pos + headerSize;
            while (e + 32 <= end) {
                int kind = Short.toUnsignedInt(b.getShort((int) e));
                long entryHeader = Integer.toUnsignedLong(b.getInt((int) e + 4));
                long payload = b.getLong((int) e + 8);
                int arch = b.getInt((int) e + 28);
                if (entryHeader < 32 || payload < 0) break;
                if (kind == 1) ptx.add("compute_" + arch);
                else if (kind == 2) sass.add("sm_" + arch);
                e += entryHeader + payload;
            }
            pos = (int) Math.max(pos + 16, (end + 7) & ~7L);
        }
        return new Contents(sass, ptx);
    }
}

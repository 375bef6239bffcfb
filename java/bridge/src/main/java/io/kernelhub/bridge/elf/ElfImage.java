package io.kernelhub.bridge.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What loading an ELF shared library would make the dynamic loader do, read from the file's bytes
 * and nothing else: the libraries it needs ({@code DT_NEEDED}), the other objects it would load
 * ({@code DT_FILTER}, {@code DT_AUXILIARY}, {@code DT_AUDIT}, {@code DT_DEPAUDIT}), its search
 * paths ({@code DT_RPATH}, {@code DT_RUNPATH}), its {@code DT_SONAME}, and the kernelhub ABI
 * notes ({@code .note.kernelhub}, see {@code kernelhub.h}).
 *
 * <p>The dynamic section is read the way {@code ld.so} reads it: found through the
 * {@code PT_DYNAMIC} program header's address, its strings through {@code DT_STRTAB}, both mapped
 * to file offsets by the {@code PT_LOAD} segments. Section headers, which the loader ignores and a
 * forger can make say anything, are used only to find notes. ELF64 little-endian only (x86_64,
 * aarch64); every offset is bounds-checked, and anything odd is a {@link Malformed}, never an
 * exception from deeper down.
 *
 * @param type        {@code e_type} (3 = ET_DYN, a shared object)
 * @param machine     {@code e_machine} (62 = x86_64, 183 = aarch64)
 * @param dynamic     whether it has a {@code PT_DYNAMIC} segment
 * @param needed      every {@code DT_NEEDED} name, in order
 * @param rpath       every {@code DT_RPATH} string, unsplit
 * @param runpath     every {@code DT_RUNPATH} string, unsplit
 * @param otherLoads  {@code DT_FILTER}/{@code DT_AUXILIARY}/{@code DT_AUDIT}/{@code DT_DEPAUDIT}
 *                    entries, each as {@code "DT_FILTER name"}
 * @param soname      {@code DT_SONAME}, or null
 * @param abiNotes    the payload of every kernelhub ABI-version note, by file offset
 */
public record ElfImage(int type, int machine, boolean dynamic, List<String> needed, List<String> rpath,
        List<String> runpath, List<String> otherLoads, String soname, List<Integer> abiNotes) {

    /** The note's section, owner and type, as {@code kernelhub.h} defines them. */
    public static final String NOTE_SECTION = ".note.kernelhub";
    public static final String NOTE_OWNER = "kernelhub";
    public static final int NOTE_ABI_VERSION = 1;

    public static final int ET_DYN = 3;
    public static final int EM_X86_64 = 62;
    public static final int EM_AARCH64 = 183;

    private static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_NOTE = 4;
    private static final int SHT_NOTE = 7;
    private static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14, DT_RPATH = 15,
            DT_RUNPATH = 29, DT_FILTER = 0x7fffffffL, DT_AUXILIARY = 0x7ffffffdL, DT_AUDIT = 0x6ffffefcL,
            DT_DEPAUDIT = 0x6ffffefbL;
    private static final int MAX_HEADERS = 4096;
    private static final int MAX_DYNAMIC = 1 << 16;
    private static final int MAX_LOADS = 256;
    /** Longer dynamic strings are refused (PATH_MAX): bounds the work a forged file can cause. */
    private static final int MAX_STRING = 4096;

    public ElfImage {
        needed = List.copyOf(needed);
        rpath = List.copyOf(rpath);
        runpath = List.copyOf(runpath);
        otherLoads = List.copyOf(otherLoads);
        abiNotes = List.copyOf(abiNotes);
    }

    /** The file is not an ELF64 little-endian object, or is inconsistent. */
    public static final class Malformed extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /**
     * The ABI version the notes record: empty when there is none (a library built before the note
     * existed).
     *
     * @throws Malformed when notes disagree
     */
    public OptionalInt abiVersion() {
        if (abiNotes.isEmpty()) {
            return OptionalInt.empty();
        }
        int first = abiNotes.getFirst();
        if (abiNotes.stream().anyMatch(v -> v != first)) {
            throw new Malformed("its " + NOTE_SECTION + " notes disagree on the ABI version " + abiNotes.stream()
                    .distinct().map(Integer::toUnsignedString).toList() + " (objects built against different kernelhub.h)");
        }
        return OptionalInt.of(first);
    }

    /** The search path ld.so uses for this object's dependencies: RUNPATH when present, else RPATH. */
    public List<String> searchPath() {
        return runpath.isEmpty() ? rpath : runpath;
    }

    /** Reads an image; a file that is not an ELF64 little-endian object is {@link Malformed}. */
    public static ElfImage parse(byte[] bytes) {
        return new Reader(bytes).read();
    }

    private static final class Reader {
        final byte[] bytes;
        final ByteBuffer b;
        final List<long[]> loads = new ArrayList<>(); // vaddr, offset, filesz

        Reader(byte[] bytes) {
            this.bytes = bytes;
            this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        ElfImage read() {
            if (bytes.length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
                throw new Malformed("not an ELF file");
            }
            if (bytes[4] != 2 || bytes[5] != 1) {
                throw new Malformed("not a 64-bit little-endian ELF file (class " + bytes[4] + ", data " + bytes[5] + ")");
            }
            int type = u16(16), machine = u16(18);
            long phoff = u64(32), shoff = u64(40);
            int phentsize = u16(54), phnum = u16(56), shentsize = u16(58), shnum = u16(60);
            if (phnum == 0xffff || phnum > MAX_HEADERS) {
                throw new Malformed("too many program headers (" + phnum + ")");
            }
            if (phnum > 0 && phentsize != 56) {
                throw new Malformed("program header size " + phentsize + ", not 56");
            }
            require(phoff, (long) phnum * 56, "the program headers");
            List<long[]> dynamics = new ArrayList<>();
            List<long[]> notes = new ArrayList<>(); // offset, size, align
            for (int i = 0; i < phnum; i++) {
                long at = phoff + 56L * i;
                int ptype = (int) u32(at);
                long offset = u64(at + 8), vaddr = u64(at + 16), filesz = u64(at + 32), align = u64(at + 48);
                switch (ptype) {
                    case PT_LOAD -> {
                        require(offset, filesz, "a PT_LOAD segment");
                        if (loads.size() == MAX_LOADS) {
                            throw new Malformed("more than " + MAX_LOADS + " PT_LOAD segments");
                        }
                        loads.add(new long[] {vaddr, offset, filesz});
                    }
                    case PT_DYNAMIC -> dynamics.add(new long[] {vaddr, u64(at + 40)});
                    case PT_NOTE -> notes.add(new long[] {offset, filesz, align});
                    default -> { }
                }
            }
            for (int i = 0; i < loads.size(); i++) {
                for (int j = i + 1; j < loads.size(); j++) {
                    long[] x = loads.get(i), y = loads.get(j);
                    if (Long.compareUnsigned(x[0], y[0] + y[2]) < 0 && Long.compareUnsigned(y[0], x[0] + x[2]) < 0
                            && x[2] > 0 && y[2] > 0) {
                        throw new Malformed("PT_LOAD segments overlap");
                    }
                }
            }
            if (dynamics.size() > 1) {
                throw new Malformed(dynamics.size() + " PT_DYNAMIC segments");
            }
            if (shnum > 0 && shnum < MAX_HEADERS && shentsize == 64 && fits(shoff, (long) shnum * 64)) {
                for (int i = 0; i < shnum; i++) { // notes the linker did not put in a PT_NOTE (custom scripts)
                    long at = shoff + 64L * i;
                    if (u32(at + 4) == SHT_NOTE) {
                        notes.add(new long[] {u64(at + 24), u64(at + 32), u64(at + 48)});
                    }
                }
            }
            Map<Long, Integer> abi = new TreeMap<>();
            for (long[] n : notes) {
                readNotes(n[0], n[1], n[2] == 8 ? 8 : 4, abi);
            }
            List<String> needed = new ArrayList<>(), rpath = new ArrayList<>(), runpath = new ArrayList<>(),
                    other = new ArrayList<>();
            String soname = null;
            if (!dynamics.isEmpty()) {
                long vaddr = dynamics.getFirst()[0], memsz = dynamics.getFirst()[1];
                long count = Math.min(memsz / 16, MAX_DYNAMIC);
                long strtab = -1, strsz = -1;
                List<long[]> entries = new ArrayList<>();
                for (long i = 0; i < count; i++) {
                    long at = offsetOf(vaddr + 16 * i, 16, "the dynamic section");
                    long tag = u64(at), val = u64(at + 8);
                    if (tag == DT_NULL) {
                        break;
                    }
                    if (tag == DT_STRTAB) {
                        strtab = val;
                    } else if (tag == DT_STRSZ) {
                        strsz = val;
                    }
                    entries.add(new long[] {tag, val});
                }
                long strtabOffset = -1;
                for (long[] e : entries) {
                    long tag = e[0];
                    if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH && tag != DT_SONAME && tag != DT_FILTER
                            && tag != DT_AUXILIARY && tag != DT_AUDIT && tag != DT_DEPAUDIT) {
                        continue;
                    }
                    if (strtab == -1 || strsz < 0) {
                        throw new Malformed("the dynamic section has strings but no DT_STRTAB/DT_STRSZ");
                    }
                    if (strtabOffset < 0) {
                        strtabOffset = offsetOf(strtab, strsz, "the dynamic string table");
                    }
                    String s = string(strtabOffset, strsz, e[1]);
                    if (tag == DT_NEEDED) needed.add(s);
                    else if (tag == DT_RPATH) rpath.add(s);
                    else if (tag == DT_RUNPATH) runpath.add(s);
                    else if (tag == DT_SONAME) soname = s;
                    else other.add((tag == DT_FILTER ? "DT_FILTER " : tag == DT_AUXILIARY ? "DT_AUXILIARY "
                            : tag == DT_AUDIT ? "DT_AUDIT " : "DT_DEPAUDIT ") + s);
                }
            }
            return new ElfImage(type, machine, !dynamics.isEmpty(), needed, rpath, runpath, other, soname,
                    new ArrayList<>(abi.values()));
        }

        /** Notes in [offset, offset + size): kernelhub ABI notes go into {@code abi}, keyed by offset. */
        private void readNotes(long offset, long size, int align, Map<Long, Integer> abi) {
            require(offset, size, "a note segment");
            long at = offset, end = offset + size;
            while (end - at >= 12) {
                long namesz = u32(at), descsz = u32(at + 4), ntype = u32(at + 8);
                long name = at + 12;
                long desc = name + roundUp(namesz, align);
                long next = desc + roundUp(descsz, align);
                if (namesz > size || descsz > size || Long.compareUnsigned(next, end) > 0) {
                    throw new Malformed("a note runs past its segment at offset " + at);
                }
                if (namesz == NOTE_OWNER.length() + 1 && ntype == NOTE_ABI_VERSION
                        && NOTE_OWNER.equals(new String(bytes, (int) name, NOTE_OWNER.length(), StandardCharsets.US_ASCII))
                        && bytes[(int) name + NOTE_OWNER.length()] == 0) {
                    if (descsz != 4) {
                        throw new Malformed("its kernelhub ABI note has a " + descsz + "-byte payload, not 4");
                    }
                    abi.put(at, (int) u32(desc));
                }
                at = next;
            }
        }

        private static long roundUp(long v, int align) {
            return (v + align - 1) & -align;
        }

        /** The file offset of [vaddr, vaddr + len), which one PT_LOAD must hold in its file image. */
        private long offsetOf(long vaddr, long len, String what) {
            long found = -1;
            for (long[] l : loads) {
                if (Long.compareUnsigned(vaddr, l[0]) >= 0 && Long.compareUnsigned(vaddr - l[0], l[2]) < 0
                        && Long.compareUnsigned(vaddr - l[0] + len, l[2]) <= 0) {
                    found = l[1] + (vaddr - l[0]);
                }
            }
            if (found < 0) {
                throw new Malformed(what + " (address 0x" + Long.toHexString(vaddr) + ") is not in the file image of "
                        + "any PT_LOAD segment");
            }
            return found;
        }

        /** The NUL-terminated string at {@code index} of the string table at file offset {@code strtab}. */
        private String string(long strtab, long strsz, long index) {
            if (Long.compareUnsigned(index, strsz) >= 0) {
                throw new Malformed("a dynamic string index " + index + " is past DT_STRSZ " + strsz);
            }
            long start = strtab + index;
            long limit = start + Math.min(strsz - index, MAX_STRING + 1);
            for (long p = start; p < limit; p++) {
                if (bytes[(int) p] == 0) {
                    return new String(bytes, (int) start, (int) (p - start), StandardCharsets.UTF_8);
                }
            }
            throw new Malformed("a dynamic string is not NUL-terminated within DT_STRSZ or is longer than " + MAX_STRING
                    + " bytes");
        }

        private boolean fits(long offset, long len) {
            return offset >= 0 && len >= 0 && offset <= bytes.length && len <= bytes.length - offset;
        }

        private void require(long offset, long len, String what) {
            if (!fits(offset, len)) {
                throw new Malformed(what + " (offset " + Long.toUnsignedString(offset) + ", " + Long.toUnsignedString(len)
                        + " bytes) lies outside the " + bytes.length + "-byte file");
            }
        }

        private int u16(long at) {
            require(at, 2, "a field");
            return Short.toUnsignedInt(b.getShort((int) at));
        }

        private long u32(long at) {
            require(at, 4, "a field");
            return Integer.toUnsignedLong(b.getInt((int) at));
        }

        private long u64(long at) {
            require(at, 8, "a field");
            return b.getLong((int) at);
        }
    }
}

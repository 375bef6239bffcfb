package io.kernelhub.hub.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.kernelhub.bridge.elf.ElfImage;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.pack.BundlePacker;
import io.kernelhub.hub.select.MachineProbe;
import io.kernelhub.core.version.Version;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.fornwall.jelf.ElfDynamicSection;
import net.fornwall.jelf.ElfException;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * {@code kernelhub check}: verifies what a bundle's kernel.json promises against its library
 * (ELF read with jelf): the ABI entry points are exported; dynamic dependencies are only system
 * libraries every machine has (no {@code libcudart}, {@code libstdc++}) or libraries the bundle
 * ships; nothing outside the bundle can be loaded with it ({@link LibraryPolicy}: no RPATH/RUNPATH
 * but {@code $ORIGIN}, no unknown DT_NEEDED); the ABI note ({@code .note.kernelhub}) is present
 * and agrees with kernel.json; the glibc symbol versions it needs are within the recorded
 * ceiling; CUDA binaries hold exactly the SASS and PTX architectures recorded.
 */
public final class BundleChecker {

    /** Libraries a bundle may depend on dynamically: the C runtime and, for CUDA, the driver. */
    static final Set<String> SYSTEM_LIBRARIES = Set.of("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
            "librt.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libcuda.so.1");
    static final List<String> REQUIRED_SYMBOLS = List.of("kh_abi_version", "kh_register");
    private static final Pattern GLIBC = Pattern.compile("GLIBC_(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;

    private BundleChecker() {}

    /** One check's outcome. */
    public record Finding(String check, boolean ok, String detail) {}

    /** All findings for one variant directory. */
    public record Report(Path variantDir, String variant, List<Finding> findings) {
        public boolean ok() {
            return findings.stream().allMatch(Finding::ok);
        }
    }

    /** Checks every variant under a kernel source directory, build directory or variant directory. */
    public static List<Report> checkAll(Path dir) {
        List<Path> variants = BundlePacker.findVariants(dir);
        if (variants.isEmpty()) {
            throw new HubException("nothing to check in " + dir + ": no <variant>/kernel.json (build it first: kernelhub "
                    + "build DIR)");
        }
        return variants.stream().map(BundleChecker::check).toList();
    }

    public static Report check(Path variantDir) {
        List<Finding> f = new ArrayList<>();
        JsonNode meta;
        try {
            meta = ManifestCodec.readTree(Files.readAllBytes(variantDir.resolve("kernel.json")), "kernel.json");
        } catch (IOException | RuntimeException e) {
            return new Report(variantDir, variantDir.getFileName().toString(),
                    List.of(new Finding("kernel.json", false, e.getMessage())));
        }
        String variant = meta.path("variant").asText(variantDir.getFileName().toString());
        Path lib = variantDir.resolve(meta.path("library").asText(""));
        if (!Files.isRegularFile(lib)) {
            f.add(new Finding("library", false, "kernel.json names library '" + meta.path("library").asText() + "', which "
                    + "is not in " + variantDir));
            return new Report(variantDir, variant, f);
        }
        ElfFile elf;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(lib);
            elf = ElfFile.from(bytes);
        } catch (IOException | RuntimeException e) {
            f.add(new Finding("elf", false, lib.getFileName() + " is not a readable ELF shared library: " + e.getMessage()));
            return new Report(variantDir, variant, f);
        }
        String arch = meta.path("arch").asText("");
        String elfArch = elf.e_machine == ElfFile.ARCH_X86_64 ? "x86_64" : elf.e_machine == ElfFile.ARCH_AARCH64 ? "aarch64"
                : "machine " + elf.e_machine;
        f.add(new Finding("elf", elf.e_type == ElfFile.ET_DYN && elfArch.equals(arch), "ELF " + elfArch
                + (elf.e_type == ElfFile.ET_DYN ? " shared library" : " (not a shared library)")
                + (elfArch.equals(arch) ? "" : "; kernel.json says " + arch)));
        f.add(symbols(elf));
        f.add(dependencies(elf, LibraryPolicy.shippedDependencies(bytes, lib.getParent())));
        f.add(loadPolicy(variantDir, meta.path("library").asText()));
        f.add(abiNote(bytes, meta.path("abi_version")));
        f.add(glibc(elf, bytes, meta.path("requirements").path("glibc_max").asText(null)));
        if ("cuda".equals(meta.path("backend").asText()) || variant.startsWith("cu")) {
            f.add(cuda(elf, meta.path("requirements")));
        }
        return new Report(variantDir, variant, f);
    }

    private static Finding symbols(ElfFile elf) {
        Set<String> exported = new TreeSet<>();
        try {
            ElfSymbolTableSection dyn = elf.getDynamicSymbolTableSection();
            if (dyn != null) {
                for (ElfSymbol s : dyn.symbols) {
                    if (s.st_shndx != 0 && s.getBinding() != ElfSymbol.BINDING_LOCAL) {
                        String n = s.getName();
                        if (n != null) exported.add(n);
                    }
                }
            }
        } catch (ElfException e) {
            return new Finding("symbols", false, "cannot read the dynamic symbol table: " + e.getMessage());
        }
        List<String> missing = REQUIRED_SYMBOLS.stream().filter(s -> !exported.contains(s)).toList();
        return new Finding("symbols", missing.isEmpty(), missing.isEmpty() ? "exports " + String.join(", ", REQUIRED_SYMBOLS)
                : "does not export " + String.join(", ", missing) + " (declare them with KH_EXPORT from kernelhub.h)");
    }

    private static Finding loadPolicy(Path variantDir, String library) {
        List<String> problems = LibraryPolicy.checkBundle(variantDir, library);
        return new Finding("load-policy", problems.isEmpty(), problems.isEmpty()
                ? "loads nothing from outside the bundle (no RPATH/RUNPATH entry but $ORIGIN, every DT_NEEDED a system "
                + "library or shipped in the bundle)" : String.join("; ", problems));
    }

    private static Finding abiNote(byte[] bytes, JsonNode recorded) {
        OptionalInt note;
        try {
            note = ElfImage.parse(bytes).abiVersion();
        } catch (ElfImage.Malformed e) {
            return new Finding("abi-note", false, e.getMessage());
        }
        if (note.isEmpty()) {
            return new Finding("abi-note", false, "no " + ElfImage.NOTE_SECTION + " ABI note: hosts must load the library, "
                    + "running its constructors, to learn its ABI. Rebuild it against the current native/include/kernelhub.h "
                    + "(including it adds the note)");
        }
        String v = Integer.toUnsignedString(note.getAsInt());
        boolean ok = !recorded.isNumber() || recorded.asText().equals(v);
        return new Finding("abi-note", ok, ElfImage.NOTE_SECTION + " says ABI " + v
                + (ok ? "" : "; kernel.json records " + recorded.asText() + " (rebuild, do not edit kernel.json)"));
    }

    private static Finding dependencies(ElfFile elf, Set<String> shipped) {
        List<String> needed;
        try {
            ElfDynamicSection d = elf.getDynamicSection();
            needed = d == null ? List.of() : d.getNeededLibraries();
        } catch (ElfException e) {
            return new Finding("dependencies", false, "cannot read the dynamic section: " + e.getMessage());
        }
        List<String> bad = needed.stream().filter(n -> !SYSTEM_LIBRARIES.contains(n) && !shipped.contains(n)).toList();
        String hint = bad.stream().anyMatch(n -> n.startsWith("libcudart")) ? " (link the CUDA runtime statically: -cudart static)"
                : bad.stream().anyMatch(n -> n.startsWith("libstdc++") || n.startsWith("libgcc_s"))
                ? " (link -static-libstdc++ -static-libgcc)" : "";
        return new Finding("dependencies", bad.isEmpty(), bad.isEmpty() ? "needs only " + needed
                + (shipped.isEmpty() ? "" : " (shipped in the bundle: " + shipped + ")")
                : "needs non-system libraries " + bad + hint);
    }

    /** The newest GLIBC_x.y version the library needs, read from .gnu.version_r (jelf does not parse it). */
    private static Finding glibc(ElfFile elf, byte[] bytes, String ceiling) {
        Version newest = null;
        try {
            for (ElfSection s : elf.sectionsOfType(SHT_GNU_VERNEED)) {
                ElfSection strtab = elf.getSection(s.header.sh_link);
                ByteBuffer b = ByteBuffer.wrap(bytes).order(elf.ei_data == ElfFile.DATA_LSB ? ByteOrder.LITTLE_ENDIAN
                        : ByteOrder.BIG_ENDIAN);
                long base = s.header.sh_offset, str = strtab.header.sh_offset;
                long vn = base;
                for (int guard = 0; guard < 1000; guard++) {
                    int cnt = Short.toUnsignedInt(b.getShort((int) vn + 2));
                    long aux = vn + Integer.toUnsignedLong(b.getInt((int) vn + 8));
                    for (int i = 0; i < cnt; i++) {
                        String name = cString(bytes, (int) (str + Integer.toUnsignedLong(b.getInt((int) aux + 8))));
                        Matcher m = GLIBC.matcher(name);
                        if (m.matches()) {
                            Version v = new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), null);
                            if (newest == null || v.compareTo(newest) > 0) newest = v;
                        }
                        long next = Integer.toUnsignedLong(b.getInt((int) aux + 12));
                        if (next == 0) break;
                        aux += next;
                    }
                    long next = Integer.toUnsignedLong(b.getInt((int) vn + 12));
                    if (next == 0) break;
                    vn += next;
                }
            }
        } catch (RuntimeException e) {
            return new Finding("glibc", false, "cannot read symbol versions: " + e.getMessage());
        }
        String found = newest == null ? "none" : newest.major() + "." + newest.minor()
                + (newest.patch() == 0 ? "" : "." + newest.patch());
        if (ceiling == null || ceiling.isBlank()) {
            return new Finding("glibc", newest == null, newest == null ? "needs no glibc symbol versions"
                    : "needs GLIBC_" + found + " but kernel.json records no glibc_max");
        }
        Version c = MachineProbe.parseGlibc(ceiling);
        boolean ok = newest == null || c != null && new Version(newest.major(), newest.minor(), 0, null).compareTo(c) <= 0;
        return new Finding("glibc", ok, "newest glibc symbol version needed: " + found + "; recorded ceiling " + ceiling
                + (ok ? "" : " (the library needs a newer glibc than kernel.json says: rebuild, do not edit kernel.json)"));
    }

    private static Finding cuda(ElfFile elf, JsonNode req) {
        ElfSection s;
        try {
            s = elf.firstSectionByName(".nv_fatbin");
        } catch (ElfException e) {
            s = null;
        }
        if (s == null) {
            return new Finding("cuda", false, "a CUDA variant without a .nv_fatbin section (no GPU code embedded)");
        }
        CudaFatbin.Contents c = CudaFatbin.read(s.getData());
        TreeSet<String> wantSass = new TreeSet<>(), wantPtx = new TreeSet<>();
        req.path("sass").forEach(n -> wantSass.add(n.asText().replaceAll("[a-z]$", "")));
        req.path("ptx").forEach(n -> wantPtx.add(n.asText().replaceAll("[a-z]$", "")));
        boolean ok = c.sass().equals(wantSass) && c.ptx().equals(wantPtx);
        return new Finding("cuda", ok, "binary holds SASS " + c.sass() + " and PTX " + c.ptx()
                + (ok ? ", as kernel.json records" : "; kernel.json records SASS " + wantSass + " and PTX " + wantPtx));
    }

    private static String cString(byte[] b, int at) {
        int end = at;
        while (end < b.length && b[end] != 0) end++;
        return new String(b, at, end - at, StandardCharsets.US_ASCII);
    }
}

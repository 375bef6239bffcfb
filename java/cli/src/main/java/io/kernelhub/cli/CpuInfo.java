package io.kernelhub.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The CPU as far as kernels care: model name, core count and the instruction-set extensions
 * that decide which kernel variants can run. On Linux the ISA flags come from
 * {@code /proc/cpuinfo}; elsewhere they are unknown.
 *
 * @param model     CPU model name, or "unknown"
 * @param cores     processors available to the JVM
 * @param isa       the kernel-relevant ISA flags present, in a fixed order; null when unknown
 * @param isaSource where the flags came from, or why they are unknown
 */
record CpuInfo(String model, int cores, List<String> isa, String isaSource) {

    /** Flags that matter for attention kernels, in report order (x86-64, then AArch64). */
    static final List<String> INTERESTING = List.of(
            "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni",
            "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_vnni",
            "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "amx_fp16",
            "asimd", "asimdhp", "asimddp", "fphp", "bf16", "i8mm", "sve", "sve2", "sme");

    static final Path PROC_CPUINFO = Path.of("/proc/cpuinfo");

    /** Detects the running machine's CPU; never throws. */
    static CpuInfo detect() {
        int cores = Runtime.getRuntime().availableProcessors();
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return new CpuInfo("unknown", cores, null, "unknown: ISA flags are read from /proc/cpuinfo, which only Linux has");
        }
        try {
            return parse(Files.readAllLines(PROC_CPUINFO), cores);
        } catch (IOException | RuntimeException e) {
            return new CpuInfo("unknown", cores, null, "unknown: cannot read " + PROC_CPUINFO + ": " + e.getMessage());
        }
    }

    /** Parses the text of /proc/cpuinfo (the first processor's block decides). */
    static CpuInfo parse(List<String> lines, int cores) {
        String model = null;
        String flags = null;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (model == null && (key.equals("model name") || key.equals("cpu model") || key.equals("hardware"))) {
                model = value;
            }
            if (flags == null && (key.equals("flags") || key.equals("features"))) {
                flags = value;
            }
            if (model != null && flags != null) {
                break;
            }
        }
        if (flags == null) {
            return new CpuInfo(model == null ? "unknown" : model, cores, null,
                    "unknown: " + PROC_CPUINFO + " has no flags/Features line");
        }
        Set<String> present = new LinkedHashSet<>(List.of(flags.toLowerCase(Locale.ROOT).split("\\s+")));
        List<String> isa = new ArrayList<>();
        for (String f : INTERESTING) {
            if (present.contains(f)) {
                isa.add(f);
            }
        }
        return new CpuInfo(model == null ? "unknown" : model, cores, List.copyOf(isa), PROC_CPUINFO.toString());
    }
}

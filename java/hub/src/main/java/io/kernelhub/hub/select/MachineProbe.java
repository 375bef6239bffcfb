package io.kernelhub.hub.select;

import io.kernelhub.core.version.Version;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads this machine's {@link MachineProfile}: OS, arch, glibc (through FFM), CPU features, CUDA. */
public final class MachineProbe {

    private static final List<String> V2 = List.of("cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3");
    private static final List<String> V3 = List.of("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe");
    private static final List<String> V4 = List.of("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl");

    private MachineProbe() {}

    /** OS, arch, glibc and CPU features, read once per JVM (they do not change while it runs). */
    private static final class Host {
        static final MachineProfile PROFILE = new MachineProfile(os(), arch(), glibc(), cpuFeatures(Path.of("/proc/cpuinfo")),
                new CudaStatus.Unavailable("not probed"));
    }

    /** This machine, CUDA included (both probes run once per JVM). */
    public static MachineProfile current() {
        return Host.PROFILE.withCuda(CudaDriver.status());
    }

    /** This machine without asking the driver (for CPU-only decisions and tests). */
    public static MachineProfile currentWithoutCuda(String reason) {
        return Host.PROFILE.withCuda(new CudaStatus.Unavailable(reason));
    }

    public static String os() {
        String n = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return n.contains("linux") ? "linux" : n.contains("mac") ? "darwin" : n.contains("win") ? "windows" : n;
    }

    public static String arch() {
        String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a;
        };
    }

    /** The running glibc's version from {@code gnu_get_libc_version()}, or null (not glibc). */
    @SuppressWarnings("restricted")
    public static Version glibc() {
        try {
            Linker linker = Linker.nativeLinker();
            MemorySegment fn = linker.defaultLookup().find("gnu_get_libc_version").orElse(null);
            if (fn == null) {
                return null;
            }
            MethodHandle h = linker.downcallHandle(fn, FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment s = ((MemorySegment) h.invokeExact()).reinterpret(64);
            return parseGlibc(s.getString(0));
        } catch (Throwable t) {
            return null;
        }
    }

    /** {@code 2.36} -> 2.36.0. */
    public static Version parseGlibc(String text) {
        if (text == null) return null;
        String[] p = text.trim().split("\\.");
        try {
            return new Version(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1].replaceAll("\\D.*", "")) : 0,
                    0, null);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Set<String> cpuFeatures(Path cpuinfo) {
        try {
            return featuresFromCpuinfo(Files.readAllLines(cpuinfo), arch());
        } catch (IOException e) {
            return Set.of(arch().equals("x86_64") ? "x86-64" : arch());
        }
    }

    /** The flags of the first processor in {@code /proc/cpuinfo}, plus the x86-64 levels they reach. */
    public static Set<String> featuresFromCpuinfo(List<String> lines, String arch) {
        Set<String> f = new HashSet<>();
        for (String line : lines) {
            if (line.startsWith("flags") || line.startsWith("Features")) {
                int c = line.indexOf(':');
                if (c > 0) {
                    for (String t : line.substring(c + 1).trim().split("\\s+")) {
                        if (!t.isEmpty()) f.add(t);
                    }
                    break;
                }
            }
        }
        if (arch.equals("x86_64")) {
            f.add("x86-64");
            if (f.containsAll(V2)) {
                f.add("x86-64-v2");
                if (f.containsAll(V3)) {
                    f.add("x86-64-v3");
                    if (f.containsAll(V4)) f.add("x86-64-v4");
                }
            }
        } else {
            f.add(arch);
        }
        return f;
    }
}

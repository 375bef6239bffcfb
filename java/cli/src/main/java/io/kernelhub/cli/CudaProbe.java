package io.kernelhub.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Asks the CUDA driver, through FFM, whether CUDA can be used here: loads {@code libcuda.so.1}
 * (the only thing kernelhub bundles need), then calls {@code cuDriverGetVersion},
 * {@code cuInit(0)}, {@code cuDeviceGetCount} and a few device properties. Every failure
 * becomes a reason string; nothing here throws. The probe runs once per JVM and the driver
 * library stays loaded (unloading libcuda after cuInit is not safe).
 */
@SuppressWarnings("restricted")
final class CudaProbe {

    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    private static final int RTLD_NOW = 2;

    /** One CUDA device as the driver describes it. */
    record Gpu(int index, String name, String computeCapability, long totalMemoryBytes) {
    }

    /**
     * @param available     true when cuInit succeeded and at least one device exists
     * @param library       the driver library name that was looked up
     * @param driverVersion the driver's CUDA version as an int (e.g. 12080), or -1 when unknown
     * @param deviceCount   devices the driver sees, or -1 when unknown
     * @param gpus          the devices, possibly empty
     * @param reason        why CUDA is unavailable, or null when it is available
     */
    record Result(boolean available, String library, int driverVersion, int deviceCount, List<Gpu> gpus,
                  String reason) {

        /** "12.8" for 12080, or null when unknown. */
        String driverVersionText() {
            return driverVersion < 0 ? null : (driverVersion / 1000) + "." + (driverVersion % 1000) / 10;
        }

        /** One line for humans. */
        String summary() {
            if (available) {
                return "available: driver supports CUDA " + driverVersionText() + ", " + deviceCount + " device"
                        + (deviceCount == 1 ? "" : "s");
            }
            return "unavailable: " + reason;
        }
    }

    private static final class Holder {
        static final Result RESULT = probeSafely();
    }

    private CudaProbe() {
    }

    /** The driver status of this machine (probed once per JVM). */
    static Result result() {
        return Holder.RESULT;
    }

    private static Result probeSafely() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String lib = os.contains("win") ? "nvcuda.dll" : "libcuda.so.1";
        if (os.contains("mac") || os.contains("darwin")) {
            return unavailable(lib, -1, -1, "CUDA is not supported on macOS");
        }
        try {
            return probe(lib);
        } catch (IllegalCallerException e) {
            return unavailable(lib, -1, -1, "native access is disabled for kernelhub (run java with "
                    + "--enable-native-access=ALL-UNNAMED): " + e.getMessage());
        } catch (Throwable e) {
            return unavailable(lib, -1, -1, "probing the CUDA driver failed: " + e);
        }
    }

    private static Result unavailable(String lib, int driverVersion, int deviceCount, String reason) {
        return new Result(false, lib, driverVersion, deviceCount, List.of(), reason);
    }

    private static Result probe(String lib) throws Throwable {
        SymbolLookup cuda;
        try {
            cuda = SymbolLookup.libraryLookup(lib, Arena.global());
        } catch (IllegalArgumentException e) {
            return unavailable(lib, -1, -1, lib + " not found: no NVIDIA driver installed (" + loadFailure(lib, e) + ")");
        }
        Driver d = new Driver(cuda);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment intOut = arena.allocate(JAVA_INT);
            int driverVersion = -1;
            int rc = (int) d.call("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(intOut);
            if (rc == 0) {
                driverVersion = intOut.get(JAVA_INT, 0);
            }
            rc = (int) d.call("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT)).invokeExact(0);
            if (rc != 0) {
                return unavailable(lib, driverVersion, -1, "cuInit(0) failed with " + d.errorText(rc, arena));
            }
            rc = (int) d.call("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(intOut);
            if (rc != 0) {
                return unavailable(lib, driverVersion, -1, "cuDeviceGetCount failed with " + d.errorText(rc, arena));
            }
            int count = intOut.get(JAVA_INT, 0);
            if (count == 0) {
                return unavailable(lib, driverVersion, 0, "the driver is installed but sees no CUDA device");
            }
            List<Gpu> gpus = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                gpus.add(d.gpu(i, arena));
            }
            return new Result(true, lib, driverVersion, count, List.copyOf(gpus), null);
        }
    }

    /** The dynamic loader's own words for why a library did not load (dlerror), or the JDK's message. */
    private static String loadFailure(String lib, IllegalArgumentException jdkError) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Optional<MemorySegment> dlopen = libc.find("dlopen");
            Optional<MemorySegment> dlerror = libc.find("dlerror");
            if (dlopen.isEmpty() || dlerror.isEmpty()) {
                return jdkError.getMessage();
            }
            MethodHandle open = linker.downcallHandle(dlopen.get(), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MethodHandle error = linker.downcallHandle(dlerror.get(), FunctionDescriptor.of(ADDRESS));
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(lib), RTLD_NOW);
            if (!handle.equals(MemorySegment.NULL)) {
                return jdkError.getMessage(); // loads now (raced with an install?); nothing better to say
            }
            MemorySegment text = (MemorySegment) error.invokeExact();
            if (text.equals(MemorySegment.NULL)) {
                return jdkError.getMessage();
            }
            return "dlopen: " + text.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return jdkError.getMessage();
        }
    }

    /** Downcalls into the driver library. */
    private record Driver(SymbolLookup lib) {

        MethodHandle call(String symbol, FunctionDescriptor fd) {
            MemorySegment address = lib.find(symbol)
                    .orElseThrow(() -> new IllegalStateException("the CUDA driver has no symbol " + symbol));
            return Linker.nativeLinker().downcallHandle(address, fd);
        }

        /** "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)" for a CUresult. */
        String errorText(int rc, Arena arena) {
            String name = "CUresult " + rc;
            String text = null;
            try {
                MemorySegment p = arena.allocate(ADDRESS);
                int r = (int) call("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)).invokeExact(rc, p);
                if (r == 0) {
                    name = cString(p.get(ADDRESS, 0), name);
                }
                r = (int) call("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)).invokeExact(rc, p);
                if (r == 0) {
                    text = cString(p.get(ADDRESS, 0), null);
                }
            } catch (Throwable ignored) {
                // keep the numeric code
            }
            return text == null ? name : name + " (" + text + ")";
        }

        Gpu gpu(int ordinal, Arena arena) throws Throwable {
            MemorySegment intOut = arena.allocate(JAVA_INT);
            int rc = (int) call("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)).invokeExact(intOut, ordinal);
            if (rc != 0) {
                return new Gpu(ordinal, "unknown (cuDeviceGet failed with " + errorText(rc, arena) + ")", null, -1);
            }
            int dev = intOut.get(JAVA_INT, 0);
            MemorySegment name = arena.allocate(JAVA_BYTE, 256);
            rc = (int) call("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT))
                    .invokeExact(name, 256, dev);
            String devName = rc == 0 ? name.getString(0) : "unknown";
            MethodHandle attr = call("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            int major = (int) attr.invokeExact(intOut, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev) == 0
                    ? intOut.get(JAVA_INT, 0) : -1;
            int minor = (int) attr.invokeExact(intOut, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev) == 0
                    ? intOut.get(JAVA_INT, 0) : -1;
            MemorySegment longOut = arena.allocate(JAVA_LONG);
            rc = (int) call("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT))
                    .invokeExact(longOut, dev);
            long mem = rc == 0 ? longOut.get(JAVA_LONG, 0) : -1;
            return new Gpu(ordinal, devName, major < 0 || minor < 0 ? null : major + "." + minor, mem);
        }

        private static String cString(MemorySegment p, String fallback) {
            return p.equals(MemorySegment.NULL) ? fallback : p.reinterpret(1024).getString(0);
        }
    }
}

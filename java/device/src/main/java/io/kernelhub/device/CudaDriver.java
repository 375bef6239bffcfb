package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA driver through JCuda's driver API (its natives need only {@code libcuda.so.1}, so
 * no toolkit is required). The probe runs once per JVM; on a machine without a driver it
 * returns {@link CudaStatus.Unavailable} with the loader's reason instead of throwing.
 */
public final class CudaDriver {

    private CudaDriver() {}

    private static final class Holder {
        static final CudaStatus STATUS = probe();
    }

    /** This machine's CUDA status (probed on first use). */
    public static CudaStatus status() {
        return Holder.STATUS;
    }

    private static CudaStatus probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return new CudaStatus.Unavailable("CUDA does not exist on macOS");
        }
        if (Boolean.getBoolean("kernelhub.cuda.disable")) {
            return new CudaStatus.Unavailable("disabled by -Dkernelhub.cuda.disable=true");
        }
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new CudaStatus.Unavailable("the NVIDIA driver is installed but cuInit failed: " + CUresult.stringFor(r)
                        + (r == CUresult.CUDA_ERROR_NO_DEVICE ? " (no CUDA device visible; check CUDA_VISIBLE_DEVICES)" : ""));
            }
            int[] v = new int[1];
            check(cuDriverGetVersion(v), "cuDriverGetVersion");
            int[] n = new int[1];
            check(cuDeviceGetCount(n), "cuDeviceGetCount");
            List<CudaDevice> devices = new ArrayList<>();
            for (int i = 0; i < n[0]; i++) {
                CUdevice d = new CUdevice();
                check(cuDeviceGet(d, i), "cuDeviceGet");
                byte[] name = new byte[256];
                check(cuDeviceGetName(name, name.length, d), "cuDeviceGetName");
                int len = 0;
                while (len < name.length && name[len] != 0) len++;
                long[] mem = new long[1];
                check(cuDeviceTotalMem(mem, d), "cuDeviceTotalMem");
                devices.add(new CudaDevice(i, new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8),
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), mem[0],
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)));
            }
            if (devices.isEmpty()) {
                return new CudaStatus.Unavailable("the NVIDIA driver (CUDA " + CudaStatus.versionText(v[0])
                        + ") sees no CUDA device");
            }
            return new CudaStatus.Available(v[0], devices);
        } catch (LinkageError e) {
            return new CudaStatus.Unavailable("no NVIDIA driver: " + loaderReason(e) + ". Install the NVIDIA driver to "
                    + "use CUDA kernels; CPU kernels work without it.");
        } catch (IllegalStateException e) {
            return new CudaStatus.Unavailable(e.getMessage());
        }
    }

    private static int attribute(CUdevice d, int attr) {
        int[] x = new int[1];
        check(cuDeviceGetAttribute(x, attr, d), "cuDeviceGetAttribute");
        return x[0];
    }

    private static void check(int r, String call) {
        if (r != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + CUresult.stringFor(r));
        }
    }

    /**
     * JCuda's error lists each way it tried to load its native library; the useful part is the
     * dynamic loader's complaint about the driver ("libcuda.so.1: cannot open shared object file").
     */
    static String loaderReason(Throwable e) {
        String all = String.valueOf(e.getMessage());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(libcuda[^:\\s]*: [^\\n]*)").matcher(all);
        if (m.find()) {
            return m.group(1).trim();
        }
        return "libcuda.so.1 could not be loaded (" + firstLine(all) + ")";
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        String t = nl < 0 ? s : s.substring(0, nl);
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}

package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;

import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;

/**
 * Each device's primary context, retained once per JVM and made current on the calling thread
 * before driver calls. Bundles use the CUDA runtime API, which works in the same primary
 * context, so memory allocated here is theirs to use. (The table is process-wide by nature: the
 * driver has one primary context per device and process.)
 */
public final class CudaContexts {

    private static final ConcurrentHashMap<Integer, CUcontext> PRIMARY = new ConcurrentHashMap<>();

    private CudaContexts() {}

    /** Makes device {@code index}'s primary context current on this thread; explains when CUDA is unusable. */
    public static void makeCurrent(int index) {
        CudaStatus s = CudaDriver.status();
        if (s instanceof CudaStatus.Unavailable u) {
            throw new CudaException("CUDA is unavailable: " + u.reason());
        }
        CudaStatus.Available a = (CudaStatus.Available) s;
        if (index < 0 || index >= a.devices().size()) {
            throw new IllegalArgumentException("no device cuda:" + index + " (this machine has " + a.devices().size() + ")");
        }
        CUcontext ctx = PRIMARY.computeIfAbsent(index, i -> {
            CUdevice d = new CUdevice();
            CudaException.check(cuDeviceGet(d, i), "cuDeviceGet");
            CUcontext c = new CUcontext();
            CudaException.check(cuDevicePrimaryCtxRetain(c, d), "cuDevicePrimaryCtxRetain");
            return c;
        });
        CudaException.check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    /** Waits until everything queued on device {@code index} has finished (errors of earlier launches surface here). */
    public static void synchronize(int index) {
        makeCurrent(index);
        CudaException.check(jcuda.driver.JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    static String name(int result) {
        return CUresult.stringFor(result);
    }
}

package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * Times work on a device's default stream (where ops launch when the host passes no stream)
 * with CUDA events: the device time between two events around the work, not host wall time.
 */
public final class CudaTimer {
    private CudaTimer() {}

    /** Milliseconds of device time {@code body} enqueues on the default stream of {@code device}. */
    public static float time(int device, Runnable body) {
        return time(device, new CUstream(), body);
    }

    /** Milliseconds of device time {@code body} enqueues on {@code stream}, between two events recorded on it. */
    static float time(int device, CUstream stream, Runnable body) {
        CudaContexts.makeCurrent(device);
        CUevent start = new CUevent(), end = new CUevent();
        CudaException.check(cuEventCreate(start, 0), "cuEventCreate");
        CudaException.check(cuEventCreate(end, 0), "cuEventCreate");
        try {
            CudaException.check(cuEventRecord(start, stream), "cuEventRecord");
            body.run();
            CudaException.check(cuEventRecord(end, stream), "cuEventRecord");
            CudaException.check(cuEventSynchronize(end), "cuEventSynchronize");
            float[] ms = new float[1];
            CudaException.check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
            return ms[0];
        } finally {
            cuEventDestroy(start);
            cuEventDestroy(end);
        }
    }
}

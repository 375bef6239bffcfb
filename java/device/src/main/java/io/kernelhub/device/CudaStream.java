package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A CUDA stream (its handle goes to ops as {@code kh_attention_args.stream}) with event timing. */
public final class CudaStream implements AutoCloseable {

    /** CUstream with access to its raw handle. */
    private static final class Handle extends CUstream {
        long address() {
            return getNativePointer();
        }
    }

    private final Handle stream = new Handle();
    private final int device;

    public CudaStream(int device) {
        CudaContexts.makeCurrent(device);
        this.device = device;
        CudaException.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    /** The raw cudaStream_t / CUstream value. */
    public long handle() {
        return stream.address();
    }

    public void synchronize() {
        CudaContexts.makeCurrent(device);
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Milliseconds the work that {@code body} enqueues on this stream takes, measured with events. */
    public float time(Runnable body) {
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

    @Override
    public void close() {
        CudaContexts.makeCurrent(device);
        cuStreamDestroy(stream);
    }
}

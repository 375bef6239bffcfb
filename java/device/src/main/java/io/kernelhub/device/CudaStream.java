package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

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
        return CudaTimer.time(device, stream, body);
    }

    @Override
    public void close() {
        CudaContexts.makeCurrent(device);
        cuStreamDestroy(stream);
    }
}

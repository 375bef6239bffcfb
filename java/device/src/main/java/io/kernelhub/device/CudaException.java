package io.kernelhub.device;

/** A CUDA driver call failed, or CUDA is unavailable; the message names the call and the driver's error. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaException(String message) {
        super(message);
    }

    static void check(int result, String call) {
        if (result != 0) {
            throw new CudaException(call + " failed: " + CudaContexts.name(result));
        }
    }
}

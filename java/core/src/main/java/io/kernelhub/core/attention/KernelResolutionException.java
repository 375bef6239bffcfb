package io.kernelhub.core.attention;

/** A hub kernel id could not be turned into a loaded implementation; the message says why and what to do. */
public class KernelResolutionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelResolutionException(String message) {
        super(message);
    }

    public KernelResolutionException(String message, Throwable cause) {
        super(message, cause);
    }
}

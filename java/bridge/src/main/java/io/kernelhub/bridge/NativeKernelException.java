package io.kernelhub.bridge;

/**
 * A native op returned an error status. Argument problems the op found (which the Java side's
 * validation should have caught) are {@link IllegalArgumentException}s; device and internal
 * failures are this exception. The op's own message is kept.
 */
public final class NativeKernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    private NativeKernelException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static RuntimeException of(String op, int status, String message) {
        String text = "native op '" + op + "' failed with " + StatusCodes.name(status) + ": " + message;
        return switch (status) {
            case 1, 2 -> new IllegalArgumentException(text);
            default -> new NativeKernelException(text, status);
        };
    }
}

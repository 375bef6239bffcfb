package io.kernelhub.bridge;

/** Names of the ABI's {@code kh_status} codes, for messages. */
final class StatusCodes {
    private StatusCodes() {
    }

    static String name(int status) {
        return switch (status) {
            case 0 -> "KH_OK";
            case 1 -> "KH_ERR_INVALID_ARGUMENT";
            case 2 -> "KH_ERR_UNSUPPORTED";
            case 3 -> "KH_ERR_DEVICE";
            case 4 -> "KH_ERR_OUT_OF_MEMORY";
            case 5 -> "KH_ERR_INTERNAL";
            default -> "status " + status;
        };
    }
}

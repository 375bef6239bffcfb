package io.kernelhub.hub.transport;

/** Progress of one download (the CLI shows it as a progress bar on a terminal). */
public interface TransferListener {

    /** A transfer of {@code total} bytes (or -1 when unknown) starts, {@code already} of them on disk. */
    default void started(String what, long total, long already) {}

    default void progressed(long bytesSoFar) {}

    /** A retry after a failure; the message says what failed. */
    default void retrying(int attempt, String reason) {}

    default void finished() {}

    TransferListener NONE = new TransferListener() {};
}

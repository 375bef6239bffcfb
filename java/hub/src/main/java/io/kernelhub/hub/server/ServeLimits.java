package io.kernelhub.hub.server;

import java.time.Duration;

/**
 * What {@code kernelhub serve} lets one client hold, so that a slow or hostile client costs the
 * server a bounded amount of time, disk and connections.
 *
 * @param headerTimeout      a connection must deliver a complete request line and headers within this
 *                           time of opening, or of the previous response; otherwise it is closed
 * @param bodyTimeout        an upload's body must arrive within this time plus one second per
 *                           {@code bodyBytesPerSecond} of it; a response write that makes no progress
 *                           for this long is dropped too
 * @param bodyBytesPerSecond the slowest upload rate a large body is given time for
 * @param maxUploads         PUT requests receiving a body at once; more are answered 503 with Retry-After
 * @param maxUploadBytes     the largest file a PUT may store (413 beyond it)
 * @param maxConnections     open connections; more are answered 503 and closed
 */
public record ServeLimits(Duration headerTimeout, Duration bodyTimeout, long bodyBytesPerSecond, int maxUploads,
        long maxUploadBytes, int maxConnections) {

    public static final long MIB = 1L << 20;
    /** The defaults {@code kernelhub serve} documents: 10 s, 60 s + 1 s per 256 KiB, 4 uploads of 2048 MiB, 512 connections. */
    public static final ServeLimits DEFAULTS = new ServeLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 256 << 10,
            4, 2048 * MIB, 512);

    public ServeLimits {
        if (headerTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("the header timeout must be positive, got " + headerTimeout);
        }
        if (bodyTimeout == null || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("the body timeout must be positive, got " + bodyTimeout);
        }
        if (bodyBytesPerSecond < 1) {
            throw new IllegalArgumentException("the minimum upload rate must be >= 1 byte/s, got " + bodyBytesPerSecond);
        }
        if (maxUploads < 1) throw new IllegalArgumentException("the concurrent upload limit must be >= 1, got " + maxUploads);
        if (maxUploadBytes < 1) throw new IllegalArgumentException("the upload size limit must be >= 1 byte, got " + maxUploadBytes);
        if (maxConnections < 1) throw new IllegalArgumentException("the connection limit must be >= 1, got " + maxConnections);
    }

    public ServeLimits withTimeouts(Duration header, Duration body) {
        return new ServeLimits(header, body, bodyBytesPerSecond, maxUploads, maxUploadBytes, maxConnections);
    }

    public ServeLimits withUploads(int uploads, long maxBytes) {
        return new ServeLimits(headerTimeout, bodyTimeout, bodyBytesPerSecond, uploads, maxBytes, maxConnections);
    }

    public ServeLimits withMaxConnections(int n) {
        return new ServeLimits(headerTimeout, bodyTimeout, bodyBytesPerSecond, maxUploads, maxUploadBytes, n);
    }

    /** How long a body of {@code bytes} may take to arrive: the body timeout plus its size at the minimum rate. */
    long bodyAllowanceNanos(long bytes) {
        return bodyTimeout.toNanos() + (long) (bytes * (1e9 / bodyBytesPerSecond));
    }
}

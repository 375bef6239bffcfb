package io.kernelhub.hub.transport;

import java.time.Duration;

/**
 * How transfers react to slow or failing servers.
 *
 * @param attempts       tries per file (first try included)
 * @param initialBackoff wait before the first retry; doubled per retry (with jitter)
 * @param maxBackoff     longest wait between tries
 * @param connectTimeout to establish a connection
 * @param readTimeout    longest silence while reading (a stalled server)
 * @param transferDeadline longest one archive transfer attempt may take, however steadily bytes trickle in
 * @param fetchDeadline  longest a small file (index, manifest, signature, metadata) may take, every
 *                       attempt and wait included: a server trickling bytes cannot stall resolution
 */
public record RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff, Duration connectTimeout,
        Duration readTimeout, Duration transferDeadline, Duration fetchDeadline) {

    public static final Duration DEFAULT_FETCH_DEADLINE = Duration.ofSeconds(60);
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(30), DEFAULT_FETCH_DEADLINE);

    /** A policy with the default fetch deadline. */
    public RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff, Duration connectTimeout,
            Duration readTimeout, Duration transferDeadline) {
        this(attempts, initialBackoff, maxBackoff, connectTimeout, readTimeout, transferDeadline, DEFAULT_FETCH_DEADLINE);
    }

    /** A policy with the default 30-minute transfer deadline. */
    public RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff, Duration connectTimeout,
            Duration readTimeout) {
        this(attempts, initialBackoff, maxBackoff, connectTimeout, readTimeout, Duration.ofMinutes(30));
    }

    public RetryPolicy {
        if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1");
        if (fetchDeadline.isNegative() || fetchDeadline.isZero()) {
            throw new IllegalArgumentException("the fetch deadline must be positive");
        }
    }

    public RetryPolicy withFetchDeadline(Duration d) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, connectTimeout, readTimeout, transferDeadline, d);
    }

    /** Wait before retry number {@code retry} (1-based): exponential with up to 25% jitter. */
    public Duration backoff(int retry) {
        long base = initialBackoff.toMillis() << Math.min(20, retry - 1);
        long capped = Math.min(base, maxBackoff.toMillis());
        long jitter = (long) (capped * 0.25 * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        return Duration.ofMillis(capped - jitter);
    }
}

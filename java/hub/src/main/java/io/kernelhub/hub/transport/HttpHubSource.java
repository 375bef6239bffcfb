package io.kernelhub.hub.transport;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.SecureDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hub over HTTP(S). Every request has a connect and a read timeout (a stalled server fails
 * the attempt); connection errors, 5xx and 429 are retried with exponential backoff; a
 * download resumes with {@code Range} from the bytes already received. HttpURLConnection is
 * used because its per-read timeout catches stalls mid-body, which java.net.http does not.
 */
public record HttpHubSource(URI uri, RetryPolicy policy) implements HubSource {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    public HttpHubSource {
        String s = uri.toString();
        if (!s.endsWith("/")) {
            uri = URI.create(s + "/");
        }
    }

    private URI url(String path) {
        return uri.resolve(path);
    }

    /** A non-retryable answer (4xx other than 429). */
    private static final class Final extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        Final(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** A retryable answer whose server said when to come back (Retry-After, in seconds). */
    private static final class RetryLater extends IOException {
        private static final long serialVersionUID = 1L;
        final long millis;

        RetryLater(String message, long millis) {
            super(message);
            this.millis = millis;
        }
    }

    private interface Attempt<T> {
        T run() throws IOException;
    }

    private <T> T withRetries(String what, TransferListener listener, Attempt<T> attempt) {
        return withRetries(what, listener, Long.MAX_VALUE, attempt);
    }

    /** @param deadline System.nanoTime() after which no attempt starts and no wait begins (MAX_VALUE: none) */
    private <T> T withRetries(String what, TransferListener listener, long deadline, Attempt<T> attempt) {
        List<String> failures = new ArrayList<>();
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (Final e) {
                throw new HubException(what + ": " + e.getMessage());
            } catch (IOException e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                        + e.getMessage();
                failures.add("attempt " + i + ": " + reason);
                if (i >= policy.attempts()) {
                    throw new HubException(what + " failed after " + i + " attempts (" + String.join("; ", failures)
                            + "). Check that the hub is up and reachable, or set KERNELHUB_OFFLINE=1 to use the cache only.",
                            e);
                }
                listener.retrying(i, reason);
                long wait = policy.backoff(i).toMillis();
                if (e instanceof RetryLater later) {
                    wait = Math.min(Math.max(wait, later.millis), 60_000); // honour the server, within a minute
                }
                if (deadline != Long.MAX_VALUE && System.nanoTime() + wait * 1_000_000 - deadline >= 0) {
                    throw new HubException(what + ": no answer within the fetch deadline of "
                            + policy.fetchDeadline().toMillis() / 1000.0 + " s (" + String.join("; ", failures)
                            + "). Set KERNELHUB_FETCH_DEADLINE=SECONDS to allow longer, or KERNELHUB_OFFLINE=1 to use the cache.", e);
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new HubException(what + ": interrupted while waiting to retry", ie);
                }
            }
        }
    }

    private HttpURLConnection open(URI u, String method) throws IOException {
        HttpURLConnection c = (HttpURLConnection) u.toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout((int) policy.connectTimeout().toMillis());
        c.setReadTimeout((int) policy.readTimeout().toMillis());
        c.setInstanceFollowRedirects(true);
        c.setRequestProperty("User-Agent", "kernelhub");
        c.setRequestProperty("Accept-Encoding", "identity");
        return c;
    }

    /** 5xx and 429 are worth retrying; other errors are final. */
    private static void checkStatus(HttpURLConnection c, URI u) throws IOException {
        int s = c.getResponseCode();
        if (s >= 500 || s == 429) {
            String after = c.getHeaderField("Retry-After");
            if (after != null && after.trim().matches("\\d{1,6}")) {
                throw new RetryLater("HTTP " + s + " from " + u + " (Retry-After " + after.trim() + " s)",
                        Long.parseLong(after.trim()) * 1000);
            }
            throw new IOException("HTTP " + s + " from " + u);
        }
        if (s >= 400) {
            throw new Final(s, "HTTP " + s + " " + c.getResponseMessage() + " from " + u);
        }
    }

    @Override
    public Optional<byte[]> fetch(String path, int maxBytes) {
        URI u = url(path);
        long deadline = System.nanoTime() + policy.fetchDeadline().toNanos();
        return withRetries("GET " + u, TransferListener.NONE, deadline, () -> {
            HttpURLConnection c = open(u, "GET");
            // one watchdog per attempt closes the connection at the deadline: a server that trickles
            // header or body bytes never trips the per-read timeout, and must not stall resolution
            try (Watchdog w = Watchdog.start(c, deadline, u)) {
                if (c.getResponseCode() == 404 || c.getResponseCode() == 410) {
                    return Optional.<byte[]>empty();
                }
                checkStatus(c, u);
                if (c.getResponseCode() != 200) { // e.g. a redirect HttpURLConnection does not follow (http -> https)
                    throw new Final(c.getResponseCode(), "HTTP " + c.getResponseCode() + " from " + u
                            + (c.getHeaderField("Location") == null ? "" : " (Location: " + c.getHeaderField("Location")
                            + "; configure that URL as the hub)"));
                }
                long len = c.getContentLengthLong();
                if (len > maxBytes) {
                    throw new Final(200, u + " is " + len + " bytes, over the " + maxBytes + "-byte limit for this file");
                }
                try (InputStream in = c.getInputStream()) {
                    byte[] data = in.readNBytes(maxBytes + 1);
                    if (data.length > maxBytes) {
                        throw new Final(200, u + " is over the " + maxBytes + "-byte limit for this file");
                    }
                    if (len >= 0 && data.length != len) {
                        throw new IOException("short body: " + data.length + " of " + len + " bytes");
                    }
                    return Optional.of(data);
                }
            } catch (IOException e) {
                if (System.nanoTime() - deadline >= 0) throw deadlinePassed(u);
                throw e;
            } finally {
                c.disconnect();
            }
        });
    }

    private Final deadlinePassed(URI u) {
        return new Final(0, "no complete answer within " + policy.fetchDeadline().toMillis() / 1000.0 + " s (the hub is too "
                + "slow or trickles bytes; set KERNELHUB_FETCH_DEADLINE=SECONDS to allow longer)");
    }

    /** Closes a connection when its deadline passes (a daemon thread per attempt; closed when the attempt ends). */
    private static final class Watchdog implements AutoCloseable {
        private final Thread thread;

        private Watchdog(Thread thread) {
            this.thread = thread;
        }

        static Watchdog start(HttpURLConnection c, long deadline, URI u) {
            Thread t = Thread.ofPlatform().daemon().name("kernelhub-deadline").unstarted(() -> {
                try {
                    long left;
                    while ((left = deadline - System.nanoTime()) > 0) {
                        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
                    }
                    c.disconnect();
                } catch (InterruptedException done) {
                    // the attempt finished first
                }
            });
            t.start();
            return new Watchdog(t);
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }

    @Override
    public String download(String path, Path partial, long expectedSize, TransferListener listener) {
        URI u = url(path);
        return withRetries("download of " + u, listener, () -> {
            // a link at the partial file is refused (a HubException, not retried), never written or read through
            SecureDirectories.requireOwnFile(partial, "the partial download");
            long have = Files.exists(partial, LinkOption.NOFOLLOW_LINKS) ? Files.readAttributes(partial,
                    BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size() : 0;
            if (expectedSize >= 0 && have > expectedSize) {
                Files.delete(partial);
                have = 0;
            }
            if (expectedSize >= 0 && have == expectedSize) {
                return Digests.hex(prefixDigest(partial, have).digest()); // complete already (an earlier attempt or process)
            }
            HttpURLConnection c = open(u, "GET");
            try {
                if (have > 0) {
                    c.setRequestProperty("Range", "bytes=" + have + "-");
                }
                if (c.getResponseCode() == 416 && have > 0) { // the partial file does not fit what the server has
                    Files.delete(partial);
                    throw new IOException("the server refused resuming at byte " + have + " (416); starting over");
                }
                checkStatus(c, u);
                boolean append = false;
                if (c.getResponseCode() == 206) {
                    Matcher m = CONTENT_RANGE.matcher(String.valueOf(c.getHeaderField("Content-Range")));
                    append = m.matches() && Long.parseLong(m.group(1)) == have && have > 0;
                    if (!append) {
                        Files.deleteIfExists(partial); // a resume that cannot work: the next attempt starts from 0
                        throw new IOException("server answered the range request from byte " + have
                                + " with Content-Range " + c.getHeaderField("Content-Range") + "; starting over");
                    }
                } else if (c.getResponseCode() != 200) {
                    throw new Final(c.getResponseCode(), "unexpected HTTP " + c.getResponseCode() + " from " + u);
                }
                long start = append ? have : 0;
                long len = c.getContentLengthLong();
                long total = len >= 0 ? start + len : expectedSize;
                if (expectedSize >= 0 && total > expectedSize) {
                    throw new Final(200, u + " is " + total + " bytes but its manifest declares " + expectedSize);
                }
                listener.started(path, total, start);
                // the digest covers the bytes kept from earlier attempts, then streams with the body
                MessageDigest md = append ? prefixDigest(partial, start) : Digests.sha256();
                try (InputStream in = c.getInputStream();
                        OutputStream out = HubFiles.openPrivateForWriting(partial, append)) { // no link followed; 0600 when new
                    byte[] buf = new byte[1 << 16];
                    long done = start;
                    final long deadline = System.nanoTime() + policy.transferDeadline().toNanos();
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (System.nanoTime() > deadline) { // a server trickling bytes never trips the read timeout
                            throw new IOException("the transfer took longer than " + policy.transferDeadline().toSeconds()
                                    + " s (" + done + " bytes so far); the next attempt resumes from there");
                        }
                        out.write(buf, 0, n);
                        md.update(buf, 0, n);
                        done += n;
                        if (expectedSize >= 0 && done > expectedSize) {
                            throw new Final(200, u + " sent more than the " + expectedSize
                                    + " bytes its manifest declares");
                        }
                        listener.progressed(done);
                    }
                    if (total >= 0 && done < total) {
                        throw new IOException("connection closed after " + done + " of " + total + " bytes");
                    }
                    listener.finished();
                    return Digests.hex(md.digest());
                }
            } finally {
                c.disconnect();
            }
        });
    }

    /** The digest of the first {@code bytes} of {@code file}, read without following a link. */
    private static MessageDigest prefixDigest(Path file, long bytes) throws IOException {
        MessageDigest md = Digests.sha256();
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            long left = bytes;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n <= 0) throw new IOException("partial download " + file + " shrank while resuming");
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return md;
    }
}

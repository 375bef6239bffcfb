package io.kernelhub.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A hub server for reliability tests: serves a directory (GET with {@code Range: bytes=N-}) and
 * injects queued faults per path — an aborted transfer, 503, a stall, corrupted bytes, or a
 * slow trickle — and logs every request. A stall holds its connection until the hub is closed,
 * so only the client's own timeout ends it, however slow the machine; the server records when it
 * answered a 503 with Retry-After and when the next request came, so tests check the client's
 * wait from the server's side instead of timing the client.
 */
final class FaultyHub implements AutoCloseable {

    enum Fault { ABORT_HALF, ERROR_503, ERROR_503_RETRY_AFTER_1, STALL, CORRUPT, TRICKLE, DRIP }

    private final Path root;
    private final HttpServer server;
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch closing = new CountDownLatch(1);
    /** System.nanoTime() of each Retry-After answer not yet retried, and the measured waits, per path. */
    private final Map<String, Long> retryAfterSent = new ConcurrentHashMap<>();
    private final Map<String, Long> retryAfterGapNanos = new ConcurrentHashMap<>();

    FaultyHub(Path root) throws IOException {
        this.root = root;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** Queues faults for the next requests of a path ending with {@code suffix}. */
    void inject(String suffix, Fault... fs) {
        Deque<Fault> q = faults.computeIfAbsent(suffix, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addAll(List.of(fs));
        }
    }

    /** Requests for paths ending with the suffix (as "GET path [range]"). */
    List<String> requests(String suffix) {
        synchronized (log) {
            return log.stream().filter(l -> l.split(" ")[1].endsWith(suffix)).toList();
        }
    }

    private Fault next(String path) {
        for (var e : faults.entrySet()) {
            if (path.endsWith(e.getKey())) {
                synchronized (e.getValue()) {
                    return e.getValue().poll();
                }
            }
        }
        return null;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
        Long answered = retryAfterSent.remove(path);
        if (answered != null) {
            retryAfterGapNanos.put(path, System.nanoTime() - answered);
        }
        try (ex) {
            Path f = root.resolve(path.substring(1)).normalize();
            if (!f.startsWith(root) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] all = Files.readAllBytes(f);
            Fault fault = next(path);
            if (fault == Fault.ERROR_503 || fault == Fault.ERROR_503_RETRY_AFTER_1) {
                if (fault == Fault.ERROR_503_RETRY_AFTER_1) {
                    ex.getResponseHeaders().set("Retry-After", "1");
                    retryAfterSent.put(path, System.nanoTime()); // before the client can have read the answer
                }
                ex.sendResponseHeaders(503, -1);
                return;
            }
            int start = 0;
            if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                start = Integer.parseInt(range.substring(6, range.length() - 1));
            }
            byte[] body = java.util.Arrays.copyOfRange(all, Math.min(start, all.length), all.length);
            if (fault == Fault.CORRUPT) {
                body = body.clone();
                body[body.length / 2] ^= 0x5a;
            }
            if (start > 0) {
                ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (all.length - 1) + "/" + all.length);
            }
            ex.sendResponseHeaders(start > 0 ? 206 : 200, body.length);
            OutputStream out = ex.getResponseBody();
            switch (fault) { // CORRUPT was applied above; no fault: the plain body
                case ABORT_HALF -> {
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    // drop the connection mid-body: the client sees a short read
                    throw new IOException("injected abort");
                }
                case STALL -> {
                    out.write(body, 0, body.length / 3);
                    out.flush();
                    awaitClose();
                }
                case TRICKLE -> {
                    int half = body.length / 2;
                    out.write(body, 0, half);
                    out.flush();
                    for (int i = half; i < body.length; i += 256) { // slow: a killed client leaves a partial file
                        out.write(body, i, Math.min(256, body.length - i));
                        out.flush();
                        sleep(200);
                    }
                }
                case DRIP -> { // one byte every 100 ms: never silent long enough for a read timeout
                    for (int i = 0; i < body.length; i++) {
                        out.write(body[i]);
                        out.flush();
                        sleep(100);
                    }
                }
                case null, default -> out.write(body);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * How long after this server answered a path with {@code Retry-After} the client asked for it
     * again (server-side clock), or -1 when no retry of an answered Retry-After came.
     */
    long millisBeforeRetryOf(String suffix) {
        for (var e : retryAfterGapNanos.entrySet()) {
            if (e.getKey().endsWith(suffix)) return e.getValue() / 1_000_000;
        }
        return -1;
    }

    private void awaitClose() {
        try {
            closing.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown(); // releases stalled connections
        server.stop(0);
    }
}

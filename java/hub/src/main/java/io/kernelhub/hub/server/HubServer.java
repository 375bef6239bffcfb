package io.kernelhub.hub.server;

import io.kernelhub.hub.HubException;
import io.kernelhub.hub.manifest.HubLayout;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kernelhub serve}: a hub directory over HTTP/1.1. GET and HEAD with single byte ranges
 * ({@code Range: bytes=a-b}, {@code a-}, {@code -n}) and strong ETags ({@code If-None-Match}
 * answered with 304); PUT only with {@code --allow-publish} and a bearer token that may publish to
 * the upload's org (the first path component), where existing files other than the ones
 * publishers re-sign (HubLayout.isMutable) may be rewritten only with identical bytes
 * (published versions are immutable: 409 otherwise). One log line per request; tokens are never logged.
 *
 * <p>What a client can hold is bounded ({@link ServeLimits}): a request head must arrive within the
 * header timeout, an upload body within the body timeout plus time for its size, a stalled response
 * write is dropped; uploads at once, upload size and connections are capped. No symbolic link below
 * the root is followed, in any path component ({@link HubRoot}).
 */
public final class HubServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    /** At most this long (and never past the body timeout) a refused body is drained, so the client can read the refusal. */
    private static final long LINGER_NANOS = 30_000_000_000L;

    private final HubRoot root;
    private final PublishTokens tokens;
    private final ServeLimits limits;
    private final PrintStream log;
    private final InetSocketAddress bound;
    private final ServerSocket socket;
    private final Set<Conn> live = ConcurrentHashMap.newKeySet();
    private final Semaphore connections;
    private final Semaphore uploads;
    private final HubUploads storage;
    private volatile boolean closed;
    private Thread acceptor;
    private Thread reaper;

    /** A server with the default {@link ServeLimits}. */
    public HubServer(Path root, String host, int port, PublishTokens tokens, PrintStream log) {
        this(root, host, port, tokens, ServeLimits.DEFAULTS, log);
    }

    /**
     * @param root   the hub directory
     * @param host   address to bind (127.0.0.1 by default: serving beyond loopback is a choice)
     * @param port   port, 0 for any free one
     * @param tokens who may PUT where, or null for a read-only server
     * @param limits deadlines and caps
     * @param log    where request lines go, or null
     */
    public HubServer(Path root, String host, int port, PublishTokens tokens, ServeLimits limits, PrintStream log) {
        Path abs = root.toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(abs)) {
            throw new HubException("cannot serve " + root + ": not a directory. Publish into it first: "
                    + "kernelhub publish DIR --hub file://" + abs);
        }
        this.tokens = tokens;
        this.limits = limits;
        this.log = log;
        this.connections = new Semaphore(limits.maxConnections());
        this.uploads = new Semaphore(limits.maxUploads());
        this.root = HubRoot.open(abs);
        this.storage = new HubUploads(this.root, limits);
        try {
            bound = new InetSocketAddress(host, port);
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(bound, 128);
        } catch (IOException | IllegalArgumentException e) {
            this.root.close();
            throw new HubException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + ". Choose another --port, or stop what is using it.", e);
        }
    }

    public HubServer start() {
        acceptor = Thread.ofVirtual().name("kernelhub-serve-accept").start(this::acceptLoop);
        long tick = Math.clamp(Math.min(limits.headerTimeout().toMillis(), limits.bodyTimeout().toMillis()) / 8, 10, 250);
        reaper = Thread.ofVirtual().name("kernelhub-serve-deadlines").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(tick);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (Conn c : live) c.expireIfDue(now);
            }
        });
        return this;
    }

    public int port() {
        return socket.getLocalPort();
    }

    public URI uri() {
        String h = bound.getHostString();
        return URI.create("http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port() + "/");
    }

    public ServeLimits limits() {
        return limits;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
        for (Conn c : live) closeQuietly(c.socket);
        if (reaper != null) reaper.interrupt();
        if (acceptor != null) {
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        root.close();
    }

    // ---- connections

    /** One client connection and the deadline its current read or write must meet. */
    static final class Conn {
        final Socket socket;
        private volatile long deadline;
        private volatile boolean armed;
        volatile boolean expired; // closed by the deadline
        volatile boolean broken;  // a read or write on the socket failed

        Conn(Socket socket) {
            this.socket = socket;
        }

        void arm(long nanosFromNow) {
            armAt(System.nanoTime() + nanosFromNow);
        }

        void armAt(long at) {
            deadline = at;
            armed = true;
        }

        void disarm() {
            armed = false;
        }

        void expireIfDue(long now) {
            if (armed && now - deadline >= 0) {
                expired = true;
                closeQuietly(socket); // unblocks the read or write that is late
            }
        }
    }

    /** Marks the connection broken when reading from the client fails. */
    private static final class ClientInput extends InputStream {
        private final InputStream in;
        private final Conn c;

        ClientInput(InputStream in, Conn c) {
            this.in = in;
            this.c = c;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                c.broken = true;
                throw e;
            }
        }
    }

    /** Every write must make progress within the body timeout: a client that stops reading is dropped. */
    private final class ClientOutput extends OutputStream {
        private final OutputStream out;
        private final Conn c;

        ClientOutput(OutputStream out, Conn c) {
            this.out = out;
            this.c = c;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            long before = c.deadline;
            boolean wasArmed = c.armed;
            c.arm(limits.bodyTimeout().toNanos());
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                c.broken = true;
                throw e;
            } finally {
                if (wasArmed) c.armAt(before);
                else c.disarm();
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (closed) return;
                try {
                    Thread.sleep(50); // e.g. too many open files: wait for connections to end, then accept again
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (!connections.tryAcquire()) {
                busy(s);
                continue;
            }
            try {
                Thread.ofVirtual().name("kernelhub-serve-conn").start(() -> {
                    try {
                        serve(s);
                    } finally {
                        connections.release();
                    }
                });
            } catch (RuntimeException | OutOfMemoryError e) {
                connections.release();
                closeQuietly(s);
            }
        }
    }

    /** Over the connection limit: a 503 on a fresh socket (its send buffer is empty, so this cannot block), then close. */
    private void busy(Socket s) {
        try (s) {
            String body = "too many connections (this hub allows " + limits.maxConnections() + "); retry shortly\n";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", "text/plain; charset=utf-8");
            h.put("Retry-After", "1");
            h.put("Content-Length", Integer.toString(b.length));
            h.put("Connection", "close");
            OutputStream out = s.getOutputStream();
            Http1.writeHead(out, 503, h);
            out.write(b);
            out.flush();
        } catch (IOException ignored) {
            // the client is gone already
        }
        logLine("-", "-", 503, 0, System.nanoTime());
    }

    private void serve(Socket s) {
        Conn c = new Conn(s);
        live.add(c);
        try {
            if (closed) return;
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(new ClientInput(s.getInputStream(), c), 16 << 10);
            OutputStream out = new BufferedOutputStream(new ClientOutput(s.getOutputStream(), c), 16 << 10);
            while (!closed) {
                // from the connection's start or the previous response: idle keep-alive connections end here too
                c.arm(limits.headerTimeout().toNanos());
                Http1.HeadReader reader = new Http1.HeadReader(in);
                long t0 = System.nanoTime();
                Http1.Request req;
                try {
                    req = reader.read();
                } catch (Http1.BadRequest e) {
                    c.disarm();
                    Exchange ex = new Exchange(c, null, in, out);
                    ex.text(e.status, "bad request: " + e.getMessage() + "\n");
                    out.flush();
                    logLine("-", "-", e.status, 0, t0);
                    linger(c, in);
                    return;
                } catch (IOException e) {
                    if (c.expired && reader.started()) { // a client too slow to send its request head
                        logLine("-", "-", 408, 0, t0);
                    }
                    return;
                }
                if (req == null) return;
                c.disarm();
                Exchange ex = new Exchange(c, req, in, out);
                handle(ex);
                if (c.broken || c.expired) return;
                out.flush();
                if (!ex.keepAlive) {
                    if (!ex.bodyConsumed()) linger(c, in);
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            live.remove(c);
            closeQuietly(s);
        }
    }

    /**
     * Half-closes after a response to a request whose body was not read, then discards what the client
     * still sends for a while (as nginx's lingering close): closing at once could reset the connection
     * before a client that sends its whole body first (HttpURLConnection) reads the answer, a 403 or 413
     * a publisher should see.
     */
    private void linger(Conn c, InputStream in) {
        try {
            c.socket.shutdownOutput();
            c.arm(Math.min(LINGER_NANOS, limits.bodyTimeout().toNanos()));
            byte[] buf = new byte[8192];
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // the deadline closed it, or the client did
        }
    }

    /** A request and its response: the head written once, keep-alive decided then. */
    final class Exchange {
        final Conn conn;
        final Http1.Request req;
        final InputStream in;
        final OutputStream out;
        final Map<String, String> headers = new LinkedHashMap<>();
        Http1.Body body;
        boolean responded;
        boolean close; // an error mid-request: the connection's state is unknown
        boolean keepAlive;
        long sent;

        Exchange(Conn conn, Http1.Request req, InputStream in, OutputStream out) {
            this.conn = conn;
            this.req = req;
            this.in = in;
            this.out = out;
        }

        boolean head() {
            return req != null && req.method().equalsIgnoreCase("HEAD");
        }

        boolean bodyConsumed() {
            return req != null && (req.length() == 0 || body != null && body.complete());
        }

        /** The request body; 100 Continue goes out only when the server starts reading it. */
        Http1.Body body(long limit, java.util.function.LongConsumer progress) {
            if (body == null) {
                Runnable cont = !req.expectsContinue() ? null : () -> {
                    try {
                        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    } catch (IOException e) {
                        conn.broken = true;
                    }
                };
                body = new Http1.Body(in, req.length(), limit, cont, progress);
            }
            return body;
        }

        /** Writes the head; the body (if any, never for HEAD) follows through {@link #out}. */
        void respond(int status, long contentLength) throws IOException {
            if (responded) throw new IllegalStateException("response already sent");
            responded = true;
            keepAlive = !close && req != null && req.keepAlive() && bodyConsumed() && !closed;
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Date", HTTP_DATE.format(Instant.now()));
            h.putAll(headers);
            if (contentLength >= 0) h.put("Content-Length", Long.toString(contentLength));
            if (!keepAlive) h.put("Connection", "close");
            Http1.writeHead(out, status, h);
        }

        int text(int status, String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            headers.put("Content-Type", "text/plain; charset=utf-8");
            respond(status, b.length);
            if (!head()) {
                out.write(b);
                sent += b.length;
            }
            out.flush();
            return status;
        }

        /** A status without a body (304; 404 to HEAD). */
        int empty(int status) throws IOException {
            respond(status, status == 304 ? -1 : 0);
            out.flush();
            return status;
        }
    }

    // ---- requests

    private void handle(Exchange ex) {
        long t0 = System.nanoTime();
        int status = 500;
        String method = ex.req.method().toUpperCase(Locale.ROOT);
        try {
            List<String> segs = segments(ex.req.uri());
            if (segs == null) {
                status = ex.text(400, "bad path: '..', names starting with '.' and NUL are not served\n");
            } else if (method.equals("GET") || method.equals("HEAD")) {
                status = get(ex, segs, method.equals("HEAD"));
            } else if (method.equals("PUT")) {
                status = put(ex, segs);
            } else {
                ex.headers.put("Allow", tokens == null ? "GET, HEAD" : "GET, HEAD, PUT");
                status = ex.text(405, "method not allowed\n");
            }
        } catch (Http1.BadRequest e) { // malformed chunked body
            status = answer(ex, e.status, "bad request: " + e.getMessage() + "\n");
        } catch (IOException e) {
            if (ex.conn.expired) {
                status = 408; // the deadline closed the connection
            } else if (ex.conn.broken || e instanceof EOFException || e instanceof SocketException) {
                status = 499; // client went away mid-transfer
            } else {
                status = answer(ex, 500, "cannot serve " + ex.req.logPath() + ": " + e.getMessage() + "\n");
            }
        } catch (RuntimeException e) { // malformed headers or paths: a 400, never a dropped connection
            status = answer(ex, 400, "bad request: " + e.getMessage() + "\n");
        } finally {
            logLine(ex.req.method(), ex.req.logPath(), status, ex.sent, t0);
        }
    }

    /** Answers an error when nothing was sent yet; otherwise the connection is beyond saving. */
    private static int answer(Exchange ex, int status, String text) {
        ex.close = true;
        if (ex.responded || ex.conn.broken || ex.conn.expired) {
            ex.keepAlive = false;
            return status;
        }
        try {
            return ex.text(status, text);
        } catch (IOException | RuntimeException e) {
            return status;
        }
    }

    private void logLine(String method, String path, int status, long bytes, long t0) {
        if (log != null) {
            log.printf(Locale.ROOT, "%s %s %s %d %d %.1fms%n", Instant.now(), method, path, status, bytes,
                    (System.nanoTime() - t0) / 1e6);
        }
    }

    /** The path's components, or null when one is '..' or a dotfile (locks, temporary uploads) or holds NUL. */
    static List<String> segments(URI uri) {
        String path = uri.getPath(); // percent-decoded as a URI path ('+' stays '+')
        if (path == null || path.contains("\0")) return null;
        List<String> segs = new ArrayList<>();
        for (String seg : path.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.startsWith(".")) return null; // '..' and dotfiles
            segs.add(seg);
        }
        return segs;
    }

    static String linkRefused(String relative) {
        return "refused: " + relative + " is a symbolic link. kernelhub serve follows no links below its root (one "
                + "could lead outside it): replace the link with the directory or file itself, or serve its target as a "
                + "hub of its own\n";
    }

    private int get(Exchange ex, List<String> segs, boolean head) throws IOException {
        if (segs.isEmpty()) return notFound(ex, head);
        String name = segs.getLast();
        HubRoot.Walk w;
        try {
            w = root.walk(segs.subList(0, segs.size() - 1), false);
        } catch (HubRoot.LinkRefused e) {
            return ex.text(403, linkRefused(e.relative));
        } catch (HubRoot.NotADirectory e) {
            return notFound(ex, head);
        }
        if (w == null) return notFound(ex, head);
        try (w) {
            BasicFileAttributes a = w.attributes(name);
            if (a != null && a.isSymbolicLink()) return ex.text(403, linkRefused(w.relative(name)));
            if (a == null || !a.isRegularFile()) return notFound(ex, head);
            try (SeekableByteChannel ch = w.open(name, StandardOpenOption.READ)) {
                return send(ex, name, a, ch, head);
            }
        }
    }

    private static int notFound(Exchange ex, boolean head) throws IOException {
        return head ? ex.empty(404) : ex.text(404, "not found\n");
    }

    private int send(Exchange ex, String name, BasicFileAttributes a, SeekableByteChannel ch, boolean head)
            throws IOException {
        long size = a.size();
        long mtime = a.lastModifiedTime().toMillis();
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(mtime) + "\"";
        var h = ex.headers;
        h.put("ETag", etag);
        h.put("Accept-Ranges", "bytes");
        h.put("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(mtime)));
        h.put("Content-Type", contentType(name));
        String inm = ex.req.header("If-None-Match");
        if (inm != null && (inm.trim().equals("*") || Arrays.stream(inm.split(",")).map(String::trim).anyMatch(etag::equals))) {
            return ex.empty(304);
        }
        long start = 0, end = size - 1;
        int status = 200;
        String range = ex.req.header("Range");
        String ifRange = ex.req.header("If-Range");
        if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
            Matcher m = RANGE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) { // suffix: the last n bytes
                    start = Math.max(0, size - Long.parseLong(m.group(2)));
                } else {
                    start = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) end = Math.min(end, Long.parseLong(m.group(2)));
                }
                if (start >= size || start > end) {
                    h.put("Content-Range", "bytes */" + size);
                    return ex.empty(416);
                }
                status = 206;
                h.put("Content-Range", "bytes " + start + "-" + end + "/" + size);
            }
        }
        long length = size == 0 ? 0 : end - start + 1;
        ex.respond(status, length);
        if (head || length == 0) {
            ex.out.flush();
            return status;
        }
        ch.position(start);
        InputStream in = Channels.newInputStream(ch);
        byte[] buf = new byte[1 << 16];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n <= 0) throw new IOException(name + " shrank while it was sent");
            ex.out.write(buf, 0, n);
            left -= n;
            ex.sent += n;
        }
        ex.out.flush();
        return status;
    }

    private int put(Exchange ex, List<String> segs) throws IOException {
        if (tokens == null) {
            ex.headers.put("Allow", "GET, HEAD");
            return ex.text(405, "this hub is read-only (start it with --allow-publish to accept uploads)\n");
        }
        if (segs.size() < 2) {
            return ex.text(400, "an upload goes under ORG/...: the first path component names the org it is published to\n");
        }
        String org = segs.getFirst();
        Optional<PublishTokens.Grant> grant = tokens.match(bearer(ex.req.header("Authorization")));
        if (grant.isEmpty()) {
            ex.headers.put("WWW-Authenticate", "Bearer realm=\"kernelhub\"");
            return ex.text(401, "missing or unknown token: send 'Authorization: Bearer TOKEN' with a token this hub "
                    + "accepts (publishers set KERNELHUB_TOKEN)\n");
        }
        if (!grant.get().allows(org)) {
            return ex.text(403, "this token may publish to " + grant.get().describeOrgs() + ", not to org '" + org
                    + "': use a token for '" + org + "', or ask the hub's operator to add '" + org
                    + "' to this token's line in the tokens file\n");
        }
        long declared = ex.req.length();
        if (declared > limits.maxUploadBytes()) {
            return ex.text(413, storage.tooLarge(declared + " bytes"));
        }
        if (!uploads.tryAcquire()) {
            ex.headers.put("Retry-After", "5");
            return ex.text(503, "too many uploads in progress (this hub takes " + limits.maxUploads()
                    + " at once, kernelhub serve --max-uploads); retry in a few seconds\n");
        }
        try {
            return storage.store(ex, segs);
        } finally {
            uploads.release();
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return authorization.substring(7).strip();
    }

    private static String contentType(String n) {
        if (n.endsWith(".json") || n.endsWith(".sig")) return "application/json";
        if (n.endsWith(".xml")) return "application/xml";
        if (n.endsWith(".sha256")) return "text/plain";
        if (n.endsWith(".gz")) return "application/gzip";
        return "application/octet-stream";
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing: nothing to save
        }
    }
}

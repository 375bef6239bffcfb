package io.kernelhub.hub.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kernelhub.hub.HubException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kernelhub serve}: a hub directory over HTTP. GET and HEAD with single byte ranges
 * ({@code Range: bytes=a-b}, {@code a-}, {@code -n}) and strong ETags ({@code If-None-Match}
 * answered with 304); PUT only with {@code --allow-publish} and the bearer token, where existing
 * files other than {@code maven-metadata.xml} may be rewritten only with identical bytes
 * (published versions are immutable: 409 otherwise). One log line per request.
 */
public final class HubServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final long MAX_UPLOAD = 8L << 30;

    private final Path root;
    private final String publishToken;
    private final PrintStream log;
    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param root         the hub directory
     * @param host         address to bind (127.0.0.1 by default: serving beyond loopback is a choice)
     * @param port         port, 0 for any free one
     * @param publishToken token PUT requests must carry, or null for a read-only server
     * @param log          where request lines go, or null
     */
    public HubServer(Path root, String host, int port, String publishToken, PrintStream log) {
        this.root = root.toAbsolutePath().normalize();
        this.publishToken = publishToken;
        this.log = log;
        if (!Files.isDirectory(this.root)) {
            throw new HubException("cannot serve " + root + ": not a directory. Publish into it first: "
                    + "kernelhub publish DIR --hub file://" + this.root);
        }
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            throw new HubException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + ". Choose another --port, or stop what is using it.", e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public HubServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI uri() {
        String h = server.getAddress().getHostString();
        return URI.create("http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        long t0 = System.nanoTime();
        int status = 500;
        long bytes = 0;
        try {
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            Path file = resolve(ex.getRequestURI());
            if (file == null) {
                status = send(ex, 400, "bad path\n");
            } else if (method.equals("GET") || method.equals("HEAD")) {
                long[] sent = new long[1];
                status = get(ex, file, method.equals("HEAD"), sent);
                bytes = sent[0];
            } else if (method.equals("PUT")) {
                status = put(ex, file);
            } else {
                ex.getResponseHeaders().set("Allow", publishToken == null ? "GET, HEAD" : "GET, HEAD, PUT");
                status = send(ex, 405, "method not allowed\n");
            }
        } catch (IOException e) {
            status = 499; // client went away mid-transfer
        } catch (RuntimeException e) { // malformed headers or paths: a 400, never a dropped connection
            try {
                status = send(ex, 400, "bad request: " + e.getMessage() + "\n");
            } catch (IOException | RuntimeException ignored) {
                status = 400;
            }
        } finally {
            ex.close();
            if (log != null) {
                log.printf(Locale.ROOT, "%s %s %s %d %d %.1fms%n", Instant.now(), ex.getRequestMethod(),
                        ex.getRequestURI().getRawPath(), status, bytes, (System.nanoTime() - t0) / 1e6);
            }
        }
    }

    private Path resolve(URI uri) {
        String path = uri.getPath(); // percent-decoded as a URI path ('+' stays '+')
        if (path == null || path.contains("\0")) return null;
        for (String seg : path.split("/")) {
            if (seg.equals("..") || seg.startsWith(".") && !seg.isEmpty() && !seg.equals(".")) return null; // no dotfiles
        }
        Path p = root.resolve(path.replaceFirst("^/+", "")).normalize();
        return p.startsWith(root) ? p : null;
    }

    private int get(HttpExchange ex, Path file, boolean head, long[] sent) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (head) {
                ex.sendResponseHeaders(404, -1);
                return 404;
            }
            return send(ex, 404, "not found\n");
        }
        long size = Files.size(file);
        long mtime = Files.getLastModifiedTime(file).toMillis();
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(mtime) + "\"";
        var h = ex.getResponseHeaders();
        h.set("ETag", etag);
        h.set("Accept-Ranges", "bytes");
        h.set("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(mtime)));
        h.set("Content-Type", contentType(file));
        String inm = ex.getRequestHeaders().getFirst("If-None-Match");
        if (inm != null && (inm.trim().equals("*") || Arrays.stream(inm.split(",")).map(String::trim).anyMatch(etag::equals))) {
            ex.sendResponseHeaders(304, -1);
            return 304;
        }
        long start = 0, end = size - 1;
        int status = 200;
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
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
                    h.set("Content-Range", "bytes */" + size);
                    ex.sendResponseHeaders(416, -1);
                    return 416;
                }
                status = 206;
                h.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
            }
        }
        long length = end - start + 1;
        if (head) {
            h.set("Content-Length", Long.toString(size == 0 ? 0 : length));
            ex.sendResponseHeaders(status, -1);
            return status;
        }
        ex.sendResponseHeaders(status, size == 0 ? -1 : length);
        if (size == 0) return status;
        try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
            in.skipNBytes(start);
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n <= 0) break;
                out.write(buf, 0, n);
                left -= n;
                sent[0] += n;
            }
        }
        return status;
    }

    private int put(HttpExchange ex, Path file) throws IOException {
        if (publishToken == null) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            return send(ex, 405, "this hub is read-only (start it with --allow-publish to accept uploads)\n");
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8),
                ("Bearer " + publishToken).getBytes(StandardCharsets.UTF_8))) {
            return send(ex, 401, "missing or wrong token\n");
        }
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && Long.parseLong(declared) > MAX_UPLOAD) {
            return send(ex, 413, "too large\n");
        }
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".upload-", ".tmp");
        try {
            try (InputStream in = ex.getRequestBody(); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > MAX_UPLOAD) return send(ex, 413, "too large\n");
                    out.write(buf, 0, n);
                }
            }
            boolean mutable = io.kernelhub.hub.manifest.HubLayout.isMutable(file.getFileName().toString());
            io.kernelhub.hub.HubFiles.makeReadable(tmp);
            synchronized (this) {
                if (file.getFileName().toString().equals("maven-metadata.xml")) {
                    // validated, and merged with what is there: two publishers of different versions lose none
                    try {
                        var merged = io.kernelhub.hub.manifest.MavenMetadata.parse(Files.readAllBytes(tmp));
                        if (Files.exists(file)) {
                            for (var v : io.kernelhub.hub.manifest.MavenMetadata.parse(Files.readAllBytes(file)).versions()) {
                                merged = merged.with(v);
                            }
                        }
                        Files.write(tmp, merged.write());
                    } catch (io.kernelhub.hub.manifest.ManifestException e) {
                        return send(ex, 400, "maven-metadata.xml: " + e.getMessage() + "\n");
                    }
                }
                if (Files.exists(file) && !mutable) {
                    if (Files.mismatch(file, tmp) == -1) {
                        return send(ex, 200, "identical\n");
                    }
                    return send(ex, 409, "exists with different content (published versions are immutable)\n");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return send(ex, 201, "stored\n");
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String contentType(Path f) {
        String n = f.getFileName().toString();
        if (n.endsWith(".json") || n.endsWith(".sig")) return "application/json";
        if (n.endsWith(".xml")) return "application/xml";
        if (n.endsWith(".sha256")) return "text/plain";
        if (n.endsWith(".gz")) return "application/gzip";
        return "application/octet-stream";
    }

    private static int send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
        return status;
    }
}

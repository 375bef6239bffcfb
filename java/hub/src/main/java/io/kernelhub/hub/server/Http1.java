package io.kernelhub.hub.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The HTTP/1.1 that {@code kernelhub serve} speaks: request heads with bounded lines and header
 * counts, bodies framed by Content-Length or chunked, {@code Expect: 100-continue}, response heads.
 * The server owns its sockets (instead of com.sun.net.httpserver) so that every read and write
 * runs under a deadline set per server: the JDK server's request timeouts are JVM-wide system
 * properties, and its request timer also covers the body, so a header deadline would cut uploads.
 */
final class Http1 {

    static final int MAX_LINE = 8 << 10;
    static final int MAX_HEADERS = 100;
    static final int MAX_HEAD_BYTES = 64 << 10;

    private Http1() {}

    /** A request refused before any handler sees it; the connection closes after the answer. */
    static final class BadRequest extends IOException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** A body that grew past the upload limit while it arrived (chunked). */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("body over " + limit + " bytes");
        }
    }

    /**
     * A parsed request head.
     *
     * @param headers lower-case names to their values, in arrival order
     * @param length  the body's Content-Length, 0 without one, -1 when chunked
     */
    record Request(String method, URI uri, String rawTarget, String version, Map<String, List<String>> headers,
            long length) {

        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.getFirst();
        }

        boolean chunked() {
            return length < 0;
        }

        /** HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 closes. */
        boolean keepAlive() {
            String c = header("connection");
            boolean close = c != null && List.of(c.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("close");
            return version.equals("HTTP/1.1") && !close;
        }

        boolean expectsContinue() {
            String e = header("expect");
            return version.equals("HTTP/1.1") && e != null && e.trim().equalsIgnoreCase("100-continue");
        }

        /** The raw path for the log (never the query, which could carry anything). */
        String logPath() {
            String p = uri.getRawPath();
            return p == null || p.isEmpty() ? "-" : p;
        }
    }

    /** Reads one request head; {@link #started()} tells a slow client from an idle keep-alive connection. */
    static final class HeadReader {
        private final InputStream in;
        private int read;

        HeadReader(InputStream in) {
            this.in = in;
        }

        boolean started() {
            return read > 0;
        }

        /** The next request's head, or null when the client closed the connection between requests. */
        Request read() throws IOException {
            String line;
            do { // RFC 9112 2.2: ignore empty lines before a request line
                line = line(414, "request line");
                if (line == null) return null;
            } while (line.isEmpty());
            String[] parts = line.split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new BadRequest(400, "malformed request line (expected 'METHOD /path HTTP/1.1')");
            }
            if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
                throw new BadRequest(parts[2].startsWith("HTTP/") ? 505 : 400, "unsupported protocol version "
                        + printable(parts[2]) + " (HTTP/1.1 or HTTP/1.0 only)");
            }
            if (!isToken(parts[0])) throw new BadRequest(400, "malformed method");
            URI uri;
            try {
                uri = new URI(parts[1]);
            } catch (URISyntaxException e) {
                throw new BadRequest(400, "malformed request target: " + e.getReason());
            }
            if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
                throw new BadRequest(400, "the request target must be a path starting with '/'");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            int count = 0;
            while (true) {
                String h = line(431, "header line");
                if (h == null) throw new EOFException("connection closed inside the request head");
                if (h.isEmpty()) break;
                if (++count > MAX_HEADERS) throw new BadRequest(431, "more than " + MAX_HEADERS + " header fields");
                int colon = h.indexOf(':');
                if (colon <= 0 || !isToken(h.substring(0, colon))) { // also refuses obsolete line folding
                    throw new BadRequest(400, "malformed header line");
                }
                headers.computeIfAbsent(h.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(h.substring(colon + 1).strip());
            }
            return new Request(parts[0], uri, parts[1], parts[2], headers, framing(headers));
        }

        /** Body framing as RFC 9112 6 has it; anything ambiguous (a smuggling vector) is refused. */
        private static long framing(Map<String, List<String>> headers) throws BadRequest {
            List<String> te = headers.get("transfer-encoding");
            List<String> cl = headers.get("content-length");
            if (te != null) {
                if (cl != null) throw new BadRequest(400, "both Transfer-Encoding and Content-Length");
                if (te.size() != 1 || !te.getFirst().equalsIgnoreCase("chunked")) {
                    throw new BadRequest(501, "unsupported Transfer-Encoding (only 'chunked')");
                }
                return -1;
            }
            if (cl == null) return 0;
            if (cl.size() != 1 || !cl.getFirst().matches("\\d{1,18}")) {
                throw new BadRequest(400, "malformed Content-Length");
            }
            return Long.parseLong(cl.getFirst());
        }

        /** One line without its CRLF (a bare LF is accepted), or null at end of stream before any byte of it. */
        private String line(int tooLongStatus, String what) throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    if (b.isEmpty()) return null;
                    throw new EOFException("connection closed inside the request head");
                }
                if (++read > MAX_HEAD_BYTES) throw new BadRequest(431, "request head over " + MAX_HEAD_BYTES + " bytes");
                if (c == '\r') { // only as part of CRLF: a bare CR is a line-splitting vector
                    if (in.read() != '\n') throw new BadRequest(400, "bare CR in the " + what);
                    read++;
                    return b.toString();
                }
                if (c == '\n') return b.toString();
                if ((c < ' ' && c != '\t') || c == 0x7f) {
                    throw new BadRequest(400, "control character in the " + what);
                }
                if (b.length() >= MAX_LINE) throw new BadRequest(tooLongStatus, what + " over " + MAX_LINE + " bytes");
                b.append((char) c);
            }
        }
    }

    /**
     * A request body: exactly Content-Length bytes, or chunks until the last one, never further into
     * the connection. Sends {@code 100 Continue} before the first read when the client waits for it,
     * and reports the bytes received so far (the server extends the body deadline with them).
     */
    static final class Body extends InputStream {
        private final InputStream in;
        private final long length; // -1: chunked
        private final long limit;
        private final LongConsumer progress;
        private Runnable beforeFirstRead;
        private long received;
        private long chunkLeft; // chunked: bytes left in the current chunk
        private boolean done;

        Body(InputStream in, long length, long limit, Runnable beforeFirstRead, LongConsumer progress) {
            this.in = in;
            this.length = length;
            this.limit = limit;
            this.beforeFirstRead = beforeFirstRead;
            this.progress = progress;
            this.done = length == 0;
        }

        /** True once the whole body was read: the connection is positioned at the next request. */
        boolean complete() {
            return done;
        }

        long received() {
            return received;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            if (beforeFirstRead != null) {
                Runnable r = beforeFirstRead;
                beforeFirstRead = null;
                r.run();
            }
            long want;
            if (length >= 0) {
                want = length - received;
            } else {
                if (chunkLeft == 0 && !nextChunk()) return -1;
                want = chunkLeft;
            }
            int n = in.read(b, off, (int) Math.min(len, want));
            if (n < 0) {
                throw new EOFException("the client closed the connection after " + received + " body bytes"
                        + (length >= 0 ? " of " + length : ""));
            }
            received += n;
            if (length >= 0) {
                done = received == length;
            } else {
                chunkLeft -= n;
                if (chunkLeft == 0) crlf();
            }
            progress.accept(received);
            return n;
        }

        /** Reads a chunk-size line; at the last chunk reads the trailers and returns false. */
        private boolean nextChunk() throws IOException {
            String line = chunkLine();
            int semi = line.indexOf(';'); // chunk extensions are ignored
            String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
            if (!hex.matches("[0-9A-Fa-f]{1,15}")) throw new BadRequest(400, "malformed chunk size");
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                for (int t = 0; !chunkLine().isEmpty(); t++) {
                    if (t >= MAX_HEADERS) throw new BadRequest(431, "too many trailer fields");
                }
                done = true;
                return false;
            }
            if (received + size > limit) throw new TooLarge(limit);
            chunkLeft = size;
            return true;
        }

        private void crlf() throws IOException {
            if (!chunkLine().isEmpty()) throw new BadRequest(400, "chunk data longer than its size");
        }

        private String chunkLine() throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) throw new EOFException("the client closed the connection inside a chunked body");
                if (c == '\n') {
                    if (!b.isEmpty() && b.charAt(b.length() - 1) == '\r') b.setLength(b.length() - 1);
                    return b.toString();
                }
                if (b.length() >= MAX_LINE) throw new BadRequest(400, "chunk line over " + MAX_LINE + " bytes");
                b.append((char) c);
            }
        }
    }

    /** Writes a status line and headers (the caller includes Content-Length and Connection as needed). */
    static void writeHead(OutputStream out, int status, Map<String, String> headers) throws IOException {
        StringBuilder b = new StringBuilder(256);
        b.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        b.append("\r\n");
        out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 206 -> "Partial Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 416 -> "Range Not Satisfiable";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + t.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}

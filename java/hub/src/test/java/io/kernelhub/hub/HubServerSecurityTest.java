package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.server.PublishTokens;
import io.kernelhub.hub.server.ServeLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks a security review of kernelhub serve found, each performed against a real server on
 * loopback (real symbolic links, real sockets) and shown refused, with nothing written outside the
 * root and nothing left behind. Deadlines are short here; no test asserts how fast anything is,
 * only that the server closes or refuses (the socket timeout is a guard against a hang).
 */
class HubServerSecurityTest {

    private static final int GUARD_MS = 30_000;

    @TempDir
    Path tmp;
    Path root;
    Path outside;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectories(tmp.resolve("hub"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "top secret");
    }

    static PublishTokens anyOrg(String token) {
        return PublishTokens.anyOrg(token, "test token");
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder put(HubServer s, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path)).PUT(HttpRequest.BodyPublishers.ofString(body));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    /** Every path below {@code dir}, links not followed. */
    static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).filter(p -> !p.isEmpty()).sorted().toList();
        }
    }

    /** Temporary uploads anywhere under the test's directory. */
    List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".upload-")).map(Path::toString).toList();
        }
    }

    /** Waits for what the server does after the client already saw the connection close (its cleanup, its log). */
    static void eventually(String what, BooleanSupplier done) throws InterruptedException {
        for (long end = System.nanoTime() + GUARD_MS * 1_000_000L; System.nanoTime() < end; Thread.sleep(20)) {
            if (done.getAsBoolean()) return;
        }
        fail("still not true after " + GUARD_MS / 1000 + " s: " + what);
    }

    /** A client socket driven byte by byte, as a hostile client would. */
    static final class Raw implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Raw(HubServer s) throws IOException {
            socket = new Socket("127.0.0.1", s.port());
            socket.setSoTimeout(GUARD_MS);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        Raw send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        /** The response head (through the blank line). */
        String head() throws IOException {
            StringBuilder b = new StringBuilder();
            while (!b.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) break;
                b.append((char) c);
            }
            return b.toString();
        }

        /** What the server sends until it closes; fails when it keeps the connection open past the guard. */
        String untilClosed() throws IOException {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                fail("the server kept the connection open for " + GUARD_MS / 1000 + " s");
            } catch (SocketException e) {
                // reset: closed too
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }

        /** Sends one byte every 50 ms from another thread until the server closes the connection. */
        Thread trickle() {
            return Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 2 * GUARD_MS / 50; i++) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server: the point
                }
            });
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    // ---- 1. symbolic links: nothing outside the root is served or written

    @Test
    void getAndHeadRefuseASymlinkedDirectoryOrFileBelowTheRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("org"), outside); // a link to outside the root
        Files.createDirectories(root.resolve("real/k"));
        Files.writeString(root.resolve("real/k/ok.bin"), "fine");
        Files.createSymbolicLink(root.resolve("real/k/leak.bin"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("real/alias"), root.resolve("real/k")); // even one that stays inside
        Path rootLink = Files.createSymbolicLink(tmp.resolve("hub-link"), root);
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, null).start()) {
            for (String path : List.of("org/secret.txt", "real/k/leak.bin", "real/alias/ok.bin")) {
                HttpResponse<String> r = send(HttpRequest.newBuilder(s.uri().resolve(path)));
                assertThat(r.statusCode()).as(path).isEqualTo(403);
                assertThat(r.body()).as(path).contains("is a symbolic link").contains("follows no links")
                        .doesNotContain("top secret");
                HttpResponse<String> head = send(HttpRequest.newBuilder(s.uri().resolve(path))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
                assertThat(head.statusCode()).as("HEAD " + path).isEqualTo(403);
            }
            assertThat(send(HttpRequest.newBuilder(s.uri().resolve("real/k/ok.bin"))).body()).isEqualTo("fine");
        }
        // the root itself may be a link (/srv/hub -> /data/hub): only what is below it is checked
        try (HubServer s = new HubServer(rootLink, "127.0.0.1", 0, null, null).start()) {
            assertThat(send(HttpRequest.newBuilder(s.uri().resolve("real/k/ok.bin"))).body()).isEqualTo("fine");
        }
    }

    @Test
    void putThroughASymlinkedDirectoryOrOntoALinkWritesNothingOutsideTheRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("org"), outside);
        Files.createDirectories(root.resolve("org2/k"));
        Files.createSymbolicLink(root.resolve("org2/k/1.0.0"), outside);
        Files.createSymbolicLink(root.resolve("org2/k/k.kernel.json"), outside.resolve("secret.txt"));
        List<String> before = tree(outside);
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), null).start()) {
            for (String path : List.of("org/k/1.0.0/k-1.0.0.kernel.json", "org/new.bin", "org2/k/1.0.0/x.tar.gz",
                    "org2/k/1.0.0/deeper/x.tar.gz", "org2/k/k.kernel.json")) {
                HttpResponse<String> r = send(put(s, path, "tok", "evil"));
                assertThat(r.statusCode()).as(path).isEqualTo(403);
                assertThat(r.body()).as(path).contains("is a symbolic link");
            }
            // a real directory next to them still takes uploads
            assertThat(send(put(s, "org2/k/2.0.0/x.tar.gz", "tok", "good")).statusCode()).isEqualTo(201);
        }
        assertThat(tree(outside)).isEqualTo(before);
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo("top secret");
        assertThat(leftovers()).isEmpty();
        assertThat(Files.readString(root.resolve("org2/k/2.0.0/x.tar.gz"))).isEqualTo("good");
    }

    // ---- 2. deadlines: a slow client is closed, and a partial upload leaves nothing

    ServeLimits shortDeadlines() {
        return ServeLimits.DEFAULTS.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
    }

    @Test
    void halfARequestLineIsClosedAtTheHeaderDeadline() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, shortDeadlines(), new PrintStream(log, true)).start();
                Raw slow = new Raw(s)) {
            slow.send("GET /org/k/fi");
            assertThat(slow.untilClosed()).isEmpty(); // closed without an answer
            eventually("the log names the 408", () -> log.toString(StandardCharsets.UTF_8).contains(" - - 408 0 "));
        }
    }

    @Test
    void aRequestHeadTrickledOneByteAtATimeIsClosedAtTheHeaderDeadline() throws Exception {
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, shortDeadlines(), null).start();
                Raw slow = new Raw(s)) {
            slow.send("GET /org/k/file.bin HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            Thread t = slow.trickle(); // every byte arrives well within any per-read timeout; the whole head does not
            assertThat(slow.untilClosed()).isEmpty();
            t.join();
        }
    }

    @Test
    void anIdleConnectionIsClosedAtTheHeaderDeadline() throws Exception {
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, shortDeadlines(), null).start();
                Raw idle = new Raw(s)) {
            assertThat(idle.untilClosed()).isEmpty();
        }
    }

    @Test
    void aTrickledUploadBodyIsClosedAtTheBodyDeadlineAndLeavesNothing() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), shortDeadlines(), new PrintStream(log, true))
                .start(); Raw slow = new Raw(s)) {
            slow.send("PUT /org/k/1.0.0/k.tar.gz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Content-Length: 100000\r\n\r\n0123456789");
            Thread t = slow.trickle();
            assertThat(slow.untilClosed()).isEmpty();
            t.join();
            eventually("the partial upload is removed, with the directories it made",
                    () -> uncheckedTree(root).isEmpty());
            eventually("the log names the 408",
                    () -> log.toString(StandardCharsets.UTF_8).contains("PUT /org/k/1.0.0/k.tar.gz 408"));
        }
        assertThat(leftovers()).isEmpty();
    }

    static List<String> uncheckedTree(Path dir) {
        try {
            return tree(dir);
        } catch (IOException e) {
            return List.of("(unreadable: " + e + ")");
        }
    }

    @Test
    void connectionsBeyondTheLimitGet503() throws Exception {
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, ServeLimits.DEFAULTS.withMaxConnections(1), null).start();
                Raw holder = new Raw(s)) {
            holder.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(holder.head()).startsWith("HTTP/1.1 404"); // served: it holds the only connection
            try (Raw second = new Raw(s)) {
                assertThat(second.untilClosed()).startsWith("HTTP/1.1 503").contains("too many connections");
            }
        }
    }

    // ---- 3. per-org tokens

    Path tokensFile(String text, String perms) throws IOException {
        Path f = tmp.resolve("tokens");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void aTokenPublishesOnlyUnderTheOrgsItsLineNames() throws Exception {
        PublishTokens t = PublishTokens.read(tokensFile("""
                # publishers of the alpha and beta orgs
                alpha,beta tokA

                gamma   tokB
                """, "rw-------"));
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, t, null).start()) {
            assertThat(send(put(s, "alpha/k/1.0.0/a.bin", "tokA", "a")).statusCode()).isEqualTo(201);
            assertThat(send(put(s, "beta/k/1.0.0/a.bin", "tokA", "a")).statusCode()).isEqualTo(201);
            assertThat(send(put(s, "gamma/k/1.0.0/a.bin", "tokB", "a")).statusCode()).isEqualTo(201);

            HttpResponse<String> other = send(put(s, "delta/k/1.0.0/a.bin", "tokA", "a"));
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.body()).contains("may publish to alpha, beta").contains("not to org 'delta'")
                    .contains("tokens file").doesNotContain("tokA");
            assertThat(send(put(s, "alpha/k/1.0.0/b.bin", "tokB", "b")).statusCode()).isEqualTo(403);
            // the first component is the org: '..' or an empty component cannot change it
            assertThat(send(HttpRequest.newBuilder(URI.create(s.uri() + "gamma/%2E%2E/alpha/k/c.bin"))
                    .header("Authorization", "Bearer tokB").PUT(HttpRequest.BodyPublishers.ofString("c"))).statusCode())
                    .isEqualTo(400);
            assertThat(send(put(s, "x.bin", "tokA", "c")).statusCode()).isEqualTo(400);

            HttpResponse<String> unknown = send(put(s, "alpha/k/1.0.0/c.bin", "tokC", "c"));
            assertThat(unknown.statusCode()).isEqualTo(401);
            assertThat(unknown.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(send(put(s, "alpha/k/1.0.0/c.bin", null, "c")).statusCode()).isEqualTo(401);
            assertThat(send(put(s, "alpha/k/1.0.0/c.bin", null, "c").header("Authorization", "Basic dG9rQTp4"))
                    .statusCode()).isEqualTo(401);
        }
        assertThat(tree(root)).doesNotContain("delta").doesNotContain("alpha/k/1.0.0/b.bin", "alpha/k/1.0.0/c.bin");
    }

    @Test
    void aTokenForEveryOrgMustSaySo() throws Exception {
        PublishTokens t = PublishTokens.read(tokensFile("* tokAll\n", "rw-------"));
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, t, null).start()) {
            assertThat(send(put(s, "anything/k/a.bin", "tokAll", "a")).statusCode()).isEqualTo(201);
        }
        assertThatThrownBy(() -> PublishTokens.single("tok", List.of(), "KERNELHUB_TOKEN"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must name the orgs");
    }

    @Test
    void aTokensFileOthersCanReadIsRefusedWithTheChmodThatFixesIt() throws Exception {
        for (String perms : List.of("rw-r--r--", "rw-r-----", "rw----rw-")) {
            Path f = tokensFile("alpha tokA\n", perms);
            assertThatThrownBy(() -> PublishTokens.read(f)).as(perms).isInstanceOf(HubException.class)
                    .hasMessageContaining("chmod 600 " + f);
        }
        assertThat(PublishTokens.read(tokensFile("alpha tokA\n", "rw-------")).grants()).hasSize(1);
    }

    @Test
    void tokensFileErrorsNameTheLineButNeverTheToken() throws Exception {
        String secret = "SECRET-0123456789";
        for (String text : List.of("alpha " + secret + " extra\n", "# x\nalpha\n", "al/pha " + secret + "\n",
                "alpha " + secret + "\nbeta " + secret + "\n", "# nothing\n", "alpha,,beta " + secret + "\n")) {
            Path f = tokensFile(text, "rw-------");
            assertThatThrownBy(() -> PublishTokens.read(f)).as(text).isInstanceOf(HubException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret))
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("line ", "no tokens"));
        }
        assertThat(PublishTokens.single(secret, List.of("alpha"), "KERNELHUB_TOKEN").toString()).doesNotContain(secret);
    }

    // ---- 4. upload caps

    @Test
    void uploadsBeyondMaxUploadsGet503WithRetryAfter() throws Exception {
        ServeLimits one = ServeLimits.DEFAULTS.withUploads(1, 1 << 20);
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), one, null).start();
                Raw first = new Raw(s)) {
            // 100 Continue comes when the server starts reading the body: the one upload slot is taken
            first.send("PUT /org/k/1.0.0/a.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(first.head()).startsWith("HTTP/1.1 100");
            HttpResponse<String> busy = send(put(s, "org/k/1.0.0/b.bin", "tok", "b"));
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).isPresent();
            assertThat(busy.body()).contains("too many uploads").contains("--max-uploads");

            first.send("hello");
            assertThat(first.head()).startsWith("HTTP/1.1 201");
            assertThat(send(put(s, "org/k/1.0.0/b.bin", "tok", "b")).statusCode()).isEqualTo(201);
        }
        assertThat(Files.readString(root.resolve("org/k/1.0.0/a.bin"))).isEqualTo("hello");
    }

    @Test
    void aContentLengthOverTheLimitIs413BeforeAnyBodyIsRead() throws Exception {
        ServeLimits small = ServeLimits.DEFAULTS.withUploads(4, 1000);
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), small, null).start();
                Raw big = new Raw(s)) {
            // the head only: the answer comes without a byte of the body
            big.send("PUT /org/k/1.0.0/big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Content-Length: 5000000000\r\n\r\n");
            String answer = big.untilClosed();
            assertThat(answer).startsWith("HTTP/1.1 413").contains("Connection: close").contains("--max-upload-mb");
        }
        assertThat(tree(root)).isEmpty();
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitIs413AndLeavesNothing() throws Exception {
        ServeLimits small = ServeLimits.DEFAULTS.withUploads(4, 1000);
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), small, null).start();
                Raw big = new Raw(s)) {
            String chunk = "190\r\n" + "x".repeat(400) + "\r\n";
            big.send("PUT /org/k/1.0.0/big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk);
            assertThat(big.head()).startsWith("HTTP/1.1 413");
            // the refusal is sent after the cleanup
            assertThat(tree(root)).isEmpty();
            assertThat(leftovers()).isEmpty();
        }
    }

    @Test
    void ambiguousOrOversizedRequestHeadsAreRefused() throws Exception {
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), null).start()) {
            // both Content-Length and chunked: the classic request-smuggling shape
            try (Raw r = new Raw(s)) {
                r.send("PUT /org/k/a.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 3\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
                assertThat(r.untilClosed()).startsWith("HTTP/1.1 400").contains("both Transfer-Encoding and Content-Length");
            }
            try (Raw r = new Raw(s)) { // a bare CR could split a header in two for a proxy in front
                r.send("GET /org/k/a.bin HTTP/1.1\r\nHost: x\rX-Injected: 1\r\n\r\n");
                assertThat(r.untilClosed()).startsWith("HTTP/1.1 400").contains("bare CR");
            }
            try (Raw r = new Raw(s)) { // an endless head is cut at 64 KiB, not buffered
                r.send("GET /org/k/a.bin HTTP/1.1\r\n" + ("X-Pad: " + "p".repeat(1000) + "\r\n").repeat(70));
                assertThat(r.untilClosed()).startsWith("HTTP/1.1 431");
            }
        }
        assertThat(tree(root)).isEmpty();
    }

    @Test
    void aKeptAliveConnectionServesRequestsInTurn() throws Exception {
        Files.createDirectories(root.resolve("org/k"));
        Files.writeString(root.resolve("org/k/a.txt"), "alpha");
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, anyOrg("tok"), null).start(); Raw r = new Raw(s)) {
            r.send("PUT /org/k/b.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\nbeta\r\n0\r\n\r\n"
                    + "GET /org/k/a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /org/k/b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String all = r.untilClosed();
            assertThat(all).startsWith("HTTP/1.1 201").contains("\r\n\r\nstored\n").contains("\r\n\r\nalpha")
                    .endsWith("\r\n\r\nbeta");
        }
    }
}

package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.hub.publish.HttpHubTarget;
import io.kernelhub.hub.server.HubServer;
import io.kernelhub.hub.server.PublishTokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kernelhub serve's HTTP behaviour: ranges, ETags, HEAD, read-only and token-guarded PUT, path safety, the log. */
class HubServerTest {

    @TempDir
    Path root;

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesRangesEtagsAndHead() throws Exception {
        Files.createDirectories(root.resolve("org/k"));
        Files.writeString(root.resolve("org/k/file.bin"), "0123456789");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, null, new PrintStream(log, true)).start()) {
            URI u = s.uri().resolve("org/k/file.bin");
            HttpResponse<String> full = send(HttpRequest.newBuilder(u));
            assertThat(full.statusCode()).isEqualTo(200);
            assertThat(full.body()).isEqualTo("0123456789");
            String etag = full.headers().firstValue("ETag").orElseThrow();
            assertThat(full.headers().firstValue("Accept-Ranges")).contains("bytes");

            HttpResponse<String> part = send(HttpRequest.newBuilder(u).header("Range", "bytes=3-"));
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo("3456789");
            assertThat(part.headers().firstValue("Content-Range")).contains("bytes 3-9/10");
            assertThat(send(HttpRequest.newBuilder(u).header("Range", "bytes=2-4")).body()).isEqualTo("234");
            assertThat(send(HttpRequest.newBuilder(u).header("Range", "bytes=-3")).body()).isEqualTo("789");
            assertThat(send(HttpRequest.newBuilder(u).header("Range", "bytes=20-")).statusCode()).isEqualTo(416);
            // a stale If-Range gets the whole file
            assertThat(send(HttpRequest.newBuilder(u).header("Range", "bytes=3-").header("If-Range", "\"old\"")).statusCode())
                    .isEqualTo(200);

            assertThat(send(HttpRequest.newBuilder(u).header("If-None-Match", etag)).statusCode()).isEqualTo(304);
            HttpResponse<String> head = send(HttpRequest.newBuilder(u).method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).contains("10");

            assertThat(send(HttpRequest.newBuilder(s.uri().resolve("org/k/missing"))).statusCode()).isEqualTo(404);
            assertThat(send(HttpRequest.newBuilder(URI.create(s.uri() + "org/k/..%2F..%2Fetc%2Fpasswd"))).statusCode())
                    .isIn(400, 404);
            Files.writeString(root.resolve("org/k/.publish.lock"), "");
            assertThat(send(HttpRequest.newBuilder(s.uri().resolve("org/k/.publish.lock"))).statusCode()).isEqualTo(400);
            assertThat(send(HttpRequest.newBuilder(u).PUT(HttpRequest.BodyPublishers.ofString("x"))).statusCode())
                    .isEqualTo(405);
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("GET /org/k/file.bin 206 7").contains("HEAD /org/k/file.bin 200");
    }

    @Test
    void putNeedsTheTokenAndNeverChangesPublishedFiles() throws Exception {
        try (HubServer s = new HubServer(root, "127.0.0.1", 0, PublishTokens.single("s3cret", List.of("org"), "test token"), null).start()) {
            URI u = s.uri().resolve("org/k/1.0.0/k-1.0.0.kernel.json");
            assertThat(send(HttpRequest.newBuilder(u).PUT(HttpRequest.BodyPublishers.ofString("a"))).statusCode()).isEqualTo(401);
            assertThat(send(HttpRequest.newBuilder(u).header("Authorization", "Bearer wrong")
                    .PUT(HttpRequest.BodyPublishers.ofString("a"))).statusCode()).isEqualTo(401);
            HttpRequest.Builder put = HttpRequest.newBuilder(u).header("Authorization", "Bearer s3cret");
            assertThat(send(put.copy().PUT(HttpRequest.BodyPublishers.ofString("a"))).statusCode()).isEqualTo(201);
            assertThat(send(put.copy().PUT(HttpRequest.BodyPublishers.ofString("a"))).statusCode()).isEqualTo(200);
            assertThat(send(put.copy().PUT(HttpRequest.BodyPublishers.ofString("b"))).statusCode()).isEqualTo(409);
            assertThat(Files.readString(root.resolve("org/k/1.0.0/k-1.0.0.kernel.json"))).isEqualTo("a");
            // maven-metadata.xml is the one file that changes as versions are added
            URI md = s.uri().resolve("org/k/maven-metadata.xml");
            HttpRequest.Builder mput = HttpRequest.newBuilder(md).header("Authorization", "Bearer s3cret");
            assertThat(send(mput.copy().PUT(HttpRequest.BodyPublishers.ofString("not xml"))).statusCode()).isEqualTo(400);

            // concurrent publishers of different versions: the server merges maven-metadata.xml
            URI md2 = s.uri().resolve("org/m/maven-metadata.xml");
            HttpRequest.Builder m2 = HttpRequest.newBuilder(md2).header("Authorization", "Bearer s3cret");
            var v1 = new io.kernelhub.hub.manifest.MavenMetadata("org", "m", java.util.List.of(
                    io.kernelhub.core.version.Version.parse("1.0.0")));
            var v2 = new io.kernelhub.hub.manifest.MavenMetadata("org", "m", java.util.List.of(
                    io.kernelhub.core.version.Version.parse("2.0.0")));
            assertThat(send(m2.copy().PUT(HttpRequest.BodyPublishers.ofByteArray(v1.write()))).statusCode()).isEqualTo(201);
            assertThat(send(m2.copy().PUT(HttpRequest.BodyPublishers.ofByteArray(v2.write()))).statusCode()).isEqualTo(201);
            assertThat(io.kernelhub.hub.manifest.MavenMetadata.parse(Files.readAllBytes(root.resolve("org/m/maven-metadata.xml")))
                    .versions()).extracting(Object::toString).containsExactly("1.0.0", "2.0.0");

            assertThatThrownBy(() -> new HttpHubTarget(s.uri(), "wrong").put("org/k/x", new byte[] {1}))
                    .isInstanceOf(HubException.class).hasMessageContaining("KERNELHUB_TOKEN");
            assertThatThrownBy(() -> new HttpHubTarget(s.uri(), "s3cret").put("org/k/1.0.0/k-1.0.0.kernel.json",
                    "zzz".getBytes())).hasMessageContaining("different content");
        }
    }
}

package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kernelhub serve}'s publishing options: a token publishes only to the orgs it is given, a
 * token for every org must say so, and a tokens file others can read is refused with the chmod
 * that fixes it.
 */
class ServeCommandTest {

    @TempDir
    Path tmp;

    Path tokens(String perms) throws Exception {
        Path f = tmp.resolve("tokens");
        Files.writeString(f, "alpha tokA\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void publishingOptionsAreCheckedBeforeTheServerStarts() throws Exception {
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        Path open = tokens("rw-r--r--");
        Cli r = Cli.run("serve", "--root", hub.toString(), "--port", "0", "--allow-publish", "--tokens", open.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("chmod 600 " + open);

        Path closed = tokens("rw-------");
        r = Cli.run("serve", "--root", hub.toString(), "--port", "0", "--tokens", closed.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("only with --allow-publish");

        r = Cli.run("serve", "--root", hub.toString(), "--port", "0", "--allow-publish", "--tokens", closed.toString(),
                "--publish-org", "beta");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("each line names its token's orgs");

        r = Cli.run("serve", "--root", hub.toString(), "--port", "0", "--max-uploads", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--max-uploads must be >= 1");

        // KERNELHUB_TOKEN alone no longer publishes everywhere: its orgs must be named
        ChildCli.Run child = ChildCli.run(tmp.resolve("home"), Map.of("KERNELHUB_TOKEN", "tok"), 120, "serve", "--root",
                hub.toString(), "--port", "0", "--allow-publish");
        assertThat(child.exit()).isEqualTo(2);
        assertThat(child.err()).contains("must name the orgs").contains("--publish-org ORG").contains("--any-org")
                .doesNotContain("tok\n");
    }

    @Test
    void kernelhubTokenPublishesOnlyToThePublishOrgsGiven() throws Exception {
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        Process server = ChildCli.command(tmp.resolve("home"), Map.of("KERNELHUB_TOKEN", "tok"), "serve", "--root",
                hub.toString(), "--port", "0", "--allow-publish", "--publish-org", "alpha", "--quiet").start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = lines.readLine();
            Matcher m = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)").matcher(String.valueOf(first));
            assertThat(m.find()).as(first).isTrue();
            assertThat(first).contains("KERNELHUB_TOKEN for alpha");
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create(m.group(1));
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(base.resolve("alpha/k/1.0.0/a.bin"))
                    .header("Authorization", "Bearer tok").PUT(HttpRequest.BodyPublishers.ofString("a")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(201);
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(base.resolve("beta/k/1.0.0/a.bin"))
                    .header("Authorization", "Bearer tok").PUT(HttpRequest.BodyPublishers.ofString("a")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.body()).contains("not to org 'beta'");
        } finally {
            server.destroy();
            server.waitFor();
        }
        assertThat(hub.resolve("alpha/k/1.0.0/a.bin")).hasContent("a");
        assertThat(hub.resolve("beta")).doesNotExist();
    }
}

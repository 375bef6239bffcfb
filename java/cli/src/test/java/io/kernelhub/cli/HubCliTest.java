package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kernelhub.core.attention.HubKernelId;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub's CLI contract end to end, each command in its own JVM with its own environment (as a
 * user runs it): init, build, keygen, check, publish (twice), resolve --json from the local hub,
 * serve, resolve and attend over HTTP, lock, prune, download --lock, offline attend, cache ls and
 * verify, and a failed resolve as one line with exit 2.
 */
class HubCliTest {

    @TempDir
    Path tmp;

    static final String ID = "test-cli/hub-kernel";

    ProcessBuilder command(Map<String, String> env, String... args) {
        return ChildCli.command(tmp.resolve("home"), env, args);
    }

    ChildCli.Run run(Map<String, String> env, String... args) throws Exception {
        return ChildCli.run(tmp.resolve("home"), env, 300, args);
    }

    ChildCli.Run ok(Map<String, String> env, String... args) throws Exception {
        ChildCli.Run r = run(env, args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
        return r;
    }

    @Test
    void publishServeResolveLockAndRunOffline() throws Exception {
        Map<String, String> none = Map.of();
        Path dir = tmp.resolve("kernel");
        ok(none, "init", ID, dir.toString());
        ok(none, "build", dir.toString());
        assertThat(ok(none, "check", dir.toString()).out()).contains(": ok").doesNotContain("FAIL");
        assertThat(ok(none, "keygen").out()).contains("created signing key");
        assertThat(ok(none, "publish", dir.toString()).out()).contains("published " + ID).contains("signed by key");
        assertThat(ok(none, "publish", dir.toString()).out()).contains("already published");

        // the signed index: show, yank (ranges skip it, an exact pin still loads it), restore
        assertThat(ok(none, "index", "show", ID).out()).contains("serial 1").contains("0.1.0  manifest sha256");
        assertThat(ok(none, "index", "yank", ID + "@0.1.0", "--reason", "wrong results for d 256").out())
                .contains("index serial 2");
        ChildCli.Run yanked = run(none, "resolve", ID);
        assertThat(yanked.exit()).isEqualTo(2);
        assertThat(yanked.err()).contains("yanked [0.1.0 (wrong results for d 256)]");
        assertThat(ok(none, "resolve", ID + "@0.1.0").out()).contains("yanked: wrong results for d 256");
        assertThat(ok(none, "index", "unyank", ID + "@0.1.0").out()).contains("index serial 3");
        // resolve answers what attend --impl ID would load: a KERNELHUB_LOCAL_KERNELS build first
        JsonNode localBuild = new ObjectMapper().readTree(ok(Map.of("KERNELHUB_LOCAL_KERNELS", ID + "=" + dir.resolve("build")),
                "resolve", ID, "--json").out());
        assertThat(localBuild.path("trust").asText()).startsWith("local build");
        assertThat(localBuild.path("hub").asText()).contains(dir.resolve("build").toUri().toString());
        assertThat(localBuild.path("variant").asText()).startsWith("cpu-");

        JsonNode local = new ObjectMapper().readTree(ok(none, "resolve", ID, "--json").out());
        assertThat(local.path("id").asText()).isEqualTo(ID);
        assertThat(local.path("version").asText()).isEqualTo("0.1.0");
        assertThat(local.path("variant").asText()).startsWith("cpu-");
        assertThat(local.path("rejected").isArray()).isTrue();

        Process server = command(none, "serve", "--root", tmp.resolve("home/hub").toString(), "--port", "0").start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            Matcher m = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)").matcher(lines.readLine());
            assertThat(m.find()).isTrue();
            Map<String, String> http = Map.of("KERNELHUB_HUB", m.group(1), "KERNELHUB_HOME", tmp.resolve("client").toString());
            // a fresh client trusts the publisher's key, then resolves over HTTP
            String pub = tmp.resolve("home/keys/signing.pub").toString();
            // trust names its orgs: no scope and a blank org are usage errors, never "every org"
            ChildCli.Run unscoped = run(http, "trust", "add", pub);
            assertThat(unscoped.exit()).isEqualTo(2);
            assertThat(unscoped.err()).contains("--org ORG").contains("--any-org");
            ChildCli.Run blank = run(http, "trust", "add", pub, "--org", " ");
            assertThat(blank.exit()).isEqualTo(2);
            assertThat(blank.err()).contains("blank");
            assertThat(ok(http, "trust", "list").out()).isBlank();
            ok(http, "trust", "add", pub, "--org", HubKernelId.parse(ID).org());
            assertThat(ok(http, "trust", "list").out()).contains("orgs [" + HubKernelId.parse(ID).org() + "]");
            JsonNode remote = new ObjectMapper().readTree(ok(http, "resolve", ID + "@^0.1", "--json").out());
            assertThat(remote.path("trust").asText()).startsWith("signed by key");
            assertThat(remote.path("hub").asText()).isEqualTo(m.group(1));
            assertThat(ok(http, "attend", "--impl", ID, "--seq-q", "64", "--seq-k", "96", "--causal", "--check", "--json").out())
                    .contains("\"ok\" : true");
            Path lock = tmp.resolve("kernels.lock");
            ok(http, "lock", ID, "--out", lock.toString());
            assertThat(ok(http, "cache", "prune", "--all").out()).contains("removed");
            assertThat(ok(http, "download", "--lock", lock.toString()).out()).contains(ID + " 0.1.0");
            assertThat(ok(http, "cache", "ls").out()).contains("1 bundle(s)");
            assertThat(ok(http, "cache", "verify").out()).startsWith("ok");

            ChildCli.Run bad = run(http, "resolve", ID + "@^9");
            assertThat(bad.exit()).isEqualTo(2);
            // (the JVM's incubator-module notice is dropped by ./kernelhub; this test runs the JVM directly)
            assertThat(bad.err().lines().filter(l -> !l.isBlank() && !l.contains("Using incubator modules")).toList())
                    .singleElement()
                    .satisfies(l -> assertThat(l).startsWith("kernelhub: error: cannot resolve").contains("^9"));
        } finally {
            server.destroy();
            server.waitFor();
        }
        // the server is gone: offline, with the lockfile, from the cache only
        Map<String, String> offline = Map.of("KERNELHUB_HOME", tmp.resolve("client").toString(), "KERNELHUB_OFFLINE", "1",
                "KERNELHUB_LOCKFILE", tmp.resolve("kernels.lock").toString(), "KERNELHUB_HUB", "http://127.0.0.1:9/");
        assertThat(ok(offline, "attend", "--impl", ID, "--check", "--json").out()).contains("\"ok\" : true");
    }

}

package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.RequiredTools;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.publish.FileHubTarget;
import io.kernelhub.hub.publish.Publisher;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A published hub directory served by Debian's nginx (installed by .ci/run; under CI=true a missing
 * nginx fails instead of skipping, so CI cannot pass without running this): resolve,
 * download with a resumed range request, load and run.
 */
class NginxInteropTest {

    static final String ID = "test-org/nginx-kernel";

    static Path nginx() {
        for (String p : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    @Test
    void resolvesThroughNginx() throws Exception {
        Path nginx = nginx();
        if (nginx == null) {
            RequiredTools.missing("nginx is not installed (.ci/run installs Debian's nginx)"); // skip; fail under CI=true
        }
        Path work = Path.of("target", "nginx-" + System.nanoTime()).toAbsolutePath();
        Path keys = work.resolve("publisher-keys");
        new KeyRing(keys).generate();
        Path hub = work.resolve("hub");
        KernelManifest m = new Publisher(new KeyRing(keys)).publish(KernelBuilds.template(ID), new FileHubTarget(hub),
                work.resolve("staging")).manifest();

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path prefix = Files.createDirectories(work.resolve("nginx"));
        Files.writeString(prefix.resolve("nginx.conf"), """
                daemon off;
                master_process off;
                error_log %1$s/error.log;
                pid %1$s/nginx.pid;
                events { worker_connections 64; }
                http {
                  access_log %1$s/access.log;
                  client_body_temp_path %1$s/tmp;
                  proxy_temp_path %1$s/tmp;
                  fastcgi_temp_path %1$s/tmp;
                  uwsgi_temp_path %1$s/tmp;
                  scgi_temp_path %1$s/tmp;
                  server {
                    listen 127.0.0.1:%2$d;
                    root %3$s;
                  }
                }
                """.formatted(prefix, port, hub));
        Process p = new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        try {
            waitForPort(port, p, prefix);
            Path home = work.resolve("client");
            new KeyRing(home.resolve("keys")).trustForAnyOrg(Files.readString(keys.resolve("signing.pub")));
            HubSettings s = new HubSettings(home, List.of("http://127.0.0.1:" + port + "/"), false, false, null, null,
                    HubEndToEndTest.FAST);
            // a partial download left by an earlier run: the client resumes it with a range request nginx answers with 206
            String sha = m.variants().getFirst().sha256();
            Path part = Files.createDirectories(home.resolve("cache/downloads")).resolve(sha + ".part");
            byte[] archive = Files.readAllBytes(hub.resolve("test-org/nginx-kernel/" + m.version() + "/"
                    + m.variants().getFirst().archive()));
            Files.write(part, java.util.Arrays.copyOf(archive, archive.length / 2));

            AttentionInterface registry = AttentionInterface.standalone();
            registry.setHubResolver(new HubKernelResolver(s, LocalKernels.parse(null), TransferListener.NONE));
            AttentionRequest r = AttentionCase.grid().get(5).request();
            assertThat(AccuracyCheck.check(r, registry.attend(ID, r)).ok()).isTrue();
            assertThat(HubKernelResolver.client(s, TransferListener.NONE).resolve(HubKernelId.parse(ID)).trust())
                    .startsWith("signed by key");
            String access = Files.readString(prefix.resolve("access.log"));
            assertThat(access).contains("kernel-index.json").contains(".kernel.json ");
            assertThat(access.lines().filter(l -> l.contains(".tar.gz")).toList()).singleElement()
                    .satisfies(l -> assertThat(l).contains("\" 206 "));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    static void waitForPort(int port, Process p, Path prefix) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("nginx exited: " + Files.readString(prefix.resolve("stdout.log"))
                        + (Files.exists(prefix.resolve("error.log")) ? Files.readString(prefix.resolve("error.log")) : ""));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }
}

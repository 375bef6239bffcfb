package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./kernelhub} launcher run by bash as a user runs it: {@code ./kernelhub serve ... &}
 * then {@code kill $!} must end the JVM (the launcher execs it, so {@code $!} is the JVM), the
 * JVM's incubator-module notice is dropped from stderr while everything else passes through as it
 * is written, and the exit status is the JVM's.
 *
 * <p>Hermetic: {@code KERNELHUB_HOME} is a temporary directory and no other KERNELHUB_* variable
 * reaches the launcher. The launcher runs the CLI from this test's class path
 * ({@code KH_LAUNCHER_CLASSPATH}, honoured for tests only) instead of java/cli/target/kernelhub.jar:
 * under {@code mvn install} the jar is packaged after the tests, so it is missing or stale here and
 * the launcher would start a nested Maven build. Waits are for events, with generous timeouts.
 */
class LauncherSignalsTest {

    private static final Path REPO = ChildCli.repo();
    private static final Path LAUNCHER = REPO.resolve("kernelhub");
    private static final String NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";
    private static final long TIMEOUT_S = 120;

    @TempDir
    Path tmp;

    /** bash running {@code script} with $1 = the launcher and $2.. = {@code args}; output is read as it comes. */
    private Launched bash(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "bash", LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KERNELHUB_"));
        pb.environment().put("KERNELHUB_HOME", tmp.resolve("home").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests
        pb.environment().put("KH_LAUNCHER_CLASSPATH", System.getProperty("java.class.path"));
        return new Launched(pb.start());
    }

    /** A started bash: stdout as lines in a queue, stderr accumulated, both read by daemon threads. */
    private static final class Launched {
        final Process process;
        final BlockingQueue<String> out = new LinkedBlockingQueue<>();
        final StringBuffer err = new StringBuffer();

        Launched(Process process) {
            this.process = process;
            Thread o = new Thread(() -> lines(process.getInputStream(), out::add), "launcher-stdout");
            Thread e = new Thread(() -> lines(process.getErrorStream(), l -> err.append(l).append('\n')), "launcher-stderr");
            o.setDaemon(true);
            e.setDaemon(true);
            o.start();
            e.start();
        }

        private static void lines(InputStream in, java.util.function.Consumer<String> sink) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) sink.accept(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The first stdout line matching {@code p} (earlier lines are skipped), waiting at most TIMEOUT_S. */
        Matcher awaitLine(Pattern p) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            for (;;) {
                String l = out.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(l).as("a stdout line matching %s; stderr so far:%n%s", p, err).isNotNull();
                Matcher m = p.matcher(l);
                if (m.find()) return m;
            }
        }

        void awaitErr(String text) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (!err.toString().contains(text) && System.nanoTime() < end) Thread.sleep(20);
            assertThat(err.toString()).contains(text);
        }

        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Test
    void sigtermEndsTheJvm() throws Exception {
        signalEndsTheJvm("TERM", 15);
    }

    @Test
    void sighupEndsTheJvm() throws Exception {
        signalEndsTheJvm("HUP", 1);
    }

    private void signalEndsTheJvm(String signal, int number) throws Exception {
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        Launched b = bash("\"$1\" serve --root \"$2\" --port 0 & echo \"pid=$!\"; wait \"$!\"; echo \"exit=$?\"",
                hub.toString());
        try {
            long pid = Long.parseLong(b.awaitLine(Pattern.compile("^pid=(\\d+)$")).group(1));
            String url = b.awaitLine(Pattern.compile("^serving .* at (http://\\S+)")).group(1);

            // the PID bash reported is the JVM itself, not a shell in front of it
            ProcessHandle jvm = ProcessHandle.of(pid).orElseThrow();
            assertThat(jvm.info().command()).as("the command of pid %d", pid).hasValueSatisfying(
                    c -> assertThat(Path.of(c).getFileName().toString()).isEqualTo("java"));

            // stderr passes through while the JVM runs (the request log), not at its end
            HttpURLConnection c = (HttpURLConnection) URI.create(url + "launcher-probe").toURL().openConnection();
            assertThat(c.getResponseCode()).isEqualTo(404);
            c.disconnect();
            b.awaitErr("GET /launcher-probe 404");

            List<ProcessHandle> started = b.process.descendants().toList(); // the JVM and the stderr filter
            assertThat(started).contains(jvm);

            Process kill = new ProcessBuilder("bash", "-c", "kill -s \"$1\" \"$2\"", "bash", signal, Long.toString(pid))
                    .inheritIO().start();
            assertThat(kill.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();

            jvm.onExit().get(TIMEOUT_S, TimeUnit.SECONDS);
            for (ProcessHandle h : started) {
                h.onExit().get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(h.isAlive()).as("%s (%s) after SIG%s", h.pid(), h.info().command(), signal).isFalse();
            }
            // the JVM ran its shutdown hooks and exited with 128 + the signal's number
            assertThat(b.awaitLine(Pattern.compile("^exit=(\\d+)$")).group(1)).isEqualTo(Integer.toString(128 + number));
            assertThat(b.process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
            assertThat(b.err.toString()).doesNotContain("incubator modules");
        } finally {
            b.kill();
        }
    }

    @Test
    void aFailingCommandsExitStatusAndErrorComeThroughWithoutTheIncubatorNotice() throws Exception {
        Launched b = bash("\"$1\" attend --impl nope; echo \"exit=$?\"");
        assertThat(b.awaitLine(Pattern.compile("^exit=(\\d+)$")).group(1)).isEqualTo("2");
        assertThat(b.process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        String err = b.err.toString();
        assertThat(err).contains("kernelhub: error: no attention implementation named 'nope'");
        assertThat(err).doesNotContain("incubator modules");
    }

    @Test
    void theNoticeTheLauncherDropsIsTheOneThisJdkPrints() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-version").start();
        p.getInputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(err.lines().findFirst()).hasValue(NOTICE); // so the test above is not vacuous
        assertThat(Files.readString(LAUNCHER)).contains("\"" + NOTICE + "\"");
    }

    @Test
    void javaOptionsAndTheSdkPropertyReachTheJvm() throws Exception {
        // -XshowSettings:properties -version: the JVM lists its properties on stderr and exits before main
        Launched b = bash("KERNELHUB_JAVA_OPTS='-Dkh.launcher.probe=yes -XshowSettings:properties -version' \"$1\"; "
                + "echo \"exit=$?\"");
        assertThat(b.awaitLine(Pattern.compile("^exit=(\\d+)$")).group(1)).isEqualTo("0");
        assertThat(b.process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(b.err.toString()).contains("kh.launcher.probe = yes").contains("kernelhub.sdk = " + REPO);
    }

    @Test
    void theClassPathTheTestsUseRunsTheJarsMainClass() throws Exception {
        // KH_LAUNCHER_CLASSPATH runs Main by name: it must be the class the jar's manifest names
        assertThat(Files.readString(REPO.resolve("java/cli/pom.xml"))).contains("<Main-Class>" + Main.class.getName());
        assertThat(Files.readString(LAUNCHER)).contains(" " + Main.class.getName() + ")");
    }
}

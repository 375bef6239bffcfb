package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI in its own JVM, as a user runs it, hermetically: no KERNELHUB_* setting reaches it
 * but {@code KERNELHUB_HOME=home} and the ones a test passes.
 */
final class ChildCli {

    record Run(int exit, String out, String err) {}

    private ChildCli() {
    }

    /** The checkout (for -Dkernelhub.sdk: the cmake module and the kernel template). */
    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("native/include/kernelhub.h"))) p = p.getParent();
        return p;
    }

    static ProcessBuilder command(Path home, Map<String, String> env, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-modules",
                "jdk.incubator.vector", "-Dkernelhub.sdk=" + repo(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("KERNELHUB_"));
        pb.environment().put("KERNELHUB_HOME", home.toString());
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs to the end (at most {@code timeoutSeconds}) and returns what it printed. */
    static Run run(Path home, Map<String, String> env, long timeoutSeconds, String... args) throws Exception {
        Process p = command(home, env, args).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}

package io.kernelhub.validate.run;

import io.kernelhub.validate.grid.ValidationCase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs cases in child JVMs ({@link ValidateWorker}) so that a kernel that crashes the process
 * (a segfault in native code) fails its case instead of killing the runner: the case in flight
 * when a worker dies is reported with the exit status and the JVM's crash line, and a fresh
 * worker continues with the next case.
 */
public final class IsolatedRunner {

    private final String target;
    private final String grid;
    private final String dtypes;
    private final long seed;
    private final int repeats;
    private final Path crashDir;
    private final String device;

    public IsolatedRunner(String target, String grid, String dtypes, long seed, int repeats, Path crashDir, String device) {
        this.device = device;
        this.target = target;
        this.grid = grid;
        this.dtypes = dtypes;
        this.seed = seed;
        this.repeats = repeats;
        this.crashDir = crashDir;
    }

    /** Runs every case, in order; {@code progress} sees each result as it arrives. */
    public List<CaseResult> run(List<ValidationCase> cases, Consumer<CaseResult> progress) throws IOException {
        List<CaseResult> results = new ArrayList<>();
        int next = 0;
        while (next < cases.size()) {
            Process p = start();
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            String first = readProtocolLine(in);
            if (first == null || first.startsWith("LOADFAIL")) {
                waitQuietly(p);
                throw new IllegalStateException("the validation worker could not load " + target + ": "
                        + (first == null ? "it exited with " + p.exitValue() : first.substring("LOADFAIL ".length())));
            }
            boolean died = false;
            while (next < cases.size() && !died) {
                ValidationCase c = cases.get(next);
                try {
                    w.write(c.id() + "\n");
                    w.flush();
                } catch (IOException broken) {
                    died = true;
                    break;
                }
                String line;
                CaseResult r = null;
                while ((line = readProtocolLine(in)) != null) {
                    if (line.startsWith("RESULT ")) {
                        r = ResultCodec.fromJson(line.substring(7));
                        break;
                    }
                }
                if (r == null) {
                    died = true;
                    int code = waitQuietly(p);
                    r = CaseResult.failed(c.name(), String.join(" ", c.features()), "crashed: the worker JVM died while running "
                            + "this case (exit code " + code + describeSignal(code) + ")" + crashLine(p.pid()), 0, c.seqK());
                }
                results.add(r);
                progress.accept(r);
                next++;
            }
            try {
                w.close();
            } catch (IOException ignored) {
                // the worker is gone already
            }
            waitQuietly(p);
        }
        return results;
    }

    private Process start() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:ErrorFile")) cmd.add(a);
        }
        Files.createDirectories(crashDir);
        cmd.add("-XX:ErrorFile=" + crashDir.resolve("hs_err_pid%p.log"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ValidateWorker.class.getName(), target, grid, dtypes,
                Long.toString(seed), Integer.toString(repeats), device));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The next line of the protocol (others, e.g. a bundle's own prints, are skipped), or null at EOF. */
    private static String readProtocolLine(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("RESULT ") || line.startsWith("READY") || line.startsWith("LOADFAIL")) return line;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static int waitQuietly(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    private static String describeSignal(int code) {
        return switch (code) {
            case 134 -> ", SIGABRT: the JVM aborted after a fatal error";
            case 139 -> ", SIGSEGV";
            case 137 -> ", SIGKILL";
            default -> code > 128 ? ", signal " + (code - 128) : "";
        };
    }

    /** "; SIGSEGV (0xb) at pc=...; problematic frame: C [libx.so+0x1139] fn" from the JVM's crash log. */
    private String crashLine(long pid) {
        Path log = crashDir.resolve("hs_err_pid" + pid + ".log");
        if (!Files.exists(log)) return "";
        try (Stream<String> lines = Files.lines(log)) {
            List<String> l = lines.limit(40).toList();
            String sig = l.stream().filter(s -> s.matches("#\\s+SIG\\w+.*")).findFirst().orElse("").replaceFirst("#\\s+", "");
            int i = l.indexOf("# Problematic frame:");
            String frame = i >= 0 && i + 1 < l.size() ? l.get(i + 1).replaceFirst("#\\s+", "") : "";
            return (sig.isEmpty() ? "" : "; " + sig) + (frame.isEmpty() ? "" : "; problematic frame: " + frame)
                    + "; JVM crash log " + log;
        } catch (IOException | java.io.UncheckedIOException e) {
            return "; JVM crash log " + log;
        }
    }
}

package io.kernelhub.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the tests' native code with the system C compiler, into target/native-test. */
public final class NativeToolchain {

    public static final Path REPO = findRepo();
    public static final Path INCLUDE = REPO.resolve("native/include");
    static final Path TEST_NATIVE = REPO.resolve("java/bridge/src/test/native");
    /** Under the running module's target/ (surefire runs each module's tests in its own directory). */
    public static final Path OUT = Path.of("target", "native-test").toAbsolutePath();

    private NativeToolchain() {
    }

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("native/include/kernelhub.h"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("native/include/kernelhub.h not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Compiles C sources into a shared library named {@code name}. */
    public static Path sharedLibrary(String name, List<Path> sources, String... flags) {
        Path lib = OUT.resolve("lib" + name + ".so");
        List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror",
                "-fvisibility=hidden", "-I" + INCLUDE));
        cmd.addAll(List.of(flags));
        sources.forEach(s -> cmd.add(s.toString()));
        cmd.addAll(List.of("-o", lib.toString(), "-lm"));
        run(cmd);
        return lib;
    }

    static Path executable(String name, Path source) {
        Path exe = OUT.resolve(name);
        run(List.of("gcc", "-O1", "-Wall", "-I" + INCLUDE, source.toString(), "-o", exe.toString()));
        return exe;
    }

    public static String run(List<String> cmd) {
        try {
            Files.createDirectories(OUT);
            Path log = Files.createTempFile(OUT, "cmd", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            String output = Files.readString(log);
            Files.delete(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("command failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

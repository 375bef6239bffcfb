package io.kernelhub.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One built variant in a local build directory: {@code <variant>/kernel.json} next to its
 * library (what {@code cmake/KernelHub.cmake} writes).
 *
 * @param variant  e.g. {@code cpu-x86_64-linux}
 * @param backend  {@code cpu} or {@code cuXY}
 * @param arch     {@code x86_64}, {@code aarch64}
 * @param os       {@code linux}, ...
 * @param version  the kernel's version
 * @param library  absolute path of the shared library
 */
public record LocalVariant(String variant, String backend, String arch, String os, String version, Path library) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Variants found at DIR, DIR/build, and their direct subdirectories. */
    public static List<LocalVariant> scan(Path dir, List<String> problems) {
        List<LocalVariant> found = new ArrayList<>();
        for (Path base : new Path[] {dir, dir.resolve("build")}) {
            if (!Files.isDirectory(base)) {
                continue;
            }
            readIfPresent(base.resolve("kernel.json"), found, problems);
            try (Stream<Path> children = Files.list(base)) {
                for (Path child : children.sorted().toList()) {
                    readIfPresent(child.resolve("kernel.json"), found, problems);
                }
            } catch (IOException e) {
                problems.add(base + ": cannot list: " + e.getMessage());
            }
        }
        return found;
    }

    private static void readIfPresent(Path json, List<LocalVariant> found, List<String> problems) {
        if (!Files.isRegularFile(json)) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(json.toFile());
            String library = n.path("library").asText("");
            if (library.isEmpty()) {
                problems.add(json + ": no \"library\" field");
                return;
            }
            LocalVariant v = new LocalVariant(n.path("variant").asText("?"), n.path("backend").asText("?"),
                    n.path("arch").asText("?"), n.path("os").asText("?"), n.path("version").asText("?"),
                    json.getParent().resolve(library).toAbsolutePath().normalize());
            if (found.stream().noneMatch(f -> f.library().equals(v.library()))) {
                found.add(v);
            }
        } catch (IOException e) {
            problems.add(json + ": unreadable kernel.json: " + e.getMessage());
        }
    }

    /** This machine's arch in variant-name spelling. */
    public static String machineArch() {
        String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a;
        };
    }

    /** This machine's OS in variant-name spelling. */
    public static String machineOs() {
        String o = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return o.contains("linux") ? "linux" : o.contains("mac") ? "darwin" : o.contains("win") ? "windows" : o;
    }

    /** Why this variant cannot run here, or null when it can. */
    public String rejection() {
        if (!arch.equals(machineArch()) || !os.equals(machineOs())) {
            return "built for " + arch + "-" + os + ", this machine is " + machineArch() + "-" + machineOs();
        }
        if (!backend.equals("cpu")) {
            return "CUDA variants load through the hub module's device-aware selection, which is not on this classpath";
        }
        if (!Files.isRegularFile(library)) {
            return "its library " + library + " is missing";
        }
        return null;
    }
}

package io.kernelhub.cli;

import io.kernelhub.device.CudaDevice;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.attention.sdpa.SdpaAttention;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kernelhub doctor}: what this machine and JVM offer kernels, and why anything is missing. Never fails. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Report OS, CPU ISA, JDK, Vector API, CUDA driver and KERNELHUB_* settings.")
final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        ObjectNode report = report(System.getenv(), CudaDriver.status());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, report);
        } else {
            printText(out, report);
        }
        return ExitCodes.OK;
    }

    /** The whole report as JSON; the text form is printed from the same data. */
    static ObjectNode report(Map<String, String> env, CudaStatus cuda) {
        ObjectNode r = Json.object();
        r.put("kernelhub", VersionProvider.version());

        ObjectNode os = r.putObject("os");
        os.put("name", System.getProperty("os.name"));
        os.put("version", System.getProperty("os.version"));
        os.put("arch", System.getProperty("os.arch"));

        CpuInfo cpu = CpuInfo.detect();
        ObjectNode c = r.putObject("cpu");
        c.put("model", cpu.model());
        c.put("cores", cpu.cores());
        if (cpu.isa() == null) {
            c.put("isa", "unknown");
        } else {
            c.set("isa", Json.strings(cpu.isa()));
        }
        c.put("isa_source", cpu.isaSource());

        ObjectNode jdk = r.putObject("jdk");
        jdk.put("version", Runtime.version().toString());
        jdk.put("vendor", System.getProperty("java.vendor"));
        jdk.put("home", System.getProperty("java.home"));
        jdk.put("vm", System.getProperty("java.vm.name"));

        ObjectNode vec = r.putObject("vector_api");
        vec.put("enabled", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        vec.put("sdpa_kernels", sdpaKernelChoice());

        ObjectNode cu = r.putObject("cuda");
        cu.put("available", cuda instanceof CudaStatus.Available);
        cu.put("library", "libcuda.so.1 (JCuda driver API)");
        ArrayNode gpus = Json.array();
        if (cuda instanceof CudaStatus.Available a) {
            cu.put("driver_version", a.driverVersionText());
            cu.put("device_count", a.devices().size());
            for (CudaDevice g : a.devices()) {
                ObjectNode n = gpus.addObject();
                n.put("index", g.index());
                n.put("name", g.name());
                n.put("compute_capability", g.computeCapability());
                n.put("memory_bytes", g.totalMemoryBytes());
                n.put("multiprocessors", g.multiprocessors());
            }
            cu.putNull("reason");
        } else {
            cu.putNull("driver_version");
            cu.putNull("device_count");
            cu.put("reason", ((CudaStatus.Unavailable) cuda).reason());
        }
        cu.set("devices", gpus);

        ObjectNode e = r.putObject("env");
        for (EnvSettings.Setting s : EnvSettings.settings(env)) {
            ObjectNode n = e.putObject(s.name());
            n.put("value", s.value());
            n.put("source", s.source());
        }
        r.set("unknown_env", Json.strings(EnvSettings.unknown(env)));
        return r;
    }

    private static String sdpaKernelChoice() {
        try {
            return SdpaAttention.kernelChoice();
        } catch (RuntimeException | LinkageError e) {
            return "unknown: " + e;
        }
    }

    static void printText(PrintWriter out, ObjectNode r) {
        ObjectNode os = (ObjectNode) r.get("os");
        ObjectNode cpu = (ObjectNode) r.get("cpu");
        ObjectNode jdk = (ObjectNode) r.get("jdk");
        ObjectNode vec = (ObjectNode) r.get("vector_api");
        ObjectNode cu = (ObjectNode) r.get("cuda");
        out.println("kernelhub " + r.get("kernelhub").asText());
        row(out, "os", os.get("name").asText() + " " + os.get("version").asText() + " (" + os.get("arch").asText() + ")");
        row(out, "cpu", cpu.get("model").asText() + ", " + cpu.get("cores").asInt() + " cores");
        row(out, "cpu isa", cpu.get("isa").isArray() ? join(cpu.get("isa")) + "  [" + cpu.get("isa_source").asText() + "]"
                : cpu.get("isa_source").asText());
        row(out, "jdk", jdk.get("version").asText() + " (" + jdk.get("vendor").asText() + ") at " + jdk.get("home").asText());
        row(out, "vector api", vec.get("enabled").asBoolean() ? "enabled" : "not enabled (add --add-modules jdk.incubator.vector)");
        row(out, "sdpa kernels", vec.get("sdpa_kernels").asText());
        row(out, "cuda", cu.get("available").asBoolean()
                ? "available: driver supports CUDA " + cu.get("driver_version").asText() + ", " + cu.get("device_count").asInt()
                        + " device(s)"
                : "unavailable: " + cu.get("reason").asText());
        for (var g : cu.get("devices")) {
            row(out, "  cuda:" + g.get("index").asInt(), g.get("name").asText()
                    + (g.get("compute_capability").isNull() ? "" : ", sm " + g.get("compute_capability").asText())
                    + (g.get("memory_bytes").asLong() < 0 ? "" : String.format(java.util.Locale.ROOT, ", %.1f GiB",
                            g.get("memory_bytes").asLong() / (1024.0 * 1024 * 1024))));
        }
        out.println("environment:");
        var env = r.get("env").properties();
        for (var entry : env) {
            var n = entry.getValue();
            String v = n.get("value").isNull() ? "(unset)" : n.get("value").asText();
            if ("default".equals(n.get("source").asText())) {
                v += " (default)";
            }
            row(out, "  " + entry.getKey(), v);
        }
        if (!r.get("unknown_env").isEmpty()) {
            row(out, "  unrecognised", join(r.get("unknown_env")) + " (not read by kernelhub: typo?)");
        }
        out.flush();
    }

    private static String join(com.fasterxml.jackson.databind.JsonNode array) {
        StringBuilder sb = new StringBuilder();
        array.forEach(n -> sb.append(sb.isEmpty() ? "" : " ").append(n.asText()));
        return sb.isEmpty() ? "(none of the kernel-relevant flags)" : sb.toString();
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("  %-26s %s%n", key, value);
    }
}

package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.device.CudaDevice;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {

    @Test
    void jsonReportHasTheDocumentedFields() throws Exception {
        Cli r = Cli.run("doctor", "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("kernelhub").asText()).isNotBlank();
        assertThat(j.at("/os/name").asText()).isNotBlank();
        assertThat(j.at("/os/arch").asText()).isNotBlank();
        assertThat(j.at("/os/version").isTextual()).isTrue();
        assertThat(j.at("/cpu/cores").asInt()).isPositive();
        JsonNode isa = j.at("/cpu/isa");
        assertThat(isa.isArray() || isa.asText().equals("unknown")).isTrue();
        assertThat(j.at("/cpu/isa_source").asText()).isNotBlank();
        assertThat(j.at("/jdk/version").asText()).startsWith(Integer.toString(Runtime.version().feature()));
        assertThat(j.at("/jdk/vendor").isTextual()).isTrue();
        assertThat(j.at("/jdk/home").asText()).isEqualTo(System.getProperty("java.home"));
        // surefire runs with --add-modules jdk.incubator.vector
        assertThat(j.at("/vector_api/enabled").asBoolean()).isTrue();
        assertThat(j.at("/vector_api/sdpa_kernels").asText()).isNotBlank();
        // this machine's CUDA section is exactly what the driver probe says (both shapes are checked below)
        CudaStatus status = CudaDriver.status();
        JsonNode cuda = j.get("cuda");
        assertThat(cuda.get("available").asBoolean()).isEqualTo(status instanceof CudaStatus.Available);
        assertThat(cuda.get("library").asText()).contains("libcuda.so.1");
        if (status instanceof CudaStatus.Unavailable u) {
            assertThat(cuda.get("reason").asText()).isEqualTo(u.reason());
        } else {
            assertThat(cuda.get("device_count").asInt()).isEqualTo(((CudaStatus.Available) status).devices().size());
        }
        for (String name : EnvSettings.KNOWN) {
            assertThat(j.at("/env/" + name).has("value")).as(name).isTrue();
            assertThat(j.at("/env/" + name + "/source").asText()).isIn("env", "default", "unset");
        }
        assertThat(j.get("unknown_env").isArray()).isTrue();
    }

    @Test
    void reportsADriverAndItsDevices() {
        CudaStatus h200 = new CudaStatus.Available(13000,
                List.of(new CudaDevice(0, "NVIDIA H200", 9, 0, 150_000_000_000L, 132)));
        ObjectNode r = DoctorCommand.report(Map.of(), h200);
        JsonNode cuda = r.get("cuda");
        assertThat(cuda.get("available").asBoolean()).isTrue();
        assertThat(cuda.get("reason").isNull()).isTrue();
        assertThat(cuda.get("driver_version").asText()).isEqualTo("13.0");
        assertThat(cuda.get("device_count").asInt()).isEqualTo(1);
        JsonNode gpu = cuda.get("devices").get(0);
        assertThat(gpu.get("name").asText()).isEqualTo("NVIDIA H200");
        assertThat(gpu.get("compute_capability").asText()).isEqualTo("9.0");
        assertThat(gpu.get("memory_bytes").asLong()).isEqualTo(150_000_000_000L);
        assertThat(gpu.get("multiprocessors").asInt()).isEqualTo(132);
        assertThat(text(r)).contains("available: driver supports CUDA 13.0, 1 device(s)")
                .contains("cuda:0").contains("NVIDIA H200, sm 9.0, 139.7 GiB");
    }

    @Test
    void reportsWhyCudaIsUnavailableWithoutADriver() {
        String why = "no NVIDIA driver: libcuda.so.1: cannot open shared object file: No such file or directory. "
                + "Install the NVIDIA driver to use CUDA kernels; CPU kernels work without it.";
        ObjectNode r = DoctorCommand.report(Map.of(), new CudaStatus.Unavailable(why));
        JsonNode cuda = r.get("cuda");
        assertThat(cuda.get("available").asBoolean()).isFalse();
        assertThat(cuda.get("reason").asText()).isEqualTo(why);
        assertThat(cuda.get("driver_version").isNull()).isTrue();
        assertThat(cuda.get("device_count").isNull()).isTrue();
        assertThat(cuda.get("devices").isEmpty()).isTrue();
        assertThat(text(r)).contains("unavailable: " + why).doesNotContain("cuda:0");
    }

    private static String text(ObjectNode report) {
        StringWriter w = new StringWriter();
        DoctorCommand.printText(new PrintWriter(w), report);
        return w.toString();
    }

    @Test
    void tokenIsNeverPrintedAndHomeHasADefault() {
        Map<String, String> env = Map.of("KERNELHUB_TOKEN", "s3cr3t-value", "KERNELHUB_OFFLINE", "1",
                "KERNELHUB_OFLINE", "1");
        String json = Json.write(DoctorCommand.report(env, new CudaStatus.Unavailable("not probed")));
        assertThat(json).doesNotContain("s3cr3t-value").contains("set (hidden)");
        List<EnvSettings.Setting> s = EnvSettings.settings(env);
        assertThat(s).extracting(EnvSettings.Setting::name).containsExactlyElementsOf(EnvSettings.KNOWN);
        assertThat(s.get(0).source()).isEqualTo("default");
        assertThat(s.get(0).value()).endsWith(".kernelhub");
        assertThat(s.get(2).value()).isEqualTo("1");
        assertThat(EnvSettings.unknown(env)).containsExactly("KERNELHUB_OFLINE");
        assertThat(EnvSettings.settings(Map.of("KERNELHUB_HOME", "/x")).get(0)).isEqualTo(
                new EnvSettings.Setting("KERNELHUB_HOME", "/x", "env", "cache, local hub and keys"));
    }

    @Test
    void textReportNamesEverySection() {
        Cli r = Cli.run("doctor");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("os", "cpu isa", "jdk", "vector api", "sdpa kernels", "cuda", "KERNELHUB_HOME",
                "KERNELHUB_TOKEN");
    }

    @Test
    void parsesCpuinfoFlags() {
        List<String> text = List.of(
                "processor\t: 0",
                "model name\t: Test CPU 9000",
                "flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_bf16 amx_tile amx_bf16",
                "",
                "processor\t: 1",
                "flags\t\t: fpu");
        CpuInfo c = CpuInfo.parse(text, 4);
        assertThat(c.model()).isEqualTo("Test CPU 9000");
        assertThat(c.cores()).isEqualTo(4);
        assertThat(c.isa()).containsExactly("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                "avx512_bf16", "amx_tile", "amx_bf16");
        CpuInfo arm = CpuInfo.parse(List.of("processor : 0", "Features : fp asimd asimdhp bf16 i8mm sve sve2"), 2);
        assertThat(arm.isa()).containsExactly("asimd", "asimdhp", "bf16", "i8mm", "sve", "sve2");
        assertThat(CpuInfo.parse(List.of("nothing here"), 1).isa()).isNull();
    }
}

package io.kernelhub.hub.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.NativeToolchain;
import io.kernelhub.bridge.RequiredTools;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.pack.BundlePacker;
import io.kernelhub.hub.select.MachineProbe;
import io.kernelhub.hub.select.Selection;
import io.kernelhub.hub.select.VariantSelector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** kernelhub check on real libraries built here: a good bundle passes, each broken promise is caught. */
class BundleCheckerTest {

    static Path variantOf(Path build) throws IOException {
        try (Stream<Path> s = Files.list(build)) {
            return s.filter(p -> p.getFileName().toString().startsWith("cpu-")).findFirst().orElseThrow();
        }
    }

    /** A copy of the template's CPU variant whose library is replaced by {@code lib} (null: keep it). */
    static Path variantCopy(String name, Path lib) throws IOException {
        Path src = variantOf(KernelBuilds.template("test-org/check-kernel"));
        Path dst = NativeToolchain.OUT.resolve("check-" + name);
        Files.createDirectories(dst);
        for (String f : List.of("kernel.json", "libcheck-kernel.so")) {
            Files.copy(src.resolve(f), dst.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (lib != null) Files.copy(lib, dst.resolve("libcheck-kernel.so"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return dst;
    }

    static BundleChecker.Finding finding(BundleChecker.Report r, String check) {
        return r.findings().stream().filter(f -> f.check().equals(check)).findFirst().orElseThrow();
    }

    static Path cLibrary(String name, String code, String... flags) throws IOException {
        Path src = NativeToolchain.OUT.resolve(name + ".c");
        Files.createDirectories(src.getParent());
        Files.writeString(src, code);
        return NativeToolchain.sharedLibrary(name, List.of(src), flags);
    }

    @Test
    void theTemplateBundlePasses() throws IOException {
        BundleChecker.Report r = BundleChecker.check(variantCopy("good", null));
        assertThat(r.ok()).as(r.toString()).isTrue();
    }

    @Test
    void missingEntryPointFails() throws IOException {
        Path lib = cLibrary("noregister", "#include \"kernelhub.h\"\nKH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }\n");
        BundleChecker.Report r = BundleChecker.check(variantCopy("noregister", lib));
        assertThat(finding(r, "symbols").ok()).isFalse();
        assertThat(finding(r, "symbols").detail()).contains("kh_register");
    }

    @Test
    void dynamicLibstdcxxFails() throws IOException {
        Path lib = cLibrary("withcxx", "#include \"kernelhub.h\"\nKH_EXPORT uint32_t kh_abi_version(void) { return 1; }\n"
                + "KH_EXPORT kh_status kh_register(const kh_host *h, char *e, size_t c) { (void) h; (void) e; (void) c; return 0; }\n", "-Wl,--no-as-needed", "-lstdc++");
        BundleChecker.Report r = BundleChecker.check(variantCopy("withcxx", lib));
        assertThat(finding(r, "dependencies").ok()).isFalse();
        assertThat(finding(r, "dependencies").detail()).contains("libstdc++").contains("-static-libstdc++");
    }

    @Test
    void glibcAboveTheRecordedCeilingFails() throws IOException {
        Path v = variantCopy("glibc", null);
        Path kj = v.resolve("kernel.json");
        Files.writeString(kj, Files.readString(kj).replaceAll("\"glibc_max\": \"[0-9.]+\"", "\"glibc_max\": \"2.2\""));
        BundleChecker.Report r = BundleChecker.check(v);
        assertThat(finding(r, "glibc").ok()).isFalse();
        assertThat(finding(r, "glibc").detail()).contains("recorded ceiling 2.2");
    }

    @Test
    void cudaBundleHoldsWhatItRecordsAndIsRejectedWithoutADriver() throws IOException {
        // without nvcc where CMake finds it: a visible skip with the reason (a failure under CI=true)
        RequiredTools.Nvcc nvcc = RequiredTools.requireNvccForCudaVariant();
        Path build = KernelBuilds.repoKernel("cmake/tests/cuda-smoke");
        Path cu = build.resolve(nvcc.variant()); // cu<major><minor> of the toolkit found here, as KernelHub.cmake names it
        try (Stream<Path> s = Files.list(build)) {
            assertThat(cu).as("variants built: %s", s.map(p -> p.getFileName().toString()).sorted().toList()).isDirectory();
        }
        BundleChecker.Report good = BundleChecker.check(cu);
        assertThat(good.ok()).as(good.toString()).isTrue();
        assertThat(finding(good, "cuda").detail()).contains("sm_80", "sm_86", "sm_89", "sm_90", "compute_90");

        Path tampered = NativeToolchain.OUT.resolve("cuda-tampered");
        Files.createDirectories(tampered);
        try (Stream<Path> s = Files.list(cu)) {
            for (Path p : s.toList()) Files.copy(p, tampered.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path kj = tampered.resolve("kernel.json");
        Files.writeString(kj, Files.readString(kj).replace("\"sm_89\", ", ""));
        BundleChecker.Report bad = BundleChecker.check(tampered);
        assertThat(finding(bad, "cuda").ok()).isFalse();
        assertThat(finding(bad, "cuda").detail()).contains("kernel.json records SASS [sm_80, sm_86, sm_90]");

        KernelManifest m = BundlePacker.pack(build, NativeToolchain.OUT.resolve("cuda-pack")).manifest();
        Selection sel = new VariantSelector(MachineProbe.currentWithoutCuda("no NVIDIA driver: libcuda.so.1 not found"), 1, 0)
                .select(m);
        assertThat(sel.chosen()).map(v -> v.name()).contains("cpu-" + MachineProbe.arch() + "-linux");
        assertThat(sel.rejected()).anySatisfy(x -> {
            assertThat(x.variant()).isEqualTo(nvcc.variant());
            assertThat(x.reason()).contains("CUDA is unavailable").contains("no NVIDIA driver");
        });
        if (io.kernelhub.device.CudaDriver.status() instanceof CudaStatus.Unavailable u) {
            assertThat(u.reason()).isNotBlank(); // this machine: the real probe says why, without crashing
        }
    }
}

package io.kernelhub.hub.select;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.version.Version;
import io.kernelhub.device.CudaDevice;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.Requirements;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.select.Selection.Match;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Variant selection on synthetic manifests and machines (no GPU or driver needed). */
class VariantSelectorTest {

    private static final String SHA = "a".repeat(64);
    private static final Set<String> AVX2_CPU = Set.of("x86-64", "x86-64-v2", "x86-64-v3", "avx2", "fma");

    static VariantEntry cpu(String glibc, String... isa) {
        return variant("cpu-x86_64-linux", Requirements.cpu(glibc, List.of(isa)));
    }

    static VariantEntry cuda(String toolkit, List<String> sass, List<String> ptx) {
        String name = "cu" + toolkit.replace(".", "") + "-x86_64-linux";
        return variant(name, new Requirements("2.28", List.of("x86-64"), List.of(), toolkit, null, sass, ptx));
    }

    static VariantEntry variant(String name, Requirements r) {
        return new VariantEntry(name, "k-1.0.0-" + name + ".tar.gz", SHA, 10, "libk.so", 1, r,
                "{}");
    }

    static KernelManifest manifest(VariantEntry... vs) {
        return new KernelManifest("org/k", Version.parse("1.0.0"), null, null, null, null, List.of(vs));
    }

    static MachineProfile machine(CudaStatus cuda) {
        return new MachineProfile("linux", "x86_64", new Version(2, 36, 0, null), AVX2_CPU, cuda);
    }

    static CudaStatus gpu(int driver, int sm) {
        return new CudaStatus.Available(driver, List.of(new CudaDevice(0, "GPU sm_" + sm, sm / 10, sm % 10, 80L << 30, 132)));
    }

    static Selection select(MachineProfile m, VariantEntry... vs) {
        return new VariantSelector(m, 1, 0).select(manifest(vs));
    }

    static String reason(Selection s, String variant) {
        return s.rejected().stream().filter(r -> r.variant().equals(variant)).findFirst().orElseThrow().reason();
    }

    /** The usual release: cu118, cu126 and cu130 builds with SASS for Ampere..Hopper (+Blackwell on 12.8+) and a CPU build. */
    static VariantEntry[] release() {
        return new VariantEntry[] {
                cpu("2.28", "x86-64"),
                cuda("11.8", List.of("sm_80", "sm_86", "sm_89", "sm_90"), List.of("compute_90")),
                cuda("12.6", List.of("sm_80", "sm_86", "sm_89", "sm_90"), List.of("compute_90")),
                cuda("13.0", List.of("sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120"), List.of("compute_120"))};
    }

    @ParameterizedTest(name = "driver {0}, sm_{1} -> {2} ({3})")
    @CsvSource({
            // new driver: the newest toolkit with exact SASS wins
            "13000, 80, cu130-x86_64-linux, EXACT_SASS",
            "13000, 86, cu130-x86_64-linux, EXACT_SASS",
            "13000, 89, cu130-x86_64-linux, EXACT_SASS",
            "13000, 90, cu130-x86_64-linux, EXACT_SASS",
            "13000, 100, cu130-x86_64-linux, EXACT_SASS",
            "13000, 120, cu130-x86_64-linux, EXACT_SASS",
            // a CUDA 12.8 driver cannot run 13.0 builds (different major), takes the newest 12.x
            "12080, 90, cu126-x86_64-linux, EXACT_SASS",
            // a 12.4 driver runs 12.6 SASS by minor-version compatibility
            "12040, 86, cu126-x86_64-linux, EXACT_SASS",
            // Blackwell on a 12.x driver: no SASS for sm_100 in 12.x builds, PTX compute_90 JIT-compiles (driver >= toolkit)
            "12080, 100, cu126-x86_64-linux, PTX",
            // an old 11.8 driver: only the cu118 build
            "11080, 80, cu118-x86_64-linux, EXACT_SASS",
            // sm_87 (Orin-like) runs sm_86 SASS: compatible, same major
            "13000, 87, cu130-x86_64-linux, COMPATIBLE_SASS"})
    void picksTheBestCudaBuildForDriverAndDevice(int driver, int sm, String expected, Match match) {
        Selection s = select(machine(gpu(driver, sm)), release());
        assertThat(s.chosen()).map(VariantEntry::name).contains(expected);
        assertThat(s.match()).isEqualTo(match);
        assertThat(s.rejected()).extracting(Selection.Rejection::variant).doesNotContain(expected).hasSize(3);
        // the CPU build loads beside the CUDA one, so CPU tensors keep working on this machine
        assertThat(s.cpuFallback()).map(VariantEntry::name).contains("cpu-x86_64-linux");
    }

    @Test
    void olderDeviceThanAnySassFallsBackToCpuWithReasons() {
        Selection s = select(machine(gpu(13000, 75)), release());
        assertThat(s.chosen()).map(VariantEntry::name).contains("cpu-x86_64-linux");
        assertThat(s.match()).isEqualTo(Match.CPU);
        assertThat(s.cpuFallback()).isEmpty(); // the CPU build is the choice itself
        assertThat(reason(s, "cu130-x86_64-linux")).contains("none runs on device 0").contains("sm_75");
    }

    @Test
    void noDriverRejectsEveryCudaBuildWithTheProbeReason() {
        Selection s = select(machine(new CudaStatus.Unavailable("no NVIDIA driver: libcuda.so.1 not found")), release());
        assertThat(s.chosen()).map(VariantEntry::name).contains("cpu-x86_64-linux");
        for (String v : List.of("cu118-x86_64-linux", "cu126-x86_64-linux", "cu130-x86_64-linux")) {
            assertThat(reason(s, v)).contains("CUDA is unavailable").contains("libcuda.so.1");
        }
    }

    @Test
    void tooOldDriverNamesTheDriverToInstall() {
        VariantEntry v = variant("cu130-x86_64-linux", new Requirements("2.28", List.of(), List.of(), "13.0", "580.65.06",
                List.of("sm_90"), List.of()));
        Selection s = select(machine(gpu(12080, 90)), v);
        assertThat(s.chosen()).isEmpty();
        assertThat(reason(s, "cu130-x86_64-linux")).contains("built with CUDA 13.0").contains("CUDA 12.8")
                .contains("580.65.06");
    }

    @Test
    void ptxOnlyBuildNeedsADriverAtLeastAsNewAsItsToolkit() {
        VariantEntry ptxOnly = cuda("12.6", List.of(), List.of("compute_80"));
        Selection ok = select(machine(gpu(12080, 90)), ptxOnly);
        assertThat(ok.match()).isEqualTo(Match.PTX);
        assertThat(ok.detail()).contains("compute_80").contains("sm_90");
        Selection old = select(machine(gpu(12040, 90)), ptxOnly);
        assertThat(old.chosen()).isEmpty();
        assertThat(reason(old, "cu126-x86_64-linux")).contains("PTX").contains("needs a driver for CUDA 12.6");
        Selection tooOldDevice = select(machine(gpu(12080, 75)), ptxOnly);
        assertThat(reason(tooOldDevice, "cu126-x86_64-linux")).contains("none runs on device 0");
    }

    @Test
    void archSpecificSassRunsOnlyOnItsOwnArchitecture() {
        assertThat(select(machine(gpu(13000, 90)), cuda("13.0", List.of("sm_90a"), List.of())).match())
                .isEqualTo(Match.EXACT_SASS);
        // sm_100a code needs exactly CC 10.0; plain sm_100 runs on 10.3 too
        assertThat(select(machine(gpu(13000, 103)), cuda("13.0", List.of("sm_100a"), List.of())).chosen()).isEmpty();
        assertThat(select(machine(gpu(13000, 103)), cuda("13.0", List.of("sm_100", "sm_100a"), List.of())).match())
                .isEqualTo(Match.COMPATIBLE_SASS);
    }

    @Test
    void tooNewGlibcIsRejectedWithBothVersions() {
        Selection s = select(machine(new CudaStatus.Unavailable("none")), cpu("2.38", "x86-64"));
        assertThat(s.chosen()).isEmpty();
        assertThat(reason(s, "cpu-x86_64-linux")).contains("glibc >= 2.38").contains("this machine has 2.36");
        MachineProfile musl = new MachineProfile("linux", "x86_64", null, AVX2_CPU, new CudaStatus.Unavailable("none"));
        assertThat(reason(new VariantSelector(musl, 1, 0).select(manifest(cpu("2.17"))), "cpu-x86_64-linux"))
                .contains("not glibc");
    }

    @Test
    void anUnreadableGlibcCeilingIsAReasonNotACrash() {
        for (String bad : new String[] {"2.x", "-1.5", "glibc"}) {
            Selection s = select(machine(new CudaStatus.Unavailable("none")), cpu(bad, "x86-64"));
            assertThat(s.chosen()).isEmpty();
            assertThat(reason(s, "cpu-x86_64-linux")).contains("unreadable glibc_max");
        }
    }

    @Test
    void missingCpuFeatureIsRejectedAndTheBaselineBuildChosen() {
        VariantEntry v4 = variant("cpu-x86_64-linux", Requirements.cpu("2.28", List.of("x86-64-v4")));
        Selection s = select(machine(new CudaStatus.Unavailable("none")), v4);
        assertThat(reason(s, "cpu-x86_64-linux")).contains("x86-64-v4").contains("lacks");
    }

    @Test
    void otherOsArchAndAbiAreRejected() {
        List<VariantEntry> vs = new ArrayList<>(List.of(variant("cpu-aarch64-linux", Requirements.cpu(null, List.of())),
                variant("cpu-x86_64-darwin", Requirements.cpu(null, List.of()))));
        vs.add(new VariantEntry("cpu-x86_64-linux", "a.tar.gz", SHA, 1, "l.so", 2, Requirements.cpu(null, List.of()),
                "{}"));
        Selection s = select(machine(new CudaStatus.Unavailable("none")), vs.toArray(VariantEntry[]::new));
        assertThat(s.chosen()).isEmpty();
        assertThat(reason(s, "cpu-aarch64-linux")).contains("built for aarch64-linux").contains("x86_64-linux");
        assertThat(reason(s, "cpu-x86_64-darwin")).contains("x86_64-darwin");
        assertThat(reason(s, "cpu-x86_64-linux")).contains("ABI 2").contains("upgrade kernelhub");
    }

    @Test
    void cpuFeaturesAddUpToX86Levels() {
        Set<String> f = MachineProbe.featuresFromCpuinfo(List.of("processor : 0",
                "flags : fpu cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe avx512f"),
                "x86_64");
        assertThat(f).contains("x86-64", "x86-64-v2", "x86-64-v3", "avx512f").doesNotContain("x86-64-v4");
    }
}

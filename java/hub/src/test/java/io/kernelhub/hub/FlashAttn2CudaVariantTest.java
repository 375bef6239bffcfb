package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.LoadedBundle;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.NativeKernelException;
import io.kernelhub.bridge.RequiredTools;
import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.hub.check.BundleChecker;
import io.kernelhub.hub.select.MachineProbe;
import io.kernelhub.hub.select.Selection;
import io.kernelhub.hub.select.VariantSelector;
import io.kernelhub.hub.transport.TransferListener;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What CI checks of flash-attn2's CUDA variant without a GPU: it builds (nvcc, -cudart static) with
 * exactly the SASS/PTX it records, loads and registers a cuda op on a machine without a driver, a
 * call there fails cleanly with "no CUDA device", bad arguments are refused before any launch,
 * and selection falls back to the CPU variant with the driver as the reason.
 */
class FlashAttn2CudaVariantTest {

    static final String ID = "kernels-community/flash-attn2";
    static RequiredTools.Nvcc nvcc;
    static Path build;
    static Path cudaDir;

    /**
     * Without nvcc where CMake finds it: each test here is skipped with the reason, or fails with
     * it under CI=true (per test, so that Surefire counts the skips). Builds once.
     */
    @BeforeEach
    void buildOnce() throws Exception {
        nvcc = RequiredTools.requireNvccForCudaVariant();
        if (build != null) {
            return;
        }
        Path built = KernelBuilds.repoKernel(ID);
        // named after the toolkit found here (cu130 for CUDA 13.0, cu124 for 12.4), as KernelHub.cmake names it
        Path cu = built.resolve(nvcc.variant());
        try (Stream<Path> s = Files.list(built)) {
            assertThat(cu).as("the CUDA variant of %s (variants built: %s)", nvcc, s.map(p -> p.getFileName().toString())
                    .sorted().toList()).isDirectory();
        }
        assertThat(LocalBuild.read(built).manifest().variant(nvcc.variant())).as("kernel.json of %s", nvcc.variant())
                .hasValueSatisfying(v -> assertThat(v.requirements().cudaToolkit())
                        .isEqualTo(nvcc.major() + "." + nvcc.minor()));
        cudaDir = cu;
        build = built;
    }

    static Tensor fakeCuda(long address, DType dt, int... shape) {
        long n = 1;
        for (int x : shape) n *= x;
        // a device address: never dereferenced on the host
        return Tensor.wrap(MemorySegment.ofAddress(address).reinterpret(n * dt.byteSize()), dt, Device.cuda(0), shape,
                Tensor.contiguousStrides(shape), 0);
    }

    static AttentionRequest cudaRequest(long base, int headDim) {
        Tensor q = fakeCuda(base, DType.BF16, 1, 128, 8, headDim);
        Tensor k = fakeCuda(base + (1 << 20), DType.BF16, 1, 256, 2, headDim);
        Tensor v = fakeCuda(base + (2 << 20), DType.BF16, 1, 256, 2, headDim);
        Tensor o = fakeCuda(base + (3 << 20), DType.BF16, 1, 128, 8, headDim);
        return AttentionRequest.builder(q, k, v).causal(true).out(o).build();
    }

    @Test
    void buildsAndRecordsExactlyItsSassAndPtx() {
        List<BundleChecker.Report> reports = BundleChecker.checkAll(build);
        assertThat(reports).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
        assertThat(reports).extracting(BundleChecker.Report::variant)
                .containsExactlyInAnyOrder("cpu-" + MachineProbe.arch() + "-linux", nvcc.variant());
        BundleChecker.Report cu = reports.stream().filter(r -> r.variant().equals(nvcc.variant())).findFirst().orElseThrow();
        assertThat(cu.findings()).anySatisfy(f -> assertThat(f.detail())
                .contains("SASS [sm_80, sm_86, sm_89, sm_90] and PTX [compute_90], as kernel.json records"));
    }

    @Test
    void loadsAndRegistersACudaOpWithoutADriverAndFailsCallsCleanly() {
        LoadedBundle b = BundleLoader.load(cudaDir.resolve("libflash-attn2.so"), ID + "@cuda-test");
        AttentionImplementation impl = b.implementations().getFirst();
        assertThat(impl.capabilities().devices()).containsExactly(Device.Kind.CUDA);
        assertThat(impl.capabilities().dtypes()).containsExactlyInAnyOrder(DType.F16, DType.BF16);
        assumeTrue(CudaDriver.status() instanceof CudaStatus.Unavailable, "this machine has a CUDA device");
        assertThatThrownBy(() -> impl.function().forward(cudaRequest(0x7f0000000000L, 128)))
                .isInstanceOf(NativeKernelException.class).hasMessageContaining("no CUDA device");
        // an argument the op cannot take is refused before any CUDA call: bf16 data at an odd address
        assertThatThrownBy(() -> impl.function().forward(cudaRequest(0x7f0000000001L, 128)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2-byte aligned");
        // rows that are not 16-byte aligned and odd head dims are taken (element-wise loads): only the device is missing
        assertThatThrownBy(() -> impl.function().forward(cudaRequest(0x7f0000000002L, 59)))
                .isInstanceOf(NativeKernelException.class).hasMessageContaining("no CUDA device");
    }

    @Test
    void withoutADriverSelectionPicksTheCpuVariantAndSaysWhy() {
        LocalBuild lb = LocalBuild.read(build);
        Selection s = new VariantSelector(MachineProbe.currentWithoutCuda("no NVIDIA driver: libcuda.so.1: cannot open shared "
                + "object file"), 1, 0).select(lb.manifest());
        assertThat(s.chosen()).map(v -> v.name()).contains("cpu-" + MachineProbe.arch() + "-linux");
        assertThat(s.rejected()).singleElement().satisfies(r -> {
            assertThat(r.variant()).isEqualTo(nvcc.variant());
            assertThat(r.reason()).contains("CUDA is unavailable").contains("libcuda.so.1");
        });
    }

    @Test
    void aLocalBuildResolvesThroughSelectionAndRuns() {
        assumeTrue(CudaDriver.status() instanceof CudaStatus.Unavailable, "this machine has a CUDA device");
        AttentionInterface registry = AttentionInterface.standalone();
        registry.setHubResolver(new HubKernelResolver(HubSettings.from(java.util.Map.of("KERNELHUB_HOME",
                Path.of("target/unused-home").toAbsolutePath().toString())), LocalKernels.parse(ID + "=" + build),
                TransferListener.NONE));
        AttentionRequest r = AttentionCase.grid().get(7).request();
        assertThat(AccuracyCheck.check(r, registry.attend(ID, r)).ok()).isTrue();
        assertThat(registry.get(ID).capabilities().devices()).containsExactly(Device.Kind.CPU);
    }

    @Test
    void onAGpuMachineTheCudaBuildIsChosenAndCpuTensorsStillRunOnTheCpuBuild() {
        assumeTrue(CudaDriver.status() instanceof CudaStatus.Unavailable, "this machine has a real CUDA device");
        // a machine that looks like an H200 to selection; the real driver is absent, so CUDA calls fail cleanly
        io.kernelhub.hub.select.MachineProfile h200 = MachineProbe.currentWithoutCuda("unused").withCuda(
                new CudaStatus.Available(13000, List.of(new io.kernelhub.device.CudaDevice(0, "H200", 9, 0, 141L << 30, 132))));
        AttentionInterface registry = AttentionInterface.standalone();
        registry.setHubResolver(new HubKernelResolver(HubSettings.from(java.util.Map.of("KERNELHUB_HOME",
                Path.of("target/unused-home").toAbsolutePath().toString())), LocalKernels.parse(ID + "=" + build),
                TransferListener.NONE, () -> h200));
        AttentionImplementation impl = registry.get(ID);
        assertThat(impl.capabilities().devices()).containsExactlyInAnyOrder(Device.Kind.CPU, Device.Kind.CUDA);
        AttentionRequest onCpu = AttentionCase.grid().get(7).request();
        assertThat(AccuracyCheck.check(onCpu, registry.attend(ID, onCpu)).ok()).isTrue();
        assertThatThrownBy(() -> registry.attend(ID, cudaRequest(0x7f0000000000L, 128)))
                .isInstanceOf(NativeKernelException.class).hasMessageContaining("no CUDA device");
    }
}

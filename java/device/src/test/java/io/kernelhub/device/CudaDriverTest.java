package io.kernelhub.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The driver probe on whatever machine runs the tests. Both outcomes are checked, never passed
 * over: without a usable driver the reason names what is missing (libcuda / the NVIDIA driver /
 * the device) and every device API call fails with "CUDA is unavailable: " + that reason instead
 * of crashing; with one, the devices are described and memory round-trips.
 */
class CudaDriverTest {

    /** Every way the probe can say no, each naming the driver, libcuda or the device. */
    static void assertExplainsItself(String reason) {
        assertThat(reason).isNotBlank().doesNotContain("\n");
        if (reason.startsWith("no NVIDIA driver: ")) {
            // the loader's own line about libcuda, then what to do
            assertThat(reason).contains("libcuda").endsWith("Install the NVIDIA driver to use CUDA kernels; "
                    + "CPU kernels work without it.");
        } else {
            assertThat(reason).as("an unexpected unavailability reason").satisfiesAnyOf(
                    r -> assertThat(r).startsWith("the NVIDIA driver is installed but cuInit failed: CUDA_ERROR_"),
                    r -> assertThat(r).startsWith("the NVIDIA driver (CUDA ").endsWith(") sees no CUDA device"),
                    r -> assertThat(r).isEqualTo("disabled by -Dkernelhub.cuda.disable=true"),
                    r -> assertThat(r).isEqualTo("CUDA does not exist on macOS"),
                    r -> assertThat(r).matches("cu[A-Za-z]+ failed: CUDA_ERROR_[A-Z_]+"));
        }
    }

    @Test
    void statusNeverThrowsAndExplainsItself() {
        CudaStatus s = CudaDriver.status();
        assertThat(CudaDriver.status()).as("probed once per JVM").isSameAs(s);
        switch (s) {
            case CudaStatus.Unavailable u -> assertExplainsItself(u.reason());
            case CudaStatus.Available a -> {
                assertThat(a.driverVersion()).isGreaterThanOrEqualTo(11000);
                assertThat(a.driverVersionText()).matches("\\d+\\.\\d");
                assertThat(a.devices()).isNotEmpty().allSatisfy(d -> {
                    assertThat(d.name()).isNotBlank();
                    assertThat(d.smVersion()).isGreaterThanOrEqualTo(30);
                    assertThat(d.totalMemoryBytes()).isPositive();
                    assertThat(d.multiprocessors()).isPositive();
                });
                assertThat(a.devices()).extracting(CudaDevice::index)
                        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, a.devices().size()).boxed().toList());
            }
        }
    }

    @Test
    void withoutADriverEveryDeviceCallFailsWithTheReason() {
        if (!(CudaDriver.status() instanceof CudaStatus.Unavailable u)) {
            // a machine with a driver: a device index it lacks is refused by name instead
            int n = ((CudaStatus.Available) CudaDriver.status()).devices().size();
            assertThatThrownBy(() -> new CudaBuffer(n, 1024)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no device cuda:" + n + " (this machine has " + n + ")");
            return;
        }
        String expected = "CUDA is unavailable: " + u.reason();
        ThrowingCallable[] calls = {
            () -> new CudaBuffer(0, 1024),
            () -> CudaTensors.allocate(DType.BF16, 0, 4, 4),
            () -> CudaTensors.upload(Tensor.randn(DType.F32, 1, 2, 2), 0),
            () -> new CudaStream(0),
            () -> CudaContexts.makeCurrent(0),
            () -> CudaContexts.synchronize(0),
            () -> CudaTimer.time(0, () -> { }),
        };
        for (ThrowingCallable c : calls) {
            assertThatThrownBy(c).isInstanceOf(CudaException.class).hasMessage(expected);
        }
    }

    @Test
    void withADriverMemoryRoundTrips() {
        if (CudaDriver.status() instanceof CudaStatus.Unavailable u) {
            // no driver: the same round trip is refused up front, with the reason
            assertThatThrownBy(() -> CudaTensors.upload(Tensor.randn(DType.BF16, 1, 8, 8), 0))
                    .isInstanceOf(CudaException.class).hasMessage("CUDA is unavailable: " + u.reason());
            return;
        }
        Tensor host = Tensor.randn(DType.BF16, 1, 8, 8);
        try (CudaTensors.DeviceTensor t = CudaTensors.upload(host, 0)) {
            assertThat(t.tensor().device().isCpu()).isFalse();
            assertThat(CudaTensors.download(t).toFloatArray()).containsExactly(host.toFloatArray());
        }
    }

    @Test
    void loaderReasonIsTheDynamicLoadersLine() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.0.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.0.0-linux-x86_64.so: libcuda.so.1: cannot open shared "
                + "object file: No such file or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)");
        assertThat(CudaDriver.loaderReason(e)).isEqualTo("libcuda.so.1: cannot open shared object file: No such file or directory");
        assertThat(CudaDriver.loaderReason(new UnsatisfiedLinkError("something else\nmore")))
                .isEqualTo("libcuda.so.1 could not be loaded (something else)");
    }

    @Test
    void versionNumbersRoundTrip() {
        assertThat(CudaStatus.versionText(12080)).isEqualTo("12.8");
        assertThat(CudaStatus.versionNumber("13.0")).isEqualTo(13000);
        assertThat(CudaStatus.versionNumber("x")).isEqualTo(-1);
        assertThat(new CudaDevice(0, "H200", 9, 0, 1, 132).smVersion()).isEqualTo(90);
    }
}

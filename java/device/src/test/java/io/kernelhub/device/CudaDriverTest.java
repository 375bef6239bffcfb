package io.kernelhub.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CudaDriverTest {

    @Test
    void statusNeverThrowsAndExplainsItself() {
        CudaStatus s = CudaDriver.status();
        if (s instanceof CudaStatus.Unavailable u) {
            assertThat(u.reason()).isNotBlank().doesNotContain("\n");
        } else {
            assertThat(((CudaStatus.Available) s).devices()).isNotEmpty();
        }
    }

    @Test
    void deviceMemoryExplainsWhyCudaIsUnusable() {
        if (CudaDriver.status() instanceof CudaStatus.Unavailable u) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CudaBuffer(0, 1024))
                    .isInstanceOf(CudaException.class).hasMessageContaining("CUDA is unavailable").hasMessageContaining(u.reason());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CudaTensors.allocate(io.kernelhub.core.DType.BF16, 0, 4, 4))
                    .isInstanceOf(CudaException.class);
        } else {
            try (CudaTensors.DeviceTensor t = CudaTensors.upload(io.kernelhub.core.Tensor.randn(io.kernelhub.core.DType.BF16, 1, 8, 8), 0)) {
                assertThat(CudaTensors.download(t).toFloatArray())
                        .containsExactly(io.kernelhub.core.Tensor.randn(io.kernelhub.core.DType.BF16, 1, 8, 8).toFloatArray());
            }
        }
    }

    @Test
    void loaderReasonIsTheDynamicLoadersLine() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.0.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.0.0-linux-x86_64.so: libcuda.so.1: cannot open shared "
                + "object file: No such file or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)");
        assertThat(CudaDriver.loaderReason(e)).isEqualTo("libcuda.so.1: cannot open shared object file: No such file or directory");
        assertThat(CudaDriver.loaderReason(new UnsatisfiedLinkError("something else\nmore"))).contains("something else")
                .doesNotContain("more");
    }

    @Test
    void versionNumbersRoundTrip() {
        assertThat(CudaStatus.versionText(12080)).isEqualTo("12.8");
        assertThat(CudaStatus.versionNumber("13.0")).isEqualTo(13000);
        assertThat(CudaStatus.versionNumber("x")).isEqualTo(-1);
        assertThat(new CudaDevice(0, "H200", 9, 0, 1, 132).smVersion()).isEqualTo(90);
    }
}

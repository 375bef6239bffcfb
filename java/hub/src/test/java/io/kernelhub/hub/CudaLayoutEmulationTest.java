package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kernelhub.bridge.NativeToolchain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kernel's index logic (swizzle, ldmatrix lane mapping, mma fragments, P reuse, masks,
 * online softmax) replayed in float64 by kernels-community/flash-attn2/tests/cuda_layout_emulation.py
 * and compared with direct attention: what can be checked of the kernel without a GPU. Needs
 * Debian's python3 with numpy; CI (CI=true) installs it and requires it.
 */
class CudaLayoutEmulationTest {

    @Test
    void theKernelsIndexLogicComputesAttention() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean numpy = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import numpy").start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertThat(numpy).as("CI needs /usr/bin/python3 with numpy (.ci/run installs python3-numpy)").isTrue();
        }
        assumeTrue(numpy, "/usr/bin/python3 with numpy is not installed");
        Path script = NativeToolchain.REPO.resolve("kernels-community/flash-attn2/tests/cuda_layout_emulation.py");
        Process p = new ProcessBuilder(python.toString(), script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("emulation matches the float64 reference");
    }
}

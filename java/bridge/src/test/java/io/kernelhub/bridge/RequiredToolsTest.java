package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The missing-tool rule itself: a visible skip locally, a failure under CI=true, both with the reason. */
class RequiredToolsTest {

    static final String REASON = "nvcc not found on PATH or in /usr/local/cuda/bin: CUDA source tests skipped; "
            + "install a CUDA toolkit";

    @Test
    void aMissingToolIsASkipWithItsReasonLocally() {
        assertThatThrownBy(() -> RequiredTools.missing(REASON, false)).isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(REASON);
    }

    @Test
    void aMissingToolFailsUnderCi() {
        assertThatThrownBy(() -> RequiredTools.missing(REASON, true)).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining(REASON).hasMessageContaining("CI=true");
    }

    @Test
    void theVariantNameComesFromTheToolkitRelease() {
        int[] v13 = RequiredTools.parseRelease("nvcc: NVIDIA (R) Cuda compiler driver\n"
                + "Cuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0.r13.0/compiler.36424714_0\n");
        assertThat(new RequiredTools.Nvcc(Path.of("nvcc"), v13[0], v13[1], true).variantPrefix()).isEqualTo("cu130");
        int[] v12 = RequiredTools.parseRelease("Cuda compilation tools, release 12.4, V12.4.131\n");
        RequiredTools.Nvcc n = new RequiredTools.Nvcc(Path.of("nvcc"), v12[0], v12[1], true);
        assertThat(n.variantPrefix()).isEqualTo("cu124");
        assertThat(n.variant()).isEqualTo("cu124-" + LocalVariant.machineArch() + "-" + LocalVariant.machineOs());
        assertThatThrownBy(() -> RequiredTools.parseRelease("clang version 18")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot read the CUDA version");
    }

    @Test
    void theNvccFoundHereReportsItsRelease() {
        RequiredTools.findNvcc().ifPresentOrElse(
                n -> assertThat(n.major()).as("%s", n).isGreaterThanOrEqualTo(11),
                () -> assertThat(RequiredTools.onPath("nvcc")).isEmpty());
    }
}

package io.kernelhub.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.NativeToolchain;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SIMT emulator's own checks (native/simt/tests/kh_simt_selftest.cpp, built here with g++):
 * ldmatrix (x1/x2/x4) + mma.sync against plain arithmetic, shuffles (xor/idx/up/down), __syncwarp,
 * both cp.async timings, bank-conflict counting, and every bug class it promises to catch
 * (barriers skipped, partial or divergent collectives, deadlock, shared-memory overruns and
 * misalignment, global accesses outside the tensors) reported as a fault that names block, warp
 * and lane.
 */
class SimtEmulatorSelfTest {

    @Test
    void theEmulatorComputesAndCatchesWhatItPromises() {
        var simt = NativeToolchain.REPO.resolve("native/simt");
        var exe = NativeToolchain.OUT.resolve("kh_simt_selftest");
        NativeToolchain.run(List.of("g++", "-std=c++17", "-O1", "-pthread", "-Wall", "-Wextra", "-Werror", "-I" + simt,
                simt.resolve("tests/kh_simt_selftest.cpp").toString(), simt.resolve("kh_simt.cpp").toString(), "-o",
                exe.toString()));
        String out = NativeToolchain.run(List.of(exe.toString()));
        assertThat(out).contains("kh_simt selftest: all passed").doesNotContain("FAIL");
        assertThat(out.lines().filter(l -> l.startsWith("ok")).count()).isGreaterThanOrEqualTo(18);
    }
}

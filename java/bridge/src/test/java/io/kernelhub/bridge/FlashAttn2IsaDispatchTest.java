package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs in its own JVMs with KERNELHUB_CPU_ISA set (see the surefire executions in the pom):
 * the bundle must dispatch to exactly that path and still pass the criterion on a seeded part
 * of the grid. Without the variable it checks the automatic choice.
 */
class FlashAttn2IsaDispatchTest {

    private static String cpuFlags() throws Exception {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        return Files.isReadable(cpuinfo) ? Files.readString(cpuinfo) : "";
    }

    @Test
    void dispatchesToTheRequestedPathAndStaysCorrect() throws Throwable {
        String forced = System.getenv("KERNELHUB_CPU_ISA");
        String flags = cpuFlags();
        String expected;
        if (forced == null || forced.isEmpty() || forced.equals("auto")) {
            expected = flags.contains(" avx512f") && flags.contains(" avx512bw") ? "avx512"
                    : flags.contains(" avx2") ? "avx2" : "portable";
        } else {
            expected = forced;
            assumeTrue(!forced.startsWith("avx512") || flags.contains(" avx512f"), "CPU has no AVX-512");
            assumeTrue(!forced.equals("avx2") || flags.contains(" avx2"), "CPU has no AVX2");
        }
        AttentionInterface registry = FlashAttn2Bundle.registry();
        int checked = 0;
        for (AttentionCase c : AttentionCase.grid()) {
            if (c.seed() % 5 != 0) {
                continue;
            }
            AttentionRequest r = c.request();
            if (r.requiredFeatures().contains(AttentionFeature.STRIDED_LAST_DIM)) {
                continue;
            }
            AccuracyCheck.Result result = AccuracyCheck.check(r, registry.attend(FlashAttn2Bundle.ID, r));
            assertThat(result.ok()).as("[%s] %s: %s", expected, c, result.summary()).isTrue();
            checked++;
        }
        assertThat(checked).isGreaterThan(40);
        assertThat(FlashAttn2Bundle.isaInUse()).startsWith(expected.equals("avx512-nobf16") ? "avx512" : expected);
    }
}

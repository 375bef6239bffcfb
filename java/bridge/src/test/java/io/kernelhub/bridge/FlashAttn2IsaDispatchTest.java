package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * flash-attn2's CPU paths, each forced in this JVM: the bundle reads KERNELHUB_CPU_ISA on every
 * call, so the test sets it in the process environment itself (libc's setenv), whatever the
 * user's shell or the surefire run set, and puts the previous value back afterwards; what the
 * test expects comes only from the value it set and this CPU's flags. Per forced value it checks
 * that {@code fa2_cpu_isa()} names exactly the expected path, that every call of a seeded part of
 * the grid ran exactly the expected kernels ({@code fa2_cpu_isa_last()}: bf16 inputs run the
 * AVX512_BF16 kernels only under {@code avx512} on a CPU that has them, never under
 * {@code avx512-nobf16}) and passes FlashAttention's criterion; a path this CPU lacks is refused
 * with a message naming it.
 */
class FlashAttn2IsaDispatchTest {

    private static final String VAR = "KERNELHUB_CPU_ISA";

    /** What this CPU can run, from /proc/cpuinfo (the bundle checks the same features with cpuid). */
    record Cpu(boolean avx2, boolean avx512, boolean avx512bf16) {
        static Cpu current() throws Exception {
            Path cpuinfo = Path.of("/proc/cpuinfo");
            String text = Files.isReadable(cpuinfo) ? Files.readString(cpuinfo) : "";
            Set<String> flags = text.lines().filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
            boolean x86 = Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
            boolean avx2 = x86 && flags.containsAll(Set.of("avx2", "fma", "f16c"));
            boolean avx512 = avx2 && flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
            return new Cpu(avx2, avx512, avx512 && flags.contains("avx512_bf16"));
        }

        /** The path fa2_cpu_isa() must name under KERNELHUB_CPU_ISA=forced; empty where this CPU lacks it. */
        Optional<String> expectedPath(String forced) {
            return switch (forced) {
                case "auto" -> Optional.of(avx512bf16 ? "avx512bf16" : avx512 ? "avx512" : avx2 ? "avx2" : "portable");
                case "avx512" -> avx512 ? Optional.of(avx512bf16 ? "avx512bf16" : "avx512") : Optional.empty();
                case "avx512-nobf16" -> avx512 ? Optional.of("avx512") : Optional.empty();
                case "avx2" -> avx2 ? Optional.of("avx2") : Optional.empty();
                case "portable" -> Optional.of("portable");
                default -> throw new IllegalArgumentException(forced);
            };
        }
    }

    /** The kernels a call must run on {@code path}: only bf16 inputs take the AVX512_BF16 ones. */
    static String expectedKernels(String path, DType dtype) {
        return path.equals("avx512bf16") && dtype != DType.BF16 ? "avx512" : path;
    }

    private static final Linker C = Linker.nativeLinker();
    private static final MethodHandle GETENV = libc("getenv", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SETENV = libc("setenv",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNSETENV = libc("unsetenv", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return C.downcallHandle(C.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** Sets (value non-null) or removes the variable in this process's C environment, which the bundle reads. */
    static void setNativeEnv(String name, String value) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            int rc = value == null ? (int) UNSETENV.invokeExact(a.allocateFrom(name))
                    : (int) SETENV.invokeExact(a.allocateFrom(name), a.allocateFrom(value), 1);
            assertThat(rc).as("setenv %s=%s", name, value).isZero();
        }
    }

    static String nativeEnv(String name) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = (MemorySegment) GETENV.invokeExact(a.allocateFrom(name));
            return v.equals(MemorySegment.NULL) ? null : v.reinterpret(4096).getString(0);
        }
    }

    private String saved;

    /** Kept only to be put back for the tests after this one; never used to decide what to expect. */
    @BeforeEach
    void save() throws Throwable {
        saved = nativeEnv(VAR);
    }

    @AfterEach
    void restore() throws Throwable {
        setNativeEnv(VAR, saved);
    }

    @ParameterizedTest(name = "KERNELHUB_CPU_ISA={0}")
    @ValueSource(strings = {"auto", "avx512", "avx512-nobf16", "avx2", "portable"})
    void runsExactlyTheForcedPathAndStaysCorrect(String forced) throws Throwable {
        Optional<String> path = Cpu.current().expectedPath(forced);
        AttentionInterface registry = FlashAttn2Bundle.registry();
        setNativeEnv(VAR, forced);
        if (path.isEmpty()) {
            // this CPU lacks the path: nothing runs, and the refusal says which path and why
            assertThat(FlashAttn2Bundle.isaInUse()).isEqualTo("unavailable");
            AttentionRequest r = AttentionCase.grid().getFirst().request();
            assertThatThrownBy(() -> registry.attend(FlashAttn2Bundle.ID, r))
                    .hasMessageContaining("KH_ERR_UNSUPPORTED")
                    .hasMessageContaining(VAR + "=" + forced + " but this CPU lacks");
            assertThat(FlashAttn2Bundle.kernelsLastRun()).isEqualTo("none");
            return;
        }
        assertThat(FlashAttn2Bundle.isaInUse()).isEqualTo(path.get());
        int checked = 0;
        int bf16 = 0;
        for (AttentionCase c : AttentionCase.grid()) {
            if (c.seed() % 5 != 0) {
                continue;
            }
            AttentionRequest r = c.request();
            if (r.requiredFeatures().contains(AttentionFeature.STRIDED_LAST_DIM)) {
                continue; // the op does not declare STRIDED_LAST_DIM (FlashAttn2GridTest skips these visibly)
            }
            AccuracyCheck.Result result = AccuracyCheck.check(r, registry.attend(FlashAttn2Bundle.ID, r));
            assertThat(result.ok()).as("[%s] %s: %s", forced, c, result.summary()).isTrue();
            assertThat(FlashAttn2Bundle.kernelsLastRun()).as("kernels run for %s under %s=%s", c, VAR, forced)
                    .isEqualTo(expectedKernels(path.get(), r.q().dtype()));
            checked++;
            if (r.q().dtype() == DType.BF16) {
                bf16++;
            }
        }
        assertThat(checked).isGreaterThan(40);
        assertThat(bf16).as("bf16 cases, which tell avx512bf16 from avx512").isGreaterThan(5);
    }

    @Test
    void anUnknownPathIsRefusedWithTheAcceptedNames() throws Throwable {
        AttentionInterface registry = FlashAttn2Bundle.registry();
        setNativeEnv(VAR, "sse9");
        assertThat(FlashAttn2Bundle.isaInUse()).isEqualTo("unavailable");
        AttentionRequest r = AttentionCase.grid().getFirst().request();
        assertThatThrownBy(() -> registry.attend(FlashAttn2Bundle.ID, r)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KH_ERR_INVALID_ARGUMENT")
                .hasMessageContaining(VAR + "='sse9' is not one of auto, avx512, avx512-nobf16, avx2, portable");
        assertThat(FlashAttn2Bundle.kernelsLastRun()).isEqualTo("none");
    }
}

package io.kernelhub.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.NativeToolchain;
import io.kernelhub.bridge.RequiredTools;
import io.kernelhub.bridge.authoring.BundleBuilder;
import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import io.kernelhub.validate.bench.BenchShape;
import io.kernelhub.validate.report.ValidationReport;
import io.kernelhub.validate.run.CaseResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * flash-attn2's CUDA kernel source, run on kernelhub's CPU SIMT emulator
 * (kernels-community/flash-attn2/tests/cuda_emulation), validated like any kernel: the quick grid
 * in f16 and bf16 passes FlashAttention's criterion (64- and 128-row blocks, GQA packing and
 * split-KV all occur in it). And the emulator is shown to catch what only a GPU would otherwise:
 * the kernel with a missing barrier, a too-early cp.async wait, too little shared memory, or a
 * wrong split-KV combine fails the same validation, in f16 and in bf16 (the kernel's dtypes).
 * Needs the CUDA toolkit's headers (nvcc on PATH or in /usr/local/cuda/bin), not a GPU: without
 * them every test here is skipped with that reason, and under CI=true fails with it.
 */
class CudaKernelOnEmulatorTest {

    static final String FA2 = "kernels-community/flash-attn2";
    static final String EMULATED = "kernelhub-tests/flash-attn2-cuda-emulated";

    /** Source edits to the kernel that a GPU would punish; each must apply. */
    enum Bug {
        /** no barrier between computing a stage and prefetching into the other: warps overwrite what others still read */
        MISSING_BARRIER("        __syncthreads();  // the next iteration's prefetch overwrites the stage just read\n", ""),
        /** waits for one group too few: the current stage is read while its copies may still be in flight */
        EARLY_READ("cp_async_wait<1>();", "cp_async_wait<2>();"),
        /** dynamic shared memory one K/V stage short: the second V stage runs past the end */
        SHARED_OVERFLOW("(BM + 4 * BN) * DS", "(BM + 3 * BN) * DS"),
        /** split-KV shares weighted by exp(lse_s - max) instead of exp(lse_s - LSE): unnormalized decoding outputs */
        SPLIT_COMBINE_UNNORMALIZED("const float w = expf(lse_s[s * stride] - lse);", "const float w = expf(lse_s[s * stride] - mx);");

        final String from, to;

        Bug(String from, String to) {
            this.from = from;
            this.to = to;
        }
    }

    /** The CUDA toolkit's headers: without nvcc each test is a visible skip, under CI=true a failure (RequiredTools). */
    @BeforeEach
    void needsTheCudaHeaders() {
        RequiredTools.requireNvcc();
    }

    /** The quick grid, in process, like the buggy-template checks. */
    static ValidationReport validate(Path build, List<DType> dtypes) throws IOException {
        return ValidateCatchesBuggyKernelsTest.validate(build, false, dtypes);
    }

    static List<CaseResult> failed(ValidationReport r) {
        return ValidateCatchesBuggyKernelsTest.failed(r);
    }

    @Test
    void theKernelSourcePassesTheQuickGridInF16AndBf16() throws IOException {
        ValidationReport r = validate(KernelBuilds.repoKernel(FA2 + "/tests/cuda_emulation"), List.of(DType.F16, DType.BF16));
        assertThat(failed(r)).as("%s", failed(r)).isEmpty();
        assertThat(r.count(CaseResult.Status.PASSED)).isEqualTo(r.results().size()).isGreaterThan(80);
    }

    @Test
    void oddHeadDimsAndUnalignedRowsTakeTheElementWisePath() {
        Path build = KernelBuilds.repoKernel(FA2 + "/tests/cuda_emulation");
        AttentionInterface registry = KernelBuilds.registryWith(EMULATED, build);
        for (int d : new int[] {1, 7, 59, 111, 200}) {
            for (DType dt : List.of(DType.F16, DType.BF16)) {
                AttentionRequest r = new BenchShape(2, 4, 2, 77, 150, d, dt, true).request();
                AccuracyCheck.Result res = AccuracyCheck.check(r, registry.attend(EMULATED, r));
                assertThat(res.ok()).as("d=%d %s: %s", d, dt, res).isTrue();
            }
        }
        // head dim 64, but q starts one element into its buffer: no row is 16-byte aligned
        int[] shape = {1, 96, 4, 64};
        Tensor buffer = Tensor.randn(DType.BF16, 9, 1 + 96 * 4 * 64);
        Tensor q = Tensor.wrap(buffer.segment(), DType.BF16, buffer.device(), shape, Tensor.contiguousStrides(shape),
                buffer.offset() + 1);
        AttentionRequest r = AttentionRequest.builder(q, Tensor.randn(DType.BF16, 10, 1, 128, 4, 64),
                Tensor.randn(DType.BF16, 11, 1, 128, 4, 64)).causal(true).build();
        AccuracyCheck.Result res = AccuracyCheck.check(r, registry.attend(EMULATED, r));
        assertThat(res.ok()).as("unaligned q: %s", res).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void aMissingBarrierFails(DType dt) throws IOException {
        ValidationReport r = validate(buildWith(Bug.MISSING_BARRIER), List.of(dt));
        assertThat(failed(r)).isNotEmpty();
        // a race needs two key blocks: cases with at most one block of keys cannot show it
        assertThat(r.results()).filteredOn(c -> c.seqK() <= 32).allSatisfy(c -> assertThat(c.status())
                .isEqualTo(CaseResult.Status.PASSED));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void readingAStageBeforeItsCopiesLandedFails(DType dt) throws IOException {
        ValidationReport r = validate(buildWith(Bug.EARLY_READ), List.of(dt));
        assertThat(failed(r).size()).isGreaterThan(r.results().size() / 2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void sharedMemoryOverrunIsAFaultThatSaysWhere(DType dt) throws IOException {
        ValidationReport r = validate(buildWith(Bug.SHARED_OVERFLOW), List.of(dt));
        assertThat(failed(r)).isNotEmpty().allSatisfy(c -> assertThat(c.message()).contains("emulated CUDA kernel fault")
                .contains("out of bounds").contains("block (").contains("warp "));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void aWrongSplitKvCombineFailsWhereKeysAreSplit(DType dt) throws IOException {
        ValidationReport r = validate(buildWith(Bug.SPLIT_COMBINE_UNNORMALIZED), List.of(dt));
        assertThat(failed(r)).isNotEmpty();
        // fewer than 4 key blocks (of at least 32 keys) are never split
        assertThat(r.results()).filteredOn(c -> c.seqK() <= 3 * 32).allSatisfy(c -> assertThat(c.status())
                .isEqualTo(CaseResult.Status.PASSED));
    }

    private static final Map<Bug, Path> BUILT = new ConcurrentHashMap<>();

    /** A copy of the kernel source and its emulation bundle with the bug patched in, built (once per JVM). */
    static Path buildWith(Bug bug) throws IOException {
        Path built = BUILT.get(bug);
        if (built == null) {
            built = build(bug);
            BUILT.put(bug, built);
        }
        return built;
    }

    private static Path build(Bug bug) throws IOException {
        Path root = NativeToolchain.OUT.resolve("emulated-" + bug.name().toLowerCase(Locale.ROOT));
        BuggyKernels.deleteTree(root);
        Path repo = NativeToolchain.REPO.resolve(FA2);
        copyTree(repo.resolve("src/cuda"), root.resolve("src/cuda"));
        copyTree(repo.resolve("tests/cuda_emulation"), root.resolve("tests/cuda_emulation"));
        BuggyKernels.deleteTree(root.resolve("tests/cuda_emulation/build"));
        Path kernel = root.resolve("src/cuda/fa2_kernel.cuh");
        String code = Files.readString(kernel);
        assertThat(code).as("the kernel changed: cannot patch in %s", bug).contains(bug.from);
        Files.writeString(kernel, code.replace(bug.from, bug.to));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BundleBuilder.Result built = new BundleBuilder(KernelBuilds.SDK).build(root.resolve("tests/cuda_emulation"),
                root.resolve("build"), Runtime.getRuntime().availableProcessors(), "Release", log);
        assertThat(built.variants()).as("build of %s: %s\n%s", bug, built.problems(), log).isNotEmpty();
        return built.outputDir();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}

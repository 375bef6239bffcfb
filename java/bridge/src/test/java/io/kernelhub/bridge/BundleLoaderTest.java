package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.UnsupportedAttentionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The handshake, registration and calls, against real libraries built by gcc, good and broken. */
class BundleLoaderTest {

    private static final Path SOURCE = NativeToolchain.TEST_NATIVE.resolve("test_bundle.c");

    private static Path bundle(String name, String... defines) {
        return NativeToolchain.sharedLibrary(name, List.of(SOURCE), defines);
    }

    private static AttentionRequest request(DType dt, int heads, int kvHeads, int d) {
        return AttentionRequest.builder(Tensor.randn(dt, 1, 2, 5, heads, d), Tensor.randn(dt, 2, 2, 7, kvHeads, d),
                Tensor.randn(dt, 3, 2, 7, kvHeads, d)).returnLse(true).build();
    }

    @Test
    void loadsAWellFormedBundleAndRegistersEveryOp() {
        LoadedBundle b = BundleLoader.load(bundle("good"), "acme/test");
        assertThat(b.abiVersion()).isEqualTo(1);
        assertThat(b.ops()).extracting(NativeOp::name).containsExactly("copy_q", "fail");
        assertThat(b.defaultOp().name()).isEqualTo("copy_q");
        NativeOp op = b.ops().getFirst();
        assertThat(op.capabilities().dtypes()).containsExactlyInAnyOrder(DType.F32, DType.BF16);
        assertThat(op.capabilities().devices()).containsExactly(Device.Kind.CPU);
        assertThat(op.capabilities().headDimsText()).isEqualTo("8..64 in multiples of 8");
        assertThat(op.capabilities().features()).containsExactlyInAnyOrder(AttentionFeature.LSE, AttentionFeature.GQA);

        AttentionInterface registry = AttentionInterface.standalone();
        List<AttentionImplementation> impls = b.registerIn(registry);
        assertThat(impls).extracting(AttentionImplementation::name)
                .containsExactly("acme/test", "acme/test:copy_q", "acme/test:fail");
        assertThat(registry.names()).contains("acme/test", "acme/test:copy_q", "acme/test:fail");
    }

    @Test
    void callsPassTensorsStridesAndOutputsExactly() {
        AttentionInterface registry = AttentionInterface.standalone();
        BundleLoader.load(bundle("good"), "acme/test").registerIn(registry);
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            // q as a strided view (BHSD buffer seen as BSHD) into a strided output
            Tensor qBuffer = Tensor.randn(dt, 11, 2, 4, 5, 16);
            Tensor q = qBuffer.permute(0, 2, 1, 3);
            Tensor k = Tensor.randn(dt, 12, 2, 9, 2, 16);
            Tensor out = Tensor.zeros(dt, 2, 4, 5, 16).permute(0, 2, 1, 3);
            AttentionRequest r = AttentionRequest.builder(q, k, k).out(out).returnLse(true).build();
            AttentionOutput result = registry.attend("acme/test", r);
            assertThat(result.out()).isSameAs(out);
            assertThat(result.out().toFloatArray()).containsExactly(q.toFloatArray());
            assertThat(result.lse().toFloatArray()).containsOnly(9f);
        }
    }

    @Test
    void requestsOutsideTheDeclaredCapabilitiesFailBeforeTheCall() {
        AttentionInterface registry = AttentionInterface.standalone();
        BundleLoader.load(bundle("good"), "acme/test").registerIn(registry);
        assertThatThrownBy(() -> registry.attend("acme/test", request(DType.F16, 2, 2, 16)))
                .isInstanceOf(UnsupportedAttentionException.class).hasMessageContaining("dtype f16 (accepts f32, bf16)")
                .hasMessageContaining("eager, sdpa");
        assertThatThrownBy(() -> registry.attend("acme/test", request(DType.F32, 2, 2, 12)))
                .hasMessageContaining("head dim 12 (supports 8..64 in multiples of 8)");
        Tensor q = Tensor.randn(DType.F32, 1, 1, 4, 2, 16);
        assertThatThrownBy(() -> registry.attend("acme/test", AttentionRequest.builder(q, q, q).causal(true).build()))
                .hasMessageContaining("feature causal");
        Tensor wide = Tensor.randn(DType.F32, 1, 1, 4, 2, 32);
        Tensor stridedLastDim = Tensor.wrap(wide.segment(), DType.F32, Device.CPU, new int[] {1, 4, 2, 16},
                new long[] {256, 64, 32, 2}, 0);
        assertThatThrownBy(() -> registry.attend("acme/test",
                AttentionRequest.builder(stridedLastDim, stridedLastDim, stridedLastDim).build()))
                .hasMessageContaining("feature strided-last-dim");
    }

    @Test
    void anOpReturningAnErrorBecomesAnExceptionWithItsMessage() {
        AttentionInterface registry = AttentionInterface.standalone();
        BundleLoader.load(bundle("good"), "acme/test").registerIn(registry);
        assertThatThrownBy(() -> registry.attend("acme/test:fail", request(DType.F32, 2, 2, 16)))
                .isInstanceOf(NativeKernelException.class)
                .hasMessageContaining("native op 'acme/test:fail' failed with KH_ERR_DEVICE: device lost while running (test)");
        // the op's own validation errors become IllegalArgumentException: varlen q is rank 3
        Tensor q = Tensor.randn(DType.F32, 1, 6, 2, 16);
        AttentionRequest varlen = AttentionRequest.builder(q, q, q).cuSeqlens(new int[] {0, 6}, new int[] {0, 6}).build();
        BundleLoader.load(bundle("good"), "acme/test2").registerIn(registry);
        assertThatThrownBy(() -> registry.get("acme/test2").function().forward(varlen))
                .isInstanceOf(UnsupportedAttentionException.class).hasMessageContaining("feature varlen");
    }

    @Test
    void twoVersionsOfOneKernelLoadSideBySide() {
        Path v1 = bundle("versioned-1", "-DSCALE_BY=1.0f", "-DTEST_VERSION_TEXT=\"1\"");
        Path v2 = bundle("versioned-2", "-DSCALE_BY=2.0f", "-DTEST_VERSION_TEXT=\"2\"");
        AttentionInterface registry = AttentionInterface.standalone();
        BundleLoader.load(v1, "acme/versioned@1.0.0").registerIn(registry);
        BundleLoader.load(v2, "acme/versioned@2.0.0").registerIn(registry);
        AttentionRequest r = request(DType.F32, 2, 2, 16);
        float[] q = r.q().toFloatArray();
        float[] one = registry.attend("acme/versioned@1.0.0", r).out().toFloatArray();
        float[] two = registry.attend("acme/versioned@2.0.0", r).out().toFloatArray();
        for (int i = 0; i < q.length; i++) {
            assertThat(one[i]).isEqualTo(q[i]);
            assertThat(two[i]).isEqualTo(2 * q[i]);
        }
        assertThat(registry.get("acme/versioned@2.0.0").description()).contains("out = q * 2");
    }

    @Test
    void missingFileIsAClearError() {
        assertThatThrownBy(() -> BundleLoader.load(NativeToolchain.OUT.resolve("libnothere.so"), "acme/x"))
                .isInstanceOf(BundleLoadException.class).hasMessageContaining("libnothere.so: no such file")
                .hasMessageContaining("kernelhub build");
    }

    @Test
    void notALibraryKeepsTheDynamicLoadersOwnError() throws Exception {
        Path garbage = NativeToolchain.OUT.resolve("libgarbage.so");
        Files.createDirectories(garbage.getParent());
        Files.writeString(garbage, "this is not an ELF file");
        assertThatThrownBy(() -> BundleLoader.load(garbage, "acme/x")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("dlopen failed: ").hasMessageContaining("libgarbage.so");
    }

    @Test
    void aMissingDependencyIsNamedByTheDynamicLoader() throws Exception {
        Path dep = NativeToolchain.sharedLibrary("khmissingdep", List.of(SOURCE));
        Path needs = NativeToolchain.sharedLibrary("needsmissing", List.of(SOURCE), "-L" + NativeToolchain.OUT,
                "-Wl,--no-as-needed", "-lkhmissingdep");
        Files.delete(dep);
        assertThatThrownBy(() -> BundleLoader.load(needs, "acme/x")).isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("libkhmissingdep.so: cannot open shared object file");
    }

    @Test
    void wrongAbiVersionIsRefusedBeforeAnythingElseRuns() {
        assertThatThrownBy(() -> BundleLoader.load(bundle("wrongabi", "-DWRONG_ABI"), "acme/x"))
                .isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("it was built for kernelhub ABI 42, this kernelhub speaks ABI 1")
                .hasMessageContaining("Upgrade kernelhub");
    }

    @Test
    void missingEntryPointsAreNamed() {
        assertThatThrownBy(() -> BundleLoader.load(bundle("noversion", "-DNO_VERSION"), "acme/x"))
                .hasMessageContaining("it does not export kh_abi_version");
        assertThatThrownBy(() -> BundleLoader.load(bundle("noregister", "-DNO_REGISTER"), "acme/x"))
                .hasMessageContaining("it does not export kh_register");
    }

    @Test
    void badOpDescriptionsListEveryProblem() {
        assertThatThrownBy(() -> BundleLoader.load(bundle("badop", "-DBAD_OP"), "acme/x"))
                .isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("name '9 bad name' must match")
                .hasMessageContaining("dtypes mask 0x200")
                .hasMessageContaining("head dims 100..10")
                .hasMessageContaining("fn is NULL")
                .hasMessageContaining("kh_register returned KH_ERR_INVALID_ARGUMENT: host refused op 9 bad name");
        assertThatThrownBy(() -> BundleLoader.load(bundle("smallstruct", "-DSMALL_STRUCT"), "acme/x"))
                .hasMessageContaining("struct_size 8 is smaller than this ABI's kh_op_desc (56 bytes)");
        assertThatThrownBy(() -> BundleLoader.load(bundle("twodefaults", "-DTWO_DEFAULTS"), "acme/x"))
                .hasMessageContaining("2 ops are flagged is_default");
        assertThatThrownBy(() -> BundleLoader.load(bundle("dupname", "-DDUPLICATE_NAME"), "acme/x"))
                .hasMessageContaining("op 'copy_q' is registered twice");
    }

    @Test
    void aFailingRegistrationKeepsTheBundlesMessage() {
        assertThatThrownBy(() -> BundleLoader.load(bundle("regfails", "-DREGISTER_FAILS"), "acme/x"))
                .isInstanceOf(BundleLoadException.class)
                .hasMessageContaining("kh_register returned KH_ERR_DEVICE: no usable CPU found (test)");
    }
}

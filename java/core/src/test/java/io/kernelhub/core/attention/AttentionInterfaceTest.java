package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AttentionInterfaceTest {

    private static AttentionRequest small(DType dt, boolean causal) {
        return AttentionRequest.builder(Tensor.randn(dt, 1, 1, 4, 2, 8), Tensor.randn(dt, 2, 1, 4, 2, 8),
                Tensor.randn(dt, 3, 1, 4, 2, 8)).causal(causal).build();
    }

    /** An f32-only, non-causal implementation that counts its calls. */
    private static AttentionImplementation limited(String name, AtomicInteger calls) {
        AttentionCapabilities caps = new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.of(DType.F32), 8, 64,
                8, EnumSet.noneOf(AttentionFeature.class));
        return new AttentionImplementation(name, "test", caps, r -> {
            calls.incrementAndGet();
            return r.allocateOutputs();
        });
    }

    @Test
    void builtInsAndAliasAreThere() {
        AttentionInterface registry = AttentionInterface.standalone();
        assertThat(registry.names()).contains("eager", "sdpa", "flash_attention_2");
        assertThat(registry.aliases()).containsEntry("flash_attention_2", "kernels-community/flash-attn2");
        assertThat(registry.get("sdpa").capabilities().features()).containsAll(EnumSet.allOf(AttentionFeature.class));
    }

    @Test
    void registerGetUnregister() {
        AttentionInterface registry = AttentionInterface.standalone();
        AtomicInteger calls = new AtomicInteger();
        registry.register(limited("mine", calls));
        registry.attend("mine", small(DType.F32, false));
        assertThat(calls).hasValue(1);
        assertThat(registry.unregister("mine")).isTrue();
        assertThat(registry.unregister("mine")).isFalse();
        assertThatThrownBy(() -> registry.get("mine")).isInstanceOf(UnknownAttentionException.class)
                .hasMessageContaining("no attention implementation named 'mine'").hasMessageContaining("eager, ");
    }

    @Test
    void unsupportedRequestsFailBeforeAnyWorkNamingCapabilityAndAlternatives() {
        AttentionInterface registry = AttentionInterface.standalone();
        AtomicInteger calls = new AtomicInteger();
        registry.register(limited("f32only", calls));
        assertThatThrownBy(() -> registry.attend("f32only", small(DType.BF16, true)))
                .isInstanceOf(UnsupportedAttentionException.class)
                .hasMessageContaining("dtype bf16 (accepts f32)")
                .hasMessageContaining("feature causal")
                .hasMessageContaining("Implementations that do: eager, sdpa");
        assertThat(calls).hasValue(0);
        Tensor d36 = Tensor.randn(DType.F32, 1, 1, 2, 1, 36);
        assertThatThrownBy(() -> registry.attend("f32only", AttentionRequest.builder(d36, d36, d36).build()))
                .hasMessageContaining("head dim 36 (supports 8..64 in multiples of 8)");
        // also through get(): the function handed out is checked, too
        assertThatThrownBy(() -> registry.get("f32only").function().forward(small(DType.F16, false)))
                .isInstanceOf(UnsupportedAttentionException.class);
        assertThat(calls).hasValue(0);
    }

    @Test
    void localOverridesShadowWithoutChangingTheParent() {
        AttentionInterface parent = AttentionInterface.standalone();
        AttentionInterface local = parent.newLocal();
        AtomicInteger calls = new AtomicInteger();
        local.register(limited("sdpa", calls));
        local.attend("sdpa", small(DType.F32, false));
        assertThat(calls).hasValue(1);
        assertThat(parent.get("sdpa").description()).doesNotContain("test");
        assertThat(local.names()).contains("eager", "sdpa");
        assertThat(local.unregister("sdpa")).isTrue();
        assertThat(local.get("sdpa").description()).isEqualTo(parent.get("sdpa").description());
    }

    @Test
    void aliasesFollowTheirTarget() {
        AttentionInterface registry = AttentionInterface.standalone();
        registry.alias("fast", "sdpa");
        assertThat(registry.get("fast").name()).isEqualTo("sdpa");
        assertThatThrownBy(() -> registry.alias("x", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.alias("bad name", "sdpa")).hasMessageContaining("no whitespace");
    }

    @Test
    void hubIdsWithoutAHubClientFailClearly() {
        AttentionInterface registry = AttentionInterface.standalone();
        registry.setHubResolver(HubResolver.UNAVAILABLE);
        assertThatThrownBy(() -> registry.get("kernels-community/flash-attn2"))
                .isInstanceOf(KernelResolutionException.class)
                .hasMessageContaining("cannot load hub kernel 'kernels-community/flash-attn2'")
                .hasMessageContaining("'eager' or 'sdpa'");
        assertThatThrownBy(() -> registry.get("flash_attention_2"))
                .hasMessageContaining("kernels-community/flash-attn2");
        assertThatThrownBy(() -> registry.get("kernels-community/flash-attn2@latest"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad version spec");
    }

    @Test
    void hubIdsReachTheResolverOnceAndRegisterUnderTheExactString() {
        AttentionInterface registry = AttentionInterface.standalone();
        AtomicInteger resolutions = new AtomicInteger();
        List<HubKernelId> seen = new ArrayList<>();
        registry.setHubResolver((id, r) -> {
            resolutions.incrementAndGet();
            synchronized (seen) {
                seen.add(id);
            }
            return registry.get("sdpa");
        });
        AttentionImplementation a = registry.get("acme/attn@^1.2:fwd");
        AttentionImplementation b = registry.get("acme/attn@^1.2:fwd");
        assertThat(a.name()).isEqualTo("acme/attn@^1.2:fwd");
        assertThat(b.name()).isEqualTo(a.name());
        assertThat(resolutions).hasValue(1);
        assertThat(seen.getFirst()).isEqualTo(new HubKernelId("acme", "attn", "^1.2", "fwd"));
        assertThat(registry.names()).contains("acme/attn@^1.2:fwd");
        // a local registry resolves into the root, so every model shares one loaded kernel
        assertThat(registry.newLocal().get("acme/attn@^1.2:fwd").name()).isEqualTo("acme/attn@^1.2:fwd");
        assertThat(resolutions).hasValue(1);
    }

    @Test
    void concurrentRegisterLookupAndUnregister() throws Exception {
        AttentionInterface registry = AttentionInterface.standalone();
        AtomicInteger resolutions = new AtomicInteger();
        registry.setHubResolver((id, r) -> {
            resolutions.incrementAndGet();
            return registry.get("eager");
        });
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            futures.add(pool.submit(() -> {
                start.await();
                int ok = 0;
                AtomicInteger calls = new AtomicInteger();
                for (int i = 0; i < 500; i++) {
                    String name = "impl-" + id + "-" + (i % 7);
                    registry.register(limited(name, calls));
                    if (registry.get(name).name().equals(name) && registry.get("sdpa") != null) {
                        ok++;
                    }
                    registry.get("shared/kernel");
                    registry.list();
                    if (i % 3 == 0) {
                        registry.unregister(name);
                    }
                }
                return ok;
            }));
        }
        start.countDown();
        for (Future<Integer> f : futures) {
            assertThat(f.get()).isEqualTo(500);
        }
        pool.shutdown();
        assertThat(resolutions).hasValue(1);
        assertThat(registry.names()).contains("eager", "sdpa", "shared/kernel");
    }
}

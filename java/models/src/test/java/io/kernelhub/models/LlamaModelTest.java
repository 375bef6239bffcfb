package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFeature;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.UnknownAttentionException;
import io.kernelhub.core.attention.UnsupportedAttentionException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LlamaModelTest {

    private static final long SEED = 42;
    private static final int[][] TOKENS = ModelDemo.randomTokens(7, 2, 24, 256);

    @Test
    void tinyConfigIsSmallGqa() {
        LlamaConfig c = LlamaConfig.tiny();
        assertThat(c.heads()).isGreaterThan(c.kvHeads());
        assertThat(c.heads() % c.kvHeads()).isZero();
        assertThat(c.attentionSpec().causal()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void eagerAndSdpaGiveTheSameLogits(DType dtype) {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withDtype(dtype), SEED);
        model.setAttnImplementation("eager");
        Logits eager = model.forward(TOKENS);
        model.setAttnImplementation("sdpa");
        Logits sdpa = model.forward(TOKENS);

        assertThat(eager.maxAbs()).as("logits are O(1)").isBetween(1f, 20f);
        assertThat(sdpa.errorVs(eager).maxAbs()).isLessThan(ModelDemo.logitTolerance(dtype, eager));
    }

    /** Reduced precision only touches attention: both implementations stay near the f32 model. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void reducedPrecisionStaysNearF32(DType dtype) {
        Logits f32 = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED).forward(TOKENS);
        LlamaModel half = new LlamaModel(LlamaConfig.tiny().withDtype(dtype), SEED);
        for (String name : new String[] {"eager", "sdpa"}) {
            half.setAttnImplementation(name);
            assertThat(half.forward(TOKENS).errorVs(f32).maxAbs()).as(name)
                    .isLessThan(ModelDemo.logitTolerance(dtype, f32));
        }
    }

    @Test
    void switchingAtRunTimeKeepsTheWeights() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("sdpa"), SEED);
        Set<float[]> before = Collections.newSetFromMap(new IdentityHashMap<>());
        before.addAll(model.parameters().values());
        long checksum = ParameterStore.checksum(model.parameters());
        Logits first = model.forward(TOKENS);

        model.setAttnImplementation("eager");
        model.forward(TOKENS);
        model.setAttnImplementation("sdpa");
        Logits again = model.forward(TOKENS);

        assertThat(model.parameters().values()).allSatisfy(array -> assertThat(before.contains(array)).isTrue());
        assertThat(model.parameters()).hasSize(before.size());
        assertThat(ParameterStore.checksum(model.parameters())).isEqualTo(checksum);
        assertThat(again.values()).containsExactly(first.values());
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        long a = ParameterStore.checksum(new LlamaModel(LlamaConfig.tiny(), SEED).parameters());
        long b = ParameterStore.checksum(new LlamaModel(LlamaConfig.tiny(), SEED).parameters());
        long c = ParameterStore.checksum(new LlamaModel(LlamaConfig.tiny(), SEED + 1).parameters());
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void configAndMapReportTheCurrentSelection() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED);
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "eager"));
        model.setAttnImplementation(Map.of("", "sdpa"));
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "sdpa"));
        assertThat(model.config().attnImplementation()).isEqualTo("sdpa");
    }

    @Test
    void unknownNameFailsWithTheRegistryMessageAndChangesNothing() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED);
        assertThatThrownBy(() -> model.setAttnImplementation("flash-nope"))
                .isInstanceOf(UnknownAttentionException.class)
                .hasMessageContaining("flash-nope")
                .hasMessageContaining("eager")
                .hasMessageContaining("sdpa");
        assertThatThrownBy(() -> model.setAttnImplementation((String) null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "eager"));
        assertThat(model.forward(TOKENS).batch()).isEqualTo(2);
    }

    @Test
    void unknownMapKeyNamesTheValidKeys() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED);
        assertThatThrownBy(() -> model.setAttnImplementation(Map.of("vision", "sdpa")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"vision\"")
                .hasMessageContaining("valid keys: \"\"");
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "eager"));
    }

    @Test
    void unresolvableHubIdChangesNothing() {
        // a standalone registry has no hub resolver installed, so the id cannot be loaded
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED,
                AttentionInterface.standalone());
        assertThatThrownBy(() -> model.setAttnImplementation("kernels-community/flash-attn2"))
                .isInstanceOf(RuntimeException.class)
                .hasMessageContaining("flash-attn2");
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "eager"));
    }

    @Test
    void capabilityMismatchIsCaughtAtSwitchTime() {
        AttentionInterface registry = AttentionInterface.global().newLocal();
        AttentionImplementation sdpa = registry.get("sdpa");
        registry.register(new AttentionImplementation("f16-only", "",
                new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.of(DType.F16), 1, 256, 1,
                        EnumSet.allOf(AttentionFeature.class)), sdpa.function()));
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("eager"), SEED, registry);

        assertThatThrownBy(() -> model.setAttnImplementation("f16-only"))
                .isInstanceOf(UnsupportedAttentionException.class)
                .hasMessageContaining("dtype f32")
                .hasMessageContaining("eager");
        assertThat(model.attnImplementations()).containsExactly(Map.entry("", "eager"));

        LlamaModel f16 = new LlamaModel(LlamaConfig.tiny().withDtype(DType.F16), SEED, registry);
        f16.setAttnImplementation("f16-only");
        assertThat(f16.forward(TOKENS).seq()).isEqualTo(24);
    }

    @Test
    void localRegistrationsRouteAndStayLocal() {
        AttentionInterface registry = AttentionInterface.global().newLocal();
        CountingAttention counter = CountingAttention.register(registry, "counting");
        LlamaModel model = new LlamaModel(LlamaConfig.tiny().withAttnImplementation("counting"), SEED, registry);

        model.forward(TOKENS);

        assertThat(counter.count()).isEqualTo(LlamaConfig.tiny().layers());
        assertThat(counter.calls).allSatisfy(r -> {
            assertThat(r.causal()).isTrue();
            assertThat(r.headsQ()).isEqualTo(4);
            assertThat(r.headsKv()).isEqualTo(2);
        });
        assertThatThrownBy(() -> new LlamaModel(LlamaConfig.tiny().withAttnImplementation("counting"), SEED))
                .isInstanceOf(UnknownAttentionException.class);
    }

    @Test
    void laterTokensDoNotChangeEarlierLogits() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny(), SEED);
        int[][] changed = {TOKENS[0].clone()};
        changed[0][20] = (changed[0][20] + 1) % 256;
        Logits a = model.forward(new int[][] {TOKENS[0]});
        Logits b = model.forward(changed);
        for (int s = 0; s < 20; s++) {
            assertThat(b.row(0, s)).containsExactly(a.row(0, s));
        }
        assertThat(b.row(0, 20)).isNotEqualTo(a.row(0, 20));
    }

    @Test
    void batchedSequencesMatchSingleSequences() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny(), SEED);
        Logits batched = model.forward(TOKENS);
        for (int b = 0; b < TOKENS.length; b++) {
            Logits single = model.forward(new int[][] {TOKENS[b]});
            for (int s = 0; s < TOKENS[b].length; s++) {
                float[] expected = single.row(0, s);
                float[] actual = batched.row(b, s);
                for (int v = 0; v < expected.length; v++) {
                    assertThat(actual[v]).isCloseTo(expected[v], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
        assertThat(batched.toArray()[1][3]).containsExactly(batched.row(1, 3));
    }

    @Test
    void rejectsBadTokenIds() {
        LlamaModel model = new LlamaModel(LlamaConfig.tiny(), SEED);
        assertThatThrownBy(() -> model.forward(new int[][] {{1, 2}, {3}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length 2");
        assertThatThrownBy(() -> model.forward(new int[][] {{1, 256}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vocabulary");
        assertThatThrownBy(() -> model.forward(new int[0][]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.forward(new int[][] {new int[513]}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512");
    }

    @Test
    void rejectsAnUnknownConfiguredImplementation() {
        assertThatThrownBy(() -> new LlamaModel(LlamaConfig.tiny().withAttnImplementation("nope"), SEED))
                .isInstanceOf(UnknownAttentionException.class);
        assertThatThrownBy(() -> LlamaConfig.tiny().withAttnImplementation(" "))
                .isInstanceOf(IllegalArgumentException.class);
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("", null);
        LlamaModel model = new LlamaModel(LlamaConfig.tiny(), SEED);
        assertThatThrownBy(() -> model.setAttnImplementation(nullValue)).isInstanceOf(IllegalArgumentException.class);
    }
}

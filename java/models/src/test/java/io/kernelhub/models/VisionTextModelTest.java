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
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VisionTextModelTest {

    private static final long SEED = 11;
    private static final VisionTextConfig TINY = VisionTextConfig.tiny();
    private static final float[][] IMAGES = VisionTextModel.randomImages(TINY.vision(), 2, 3);
    private static final int[][] TOKENS = ModelDemo.randomTokens(4, 2, 12, TINY.text().vocabSize());

    private AttentionInterface registry;
    private CountingAttention counter;
    private VisionTextModel model;

    @BeforeEach
    void setUp() {
        registry = AttentionInterface.global().newLocal();
        counter = CountingAttention.register(registry, "counting");
        model = new VisionTextModel(TINY.withAttnImplementation("eager"), SEED, registry);
    }

    private static Map<String, String> selection(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Test
    void logitsCoverImageAndTextPositions() {
        Logits logits = model.forward(IMAGES, TOKENS);
        assertThat(model.imagePositions()).isEqualTo(16);
        assertThat(logits.batch()).isEqualTo(2);
        assertThat(logits.seq()).isEqualTo(16 + 12);
        assertThat(logits.vocab()).isEqualTo(256);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void eagerAndSdpaGiveTheSameLogits(DType dtype) {
        VisionTextConfig config = new VisionTextConfig(TINY.vision().withDtype(dtype), TINY.text().withDtype(dtype));
        VisionTextModel m = new VisionTextModel(config.withAttnImplementation("eager"), SEED);
        Logits eager = m.forward(IMAGES, TOKENS);
        m.setAttnImplementation("sdpa");
        Logits sdpa = m.forward(IMAGES, TOKENS);
        m.setAttnImplementation(selection("vision", "eager"));
        Logits mixed = m.forward(IMAGES, TOKENS);

        assertThat(eager.maxAbs()).isBetween(1f, 20f);
        assertThat(sdpa.errorVs(eager).maxAbs()).isLessThan(ModelDemo.logitTolerance(dtype, eager));
        assertThat(mixed.errorVs(eager).maxAbs()).isLessThan(ModelDemo.logitTolerance(dtype, eager));
    }

    @Test
    void perBackboneSelectionRoutesOnlyTheChosenBackbone() {
        int visionLayers = TINY.vision().layers();
        int textLayers = TINY.text().layers();

        model.setAttnImplementation(selection("vision", "counting"));
        assertThat(model.attnImplementations()).containsExactly(
                Map.entry("vision", "counting"), Map.entry("text", "eager"));
        model.forward(IMAGES, TOKENS);
        assertThat(counter.count()).isEqualTo(visionLayers);
        assertThat(counter.calls).allSatisfy(r -> {
            assertThat(r.causal()).as("the vision encoder is bidirectional").isFalse();
            assertThat(r.headDim()).isEqualTo(TINY.vision().headDim());
            assertThat(r.maxSeqQ()).isEqualTo(16);
        });

        counter.reset();
        model.setAttnImplementation(selection("", "counting", "vision", "eager"));
        assertThat(model.attnImplementations()).containsExactly(
                Map.entry("vision", "eager"), Map.entry("text", "counting"));
        model.forward(IMAGES, TOKENS);
        assertThat(counter.count()).isEqualTo(textLayers);
        assertThat(counter.calls).allSatisfy(r -> {
            assertThat(r.causal()).isTrue();
            assertThat(r.headsKv()).isLessThan(r.headsQ());
            assertThat(r.maxSeqQ()).isEqualTo(16 + 12);
        });

        counter.reset();
        model.setAttnImplementation("counting");
        model.forward(IMAGES, TOKENS);
        assertThat(counter.count()).isEqualTo(visionLayers + textLayers);
    }

    @Test
    void keysNotMentionedKeepTheirChoice() {
        model.setAttnImplementation(selection("text", "sdpa"));
        model.setAttnImplementation(selection("vision", "counting"));
        assertThat(model.attnImplementations()).containsExactly(
                Map.entry("vision", "counting"), Map.entry("text", "sdpa"));
        assertThat(model.config().vision().attnImplementation()).isEqualTo("counting");
        assertThat(model.config().text().attnImplementation()).isEqualTo("sdpa");
        // the reported map round-trips
        Map<String, String> saved = model.attnImplementations();
        model.setAttnImplementation("eager");
        model.setAttnImplementation(saved);
        assertThat(model.attnImplementations()).isEqualTo(saved);
    }

    @Test
    void unknownKeyNamesValidKeysAndChangesNothing() {
        Map<String, String> before = model.attnImplementations();
        assertThatThrownBy(() -> model.setAttnImplementation(selection("vision", "sdpa", "audio", "sdpa")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"audio\"")
                .hasMessageContaining("\"vision\"")
                .hasMessageContaining("\"text\"");
        assertThat(model.attnImplementations()).isEqualTo(before);
    }

    @Test
    void oneBadNameRejectsTheWholeMap() {
        Map<String, String> before = model.attnImplementations();
        assertThatThrownBy(() -> model.setAttnImplementation(selection("vision", "sdpa", "text", "nope")))
                .isInstanceOf(UnknownAttentionException.class)
                .hasMessageContaining("'nope'");
        assertThatThrownBy(() -> model.setAttnImplementation("nope"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(model.attnImplementations()).isEqualTo(before);
    }

    @Test
    void capabilitiesAreCheckedPerBackbone() {
        // serves bidirectional attention only: fine for the encoder, not for the causal decoder
        EnumSet<AttentionFeature> features = EnumSet.allOf(AttentionFeature.class);
        features.remove(AttentionFeature.CAUSAL);
        registry.register(new AttentionImplementation("bidirectional-only", "",
                new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.allOf(DType.class), 1, 256, 1, features),
                registry.get("sdpa").function()));

        assertThatThrownBy(() -> model.setAttnImplementation("bidirectional-only"))
                .isInstanceOf(UnsupportedAttentionException.class)
                .hasMessageContaining("backbone 'text'")
                .hasMessageContaining("feature causal");
        assertThat(model.attnImplementations()).containsExactly(
                Map.entry("vision", "eager"), Map.entry("text", "eager"));

        model.setAttnImplementation(selection("vision", "bidirectional-only"));
        assertThat(model.forward(IMAGES, TOKENS).seq()).isEqualTo(28);
    }

    @Test
    void switchingKeepsTheWeights() {
        long checksum = ParameterStore.checksum(model.parameters());
        float[] embed = model.parameters().get("text.embed_tokens.weight");
        Logits first = model.forward(IMAGES, TOKENS);
        model.setAttnImplementation(selection("vision", "sdpa", "text", "counting"));
        model.forward(IMAGES, TOKENS);
        model.setAttnImplementation("eager");
        assertThat(model.forward(IMAGES, TOKENS).values()).containsExactly(first.values());
        assertThat(model.parameters().get("text.embed_tokens.weight")).isSameAs(embed);
        assertThat(ParameterStore.checksum(model.parameters())).isEqualTo(checksum);
        assertThat(model.parameters().keySet()).anyMatch(k -> k.startsWith("vision."))
                .anyMatch(k -> k.startsWith("projector.")).anyMatch(k -> k.startsWith("text."));
    }

    /** Image position 0 sees every patch (bidirectional encoder) though the decoder is causal. */
    @Test
    void visionEncoderIsBidirectional() {
        float[][] changed = {IMAGES[0].clone()};
        changed[0][changed[0].length - 1] += 1; // a pixel of the last patch
        Logits a = model.forward(new float[][] {IMAGES[0]}, new int[][] {TOKENS[0]});
        Logits b = model.forward(changed, new int[][] {TOKENS[0]});
        assertThat(b.row(0, 0)).isNotEqualTo(a.row(0, 0));
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThatThrownBy(() -> model.forward(new float[][] {IMAGES[0]}, TOKENS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 images for 2");
        assertThatThrownBy(() -> model.forward(new float[][] {new float[5], new float[5]}, TOKENS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 x 32 x 32");
        assertThatThrownBy(() -> model.forward(IMAGES, new int[][] {new int[500], new int[500]}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceed");
    }
}

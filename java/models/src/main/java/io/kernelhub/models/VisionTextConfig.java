package io.kernelhub.models;

import java.util.Map;
import java.util.Objects;

/**
 * A vision+text composite: each sub-config carries its own {@code attnImplementation}, which
 * the matching backbone reads. Sub-config keys for per-backbone selection are
 * {@value #VISION} and {@value #TEXT}.
 *
 * @param vision the image encoder
 * @param text   the causal decoder; its max positions must cover image patches plus text tokens
 */
public record VisionTextConfig(VisionConfig vision, LlamaConfig text) {

    public static final String VISION = "vision";
    public static final String TEXT = "text";

    public VisionTextConfig {
        Objects.requireNonNull(vision, "vision config");
        Objects.requireNonNull(text, "text config");
        if (vision.numPatches() >= text.maxPositions()) {
            throw new IllegalArgumentException("text max positions (" + text.maxPositions()
                    + ") leave no room for text after " + vision.numPatches() + " image patches");
        }
    }

    /** {@link VisionConfig#tiny()} feeding {@link LlamaConfig#tiny()}. */
    public static VisionTextConfig tiny() {
        return new VisionTextConfig(VisionConfig.tiny(), LlamaConfig.tiny());
    }

    /** Both backbones on one implementation. */
    public VisionTextConfig withAttnImplementation(String name) {
        return new VisionTextConfig(vision.withAttnImplementation(name), text.withAttnImplementation(name));
    }

    /** The per-backbone names, keyed {@value #VISION} and {@value #TEXT}. */
    public Map<String, String> attnImplementations() {
        return Map.of(VISION, vision.attnImplementation(), TEXT, text.attnImplementation());
    }
}

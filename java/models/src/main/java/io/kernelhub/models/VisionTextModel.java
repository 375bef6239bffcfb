package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionInterface;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A tiny vision+text model (LLaVA-shaped): the vision encoder's patch features go through a
 * two-layer GELU projector into the decoder's width and are prepended to the text token
 * embeddings; the Llama decoder then runs causally over [image positions, text positions].
 *
 * <p>Each backbone has its own attention selection, keyed {@value VisionTextConfig#VISION} and
 * {@value VisionTextConfig#TEXT}; {@code ""} addresses both. The encoder's attention is
 * bidirectional, the decoder's causal with GQA.
 */
public final class VisionTextModel implements AttentionSwitchable {

    private final VisionTextConfig config;
    private final ParameterStore parameters;
    private final VisionEncoder vision;
    private final Linear projector1;
    private final Linear projector2;
    private final LlamaDecoder text;
    private final AttentionSelection selection;

    /** A model resolving attention names through the global registry. */
    public VisionTextModel(VisionTextConfig config, long seed) {
        this(config, seed, AttentionInterface.global());
    }

    /**
     * A model resolving attention names through {@code registry}.
     *
     * @throws IllegalArgumentException if a sub-config's implementation is unknown or cannot serve its backbone
     */
    public VisionTextModel(VisionTextConfig config, long seed, AttentionInterface registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.parameters = new ParameterStore(seed);
        this.vision = new VisionEncoder(config.vision(), parameters, "vision.");
        int vh = config.vision().hidden();
        int th = config.text().hidden();
        this.projector1 = Linear.create(parameters, "projector.linear_1", vh, th, true);
        this.projector2 = Linear.create(parameters, "projector.linear_2", th, th, true);
        this.text = new LlamaDecoder(config.text(), parameters, "text.");
        Map<String, AttentionSpec> specs = new LinkedHashMap<>();
        specs.put(VisionTextConfig.VISION, config.vision().attentionSpec());
        specs.put(VisionTextConfig.TEXT, config.text().attentionSpec());
        this.selection = new AttentionSelection(registry, specs, config.attnImplementations());
    }

    /** The config, with the attention implementations currently selected. */
    public VisionTextConfig config() {
        Map<String, String> now = selection.current();
        return new VisionTextConfig(config.vision().withAttnImplementation(now.get(VisionTextConfig.VISION)),
                config.text().withAttnImplementation(now.get(VisionTextConfig.TEXT)));
    }

    /** Image positions in front of the text: the first {@code imagePositions()} logits rows belong to them. */
    public int imagePositions() {
        return config.vision().numPatches();
    }

    /**
     * Logits for [image positions, text positions] of each sequence.
     *
     * @param pixels   [batch][channels * size * size], channels first
     * @param tokenIds [batch][seq] token ids, same batch as the images
     */
    public Logits forward(float[][] pixels, int[][] tokenIds) {
        vision.checkPixels(pixels);
        int[] bs = text.checkTokens(tokenIds);
        int batch = bs[0];
        int seq = bs[1];
        if (pixels.length != batch) {
            throw new IllegalArgumentException(pixels.length + " images for " + batch + " token sequences; "
                    + "each sequence needs one image");
        }
        int n = imagePositions();
        if (n + seq > config.text().maxPositions()) {
            throw new IllegalArgumentException(n + " image positions + " + seq + " tokens exceed the decoder's "
                    + config.text().maxPositions() + " positions");
        }
        Map<String, String> snapshot = selection.current();
        float[] features = vision.forward(pixels, selection.function(snapshot, VisionTextConfig.VISION));
        float[] projected = projector1.apply(features, batch * n);
        Activations.gelu(projected);
        projected = projector2.apply(projected, batch * n);

        int h = config.text().hidden();
        int total = n + seq;
        float[] tokens = text.embed(tokenIds);
        float[] embeds = new float[batch * total * h];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(projected, b * n * h, embeds, b * total * h, n * h);
            System.arraycopy(tokens, b * seq * h, embeds, (b * total + n) * h, seq * h);
        }
        return text.forward(embeds, batch, total, selection.function(snapshot, VisionTextConfig.TEXT));
    }

    /** The weights by name (prefixed {@code vision.}, {@code projector.}, {@code text.}): a live read-only view. */
    public Map<String, float[]> parameters() {
        return parameters.view();
    }

    /** Seeded images with pixels uniform in [-1, 1), the range a normalised image has. */
    public static float[][] randomImages(VisionConfig config, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] images = new float[batch][config.pixelCount()];
        for (float[] image : images) {
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) random.nextDouble(-1, 1);
            }
        }
        return images;
    }

    @Override
    public void setAttnImplementation(String name) {
        selection.setAll(name);
    }

    /** Keys: {@code ""} (both backbones), {@value VisionTextConfig#VISION}, {@value VisionTextConfig#TEXT}. */
    @Override
    public void setAttnImplementation(Map<String, String> bySubConfig) {
        selection.set(bySubConfig);
    }

    /** {@code {vision=..., text=...}}, in that order. */
    @Override
    public Map<String, String> attnImplementations() {
        return selection.current();
    }
}

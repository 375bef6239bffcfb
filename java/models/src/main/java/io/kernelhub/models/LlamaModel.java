package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionInterface;
import java.util.Map;
import java.util.Objects;

/**
 * A tiny Llama-style causal LM with seeded random weights. Its attention implementation comes
 * from {@link LlamaConfig#attnImplementation()} and can be switched at run time; the weights
 * are generated once and never touched again.
 *
 * <pre>{@code
 * LlamaModel model = new LlamaModel(LlamaConfig.tiny(), 42);
 * Logits a = model.forward(tokens);
 * model.setAttnImplementation("eager");
 * Logits b = model.forward(tokens);   // same weights, reference attention
 * }</pre>
 */
public final class LlamaModel implements AttentionSwitchable {

    private final LlamaConfig config;
    private final ParameterStore parameters;
    private final LlamaDecoder decoder;
    private final AttentionSelection selection;

    /** A model resolving attention names through the global registry. */
    public LlamaModel(LlamaConfig config, long seed) {
        this(config, seed, AttentionInterface.global());
    }

    /**
     * A model resolving attention names through {@code registry} (e.g. a per-model
     * {@link AttentionInterface#newLocal()} with extra implementations).
     *
     * @throws IllegalArgumentException if the config's implementation is unknown or cannot serve this model
     */
    public LlamaModel(LlamaConfig config, long seed, AttentionInterface registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.parameters = new ParameterStore(seed);
        this.decoder = new LlamaDecoder(config, parameters, "");
        this.selection = new AttentionSelection(registry,
                Map.of(AttentionSelection.ALL, config.attentionSpec()),
                Map.of(AttentionSelection.ALL, config.attnImplementation()));
    }

    /** The config, with the attention implementation currently selected. */
    public LlamaConfig config() {
        return config.withAttnImplementation(selection.current().get(AttentionSelection.ALL));
    }

    /** Logits for every position of a rectangular [batch][seq] array of token ids. */
    public Logits forward(int[][] tokenIds) {
        int[] bs = decoder.checkTokens(tokenIds);
        Map<String, String> snapshot = selection.current();
        return decoder.forward(decoder.embed(tokenIds), bs[0], bs[1],
                selection.function(snapshot, AttentionSelection.ALL));
    }

    /** The weights by name, in definition order: a live read-only view of the model's own arrays. */
    public Map<String, float[]> parameters() {
        return parameters.view();
    }

    @Override
    public void setAttnImplementation(String name) {
        selection.setAll(name);
    }

    /** Only the key {@code ""} is valid: this model has one backbone. */
    @Override
    public void setAttnImplementation(Map<String, String> bySubConfig) {
        selection.set(bySubConfig);
    }

    @Override
    public Map<String, String> attnImplementations() {
        return selection.current();
    }
}

package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.models.AttentionSelection;
import io.kernelhub.models.AttentionSpec;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.compute.MatMulKernels;
import io.kernelhub.models.compute.ParallelLinear;
import io.kernelhub.models.compute.ThreadTeam;
import io.kernelhub.models.hf.GenerationDefaults;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import io.kernelhub.models.safetensors.TensorSource;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Hugging Face's {@code LlamaForCausalLM} over a loaded checkpoint (Llama 2 and 3.x shapes: GQA,
 * {@code rope_theta}, llama3 rope scaling, tied embeddings, attention and MLP biases), with the
 * semantics of {@code modeling_llama.py}: RMSNorm in f32 then rounded, RoPE by
 * {@code rotate_half}, SwiGLU, and activations rounded to the compute dtype wherever PyTorch would
 * hold them in that dtype. Attention goes through the registry by name.
 *
 * <p>The model owns the mapped checkpoint, any converted weights and its thread team; sessions
 * own their KV caches and buffers.
 */
public final class LlamaForCausalLM implements CausalLM {

    private final LlamaCheckpointConfig config;
    private final GenerationDefaults generationDefaults;
    private final DType dtype;
    private final TensorSource source;
    private final Arena weightArena;
    private final LlamaWeights weights;
    private final RotaryTables rope;
    private final AttentionSelection selection;
    private final ThreadTeam team;
    private final ParallelLinear linear;
    private final int prefillChunk;
    private final TextTokenizer tokenizer;
    private volatile boolean closed;

    /**
     * Takes ownership of {@code source} and {@code tokenizer} (nullable): they are closed with the
     * model, or here if loading fails.
     *
     * @param attnImplementation sub-config key ({@code ""}) -> implementation name
     * @param prefillChunk       prompt positions processed per forward step (bounds the session's buffers)
     */
    public LlamaForCausalLM(LlamaCheckpointConfig config, GenerationDefaults generationDefaults, TensorSource source,
                            DType dtype, Map<String, String> attnImplementation, AttentionInterface registry,
                            int threads, int prefillChunk, TextTokenizer tokenizer) {
        this.config = Objects.requireNonNull(config, "config");
        this.generationDefaults = Objects.requireNonNull(generationDefaults, "generationDefaults");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.source = Objects.requireNonNull(source, "source");
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
        }
        this.prefillChunk = prefillChunk;
        this.tokenizer = tokenizer;
        Arena arena = Arena.ofShared();
        ThreadTeam t = null;
        try {
            this.selection = new AttentionSelection(registry, Map.of(AttentionSelection.ALL, attentionSpec()),
                    Map.of(AttentionSelection.ALL, attnImplementation.getOrDefault(AttentionSelection.ALL, "sdpa")));
            this.weights = LlamaWeights.load(config, source, dtype, arena);
            this.rope = new RotaryTables(config, dtype);
            t = new ThreadTeam(threads, "kernelhub-llama");
            this.linear = new ParallelLinear(t, MatMulKernels.selected());
            this.linear.warmUp(weights.layers().get(0).qkv().matrices()[0]);
        } catch (RuntimeException | Error e) {
            if (t != null) {
                t.close();
            }
            arena.close();
            source.close();
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
        this.weightArena = arena;
        this.team = t;
    }

    /** The attention calls this model makes: causal, in the compute dtype. */
    public AttentionSpec attentionSpec() {
        return new AttentionSpec(dtype, config.heads(), config.kvHeads(), config.headDim(), true);
    }

    public LlamaCheckpointConfig config() {
        return config;
    }

    @Override
    public String modelType() {
        return LlamaCheckpointConfig.MODEL_TYPE;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.maxPositions();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public GenerationDefaults generationDefaults() {
        return generationDefaults;
    }

    @Override
    public Optional<TextTokenizer> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    @Override
    public int threads() {
        return team.size();
    }

    /** Native bytes of weights converted at load (0 when the checkpoint is already in the compute dtype). */
    public long convertedWeightBytes() {
        return weights.convertedBytes();
    }

    @Override
    public InferenceSession newSession(int capacity) {
        checkOpen();
        if (capacity < 1 || capacity > config.maxPositions()) {
            throw new IllegalArgumentException("a session holds 1 .. " + config.maxPositions()
                    + " positions (max_position_embeddings), asked for " + capacity);
        }
        Map<String, String> snapshot = selection.current();
        return new LlamaSession(this, capacity, Math.min(prefillChunk, capacity),
                selection.function(snapshot, AttentionSelection.ALL));
    }

    LlamaWeights weights() {
        return weights;
    }

    RotaryTables rope() {
        return rope;
    }

    ParallelLinear linear() {
        return linear;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    @Override
    public void setAttnImplementation(String name) {
        selection.setAll(name);
    }

    @Override
    public void setAttnImplementation(Map<String, String> bySubConfig) {
        selection.set(bySubConfig);
    }

    @Override
    public Map<String, String> attnImplementations() {
        return selection.current();
    }

    /** Stops the threads, frees converted weights and unmaps the checkpoint; sessions become unusable. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        team.close();
        weightArena.close();
        source.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}

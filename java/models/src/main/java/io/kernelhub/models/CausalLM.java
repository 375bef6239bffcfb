package io.kernelhub.models;

import io.kernelhub.core.DType;
import io.kernelhub.models.hf.GenerationDefaults;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.util.Optional;

/**
 * A causal language model loaded from a checkpoint: token ids in, next-token logits out, with a
 * KV cache per {@link InferenceSession}. Its attention implementation is chosen by name and can
 * be switched between sessions ({@link AttentionSwitchable}); a session keeps the implementation
 * that was selected when it was opened. Close the model to unmap its checkpoint and stop its
 * threads.
 */
public interface CausalLM extends AttentionSwitchable, AutoCloseable {

    /** The {@code model_type} of the checkpoint, e.g. {@code llama}. */
    String modelType();

    /** Token ids are {@code 0 .. vocabSize() - 1}. */
    int vocabSize();

    /** The longest sequence (prompt + generated tokens) the model accepts. */
    int maxPositions();

    /** The dtype the forward pass computes in (weights, activations rounded to it, KV cache). */
    DType dtype();

    /** The checkpoint's generation_config.json (bos/eos ids and sampling defaults). */
    GenerationDefaults generationDefaults();

    /** The checkpoint's tokenizer.json, when it has one (token ids work without). */
    Optional<TextTokenizer> tokenizer();

    /** Threads the model's own products use. */
    int threads();

    /**
     * A session with a KV cache for up to {@code capacity} positions; its buffers are allocated
     * once here and reused for every token.
     *
     * @throws IllegalArgumentException when capacity exceeds {@link #maxPositions()}
     */
    InferenceSession newSession(int capacity);

    /** Logits of every position of {@code tokens}, computed in one session (tests, {@code --save-logits}). */
    default float[][] logits(int[] tokens) {
        float[][] all = new float[tokens.length][];
        try (InferenceSession s = newSession(tokens.length)) {
            s.append(tokens, 0, tokens.length, all);
        }
        return all;
    }

    @Override
    void close();
}

package io.kernelhub.models;

/**
 * One sequence being processed by a {@link CausalLM}: its KV cache and reusable buffers. Append
 * the prompt (processed in chunks), then one token at a time; each append returns the logits
 * after the last appended token. Not thread-safe; close it to free its native memory.
 */
public interface InferenceSession extends AutoCloseable {

    /** Positions already in the cache. */
    int length();

    /** The most positions this session can hold. */
    int capacity();

    /**
     * Appends {@code tokens[from, from + count)} and returns the next-token logits after the last
     * of them. The returned array is owned by the session and overwritten by the next append.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary or when the cache would overflow
     */
    default float[] append(int[] tokens, int from, int count) {
        return append(tokens, from, count, null);
    }

    /**
     * As {@link #append(int[], int, int)}; when {@code everyPosition} is not null, also stores a
     * copy of the logits after each appended token into {@code everyPosition[from + i]}.
     */
    float[] append(int[] tokens, int from, int count, float[][] everyPosition);

    /** Empties the cache (keeps the buffers) for a new sequence. */
    void reset();

    @Override
    void close();
}

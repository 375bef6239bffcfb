package io.kernelhub.models;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionInterface;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link AutoModel} loads a checkpoint. Immutable; start from {@link #defaults()} and change
 * what you need.
 *
 * @param attnImplementation sub-config key -> attention implementation (a registry name, alias or
 *                           hub id). {@code ""} applies to every backbone; composite models also
 *                           take their backbone keys ({@code vision}, {@code text})
 * @param dtype              compute dtype, or null for the checkpoint's {@code torch_dtype} (f32
 *                           when it states none). A different dtype than the checkpoint's is
 *                           converted once at load and costs {@code numel * dtype size} native bytes
 * @param threads            threads for the model's own products (the caller's thread included)
 * @param prefillChunk       prompt positions per forward step: bounds a session's buffers
 * @param registry           where attention names resolve (the global registry by default)
 */
public record ModelOptions(Map<String, String> attnImplementation, DType dtype, int threads, int prefillChunk,
                           AttentionInterface registry) {

    /** The default attention implementation, as in transformers. */
    public static final String DEFAULT_ATTENTION = "sdpa";
    /** Prompt positions per forward step unless set. */
    public static final int DEFAULT_PREFILL_CHUNK = 512;

    public ModelOptions {
        attnImplementation = Map.copyOf(Objects.requireNonNull(attnImplementation, "attnImplementation"));
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
        }
        Objects.requireNonNull(registry, "registry");
    }

    /** sdpa, the checkpoint's dtype, one thread per core, the global registry. */
    public static ModelOptions defaults() {
        return new ModelOptions(Map.of("", DEFAULT_ATTENTION), null, Runtime.getRuntime().availableProcessors(),
                DEFAULT_PREFILL_CHUNK, AttentionInterface.global());
    }

    /** One implementation for every backbone. */
    public ModelOptions withAttnImplementation(String name) {
        Objects.requireNonNull(name, "attention implementation name");
        return new ModelOptions(Map.of("", name), dtype, threads, prefillChunk, registry);
    }

    /** Implementations per sub-config key ({@code ""} for all, backbone keys override it). */
    public ModelOptions withAttnImplementation(Map<String, String> bySubConfig) {
        Map<String, String> m = new LinkedHashMap<>(bySubConfig);
        return new ModelOptions(m, dtype, threads, prefillChunk, registry);
    }

    public ModelOptions withDtype(DType newDtype) {
        return new ModelOptions(attnImplementation, newDtype, threads, prefillChunk, registry);
    }

    public ModelOptions withThreads(int newThreads) {
        return new ModelOptions(attnImplementation, dtype, newThreads, prefillChunk, registry);
    }

    public ModelOptions withPrefillChunk(int chunk) {
        return new ModelOptions(attnImplementation, dtype, threads, chunk, registry);
    }

    public ModelOptions withRegistry(AttentionInterface newRegistry) {
        return new ModelOptions(attnImplementation, dtype, threads, prefillChunk, newRegistry);
    }
}

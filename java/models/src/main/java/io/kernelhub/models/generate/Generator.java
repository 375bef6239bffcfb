package io.kernelhub.models.generate;

import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import java.util.Arrays;
import java.util.Objects;

/**
 * Autoregressive generation on a {@link CausalLM}: one prefill of the prompt, then one decode
 * step per token with the KV cache. The session (cache and buffers) and the sampler's scratch
 * are allocated once per generation; the decode loop allocates nothing per token but the
 * attention call's small descriptors. The model's attention implementation is read once, when
 * the session opens: switching it during a generation takes effect at the next one.
 */
public final class Generator {

    private Generator() {
    }

    /**
     * Generates up to {@code config.maxNewTokens()} tokens after {@code prompt}, calling
     * {@code listener} with each as soon as it is picked.
     *
     * @throws IllegalArgumentException for an empty prompt, an id outside the vocabulary, or a
     *                                  prompt longer than the model's max_position_embeddings
     */
    public static GenerationResult generate(CausalLM model, int[] prompt, GenerationConfig config,
                                            GenerationListener listener) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(listener, "listener");
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        int vocab = model.vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at index " + i
                        + " is outside the vocabulary 0.." + (vocab - 1));
            }
        }
        int maxPositions = model.maxPositions();
        if (prompt.length > maxPositions) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the model takes at most "
                    + maxPositions + " positions (max_position_embeddings): shorten the prompt");
        }
        // the last generated token is never fed back, so the cache needs prompt + max - 1 positions
        int room = maxPositions - prompt.length + 1;
        int budget = Math.min(config.maxNewTokens(), room);
        boolean positionLimited = budget < config.maxNewTokens();
        int capacity = Math.max(1, prompt.length + Math.max(0, budget - 1));
        int[] generated = new int[budget];
        int count = 0;
        StopReason reason = positionLimited ? StopReason.MAX_POSITIONS : StopReason.MAX_NEW_TOKENS;
        float[][] promptLogits = config.keepPromptLogits() ? new float[prompt.length][] : null;
        int[] eos = config.eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
        Sampler sampler = new Sampler(config, vocab);
        for (int id : prompt) {
            sampler.observe(id);
        }
        long prefillNanos;
        long decodeNanos = 0;
        int decodeSteps = 0;
        try (InferenceSession session = model.newSession(capacity)) {
            long t0 = System.nanoTime();
            float[] logits = session.append(prompt, 0, prompt.length, promptLogits);
            prefillNanos = System.nanoTime() - t0;
            int[] one = new int[1];
            long d0 = System.nanoTime();
            while (count < budget) {
                int next = sampler.next(logits);
                generated[count++] = next;
                sampler.observe(next);
                listener.onToken(next);
                if (isEos(eos, next)) {
                    reason = StopReason.EOS;
                    break;
                }
                if (count == budget) {
                    break;
                }
                one[0] = next;
                logits = session.append(one, 0, 1);
                decodeSteps++;
            }
            decodeNanos = decodeSteps == 0 ? 0 : System.nanoTime() - d0;
        }
        return new GenerationResult(prompt.clone(), Arrays.copyOf(generated, count), reason, prefillNanos, decodeSteps,
                decodeNanos, promptLogits);
    }

    private static boolean isEos(int[] eos, int token) {
        for (int e : eos) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }
}

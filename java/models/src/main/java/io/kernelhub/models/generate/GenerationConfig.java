package io.kernelhub.models.generate;

import io.kernelhub.models.hf.GenerationDefaults;
import java.util.List;
import java.util.Objects;

/**
 * One generation's settings.
 *
 * @param maxNewTokens      tokens to generate at most
 * @param sampling          greedy or sampled
 * @param repetitionPenalty divides positive logits and multiplies negative ones of every token
 *                          already in the sequence (1 = off), as transformers' processor
 * @param seed              the sampler's random seed: equal seeds give equal tokens
 * @param eosTokenIds       generation stops after any of these (empty: only at the limits)
 * @param keepPromptLogits  also return the logits of every prompt position
 */
public record GenerationConfig(int maxNewTokens, Sampling sampling, double repetitionPenalty, long seed,
                               List<Integer> eosTokenIds, boolean keepPromptLogits) {

    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        Objects.requireNonNull(sampling, "sampling");
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be a finite number > 0, got " + repetitionPenalty);
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Greedy, {@code maxNewTokens} tokens, stopping at the given eos ids. */
    public static GenerationConfig greedy(int maxNewTokens, List<Integer> eosTokenIds) {
        return new GenerationConfig(maxNewTokens, new Sampling.Greedy(), 1.0, 0, eosTokenIds, false);
    }

    /**
     * The checkpoint's generation_config.json: sampled when it says {@code do_sample}, its eos ids,
     * its max_new_tokens (else {@code fallbackMaxNewTokens}).
     */
    public static GenerationConfig from(GenerationDefaults d, int fallbackMaxNewTokens) {
        Sampling s = d.doSample() ? new Sampling.Sample(d.temperature(), d.topK(), d.topP()) : new Sampling.Greedy();
        int max = d.maxNewTokens() != null ? d.maxNewTokens() : fallbackMaxNewTokens;
        return new GenerationConfig(max, s, d.repetitionPenalty(), 0, d.eosTokenIds(), false);
    }

    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, sampling, repetitionPenalty, seed, eosTokenIds, keepPromptLogits);
    }

    public GenerationConfig withSampling(Sampling s) {
        return new GenerationConfig(maxNewTokens, s, repetitionPenalty, seed, eosTokenIds, keepPromptLogits);
    }

    public GenerationConfig withRepetitionPenalty(double p) {
        return new GenerationConfig(maxNewTokens, sampling, p, seed, eosTokenIds, keepPromptLogits);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(maxNewTokens, sampling, repetitionPenalty, s, eosTokenIds, keepPromptLogits);
    }

    public GenerationConfig withEosTokenIds(List<Integer> ids) {
        return new GenerationConfig(maxNewTokens, sampling, repetitionPenalty, seed, ids, keepPromptLogits);
    }

    public GenerationConfig withPromptLogits(boolean keep) {
        return new GenerationConfig(maxNewTokens, sampling, repetitionPenalty, seed, eosTokenIds, keep);
    }
}

package io.kernelhub.models.hf;

import java.util.List;

/**
 * What {@code generation_config.json} (or, without it, config.json) says about generating: the
 * special tokens and the sampling defaults a caller may override.
 *
 * @param bosTokenId        prepended to prompts by tokenizers that do so; null when the checkpoint names none
 * @param eosTokenIds       generation stops at any of these (HF allows one id or a list)
 * @param padTokenId        null when the checkpoint names none
 * @param doSample          false: greedy
 * @param temperature       softmax temperature when sampling (1 = unchanged)
 * @param topK              keep the k most likely tokens when sampling (0 = all)
 * @param topP              nucleus sampling mass (1 = all)
 * @param repetitionPenalty 1 = none
 * @param maxNewTokens      null when the checkpoint sets no default
 */
public record GenerationDefaults(Integer bosTokenId, List<Integer> eosTokenIds, Integer padTokenId, boolean doSample,
        double temperature, int topK, double topP, double repetitionPenalty, Integer maxNewTokens) {

    public GenerationDefaults {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** transformers' own defaults (GenerationConfig), for fields a file leaves out. */
    static final double TEMPERATURE = 1.0;
    static final int TOP_K = 50;
    static final double TOP_P = 1.0;
    static final double REPETITION_PENALTY = 1.0;
}

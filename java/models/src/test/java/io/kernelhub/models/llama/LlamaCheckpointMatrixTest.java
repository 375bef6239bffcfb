package io.kernelhub.models.llama;

import static io.kernelhub.models.llama.MatrixCheckpoints.argmax;
import static io.kernelhub.models.llama.MatrixCheckpoints.concat;
import static io.kernelhub.models.llama.MatrixCheckpoints.gap;
import static io.kernelhub.models.llama.MatrixCheckpoints.tokens;
import static io.kernelhub.models.llama.MatrixCheckpoints.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.generate.GenerationConfig;
import io.kernelhub.models.generate.GenerationListener;
import io.kernelhub.models.generate.GenerationResult;
import io.kernelhub.models.generate.Generator;
import io.kernelhub.models.generate.Sampling;
import io.kernelhub.models.generate.StopReason;
import io.kernelhub.models.llama.MatrixCheckpoints.Case;
import io.kernelhub.models.reference.LlamaReference;
import io.kernelhub.models.reference.LogitsCriterion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The correctness matrix of the Llama runtime on checkpoints written by
 * {@link io.kernelhub.models.hf.HfCheckpointWriter} (see {@link MatrixCheckpoints} for the
 * cases): logits against the independent float64 reference under FlashAttention's criterion
 * ({@code err(runtime vs f64) <= 2 * err(reference rounded to the dtype vs f64) + eps}) for
 * every dtype pairing, prompt length and attention implementation; cached decoding against
 * recomputation; greedy generation against the reference's argmax; the sampler's contracts; and
 * switching the attention implementation between generations.
 */
class LlamaCheckpointMatrixTest {

    @TempDir
    static Path root;

    static MatrixCheckpoints ckpts;
    static long started;

    @BeforeAll
    static void open() {
        started = System.nanoTime();
        ckpts = new MatrixCheckpoints(root);
    }

    @AfterAll
    static void timing() {
        System.out.printf("LlamaCheckpointMatrixTest: %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    static final List<String> IMPLS = List.of("eager", "sdpa");
    /** Prompt lengths of the logits matrix: one token, an odd middle length, a long prompt. */
    static final int[] PROMPT_LENGTHS = {1, 17, 300};

    // ---------------------------------------------------------------------------------------
    // 1. logits of every position vs the float64 reference

    /** (case, compute dtype): each checkpoint in its own dtype, plus the cross-dtype loads. */
    static Stream<Arguments> dtypeCases() {
        return Stream.of(
                Arguments.of("f32-gqa-untied", DType.F32),
                Arguments.of("f32-gqa-untied", DType.BF16), // converted at load: the yardstick casts f32 weights to bf16
                Arguments.of("bf16-mha-tied-biases-sharded", DType.BF16),
                Arguments.of("bf16-mha-tied-biases-sharded", DType.F32), // bf16 weights are exact in f32
                Arguments.of("f16-mqa-headdim32-llama3", DType.F16),
                Arguments.of("bf16-gqa-mlpbias-sharded", DType.BF16),
                Arguments.of("bf16-gqa-mlpbias-sharded", DType.F32),
                Arguments.of("f32-mha-tied-attnbias-sharded", DType.F32));
    }

    static Stream<Arguments> logitsCases() {
        List<Arguments> all = new ArrayList<>();
        dtypeCases().forEach(a -> {
            for (String impl : IMPLS) {
                all.add(Arguments.of(a.get()[0], a.get()[1], impl));
            }
        });
        return all.stream();
    }

    @ParameterizedTest(name = "{0} as {1}, {2}")
    @MethodSource("logitsCases")
    void logitsOfEveryPositionMeetTheCriterion(String name, DType dtype, String impl) throws IOException {
        Case c = MatrixCheckpoints.get(name);
        Path dir = ckpts.dir(c);
        assertLayout(c, dir);
        try (CausalLM model = ckpts.load(c, dtype, impl)) {
            assertThat(model.dtype()).isEqualTo(dtype);
            assertThat(model.attnImplementations()).containsEntry("", impl);
            assertThat(((LlamaForCausalLM) model).convertedWeightBytes() > 0)
                    .as("weights converted at load").isEqualTo(dtype != c.config().checkpointDType());
            for (int len : PROMPT_LENGTHS) {
                int[] prompt = tokens(c, len, len);
                double[][] actual = widen(model.logits(prompt));
                assertThat(actual).hasNumberOfRows(len);
                LogitsCriterion crit = ckpts.criterion(c, prompt, dtype, actual);
                System.out.printf("logits  %-30s %-4s %-5s n=%3d: %s%n", name, dtype, impl, len, crit);
                assertThat(crit.passed()).as("%s %s %s n=%d: %s", name, dtype, impl, len, crit).isTrue();
                // the yardstick is a real one: the rounded reference is not the f64 one
                assertThat(crit.referenceError()).isPositive();
            }
        }
    }

    @Test
    void everyCheckpointIsInTheLogitsMatrix() {
        assertThat(dtypeCases().map(a -> (String) a.get()[0]).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(MatrixCheckpoints.CASES.keySet());
    }

    /** The writer produced the layout the case asks for (one file, or an index and 3+ shards). */
    static void assertLayout(Case c, Path dir) throws IOException {
        List<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".safetensors")).sorted().toList();
        }
        if (c.shards() == 1) {
            assertThat(files).containsExactly("model.safetensors");
        } else {
            assertThat(files.size()).as("shards of %s: %s", c, files).isGreaterThanOrEqualTo(c.shards());
            assertThat(dir.resolve("model.safetensors.index.json")).exists();
        }
    }

    // ---------------------------------------------------------------------------------------
    // 2. cached decoding vs recomputation

    static Stream<Arguments> decodeCases() {
        List<Arguments> all = new ArrayList<>();
        for (Object[] a : new Object[][] {{"f32-gqa-untied", DType.F32}, {"bf16-mha-tied-biases-sharded", DType.BF16},
                {"f16-mqa-headdim32-llama3", DType.F16}, {"bf16-gqa-mlpbias-sharded", DType.F32}}) {
            for (String impl : IMPLS) {
                all.add(Arguments.of(a[0], a[1], impl));
            }
        }
        return all.stream();
    }

    static final int DECODE_PROMPT = 40;
    static final int DECODE_STEPS = 20;

    /**
     * A session fed the prompt (in the model's chunks of 7 or whole; in one append or in three
     * uneven ones) and then one token per step gives, at every position, the logits that
     * {@code model.logits} computes for the whole sequence in one pass: f32 within 1e-5 of the
     * largest logit, bf16/f16 within the criterion's bound (attention may sum in another order),
     * and the cached logits meet the criterion against the reference themselves.
     */
    @ParameterizedTest(name = "{0} as {1}, {2}")
    @MethodSource("decodeCases")
    void decodeWithCacheEqualsRecompute(String name, DType dtype, String impl) {
        Case c = MatrixCheckpoints.get(name);
        int[] full = concat(tokens(c, DECODE_PROMPT, 1000), tokens(c, DECODE_STEPS, 2000));
        double bound = ckpts.bound(c, full, dtype);
        try (CausalLM whole = ckpts.load(c, dtype, impl);
             CausalLM chunked = ckpts.load(c, dtype, impl, 7)) {
            float[][] recompute = whole.logits(full);
            double scale = LlamaReference.maxAbs(widen(recompute));
            double tolerance = dtype == DType.F32 ? 1e-5 * scale : bound;
            for (CausalLM model : List.of(whole, chunked)) {
                String chunking = model == whole ? "whole" : "chunk7";
                for (int[] parts : List.of(new int[] {DECODE_PROMPT}, new int[] {5, 16, DECODE_PROMPT - 21})) {
                    float[][] cached = new float[full.length][];
                    try (InferenceSession s = model.newSession(full.length)) {
                        int at = 0;
                        for (int part : parts) {
                            float[] last = s.append(full, at, part, cached);
                            assertThat(last).containsExactly(cached[at + part - 1]);
                            at += part;
                        }
                        for (; at < full.length; at++) {
                            cached[at] = s.append(full, at, 1).clone();
                        }
                        assertThat(s.length()).isEqualTo(full.length);
                    }
                    double diff = LlamaReference.maxAbsDiff(widen(cached), widen(recompute));
                    // reset empties the cache: a new, shorter sequence in the same session reads nothing stale
                    assertThat(resetThenRerun(model, full)).as("after reset").isLessThanOrEqualTo(tolerance);
                    LogitsCriterion crit = ckpts.criterion(c, full, dtype, widen(cached));
                    System.out.printf("decode  %-30s %-4s %-5s %-6s appends %-10s: max |cached - recompute| = %.3e "
                            + "(tolerance %.3e); cached vs f64: %s%n", name, dtype, impl, chunking,
                            Arrays.toString(parts), diff, tolerance, crit);
                    assertThat(diff).as("%s %s %s %s %s: |cached - recompute| per position %s", name, dtype, impl,
                            chunking, Arrays.toString(parts), perPosition(cached, recompute))
                            .isLessThanOrEqualTo(tolerance);
                    assertThat(crit.passed()).as(crit.toString()).isTrue();
                }
            }
        }
    }

    /** The largest difference of each position, for failure messages. */
    static String perPosition(float[][] a, float[][] b) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            double m = 0;
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs((double) a[i][j] - b[i][j]));
            }
            sb.append(i == 0 ? "" : ", ").append(i).append(": ").append(String.format("%.2e", m));
        }
        return sb.append(']').toString();
    }

    /**
     * Fills a session with {@code full}, resets it, appends a different sequence of 30 tokens and
     * returns the largest difference of its logits from {@code model.logits} of that sequence.
     */
    static double resetThenRerun(CausalLM model, int[] full) {
        int[] other = new int[30];
        for (int i = 0; i < other.length; i++) {
            other[i] = full[full.length - 1 - i]; // reversed tail: other tokens at the same positions
        }
        float[][] expected = model.logits(other);
        float[][] got = new float[other.length][];
        try (InferenceSession s = model.newSession(full.length)) {
            s.append(full, 0, full.length);
            s.reset();
            assertThat(s.length()).isZero();
            s.append(other, 0, other.length, got);
            assertThat(s.length()).isEqualTo(other.length);
        }
        return LlamaReference.maxAbsDiff(widen(got), widen(expected));
    }

    // ---------------------------------------------------------------------------------------
    // 3. greedy generation vs the reference's argmax

    static Stream<Arguments> greedyCases() {
        List<Arguments> all = new ArrayList<>();
        for (Object[] a : new Object[][] {{"f32-gqa-untied", DType.F32}, {"bf16-mha-tied-biases-sharded", DType.BF16},
                {"f16-mqa-headdim32-llama3", DType.F16}, {"f32-mha-tied-attnbias-sharded", DType.F32}}) {
            for (String impl : IMPLS) {
                all.add(Arguments.of(a[0], a[1], impl));
            }
        }
        return all.stream();
    }

    static final int GREEDY_TOKENS = 24;

    /** The float64 reference's greedy continuation, step by step, with its top-1/top-2 gap at each step. */
    record ReferenceGreedy(int[] tokens, double[] gaps, int[] sequence) {
    }

    static ReferenceGreedy referenceGreedy(LlamaReference ref, int[] prompt, int n) {
        int[] seq = prompt.clone();
        int[] out = new int[n];
        double[] gaps = new double[n];
        for (int i = 0; i < n; i++) {
            double[][] l = ref.logits(seq);
            double[] last = l[l.length - 1];
            out[i] = argmax(last);
            gaps[i] = gap(last);
            seq = concat(seq, new int[] {out[i]});
        }
        return new ReferenceGreedy(out, gaps, seq);
    }

    /**
     * Greedy tokens equal the float64 reference's argmax at every step until the first near-tie:
     * a step whose reference top-1/top-2 gap is under twice the criterion's bound (both logits may
     * move by up to the bound, so only there may the order legitimately flip). At least 8 steps
     * are compared across the prompts, so the test cannot pass vacuously.
     */
    @ParameterizedTest(name = "{0} as {1}, {2}")
    @MethodSource("greedyCases")
    void greedyGenerationFollowsTheReferenceArgmax(String name, DType dtype, String impl) {
        Case c = MatrixCheckpoints.get(name);
        LlamaReference ref = ckpts.reference(c);
        int compared = 0;
        try (CausalLM model = ckpts.load(c, dtype, impl)) {
            for (int len : new int[] {5, 23, 2}) {
                int[] prompt = tokens(c, len, 3000 + len);
                ReferenceGreedy expected = referenceGreedy(ref, prompt, GREEDY_TOKENS);
                double bound = ckpts.bound(c, expected.sequence(), dtype);
                double nearTie = 2 * bound;
                GenerationResult got = Generator.generate(model, prompt, GenerationConfig.greedy(GREEDY_TOKENS, List.of()),
                        GenerationListener.NONE);
                assertThat(got.tokens()).hasSize(GREEDY_TOKENS);
                assertThat(got.stopReason()).isEqualTo(StopReason.MAX_NEW_TOKENS);
                int here = 0;
                String stop = "all agree";
                for (int i = 0; i < GREEDY_TOKENS; i++) {
                    if (expected.gaps()[i] < nearTie) {
                        stop = String.format("near-tie at step %d (gap %.3e < %.3e)", i, expected.gaps()[i], nearTie);
                        break;
                    }
                    assertThat(got.tokens()[i]).as("%s %s %s prompt %d step %d: runtime %s vs reference %s (gaps %s)",
                            name, dtype, impl, len, i, Arrays.toString(got.tokens()),
                            Arrays.toString(expected.tokens()), Arrays.toString(expected.gaps()))
                            .isEqualTo(expected.tokens()[i]);
                    here++;
                }
                compared += here;
                System.out.printf("greedy  %-30s %-4s %-5s prompt %2d: %2d/%d tokens equal the f64 argmax, %s; bound %.3e%n",
                        name, dtype, impl, len, here, GREEDY_TOKENS, stop, bound);
            }
        }
        assertThat(compared).as("steps compared").isGreaterThanOrEqualTo(8);
    }

    // ---------------------------------------------------------------------------------------
    // 4. sampling

    static GenerationResult generate(CausalLM model, int[] prompt, GenerationConfig config) {
        return Generator.generate(model, prompt, config, GenerationListener.NONE);
    }

    @Test
    void samplingContracts() {
        Case c = MatrixCheckpoints.get("f32-gqa-untied");
        int[] prompt = tokens(c, 7, 4000);
        try (CausalLM model = ckpts.load(c, DType.F32, "sdpa")) {
            GenerationConfig greedyConfig = GenerationConfig.greedy(GREEDY_TOKENS, List.of());
            int[] greedy = generate(model, prompt, greedyConfig).tokens();
            assertThat(greedy).hasSize(GREEDY_TOKENS);

            GenerationConfig sampled = greedyConfig.withSampling(new Sampling.Sample(1.0, 0, 1.0)).withSeed(1234);
            int[] a = generate(model, prompt, sampled).tokens();
            int[] b = generate(model, prompt, sampled).tokens();
            int[] other = generate(model, prompt, sampled.withSeed(1235)).tokens();
            System.out.println("sampling greedy   " + Arrays.toString(greedy));
            System.out.println("sampling seed1234 " + Arrays.toString(a));
            System.out.println("sampling seed1235 " + Arrays.toString(other));
            assertThat(a).as("same seed, same tokens").containsExactly(b);
            assertThat(a).hasSize(GREEDY_TOKENS);
            assertThat(other).as("another seed, other tokens").isNotEqualTo(a);

            // top-k 1, a vanishing temperature and a vanishing top-p all leave only the argmax
            for (long seed : new long[] {1, 2, 3}) {
                assertThat(generate(model, prompt, greedyConfig.withSampling(new Sampling.Sample(1.0, 1, 1.0))
                        .withSeed(seed)).tokens()).as("top-k 1, seed %d", seed).containsExactly(greedy);
                assertThat(generate(model, prompt, greedyConfig.withSampling(new Sampling.Sample(1e-6, 0, 1.0))
                        .withSeed(seed)).tokens()).as("temperature 1e-6, seed %d", seed).containsExactly(greedy);
                assertThat(generate(model, prompt, greedyConfig.withSampling(new Sampling.Sample(1.0, 0, 1e-9))
                        .withSeed(seed)).tokens()).as("top-p 1e-9, seed %d", seed).containsExactly(greedy);
            }

            // max_new_tokens 0: nothing generated
            GenerationResult none = generate(model, prompt, greedyConfig.withMaxNewTokens(0));
            assertThat(none.tokens()).isEmpty();
            assertThat(none.stopReason()).isEqualTo(StopReason.MAX_NEW_TOKENS);
            assertThat(none.decodeSteps()).isZero();
        }
    }

    /**
     * eos: with the eos id set to the token greedy decoding produces at step 3, generation stops
     * right after that token's first occurrence, which is the last token, with stop reason EOS;
     * the tokens before it are greedy's.
     */
    @Test
    void eosStopsGeneration() {
        Case c = MatrixCheckpoints.get("f32-gqa-untied");
        try (CausalLM model = ckpts.load(c, DType.F32, "sdpa")) {
            for (long seed : new long[] {4100, 4101, 4102}) {
                int[] prompt = tokens(c, 6, seed);
                int[] greedy = generate(model, prompt, GenerationConfig.greedy(GREEDY_TOKENS, List.of())).tokens();
                int eos = greedy[2];
                int first = 0;
                while (greedy[first] != eos) {
                    first++;
                }
                List<GenerationConfig> configs = List.of(GenerationConfig.greedy(GREEDY_TOKENS, List.of(eos)),
                        GenerationConfig.greedy(GREEDY_TOKENS, List.of(c.config().vocabSize() - 1, eos)),
                        // top-k 1 sampling stops the same way
                        GenerationConfig.greedy(GREEDY_TOKENS, List.of(eos))
                                .withSampling(new Sampling.Sample(0.7, 1, 1.0)).withSeed(seed));
                for (GenerationConfig config : configs) {
                    List<Integer> streamed = new ArrayList<>();
                    GenerationResult r = Generator.generate(model, prompt, config, streamed::add);
                    if (config == configs.getFirst()) {
                        System.out.printf("eos     prompt %s greedy %s eos %d -> %s %s%n", Arrays.toString(prompt),
                                Arrays.toString(greedy), eos, Arrays.toString(r.tokens()), r.stopReason());
                    }
                    assertThat(r.stopReason()).isEqualTo(StopReason.EOS);
                    assertThat(r.tokens()).containsExactly(Arrays.copyOf(greedy, first + 1));
                    assertThat(r.tokens()[r.tokens().length - 1]).isEqualTo(eos);
                    assertThat(streamed).containsExactlyElementsOf(Arrays.stream(r.tokens()).boxed().toList());
                    assertThat(r.decodeSteps()).isEqualTo(first);
                }
            }
        }
    }

    /**
     * max_position_embeddings bounds prompt + generated tokens but the last generated token,
     * which is never fed back: a prompt 3 short of the limit gets 4 tokens (greedy's) and stop
     * reason MAX_POSITIONS; a prompt at the limit gets one; a longer prompt is refused.
     */
    @Test
    void positionLimitStopsGeneration() {
        Case c = MatrixCheckpoints.get("f32-gqa-untied");
        int max = c.config().maxPositions();
        try (CausalLM model = ckpts.load(c, DType.F32, "sdpa")) {
            assertThat(model.maxPositions()).isEqualTo(max);
            int[] prompt = tokens(c, max - 3, 7000);
            int[] four = generate(model, prompt, GenerationConfig.greedy(4, List.of())).tokens();
            GenerationResult limited = generate(model, prompt, GenerationConfig.greedy(10, List.of()));
            System.out.printf("limit   prompt %d of %d positions: greedy(10) -> %s %s%n", prompt.length, max,
                    Arrays.toString(limited.tokens()), limited.stopReason());
            assertThat(limited.stopReason()).isEqualTo(StopReason.MAX_POSITIONS);
            assertThat(limited.tokens()).containsExactly(four);

            int[] atLimit = tokens(c, max, 7001);
            GenerationResult one = generate(model, atLimit, GenerationConfig.greedy(5, List.of()));
            assertThat(one.tokens()).hasSize(1);
            assertThat(one.stopReason()).isEqualTo(StopReason.MAX_POSITIONS);
            assertThat(one.tokens()[0]).isEqualTo(argmax(model.logits(atLimit)[max - 1]));

            int[] tooLong = tokens(c, max + 1, 7002);
            assertThatThrownBy(() -> generate(model, tooLong,
                    GenerationConfig.greedy(1, List.of()))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("max_position_embeddings");
        }
    }

    /**
     * Repetition penalty: on a prompt where greedy decoding repeats a token of the sequence, a
     * penalty changes the output; the output equals transformers' processor applied by hand to
     * the session's logits (positive logits of seen tokens divided by the penalty, negative ones
     * multiplied); a huge penalty leaves no token of the sequence repeated.
     */
    @Test
    void repetitionPenalty() {
        Case c = MatrixCheckpoints.get("f32-gqa-untied");
        try (CausalLM model = ckpts.load(c, DType.F32, "sdpa")) {
            int[] prompt = null;
            int[] greedy = null;
            for (long seed = 5000; seed < 5020 && prompt == null; seed++) {
                int[] p = tokens(c, 8, seed);
                int[] g = generate(model, p, GenerationConfig.greedy(GREEDY_TOKENS, List.of())).tokens();
                if (firstRepeat(p, g) >= 0) {
                    prompt = p;
                    greedy = g;
                }
            }
            assertThat(prompt).as("a prompt whose greedy continuation repeats a token").isNotNull();
            System.out.println("penalty greedy       " + Arrays.toString(greedy) + " first repeat at "
                    + firstRepeat(prompt, greedy));
            for (double penalty : new double[] {1.3, 0.7}) {
                GenerationConfig config = GenerationConfig.greedy(GREEDY_TOKENS, List.of()).withRepetitionPenalty(penalty);
                int[] got = generate(model, prompt, config).tokens();
                System.out.println("penalty " + penalty + "          " + Arrays.toString(got));
                if (penalty > 1) {
                    assertThat(got).as("penalty %s changes greedy", penalty).isNotEqualTo(greedy);
                }
                assertThat(got).as("penalty %s by hand", penalty)
                        .containsExactly(penalizedGreedyByHand(model, prompt, GREEDY_TOKENS, penalty));
            }
            int[] huge = generate(model, prompt, GenerationConfig.greedy(GREEDY_TOKENS, List.of())
                    .withRepetitionPenalty(1e6)).tokens();
            System.out.println("penalty 1e6          " + Arrays.toString(huge));
            assertThat(firstRepeat(prompt, huge)).as("no repeats under penalty 1e6").isEqualTo(-1);
        }
    }

    /** Index in {@code generated} of the first token already in prompt + earlier generated tokens, or -1. */
    static int firstRepeat(int[] prompt, int[] generated) {
        Set<Integer> seen = new HashSet<>();
        for (int t : prompt) {
            seen.add(t);
        }
        for (int i = 0; i < generated.length; i++) {
            if (!seen.add(generated[i])) {
                return i;
            }
        }
        return -1;
    }

    static int[] penalizedGreedyByHand(CausalLM model, int[] prompt, int n, double penalty) {
        boolean[] seen = new boolean[model.vocabSize()];
        for (int t : prompt) {
            seen[t] = true;
        }
        int[] out = new int[n];
        try (InferenceSession s = model.newSession(prompt.length + n - 1)) {
            float[] logits = s.append(prompt, 0, prompt.length);
            for (int i = 0; i < n; i++) {
                float[] scores = logits.clone();
                for (int v = 0; v < scores.length; v++) {
                    if (seen[v]) {
                        scores[v] = (float) (scores[v] < 0 ? scores[v] * penalty : scores[v] / penalty);
                    }
                }
                out[i] = argmax(scores);
                seen[out[i]] = true;
                if (i + 1 < n) {
                    logits = s.append(out, i, 1);
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // 5. switching the attention implementation between generations

    static Stream<Arguments> switchCases() {
        return Stream.of(Arguments.of("f32-gqa-untied", DType.F32), Arguments.of("bf16-mha-tied-biases-sharded", DType.BF16),
                Arguments.of("f16-mqa-headdim32-llama3", DType.F16));
    }

    /**
     * A fresh registry whose {@code eager} and {@code sdpa} are the built-ins wrapped to count
     * their calls, so the test sees which implementation a session really runs (eager and sdpa
     * agree to a few f32 ulps, too close to tell apart by their logits).
     */
    record CountingRegistry(AttentionInterface registry, AtomicInteger eager, AtomicInteger sdpa) {
        static CountingRegistry create() {
            AttentionInterface r = AttentionInterface.standalone();
            AtomicInteger eager = new AtomicInteger();
            AtomicInteger sdpa = new AtomicInteger();
            wrap(r, "eager", eager);
            wrap(r, "sdpa", sdpa);
            return new CountingRegistry(r, eager, sdpa);
        }

        private static void wrap(AttentionInterface r, String name, AtomicInteger counter) {
            AttentionImplementation inner = r.get(name);
            r.register(new AttentionImplementation(name, inner.description() + " (counted)", inner.capabilities(),
                    request -> {
                        counter.incrementAndGet();
                        return inner.function().forward(request);
                    }));
        }
    }

    /**
     * Generate under eager, switch to sdpa, generate again: the new generation runs sdpa only,
     * its tokens agree with eager's until a near-tie of the eager logits (a gap under twice the
     * criterion's bound), and sdpa's logits meet the criterion; a session opened under eager
     * keeps running eager after the switch. Switching back to eager reproduces the first
     * generation's tokens and, on the same weights, its logits (within f32 noise for f32,
     * within the criterion's bound otherwise: the Vector API matmul is not bit-reproducible
     * across JIT tiers, see the report).
     */
    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("switchCases")
    void switchingAttentionBetweenGenerations(String name, DType dtype) {
        Case c = MatrixCheckpoints.get(name);
        int layers = c.config().layers();
        int[] prompt = tokens(c, 11, 6000);
        GenerationConfig greedy = GenerationConfig.greedy(GREEDY_TOKENS, List.of());
        CountingRegistry calls = CountingRegistry.create();
        try (CausalLM model = AutoModel.fromPretrained(ckpts.dir(c),
                MatrixCheckpoints.options(dtype, "eager").withRegistry(calls.registry()))) {
            LlamaForCausalLM llama = (LlamaForCausalLM) model;
            LlamaWeights weights = llama.weights();
            float[] finalNorm = weights.finalNorm().clone();
            long converted = llama.convertedWeightBytes();
            assertThat(model.attnImplementations()).containsEntry("", "eager");

            int[] eager1 = generate(model, prompt, greedy).tokens();
            // one prefill step and 23 decode steps, each calling attention once per layer
            assertThat(calls.eager().get()).isEqualTo(GREEDY_TOKENS * layers);
            assertThat(calls.sdpa().get()).isZero();
            int[] seq = concat(prompt, eager1);
            float[][] eagerLogits = model.logits(seq);
            double bound = ckpts.bound(c, seq, dtype);
            double scale = LlamaReference.maxAbs(widen(eagerLogits));
            double tolerance = dtype == DType.F32 ? 1e-5 * scale : bound;
            InferenceSession opened = model.newSession(seq.length);
            try {
                opened.append(seq, 0, prompt.length);

                model.setAttnImplementation("sdpa");
                assertThat(model.attnImplementations()).containsEntry("", "sdpa");
                int eagerBefore = calls.eager().get();
                int[] sdpa = generate(model, prompt, greedy).tokens();
                assertThat(calls.eager().get()).as("eager calls after the switch").isEqualTo(eagerBefore);
                assertThat(calls.sdpa().get()).isEqualTo(GREEDY_TOKENS * layers);
                int agree = 0;
                while (agree < GREEDY_TOKENS && sdpa[agree] == eager1[agree]) {
                    agree++;
                }
                String note = agree == GREEDY_TOKENS ? "all agree"
                        : String.format("differ at step %d, eager gap there %.3e", agree,
                                gap(eagerLogits[prompt.length - 1 + agree]));
                if (agree < GREEDY_TOKENS) {
                    assertThat(gap(eagerLogits[prompt.length - 1 + agree])).as("eager vs sdpa differ at step %d: "
                            + "only a near-tie may flip", agree).isLessThan(2 * bound);
                }
                float[][] sdpaLogits = model.logits(seq);
                LogitsCriterion crit = ckpts.criterion(c, seq, dtype, widen(sdpaLogits));
                LogitsCriterion eagerCrit = ckpts.criterion(c, seq, dtype, widen(eagerLogits));
                System.out.printf("switch  %-30s %-4s eager %s | sdpa %s | tokens: %s; max |eager - sdpa| = %.3e%n",
                        name, dtype, eagerCrit, crit, note,
                        LlamaReference.maxAbsDiff(widen(eagerLogits), widen(sdpaLogits)));
                assertThat(crit.passed()).as(crit.toString()).isTrue();
                assertThat(eagerCrit.passed()).as(eagerCrit.toString()).isTrue();
                assertThat(agree).as("steps before eager and sdpa part").isGreaterThanOrEqualTo(4);

                // the session opened under eager still runs eager
                int eagerNow = calls.eager().get();
                int sdpaNow = calls.sdpa().get();
                float[][] old = new float[seq.length][];
                for (int i = prompt.length; i < seq.length; i++) {
                    old[i] = opened.append(seq, i, 1).clone();
                }
                assertThat(calls.eager().get() - eagerNow).as("eager calls of the old session")
                        .isEqualTo((seq.length - prompt.length) * layers);
                assertThat(calls.sdpa().get()).as("sdpa calls of the old session").isEqualTo(sdpaNow);
                for (int i = prompt.length; i < seq.length; i++) {
                    double d = LlamaReference.maxAbsDiff(widen(new float[][] {old[i]}), widen(new float[][] {eagerLogits[i]}));
                    assertThat(d).as("old session, position %d", i).isLessThanOrEqualTo(tolerance);
                }
            } finally {
                opened.close();
            }

            model.setAttnImplementation("eager");
            int sdpaBefore = calls.sdpa().get();
            assertThat(generate(model, prompt, greedy).tokens()).containsExactly(eager1);
            float[][] again = model.logits(seq);
            assertThat(calls.sdpa().get()).isEqualTo(sdpaBefore);
            int bitwise = 0;
            for (int i = 0; i < seq.length; i++) {
                if (Arrays.equals(again[i], eagerLogits[i])) {
                    bitwise++;
                }
            }
            double againDiff = LlamaReference.maxAbsDiff(widen(again), widen(eagerLogits));
            System.out.printf("switch  %-30s %-4s eager again: max |again - first| = %.3e (tolerance %.3e), "
                    + "%d/%d positions bit-identical%n", name, dtype, againDiff, tolerance, bitwise, seq.length);
            assertThat(againDiff).isLessThanOrEqualTo(tolerance);
            assertThat(llama.weights()).isSameAs(weights);
            assertThat(weights.finalNorm()).containsExactly(finalNorm);
            assertThat(llama.convertedWeightBytes()).isEqualTo(converted);
        }
    }
}

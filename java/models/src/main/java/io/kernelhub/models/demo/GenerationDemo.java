package io.kernelhub.models.demo;

import io.kernelhub.core.DType;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.InferenceSession;
import io.kernelhub.models.generate.GenerationConfig;
import io.kernelhub.models.generate.GenerationListener;
import io.kernelhub.models.generate.GenerationResult;
import io.kernelhub.models.generate.Generator;
import io.kernelhub.models.hf.HfCheckpointWriter;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The demo's generation section: one seeded Hugging Face Llama checkpoint (the {@code small}
 * preset saved in f32), loaded once, generating greedily from one prompt under each attention
 * implementation in turn (switched at run time on the same weights), with prefill and decode
 * speed and a check that the greedy tokens are eager's.
 *
 * <p><b>How a disagreement is judged.</b> A random model has near-ties (at about 8% of positions
 * its two most likely tokens are less than 0.05 apart), and a correct implementation is only
 * equal to eager up to f32 summation order, so greedy decoding may legitimately take the other
 * branch of a near-tie. When an implementation's tokens first differ from eager's, at token
 * {@code i}, eager's logits at that step are recomputed (prompt plus the agreed prefix) and
 * {@code margin = eager's logit of its own token - eager's logit of the implementation's token}
 * is taken. An implementation whose logits are within {@code d} of eager's can only pick another
 * token where that margin is at most {@code 2d}. So the divergence is a failure when the margin
 * exceeds {@link #MARGIN_TOLERANCE}: twice a per-logit tolerance of {@code 5e-4}, which is about
 * 20 times the largest f32 difference measured on this model (under 3e-5 on logits up to about
 * 24, sdpa and the CPU flash-attn2 against eager over 83 positions, seeds 0 to 3), while a wrong
 * mask, scale or head moves logits by O(0.1) to O(1). At or below it the divergence is a
 * near-tie and is reported, not failed. Tokens after the first divergence are not compared (the
 * sequences no longer share a prefix). Divergences are rare: over those 64-token runs the
 * smallest top-1/top-2 gap of eager was 8e-3, far above the measured differences.
 */
public final class GenerationDemo {

    /** The fixed prompt, encoded with the checkpoint's tokenizer (BOS prepended). */
    public static final String PROMPT = "The hub serves kernels to every model";
    /** Greedy tokens generated per implementation. */
    public static final int MAX_NEW_TOKENS = 24;
    /** The checkpoint's (and the computation's) dtype: differences between implementations are summation order only. */
    public static final DType DTYPE = DType.F32;
    /** Largest margin of eager's token over the diverging token that is still a near-tie (see the class comment). */
    public static final double MARGIN_TOLERANCE = 1e-3;
    /** The implementation every other one is compared with. */
    public static final String REFERENCE = "eager";
    /** Timed generations per implementation at most (after one short untimed warm-up generation). */
    public static final int MAX_TIMED_RUNS = 3;
    /** Tokens of the untimed warm-up generation that lets the JIT compile an implementation's paths before timing. */
    public static final int WARMUP_TOKENS = 8;

    private GenerationDemo() {
    }

    /** The checkpoint written for {@code seed}: the small preset saved in {@link #DTYPE}. */
    public static HfCheckpointWriter.Spec spec(long seed) {
        return HfCheckpointWriter.small(seed).withDType(DTYPE);
    }

    /**
     * Where the checkpoint for {@code seed} lives under {@code modelsDir}:
     * {@code small-<seed>-f32-w<writer version>}, so a writer that changes its weights never
     * reuses an older demo's directory.
     */
    public static Path checkpointDir(Path modelsDir, long seed) {
        return modelsDir.resolve("small-" + seed + "-" + DTYPE.id() + "-w" + HfCheckpointWriter.WEIGHTS_VERSION);
    }

    /**
     * The checkpoint directory and whether it was written now.
     *
     * @param nanos time spent writing (0 when it was there)
     */
    public record Checkpoint(Path directory, boolean written, long weightBytes, long nanos) {
    }

    /**
     * The checkpoint for {@code seed} under {@code modelsDir}, written when absent. The writer
     * renames a finished temporary directory into place, so a directory that exists is complete;
     * when another process installs it first, that one is used.
     */
    public static Checkpoint ensureCheckpoint(Path modelsDir, long seed) {
        Path dir = checkpointDir(modelsDir.toAbsolutePath().normalize(), seed);
        if (Files.isDirectory(dir)) {
            return new Checkpoint(dir, false, 0, 0);
        }
        long t0 = System.nanoTime();
        try {
            HfCheckpointWriter.Written w = HfCheckpointWriter.write(spec(seed), dir);
            return new Checkpoint(dir, true, w.weightBytes(), System.nanoTime() - t0);
        } catch (IllegalArgumentException e) {
            if (Files.isDirectory(dir)) {
                return new Checkpoint(dir, false, 0, 0); // installed by a concurrent demo meanwhile
            }
            throw e;
        }
    }

    /**
     * One implementation's generation.
     *
     * @param prefillTokensPerSecond median over the timed runs
     * @param decodeTokensPerSecond  median over the timed runs
     * @param tokens                 the generated ids
     * @param text                   their text through the tokenizer (special tokens skipped)
     * @param firstDivergence        index of the first token that differs from eager's, -1 when all agree
     * @param eagerMargin            at that token: eager's logit of its token minus its logit of this
     *                               implementation's token; NaN when all agree
     * @param marginTolerance        the margin above which a divergence is a failure
     */
    public record Row(String implementation, double prefillTokensPerSecond, double decodeTokensPerSecond, int[] tokens,
                      String text, int firstDivergence, double eagerMargin, double marginTolerance) {
        public Row {
            Objects.requireNonNull(implementation, "implementation");
            tokens = tokens.clone();
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }

        public boolean agreesWithEager() {
            return firstDivergence < 0;
        }

        /** Agrees, or diverges only at a near-tie (margin at most the tolerance). */
        public boolean ok() {
            return agreesWithEager() || !(eagerMargin > marginTolerance);
        }
    }

    /**
     * What the section ran and produced.
     *
     * @param promptTokens    the prompt's ids
     * @param referenceTokens eager's greedy tokens
     * @param referenceText   their text
     * @param rows            one per implementation, in the order asked for
     */
    public record Report(String prompt, int[] promptTokens, int maxNewTokens, int timedRuns, int[] referenceTokens,
                         String referenceText, List<Row> rows) {
        public Report {
            promptTokens = promptTokens.clone();
            referenceTokens = referenceTokens.clone();
            rows = List.copyOf(rows);
        }

        @Override
        public int[] promptTokens() {
            return promptTokens.clone();
        }

        @Override
        public int[] referenceTokens() {
            return referenceTokens.clone();
        }
    }

    /**
     * Generates {@code maxNewTokens} greedy tokens from {@code prompt} under eager (the reference,
     * run first whether listed or not) and each listed implementation, switching the model's
     * implementation at run time; each implementation gets one short untimed warm-up generation
     * ({@value #WARMUP_TOKENS} tokens), then {@code timedRuns} timed ones whose median speeds are
     * reported (their tokens are the last run's; the runs are deterministic). The model's selection is
     * restored afterwards.
     *
     * @throws IllegalArgumentException for an empty list, a model without a tokenizer, or an
     *                                  implementation the model's registry does not know or that cannot serve it
     */
    public static Report run(CausalLM model, List<String> implementations, String prompt, int maxNewTokens,
                             int timedRuns) {
        Objects.requireNonNull(model, "model");
        List<String> names = List.copyOf(new LinkedHashSet<>(implementations));
        if (names.isEmpty()) {
            throw new IllegalArgumentException("name at least one attention implementation, e.g. eager, sdpa");
        }
        if (timedRuns < 1) {
            throw new IllegalArgumentException("timed runs must be >= 1, got " + timedRuns);
        }
        TextTokenizer tokenizer = model.tokenizer().orElseThrow(() -> new IllegalArgumentException(
                "the demo's generation model has no tokenizer.json"));
        int[] promptIds = tokenizer.encode(prompt, true);
        GenerationConfig config = GenerationConfig.greedy(maxNewTokens, model.generationDefaults().eosTokenIds());
        var before = model.attnImplementations();
        try {
            model.setAttnImplementation(REFERENCE);
            Timed reference = timed(model, promptIds, config, names.contains(REFERENCE) ? timedRuns : 1,
                    names.contains(REFERENCE));
            int[] eagerTokens = reference.tokens;
            List<Row> rows = new ArrayList<>();
            for (String name : names) {
                Timed t;
                if (name.equals(REFERENCE)) {
                    t = reference;
                } else {
                    model.setAttnImplementation(name);
                    t = timed(model, promptIds, config, timedRuns, true);
                }
                int diverge = firstDivergence(eagerTokens, t.tokens);
                double margin = Double.NaN;
                if (diverge >= 0) {
                    model.setAttnImplementation(REFERENCE);
                    float[] logits = eagerLogitsAt(model, promptIds, eagerTokens, diverge);
                    margin = margin(logits, eagerTokens, t.tokens, diverge);
                }
                rows.add(new Row(name, t.prefill, t.decode, t.tokens, tokenizer.decode(t.tokens, true), diverge, margin,
                        MARGIN_TOLERANCE));
            }
            return new Report(prompt, promptIds, maxNewTokens, timedRuns, eagerTokens, tokenizer.decode(eagerTokens, true),
                    rows);
        } finally {
            model.setAttnImplementation(before);
        }
    }

    private record Timed(int[] tokens, double prefill, double decode) {
    }

    /** A short untimed warm-up generation when {@code warm}, then {@code runs} timed ones: median speeds, the last tokens. */
    private static Timed timed(CausalLM model, int[] prompt, GenerationConfig config, int runs, boolean warm) {
        if (warm) {
            Generator.generate(model, prompt, config.withMaxNewTokens(Math.min(WARMUP_TOKENS, config.maxNewTokens())),
                    GenerationListener.NONE);
        }
        double[] prefill = new double[runs];
        double[] decode = new double[runs];
        GenerationResult r = null;
        for (int i = 0; i < runs; i++) {
            r = Generator.generate(model, prompt, config, GenerationListener.NONE);
            prefill[i] = r.prefillTokensPerSecond();
            decode[i] = r.decodeTokensPerSecond();
        }
        return new Timed(r.tokens(), median(prefill), median(decode));
    }

    /** The first index where the sequences differ (a length difference counts at the shorter length), -1 when equal. */
    public static int firstDivergence(int[] reference, int[] other) {
        int n = Math.min(reference.length, other.length);
        for (int i = 0; i < n; i++) {
            if (reference[i] != other[i]) {
                return i;
            }
        }
        return reference.length == other.length ? -1 : n;
    }

    /** Eager's next-token logits after the prompt and its first {@code index} generated tokens. */
    private static float[] eagerLogitsAt(CausalLM model, int[] prompt, int[] eagerTokens, int index) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + index);
        System.arraycopy(eagerTokens, 0, seq, prompt.length, index);
        try (InferenceSession session = model.newSession(seq.length)) {
            return session.append(seq, 0, seq.length).clone(); // only the last position's logits
        }
    }

    /**
     * Eager's logit of its token at {@code index} minus its logit of the other's token there; when
     * one sequence has ended, the top-1/top-2 gap of {@code logits}.
     */
    public static double margin(float[] logits, int[] eagerTokens, int[] otherTokens, int index) {
        if (index < eagerTokens.length && index < otherTokens.length) {
            return (double) logits[eagerTokens[index]] - logits[otherTokens[index]];
        }
        return top2Gap(logits);
    }

    /** Largest logit minus the second largest. */
    public static double top2Gap(float[] logits) {
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (l > first) {
                second = first;
                first = l;
            } else if (l > second) {
                second = l;
            }
        }
        return first - second;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

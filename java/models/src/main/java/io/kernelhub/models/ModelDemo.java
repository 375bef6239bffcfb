package io.kernelhub.models;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Runs the tiny models under several attention implementations, switching at run time on
 * one set of weights, and reports time and agreement with {@code eager}: each row carries the
 * largest |logit difference| against the same model under eager and the tolerance it is held
 * to ({@link #logitTolerance}).
 */
public final class ModelDemo {

    public static final String LLAMA = "tiny-llama";
    public static final String VISION_TEXT = "tiny-vision-text";
    /** Sequences per batch in the demo inputs. */
    public static final int BATCH = 2;
    /** Text tokens per sequence (the composite adds its image positions in front). */
    public static final int TEXT_TOKENS = 128;

    /** The implementation every row is compared with. */
    public static final String REFERENCE = "eager";

    /** Tolerance of f32 logits: both sides accumulate in f32 or better, only summation order differs. */
    public static final double F32_LOGIT_TOLERANCE = 1e-4;

    private ModelDemo() {
    }

    /**
     * Runs the tiny Llama and the vision+text composite under each implementation (switching at
     * run time, weights loaded once), returns one row per (model, impl) including a per-backbone
     * mixed selection row for the composite like "vision=sdpa,text=eager". millis = median
     * forward time over {@code iters} runs after a few warm-up runs.
     *
     * <p>The mixed row puts the last listed implementation on the vision backbone and the first
     * on the text backbone ({@code eager} when only one name is listed); it is left out when
     * both would be {@code eager}.
     *
     * @throws IllegalArgumentException for an empty list, iters &lt; 1, or a name the global registry does not know
     */
    public static List<DemoRow> run(List<String> implementations, long seed, int iters) {
        return run(implementations, seed, iters, AttentionInterface.global());
    }

    /** {@link #run(List, long, int)} resolving names through the given registry. */
    public static List<DemoRow> run(List<String> implementations, long seed, int iters, AttentionInterface registry) {
        Objects.requireNonNull(implementations, "implementations");
        List<String> names = List.copyOf(new LinkedHashSet<>(implementations));
        if (names.isEmpty()) {
            throw new IllegalArgumentException("name at least one attention implementation, e.g. eager, sdpa");
        }
        if (iters < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iters);
        }
        List<DemoRow> rows = new ArrayList<>();

        LlamaModel llama = new LlamaModel(LlamaConfig.tiny().withAttnImplementation(REFERENCE), seed, registry);
        int[][] tokens = randomTokens(seed + 1, BATCH, TEXT_TOKENS, llama.config().vocabSize());
        Logits llamaReference = llama.forward(tokens);
        double llamaTolerance = logitTolerance(llama.config().dtype(), llamaReference);
        for (String name : names) {
            llama.setAttnImplementation(name);
            rows.add(measure(LLAMA, name, () -> llama.forward(tokens), llamaReference, llamaTolerance, iters));
        }

        VisionTextConfig vtConfig = VisionTextConfig.tiny().withAttnImplementation(REFERENCE);
        VisionTextModel composite = new VisionTextModel(vtConfig, seed, registry);
        float[][] images = VisionTextModel.randomImages(vtConfig.vision(), BATCH, seed + 2);
        Logits compositeReference = composite.forward(images, tokens);
        DType compositeDtype = lowest(vtConfig.vision().dtype(), vtConfig.text().dtype());
        double compositeTolerance = logitTolerance(compositeDtype, compositeReference);
        for (String name : names) {
            composite.setAttnImplementation(name);
            rows.add(measure(VISION_TEXT, name, () -> composite.forward(images, tokens), compositeReference,
                    compositeTolerance, iters));
        }
        String visionImpl = names.getLast();
        String textImpl = names.size() > 1 ? names.getFirst() : REFERENCE;
        if (!(visionImpl.equals(REFERENCE) && textImpl.equals(REFERENCE))) {
            Map<String, String> mixed = new LinkedHashMap<>();
            mixed.put(VisionTextConfig.VISION, visionImpl);
            mixed.put(VisionTextConfig.TEXT, textImpl);
            composite.setAttnImplementation(mixed);
            String label = VisionTextConfig.VISION + "=" + visionImpl + "," + VisionTextConfig.TEXT + "=" + textImpl;
            rows.add(measure(VISION_TEXT, label, () -> composite.forward(images, tokens), compositeReference,
                    compositeTolerance, iters));
        }
        return rows;
    }

    /**
     * How far a correct implementation's logits may be from eager's on the same weights. f32:
     * {@value #F32_LOGIT_TOLERANCE} (measured differences are about 1e-6 on logits of magnitude
     * about 4; a wrong mask, head or position moves them by O(1)). f16/bf16, where eager rounds
     * scores and probabilities like a framework and others need not: 8 unit roundoffs of the
     * dtype times the largest |logit| (about 1 is measured).
     */
    public static double logitTolerance(DType attentionDtype, Logits reference) {
        return attentionDtype == DType.F32 ? F32_LOGIT_TOLERANCE : 8 * attentionDtype.unitRoundoff() * reference.maxAbs();
    }

    /** The dtype with the coarsest rounding of the two. */
    private static DType lowest(DType a, DType b) {
        return a.unitRoundoff() >= b.unitRoundoff() ? a : b;
    }

    /** Untimed passes that let the JIT compile the implementation's hot loops before timing. */
    static final int WARMUP_PASSES = 5;

    /**
     * Warm-up passes (the first one's logits are compared), then the median of {@code iters}
     * timed passes. Without a few warm-up passes the first implementation measured would pay the
     * JIT's compile time and look slower than it is.
     */
    private static DemoRow measure(String model, String label, Supplier<Logits> forward, Logits reference, double tolerance,
            int iters) {
        Logits warm = forward.get();
        double diff = warm.errorVs(reference).maxAbs();
        for (int i = 1; i < WARMUP_PASSES; i++) {
            forward.get();
        }
        double[] millis = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            forward.get();
            millis[i] = (System.nanoTime() - t0) / 1e6;
        }
        return new DemoRow(model, label, median(millis), diff, tolerance);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Seeded token ids, uniform over the vocabulary. */
    public static int[][] randomTokens(long seed, int batch, int seq, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] ids = new int[batch][seq];
        for (int[] row : ids) {
            for (int s = 0; s < seq; s++) {
                row[s] = random.nextInt(vocab);
            }
        }
        return ids;
    }
}

package io.kernelhub.models;

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
 * one set of weights, and reports time and agreement with {@code eager}.
 */
public final class ModelDemo {

    public static final String LLAMA = "tiny-llama";
    public static final String VISION_TEXT = "tiny-vision-text";
    /** Sequences per batch in the demo inputs. */
    public static final int BATCH = 2;
    /** Text tokens per sequence (the composite adds its image positions in front). */
    public static final int TEXT_TOKENS = 128;

    private static final String REFERENCE = "eager";

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
        for (String name : names) {
            llama.setAttnImplementation(name);
            rows.add(measure(LLAMA, name, () -> llama.forward(tokens), llamaReference, iters));
        }

        VisionTextConfig vtConfig = VisionTextConfig.tiny().withAttnImplementation(REFERENCE);
        VisionTextModel composite = new VisionTextModel(vtConfig, seed, registry);
        float[][] images = VisionTextModel.randomImages(vtConfig.vision(), BATCH, seed + 2);
        Logits compositeReference = composite.forward(images, tokens);
        for (String name : names) {
            composite.setAttnImplementation(name);
            rows.add(measure(VISION_TEXT, name, () -> composite.forward(images, tokens), compositeReference, iters));
        }
        String visionImpl = names.getLast();
        String textImpl = names.size() > 1 ? names.getFirst() : REFERENCE;
        if (!(visionImpl.equals(REFERENCE) && textImpl.equals(REFERENCE))) {
            Map<String, String> mixed = new LinkedHashMap<>();
            mixed.put(VisionTextConfig.VISION, visionImpl);
            mixed.put(VisionTextConfig.TEXT, textImpl);
            composite.setAttnImplementation(mixed);
            String label = VisionTextConfig.VISION + "=" + visionImpl + "," + VisionTextConfig.TEXT + "=" + textImpl;
            rows.add(measure(VISION_TEXT, label, () -> composite.forward(images, tokens), compositeReference, iters));
        }
        return rows;
    }

    /** Untimed passes that let the JIT compile the implementation's hot loops before timing. */
    static final int WARMUP_PASSES = 5;

    /**
     * Warm-up passes (the first one's logits are compared), then the median of {@code iters}
     * timed passes. Without a few warm-up passes the first implementation measured would pay the
     * JIT's compile time and look slower than it is.
     */
    private static DemoRow measure(String model, String label, Supplier<Logits> forward, Logits reference, int iters) {
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
        return new DemoRow(model, label, median(millis), diff);
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

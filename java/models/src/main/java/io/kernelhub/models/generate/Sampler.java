package io.kernelhub.models.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks next tokens from logits, with transformers' processing order: repetition penalty, then
 * temperature, top-k and top-p, then a draw (or argmax). All scratch is allocated once per
 * generation (vocabulary-sized), so a step allocates nothing; the penalty's "already seen" set is
 * kept incrementally instead of being rebuilt from the sequence each step.
 */
final class Sampler {

    private final GenerationConfig config;
    private final SplittableRandom random;
    private final boolean[] seen;
    private final float[] scores;
    private final long[] order;
    private final double[] probs;

    Sampler(GenerationConfig config, int vocab) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.seen = new boolean[vocab];
        this.scores = new float[vocab];
        this.order = new long[vocab];
        this.probs = new double[vocab];
    }

    /** Marks a token as part of the sequence (prompt or generated) for the repetition penalty. */
    void observe(int token) {
        seen[token] = true;
    }

    /** The next token from {@code logits} (not modified). */
    int next(float[] logits) {
        int v = scores.length;
        System.arraycopy(logits, 0, scores, 0, v);
        double penalty = config.repetitionPenalty();
        if (penalty != 1.0) {
            for (int i = 0; i < v; i++) {
                if (seen[i]) {
                    scores[i] = (float) (scores[i] < 0 ? scores[i] * penalty : scores[i] / penalty);
                }
            }
        }
        return switch (config.sampling()) {
            case Sampling.Greedy g -> argmax(scores);
            case Sampling.Sample s -> sample(s);
        };
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    private int sample(Sampling.Sample s) {
        int v = scores.length;
        float t = (float) s.temperature();
        // order holds (score as sortable bits, id) so one primitive sort ranks the vocabulary
        for (int i = 0; i < v; i++) {
            float score = scores[i] / t;
            order[i] = ((long) sortable(score) << 32) | i;
        }
        Arrays.sort(order, 0, v); // ascending
        int keepFrom = 0; // ranks [keepFrom, v) survive
        if (s.topK() > 0 && s.topK() < v) {
            keepFrom = v - s.topK();
            float kth = score(order[keepFrom]);
            while (keepFrom > 0 && score(order[keepFrom - 1]) == kth) {
                keepFrom--; // ties with the k-th score stay, as transformers' threshold comparison keeps them
            }
        }
        double max = score(order[v - 1]);
        double total = 0;
        for (int r = keepFrom; r < v; r++) {
            probs[r] = Math.exp(score(order[r]) - max);
            total += probs[r];
        }
        if (s.topP() < 1.0) {
            // drop the least likely tokens while their cumulative probability stays <= 1 - top_p
            double cum = 0;
            double limit = (1.0 - s.topP()) * total;
            int r = keepFrom;
            while (r < v - 1 && cum + probs[r] <= limit) {
                cum += probs[r];
                r++;
            }
            total -= cum;
            keepFrom = r;
        }
        double u = random.nextDouble() * total;
        for (int r = v - 1; r >= keepFrom; r--) {
            u -= probs[r];
            if (u < 0) {
                return (int) order[r];
            }
        }
        return (int) order[keepFrom];
    }

    private static float score(long packed) {
        int key = (int) (packed >>> 32);
        return Float.intBitsToFloat(key >= 0 ? key : key ^ 0x7fffffff);
    }

    /** Float bits mapped so that signed int order equals float order. */
    private static int sortable(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fffffff; // negative floats: larger magnitude, smaller key
    }
}

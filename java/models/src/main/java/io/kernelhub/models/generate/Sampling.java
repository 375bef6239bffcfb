package io.kernelhub.models.generate;

/** How the next token is picked from the logits: a closed set. */
public sealed interface Sampling {

    /** The most likely token (the first one on ties, as {@code argmax}). */
    record Greedy() implements Sampling {
    }

    /**
     * A random token from the softmax of the logits divided by {@code temperature}, restricted to
     * the {@code topK} most likely tokens (0 = no limit) and then to the smallest set whose
     * probability reaches {@code topP} (1 = no limit), in that order, as transformers' warpers.
     */
    record Sample(double temperature, int topK, double topP) implements Sampling {
        public Sample {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature
                        + " (use greedy decoding for temperature 0)");
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0 (0 = no limit), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
        }
    }
}

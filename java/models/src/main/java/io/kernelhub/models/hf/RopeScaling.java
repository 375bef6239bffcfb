package io.kernelhub.models.hf;

/**
 * How a checkpoint stretches rotary position embeddings beyond its training length
 * ({@code rope_scaling} in config.json). Closed set: a type kernelhub does not implement is
 * refused when the config is read, never silently ignored.
 */
public sealed interface RopeScaling {

    /** Plain RoPE: {@code inv_freq[i] = theta^(-2i/d)}. */
    record None() implements RopeScaling {
    }

    /**
     * Llama 3.1's frequency-dependent scaling: long wavelengths are divided by {@code factor},
     * short ones kept, and the band between blended smoothly.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
        public Llama3 {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions < 1) {
                throw new IllegalArgumentException("llama3 rope_scaling needs factor > 0, 0 < low_freq_factor < "
                        + "high_freq_factor and original_max_position_embeddings >= 1; got factor " + factor
                        + ", low_freq_factor " + lowFreqFactor + ", high_freq_factor " + highFreqFactor
                        + ", original_max_position_embeddings " + originalMaxPositions);
            }
        }
    }

    /**
     * The rotary inverse frequencies of one head ({@code headDim / 2} values), in double: RoPE
     * tables are built from them once per model.
     */
    default double[] inverseFrequencies(int headDim, double theta) {
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        if (this instanceof Llama3 s) {
            double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
            double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowFreqWavelen) {
                    inv[i] = inv[i] / s.factor(); // long wavelengths: interpolate
                } else if (wavelen >= highFreqWavelen) {
                    // the band between: blend the interpolated and the original frequency
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
                }
            }
        }
        return inv;
    }
}

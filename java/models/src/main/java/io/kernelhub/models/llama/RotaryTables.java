package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.models.compute.Rounding;
import io.kernelhub.models.hf.LlamaCheckpointConfig;

/**
 * Rotary position embedding as Hugging Face's Llama applies it: {@code x * cos + rotate_half(x)
 * * sin}, where {@code rotate_half} swaps the two halves of the head dimension and negates the
 * new first half, and cos/sin repeat each frequency for both halves. The angles are computed in
 * double (closer to the exact value than PyTorch's f32 products), rounded to f32 as PyTorch's
 * tables are, then to the compute dtype, as {@code cos.to(x.dtype)} does; each product and the
 * sum are rounded to the compute dtype. Tables are filled per chunk of positions, so a model
 * with a 128k context holds no 128k-row table.
 */
final class RotaryTables {

    private final double[] inverseFrequencies;
    private final int half;
    private final DType dtype;

    RotaryTables(LlamaCheckpointConfig c, DType dtype) {
        this.inverseFrequencies = c.ropeScaling().inverseFrequencies(c.headDim(), c.ropeTheta());
        this.half = c.headDim() / 2;
        this.dtype = dtype;
    }

    /** Fills cos/sin [count][headDim / 2] for positions {@code first .. first + count - 1}. */
    void fill(int first, int count, float[] cos, float[] sin) {
        for (int r = 0; r < count; r++) {
            double pos = first + r;
            for (int i = 0; i < half; i++) {
                double angle = pos * inverseFrequencies[i];
                cos[r * half + i] = Rounding.round((float) Math.cos(angle), dtype);
                sin[r * half + i] = Rounding.round((float) Math.sin(angle), dtype);
            }
        }
    }

    /** Rotates {@code rows} rows of {@code heads} heads in place, row r at position table row r. */
    void apply(float[] x, int rows, int heads, int headDim, float[] cos, float[] sin) {
        for (int r = 0; r < rows; r++) {
            int t = r * half;
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float x1 = x[base + i];
                    float x2 = x[base + half + i];
                    float c = cos[t + i];
                    float s = sin[t + i];
                    x[base + i] = r(r(x1 * c) + r(-x2 * s));
                    x[base + half + i] = r(r(x2 * c) + r(x1 * s));
                }
            }
        }
    }

    private float r(float v) {
        return Rounding.round(v, dtype);
    }
}

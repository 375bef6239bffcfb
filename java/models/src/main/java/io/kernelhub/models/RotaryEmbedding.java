package io.kernelhub.models;

/**
 * Rotary position embedding (RoPE), Llama's "rotate half" layout: dimension i pairs with
 * i + d/2 and the pair is rotated by angle position * theta^(-2i/d). Rotating q and k by their
 * positions makes q·k depend only on the distance between them. Angles are tabulated in
 * double once per model.
 */
public final class RotaryEmbedding {

    private final int headDim;
    private final int maxPositions;
    private final float[] cos;
    private final float[] sin;

    public RotaryEmbedding(int headDim, int maxPositions, double theta) {
        if (headDim < 2 || headDim % 2 != 0 || maxPositions < 1 || !(theta > 0)) {
            throw new IllegalArgumentException("rope needs an even head dim >= 2, positions >= 1 and theta > 0; got "
                    + headDim + ", " + maxPositions + ", " + theta);
        }
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        int half = headDim / 2;
        this.cos = new float[maxPositions * half];
        this.sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(theta, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int headDim() {
        return headDim;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Rotates the head vector {@code x[offset .. offset + headDim)} in place for a position. */
    public void rotate(float[] x, int offset, int position) {
        if (position < 0 || position >= maxPositions) {
            throw new IllegalArgumentException("position " + position + " outside 0.." + (maxPositions - 1));
        }
        int half = headDim / 2;
        int t = position * half;
        for (int i = 0; i < half; i++) {
            float a = x[offset + i];
            float b = x[offset + half + i];
            float c = cos[t + i];
            float s = sin[t + i];
            x[offset + i] = a * c - b * s;
            x[offset + half + i] = b * c + a * s;
        }
    }

    /** Rotates every head of a [batch, seq, heads, headDim] array; token s of each sequence is at position s. */
    void rotateAll(float[] x, int batch, int seq, int heads) {
        if (seq > maxPositions) {
            throw new IllegalArgumentException("sequence of " + seq + " positions exceeds the model's maximum of "
                    + maxPositions);
        }
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                for (int h = 0; h < heads; h++) {
                    rotate(x, ((b * seq + s) * heads + h) * headDim, s);
                }
            }
        }
    }
}

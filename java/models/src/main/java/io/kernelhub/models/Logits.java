package io.kernelhub.models;

import io.kernelhub.core.ErrorStats;
import java.util.Arrays;

/**
 * Next-token logits, row-major [batch][seq][vocab] in one array. The array is the record's own
 * (not copied), so treat it as read-only. Equality compares the values, not the array identity.
 */
public record Logits(int batch, int seq, int vocab, float[] values) {

    public Logits {
        if (batch < 0 || seq < 0 || vocab < 1 || values == null || values.length != batch * seq * vocab) {
            throw new IllegalArgumentException("logits " + batch + " x " + seq + " x " + vocab + " need that many values");
        }
    }

    public float get(int b, int s, int v) {
        if (b < 0 || b >= batch || s < 0 || s >= seq || v < 0 || v >= vocab) {
            throw new IndexOutOfBoundsException("[" + b + ", " + s + ", " + v + "] outside " + batch + " x " + seq
                    + " x " + vocab);
        }
        return values[(b * seq + s) * vocab + v];
    }

    /** A copy of one position's logits. */
    public float[] row(int b, int s) {
        float[] out = new float[vocab];
        System.arraycopy(values, (b * seq + s) * vocab, out, 0, vocab);
        return out;
    }

    /** A nested copy, float[batch][seq][vocab]. */
    public float[][][] toArray() {
        float[][][] out = new float[batch][seq][];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                out[b][s] = row(b, s);
            }
        }
        return out;
    }

    /** Elementwise error of these logits against expected ones of the same shape. */
    public ErrorStats errorVs(Logits expected) {
        if (batch != expected.batch || seq != expected.seq || vocab != expected.vocab) {
            throw new IllegalArgumentException("cannot compare logits " + batch + "x" + seq + "x" + vocab + " with "
                    + expected.batch + "x" + expected.seq + "x" + expected.vocab);
        }
        return ErrorStats.between(values, expected.values);
    }

    /** Largest |value|: the scale relative tolerances are taken against. */
    public float maxAbs() {
        float m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Logits other && batch == other.batch && seq == other.seq && vocab == other.vocab
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * batch + seq) + vocab) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Logits[" + batch + " x " + seq + " x " + vocab + ", max |value| " + maxAbs() + "]";
    }
}

package io.kernelhub.core;

import java.util.Arrays;

/**
 * Elementwise error of an actual tensor against an expected one. NaN or infinite values in
 * either tensor are counted separately and make {@link #maxAbs()} infinite, so a broken
 * result can never look accurate.
 */
public record ErrorStats(double maxAbs, double meanAbs, double maxRel, long count, long nonFinite) {

    public static ErrorStats between(Tensor actual, Tensor expected) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            throw new IllegalArgumentException("cannot compare shape " + Arrays.toString(actual.shape())
                    + " with " + Arrays.toString(expected.shape()));
        }
        return between(actual.toFloatArray(), expected.toFloatArray());
    }

    public static ErrorStats between(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("cannot compare " + actual.length + " values with " + expected.length);
        }
        double max = 0;
        double sum = 0;
        double maxRel = 0;
        long nonFinite = 0;
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i];
            float e = expected[i];
            if (!Float.isFinite(a) || !Float.isFinite(e)) {
                // equal infinities (e.g. LSE = -inf of a fully masked row) are a match
                if (a == e) {
                    continue;
                }
                nonFinite++;
                continue;
            }
            double d = Math.abs((double) a - e);
            max = Math.max(max, d);
            sum += d;
            if (e != 0) {
                maxRel = Math.max(maxRel, d / Math.abs(e));
            }
        }
        if (nonFinite > 0) {
            max = Double.POSITIVE_INFINITY;
        }
        return new ErrorStats(max, actual.length == 0 ? 0 : sum / actual.length, maxRel, actual.length, nonFinite);
    }
}

package io.kernelhub.models;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Named float[] weights generated from one seed. Each parameter draws from its own stream,
 * seeded by the model seed and the parameter's name, so a weight does not depend on the order
 * in which layers are built, and the same (seed, name) gives the same values everywhere.
 */
final class ParameterStore {

    private final long seed;
    private final Map<String, float[]> parameters = new LinkedHashMap<>();

    ParameterStore(long seed) {
        this.seed = seed;
    }

    /** Values drawn from N(mean, std^2). */
    float[] normal(String name, int n, double mean, double std) {
        SplittableRandom random = new SplittableRandom(seed ^ fnv1a(name));
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (mean + std * random.nextGaussian());
        }
        return add(name, values);
    }

    /** Values drawn from N(0, 1/fanIn): keeps activations O(1) through a linear layer. */
    float[] scaled(String name, int n, int fanIn) {
        return normal(name, n, 0, 1 / Math.sqrt(fanIn));
    }

    private float[] add(String name, float[] values) {
        if (parameters.putIfAbsent(name, values) != null) {
            throw new IllegalStateException("parameter '" + name + "' defined twice");
        }
        return values;
    }

    /** Live, read-only view in definition order; the arrays are the model's own weights. */
    Map<String, float[]> view() {
        return Collections.unmodifiableMap(parameters);
    }

    /** A content checksum over names and values (bit patterns), for "weights unchanged" checks. */
    static long checksum(Map<String, float[]> parameters) {
        long h = 0xcbf29ce484222325L;
        for (Map.Entry<String, float[]> e : parameters.entrySet()) {
            h = h * 31 + fnv1a(e.getKey());
            for (float v : e.getValue()) {
                h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
            }
        }
        return h;
    }

    private static long fnv1a(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }
}

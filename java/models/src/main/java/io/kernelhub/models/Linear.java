package io.kernelhub.models;

import java.util.stream.IntStream;

/**
 * y = x W + b on row-major float[] activations. W is stored [in][out] so the inner loop runs
 * i-k-j: it streams one row of W and one row of y, which the JIT turns into SIMD code. Large
 * products split their rows across cores.
 */
final class Linear {

    /** Below this many multiply-adds a product stays on the calling thread. */
    private static final long PARALLEL_WORK = 1L << 18;

    private final int in;
    private final int out;
    private final float[] weight;
    private final float[] bias;

    Linear(int in, int out, float[] weight, float[] bias) {
        if (in < 1 || out < 1 || weight.length != in * out || (bias != null && bias.length != out)) {
            throw new IllegalArgumentException("linear " + in + " -> " + out + " needs " + in * out
                    + " weights and " + out + " biases");
        }
        this.in = in;
        this.out = out;
        this.weight = weight;
        this.bias = bias;
    }

    /** A seeded layer: weights N(0, 1/in), optional bias N(0, 0.02^2). */
    static Linear create(ParameterStore store, String name, int in, int out, boolean withBias) {
        float[] w = store.scaled(name + ".weight", in * out, in);
        float[] b = withBias ? store.normal(name + ".bias", out, 0, 0.02) : null;
        return new Linear(in, out, w, b);
    }

    int in() {
        return in;
    }

    int out() {
        return out;
    }

    /** Applies the layer to {@code rows} rows of {@code in} values; returns rows x out. */
    float[] apply(float[] x, int rows) {
        if (x.length != rows * in) {
            throw new IllegalArgumentException("linear expects " + rows + " x " + in + " inputs, got " + x.length);
        }
        float[] y = new float[rows * out];
        if ((long) rows * in * out < PARALLEL_WORK || rows < 2) {
            rows(x, y, 0, rows);
        } else {
            int chunks = Math.min(rows, 4 * Runtime.getRuntime().availableProcessors());
            int per = (rows + chunks - 1) / chunks;
            IntStream.range(0, (rows + per - 1) / per).parallel()
                    .forEach(c -> rows(x, y, c * per, Math.min(rows, (c + 1) * per)));
        }
        return y;
    }

    private void rows(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            int yo = i * out;
            if (bias != null) {
                System.arraycopy(bias, 0, y, yo, out);
            }
            int xo = i * in;
            for (int k = 0; k < in; k++) {
                float a = x[xo + k];
                int wo = k * out;
                for (int j = 0; j < out; j++) {
                    y[yo + j] += a * weight[wo + j];
                }
            }
        }
    }
}

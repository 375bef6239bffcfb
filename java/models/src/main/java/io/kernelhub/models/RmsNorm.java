package io.kernelhub.models;

/** Root-mean-square norm (Llama): x / sqrt(mean(x^2) + eps) * weight, no centring, no bias. */
final class RmsNorm {

    private final float[] weight;
    private final float eps;

    RmsNorm(ParameterStore store, String name, int dim, double eps) {
        // near-one weights rather than exact ones, so the tests exercise the scale too
        this.weight = store.normal(name + ".weight", dim, 1, 0.1);
        this.eps = (float) eps;
    }

    float[] apply(float[] x, int rows) {
        int dim = weight.length;
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            double sumSq = 0;
            for (int i = 0; i < dim; i++) {
                sumSq += x[o + i] * x[o + i];
            }
            float inv = (float) (1 / Math.sqrt(sumSq / dim + eps));
            for (int i = 0; i < dim; i++) {
                y[o + i] = x[o + i] * inv * weight[i];
            }
        }
        return y;
    }
}

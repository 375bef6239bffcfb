package io.kernelhub.models;

/** Layer norm (ViT): (x - mean) / sqrt(var + eps) * weight + bias. */
final class LayerNorm {

    private final float[] weight;
    private final float[] bias;
    private final float eps;

    LayerNorm(ParameterStore store, String name, int dim, double eps) {
        this.weight = store.normal(name + ".weight", dim, 1, 0.1);
        this.bias = store.normal(name + ".bias", dim, 0, 0.02);
        this.eps = (float) eps;
    }

    float[] apply(float[] x, int rows) {
        int dim = weight.length;
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += x[o + i];
            }
            double mean = sum / dim;
            double var = 0;
            for (int i = 0; i < dim; i++) {
                double d = x[o + i] - mean;
                var += d * d;
            }
            float inv = (float) (1 / Math.sqrt(var / dim + eps));
            float m = (float) mean;
            for (int i = 0; i < dim; i++) {
                y[o + i] = (x[o + i] - m) * inv * weight[i] + bias[i];
            }
        }
        return y;
    }
}

package io.kernelhub.models;

/** Elementwise activations, in place. */
final class Activations {

    private Activations() {
    }

    /** SwiGLU's gate: gate = silu(gate) * up, written into {@code gate}. */
    static void siluMul(float[] gate, float[] up) {
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g / (1 + (float) Math.exp(-g)) * up[i];
        }
    }

    /** GELU, tanh approximation (as ViT/CLIP checkpoints use). */
    static void gelu(float[] x) {
        final float c = (float) Math.sqrt(2 / Math.PI);
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1 + (float) Math.tanh(c * (v + 0.044715f * v * v * v)));
        }
    }
}

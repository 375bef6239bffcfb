package io.kernelhub.models.compute;

import java.util.Locale;

/**
 * Picks the matmul provider once per JVM, like sdpa's tile kernels: the Vector API one when the
 * incubator module is enabled and vectors are 256 to 512 bits, else the scalar one. The
 * property {@value #PROPERTY} ({@code scalar} or {@code vector}) forces a choice.
 */
final class MatMulKernelsSelector {

    static final String PROPERTY = "kernelhub.models.kernels";
    static final MatMulKernels SELECTED;

    static {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        String why = forced.equals("scalar") ? "forced scalar" : vectorUnavailableReason();
        if (why == null) {
            SELECTED = new VectorMatMulKernels();
        } else if (forced.equals("vector")) {
            throw new IllegalStateException("-D" + PROPERTY + "=vector was requested but " + why);
        } else {
            SELECTED = new ScalarMatMulKernels();
        }
    }

    private MatMulKernelsSelector() {
    }

    private static String vectorUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not enabled";
        }
        try {
            int bits = VectorMatMulKernels.preferredBits();
            // 256 to 512 bits: the lane-sum tree covers up to 16 float lanes
            return bits >= 256 && bits <= 512 ? null : "the CPU's preferred vector size is " + bits
                    + " bits (the vector kernels take 256 to 512)";
        } catch (LinkageError e) {
            return "the Vector API failed to load: " + e;
        }
    }
}

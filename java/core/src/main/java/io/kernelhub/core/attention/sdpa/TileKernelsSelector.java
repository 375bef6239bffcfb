package io.kernelhub.core.attention.sdpa;

import java.util.Locale;

/** Picks the tile-kernel provider once per JVM; the reason for the choice is kept for {@code doctor}. */
final class TileKernelsSelector {

    static final String PROPERTY = "kernelhub.sdpa.kernels";
    static final TileKernels SELECTED;
    static final String REASON;

    static {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        TileKernels chosen;
        String reason;
        if (forced.equals("scalar")) {
            chosen = new ScalarTileKernels();
            reason = "forced by -D" + PROPERTY + "=scalar";
        } else {
            String why = vectorUnavailableReason();
            if (why == null) {
                chosen = VectorTileKernels.create();
                reason = "Vector API with " + ((VectorTileKernels) chosen).lanes() + " float lanes";
            } else if (forced.equals("vector")) {
                throw new IllegalStateException("-D" + PROPERTY + "=vector was requested but " + why);
            } else {
                chosen = new ScalarTileKernels();
                reason = "scalar because " + why;
            }
        }
        SELECTED = chosen;
        REASON = reason;
    }

    private TileKernelsSelector() {
    }

    private static String vectorUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not enabled (run java with --add-modules jdk.incubator.vector)";
        }
        try {
            int bits = VectorTileKernels.preferredBits();
            if (bits < 256) {
                return "the CPU's preferred vector size is " + bits + " bits (need >= 256)";
            }
        } catch (LinkageError e) {
            return "the Vector API failed to load: " + e;
        }
        return null;
    }

    static String reason() {
        return REASON;
    }
}

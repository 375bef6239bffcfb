package io.kernelhub.cli;

/**
 * The geometry and masking options of one {@code kernelhub attend} call, validated.
 *
 * @param windowLeft  -1 = unlimited (also when no window was given)
 * @param windowRight -1 = unlimited
 * @param window      true when --window was given
 */
record AttendShape(int batch, int headsQ, int headsKv, int seqQ, int seqK, int headDim,
                   boolean causal, boolean window, int windowLeft, int windowRight, float softcap, boolean varlen) {

    AttendShape {
        positive("--batch", batch);
        positive("--heads", headsQ);
        positive("--kv-heads", headsKv);
        positive("--seq-q", seqQ);
        positive("--seq-k", seqK);
        positive("--head-dim", headDim);
        if (headsQ % headsKv != 0) {
            throw new IllegalArgumentException("--heads (" + headsQ + ") must be a multiple of --kv-heads (" + headsKv
                    + ") for grouped-query attention");
        }
        if (!Float.isFinite(softcap) || softcap < 0) {
            throw new IllegalArgumentException("--softcap must be a finite number >= 0 (0 = off), got " + softcap);
        }
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + value);
        }
    }
}

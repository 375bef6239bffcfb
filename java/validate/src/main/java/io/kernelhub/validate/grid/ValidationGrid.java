package io.kernelhub.validate.grid;

import io.kernelhub.core.DType;
import io.kernelhub.validate.grid.ValidationCase.Heads;
import io.kernelhub.validate.grid.ValidationCase.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * FlashAttention's test grid, as kernelhub sweeps it: head dims (including odd ones such as 40,
 * 80, 111), sequence-length pairs from its tests (one query against many keys, odd lengths,
 * swapped lengths, long keys), causal and not, every requested dtype; and across the cases, in a
 * fixed rotation, every feature: GQA and MQA, strided, padded and packed (varlen) layouts,
 * sliding windows, softcap and the LSE output. The same arguments always give the same cases.
 */
public final class ValidationGrid {

    /** Grid sizes. */
    public enum Size {
        /** about 150 cases per dtype set: minutes on a CPU, for CI */
        QUICK,
        /** the full sweep: for GPU runners and before publishing */
        FULL;

        public static Size parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--grid must be quick or full, got '" + s + "'");
            }
        }
    }

    static final int[] QUICK_DIMS = {32, 64, 80, 128, 256};
    static final int[][] QUICK_SEQS = {{1, 239}, {113, 203}, {128, 128}, {239, 1}, {1023, 1024}};
    static final int[] FULL_DIMS = {32, 40, 59, 64, 80, 96, 111, 128, 160, 192, 224, 256};
    static final int[][] FULL_SEQS = {{1, 239}, {3, 799}, {127, 512}, {127, 513}, {113, 203}, {128, 217}, {113, 211},
            {108, 256}, {256, 512}, {512, 256}, {1024, 1024}, {1023, 1024}, {1024, 1023}, {2048, 2048}, {16, 8192},
            {8192, 16}};

    private ValidationGrid() {}

    public static List<ValidationCase> cases(Size size, List<DType> dtypes, long seed) {
        int[] dims = size == Size.QUICK ? QUICK_DIMS : FULL_DIMS;
        int[][] seqs = size == Size.QUICK ? QUICK_SEQS : FULL_SEQS;
        List<ValidationCase> out = new ArrayList<>();
        int i = 0;
        for (int d : dims) {
            for (int[] s : seqs) {
                if (size == Size.QUICK && s[0] * s[1] > 500_000 && d != 64 && d != 128) {
                    continue; // the long pair only at the common head dims: the f64 reference is slow on CPUs
                }
                for (boolean causal : new boolean[] {false, true}) {
                    for (DType dt : dtypes) {
                        out.add(make(i++, dt, d, s[0], s[1], causal, seed));
                    }
                }
            }
        }
        return out;
    }

    /** Features by rotation: over any 12 consecutive cases each combination of heads x layout appears. */
    static ValidationCase make(int i, DType dt, int d, int sq, int sk, boolean causal, long seed) {
        Heads heads = Heads.values()[i % 3];
        Layout layout = Layout.values()[(i / 3) % 4];
        int left = -1, right = -1;
        switch (i % 5) {
            case 1 -> left = Math.max(0, sk / 4);
            case 3 -> {
                if (causal) left = Math.max(1, sk / 2);
                else right = Math.max(0, sk / 3);
            }
            case 4 -> {
                if (!causal) {
                    left = Math.max(0, sk / 8);
                    right = Math.max(0, sk / 8);
                }
            }
            default -> { }
        }
        float softcap = i % 4 == 2 ? 30f : 0f;
        boolean lse = i % 2 == 0;
        return new ValidationCase(i, dt, d, sq, sk, causal, heads, layout, left, right, softcap, lse,
                seed * 1_000_003L + i * 7919L);
    }
}

package io.kernelhub.models.compute;

import io.kernelhub.core.DType;

/**
 * Several {@code y = x W^T + b} products over the same activations, run as one parallel loop on
 * a {@link ThreadTeam} (q/k/v together, gate/up together: one hand-off instead of three). The
 * work is cut into tiles of weight rows x activation rows sized for the caches: a decode step
 * (one activation row) splits only the weight rows, so every thread streams its own share of
 * the weights; a prefill chunk also splits the activation rows so a tile's weights and
 * activations stay in L2. Each tile adds its bias and rounds to the compute dtype while it is
 * still in cache.
 */
public final class ParallelLinear {

    /** Weight rows per tile: 64 rows of a 2048-wide bf16 matrix are 256 KiB. */
    private static final int WEIGHT_ROWS = 64;
    /** Activation rows per tile in a prefill. */
    private static final int ACTIVATION_ROWS = 32;

    private final ThreadTeam team;
    private final MatMulKernels kernels;

    public ParallelLinear(ThreadTeam team, MatMulKernels kernels) {
        this.team = team;
        this.kernels = kernels;
    }

    /** The kernels in use. */
    public MatMulKernels kernels() {
        return kernels;
    }

    /**
     * For each matrix i of {@code p}: {@code outs[i][r * rows_i + o] = round(sum_k x[r * in + k] * w_i[o, k] + bias_i[o])}
     * for the first {@code rows} activation rows.
     */
    public void apply(float[] x, int rows, Projection p, float[][] outs, DType round) {
        WeightMatrix[] ws = p.matrices();
        float[][] biases = p.biases();
        int rBlocks = (rows + ACTIVATION_ROWS - 1) / ACTIVATION_ROWS;
        int total = 0;
        for (WeightMatrix w : ws) {
            total += blocks(w) * rBlocks;
        }
        team.run(total, t -> {
            int m = 0;
            int first = t;
            while (first >= blocks(ws[m]) * rBlocks) {
                first -= blocks(ws[m]) * rBlocks;
                m++;
            }
            WeightMatrix w = ws[m];
            int oBlock = first / rBlocks;
            int rBlock = first % rBlocks;
            int oFrom = oBlock * WEIGHT_ROWS;
            int oTo = Math.min(w.rows(), oFrom + WEIGHT_ROWS);
            int rFrom = rBlock * ACTIVATION_ROWS;
            int rCount = Math.min(rows, rFrom + ACTIVATION_ROWS) - rFrom;
            float[] y = outs[m];
            int out = w.rows();
            kernels.matmul(x, rFrom * w.cols(), rCount, w, oFrom, oTo, y, rFrom * out, out);
            float[] b = biases[m];
            for (int r = rFrom; r < rFrom + rCount; r++) {
                int yo = r * out;
                if (b != null) {
                    for (int o = oFrom; o < oTo; o++) {
                        y[yo + o] += b[o];
                    }
                }
                Rounding.round(y, yo + oFrom, yo + oTo, round);
            }
        });
    }

    /**
     * Runs the kernels on the first rows of a real weight matrix until the JIT has compiled them:
     * without this the first tokens of a generation run interpreted vector code, several times
     * slower, and a short generation never reaches full speed. The matrix is the model's own (a
     * memory-mapped segment when the weights are mapped), so the compiled code is specialised for
     * the segments the model will hand it. Costs a few hundred milliseconds once per model.
     */
    public void warmUp(WeightMatrix w) {
        int rowsW = Math.min(8, w.rows());
        float[] x = new float[4 * w.cols()];
        float[] y = new float[4 * w.rows()];
        for (int i = 0; i < 3000; i++) {
            kernels.matmul(x, 0, 1, w, 0, rowsW, y, 0, w.rows());
            if (i % 4 == 0) {
                kernels.matmul(x, 0, 4, w, 0, rowsW, y, 0, w.rows());
            }
        }
    }

    private static int blocks(WeightMatrix w) {
        return (w.rows() + WEIGHT_ROWS - 1) / WEIGHT_ROWS;
    }

    /** Runs {@code body} over {@code [0, n)} split into about 4 chunks per thread (elementwise ops). */
    public void forRange(int n, int minChunk, RangeBody body) {
        int chunks = Math.max(1, Math.min(4 * team.size(), n / Math.max(1, minChunk)));
        int per = (n + chunks - 1) / chunks;
        team.run((n + per - 1) / per, c -> body.run(c * per, Math.min(n, (c + 1) * per)));
    }

    /** A half-open range of work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }
}

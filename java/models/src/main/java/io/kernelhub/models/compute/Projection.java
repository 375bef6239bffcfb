package io.kernelhub.models.compute;

import java.util.Arrays;
import java.util.List;

/**
 * Products that read the same input and run as one parallel loop ({@link ParallelLinear}): q, k
 * and v together, gate and up together, or a single matrix. Built once with the weights, so a
 * forward step hands its products over without assembling anything.
 *
 * @param matrices the weights, all with the same input width
 * @param biases   one bias per matrix, entries null where it has none
 */
public record Projection(WeightMatrix[] matrices, float[][] biases) {

    public Projection {
        if (matrices.length == 0 || biases.length != matrices.length) {
            throw new IllegalArgumentException("a projection needs one or more matrices and one bias slot each, got "
                    + matrices.length + " and " + biases.length);
        }
        for (WeightMatrix w : matrices) {
            if (w.cols() != matrices[0].cols()) {
                throw new IllegalArgumentException(w.name() + " reads " + w.cols() + " inputs but "
                        + matrices[0].name() + " reads " + matrices[0].cols());
            }
        }
    }

    /** One matrix with an optional bias (null: none). */
    public static Projection of(WeightMatrix w, float[] bias) {
        return new Projection(new WeightMatrix[] {w}, new float[][] {bias});
    }

    /** The matrices, in order. */
    public List<WeightMatrix> weights() {
        return Arrays.asList(matrices);
    }
}

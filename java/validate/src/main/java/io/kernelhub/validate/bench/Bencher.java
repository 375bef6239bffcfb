package io.kernelhub.validate.bench;

import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.Arrays;

/**
 * Times an implementation on a shape: outputs allocated once and reused (as an application
 * would), warm-up calls for about {@code warmupSeconds}, then the median of {@code iters} calls.
 */
public final class Bencher {

    private final int iters;
    private final double warmupSeconds;

    public Bencher(int iters, double warmupSeconds) {
        this.iters = iters;
        this.warmupSeconds = warmupSeconds;
    }

    public BenchResult run(AttentionImplementation impl, BenchShape shape) {
        AttentionRequest fresh = shape.request();
        if (!impl.supports(fresh)) {
            return new BenchResult(impl.name(), shape, Double.NaN, Double.NaN, "not supported: "
                    + String.join("; ", impl.capabilities().unmetBy(fresh)));
        }
        AttentionOutput o = fresh.allocateOutputs();
        AttentionRequest r = fresh.withOutputs(o.out(), o.lse());
        try {
            long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
            int w = 0;
            do {
                impl.function().forward(r);
                w++;
            } while (System.nanoTime() < until && w < 1000);
            double[] t = new double[iters];
            for (int i = 0; i < iters; i++) {
                long t0 = System.nanoTime();
                impl.function().forward(r);
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(t);
            double ms = t[iters / 2];
            return new BenchResult(impl.name(), shape, ms, shape.flops() / ms / 1e6, null);
        } catch (RuntimeException e) {
            return new BenchResult(impl.name(), shape, Double.NaN, Double.NaN, "failed: " + e.getMessage());
        }
    }
}

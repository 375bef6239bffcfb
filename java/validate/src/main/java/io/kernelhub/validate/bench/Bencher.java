package io.kernelhub.validate.bench;

import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.validate.device.DeviceRunner;
import java.util.List;

/**
 * Times an implementation on a shape through a {@link DeviceRunner}: outputs allocated once and
 * reused (as an application would), warm-up calls for about {@code warmupSeconds}, then the
 * median of {@code iters} calls (CUDA: device time from events).
 */
public final class Bencher {

    private final int iters;
    private final double warmupSeconds;

    public Bencher(int iters, double warmupSeconds) {
        this.iters = iters;
        this.warmupSeconds = warmupSeconds;
    }

    public BenchResult run(AttentionImplementation impl, BenchShape shape, DeviceRunner runner) {
        AttentionRequest fresh = shape.request();
        List<String> unmet = impl.capabilities().unmetBy(fresh, runner.kind());
        if (!unmet.isEmpty()) {
            return new BenchResult(impl.name(), shape, Double.NaN, Double.NaN, "not supported: " + String.join("; ", unmet));
        }
        try {
            double ms = runner.benchmark(impl, fresh, iters, warmupSeconds);
            return new BenchResult(impl.name(), shape, ms, shape.flops() / ms / 1e6, null);
        } catch (RuntimeException e) {
            return new BenchResult(impl.name(), shape, Double.NaN, Double.NaN, "failed: " + e.getMessage());
        }
    }
}

package io.kernelhub.validate.device;

import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;

/** The request as it is, in host memory. */
public record CpuRunner() implements DeviceRunner {
    @Override
    public Device.Kind kind() {
        return Device.Kind.CPU;
    }

    @Override
    public double benchmark(AttentionImplementation impl, AttentionRequest fresh, int iters, double warmupSeconds) {
        AttentionOutput o = fresh.allocateOutputs();
        AttentionRequest r = fresh.withOutputs(o.out(), o.lse());
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
        java.util.Arrays.sort(t);
        return t[iters / 2];
    }

    @Override
    public Timed run(AttentionImplementation impl, AttentionRequest r) {
        long t0 = System.nanoTime();
        AttentionOutput o = impl.function().forward(r);
        return new Timed(o, (System.nanoTime() - t0) / 1e6);
    }
}

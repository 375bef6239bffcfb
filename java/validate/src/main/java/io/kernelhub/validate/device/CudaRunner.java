package io.kernelhub.validate.device;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.device.CudaContexts;
import io.kernelhub.device.CudaTensors;
import io.kernelhub.device.CudaTimer;
import io.kernelhub.device.CudaTensors.DeviceTensor;

/**
 * Copies q, k, v to {@code cuda:index}, allocates out and lse there, runs the implementation,
 * waits for the device, and copies the outputs back (the sequence-length arrays stay on the
 * host: the ABI passes them in host memory).
 */
public record CudaRunner(int index) implements DeviceRunner {

    @Override
    public Device.Kind kind() {
        return Device.Kind.CUDA;
    }

    @Override
    public double benchmark(AttentionImplementation impl, AttentionRequest r, int iters, double warmupSeconds) {
        try (DeviceTensor q = CudaTensors.upload(r.q(), index); DeviceTensor k = CudaTensors.upload(r.k(), index);
                DeviceTensor v = CudaTensors.upload(r.v(), index);
                DeviceTensor out = CudaTensors.allocate(r.dtype(), index, r.q().shape())) {
            AttentionRequest onDevice = r.onTensors(q.tensor(), k.tensor(), v.tensor(), out.tensor(), null);
            long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
            int w = 0;
            do {
                impl.function().forward(onDevice);
                w++;
            } while (System.nanoTime() < until && w < 10_000);
            CudaContexts.synchronize(index);
            double[] t = new double[iters];
            for (int i = 0; i < iters; i++) {
                t[i] = CudaTimer.time(index, () -> impl.function().forward(onDevice));
            }
            java.util.Arrays.sort(t);
            return t[iters / 2];
        }
    }

    @Override
    public Timed run(AttentionImplementation impl, AttentionRequest r) {
        try (DeviceTensor q = CudaTensors.upload(r.q(), index); DeviceTensor k = CudaTensors.upload(r.k(), index);
                DeviceTensor v = CudaTensors.upload(r.v(), index);
                DeviceTensor out = CudaTensors.allocate(r.dtype(), index, r.q().shape());
                DeviceTensor lse = r.returnLse() ? CudaTensors.allocate(DType.F32, index, r.lseShape()) : null) {
            out.buffer().zero();
            AttentionRequest onDevice = r.onTensors(q.tensor(), k.tensor(), v.tensor(), out.tensor(),
                    lse == null ? null : lse.tensor());
            CudaContexts.synchronize(index);
            long t0 = System.nanoTime();
            impl.function().forward(onDevice);
            CudaContexts.synchronize(index);
            double ms = (System.nanoTime() - t0) / 1e6;
            Tensor hostOut = CudaTensors.download(out);
            Tensor hostLse = lse == null ? null : CudaTensors.download(lse);
            return new Timed(new AttentionOutput(hostOut, hostLse), ms);
        }
    }
}

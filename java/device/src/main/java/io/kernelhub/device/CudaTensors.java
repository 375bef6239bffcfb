package io.kernelhub.device;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Tensors in device memory: a {@link Tensor} view (device {@code cuda:N}, contiguous) over a
 * {@link CudaBuffer} whose lifetime the caller owns. The view's segment carries the device
 * address for native ops; host-side reads of it are refused by Tensor (device is not cpu).
 */
public final class CudaTensors {
    private CudaTensors() {}

    /** A device tensor and the buffer that owns its memory. */
    public record DeviceTensor(Tensor tensor, CudaBuffer buffer) implements AutoCloseable {
        @Override
        public void close() {
            buffer.close();
        }
    }

    @SuppressWarnings("restricted")
    public static DeviceTensor allocate(DType dtype, int device, int... shape) {
        long n = 1;
        for (int s : shape) n *= s;
        CudaBuffer b = new CudaBuffer(device, n * dtype.byteSize());
        MemorySegment seg = MemorySegment.ofAddress(b.address()).reinterpret(Math.max(1, n * dtype.byteSize()));
        return new DeviceTensor(Tensor.wrap(seg, dtype, Device.cuda(device), shape, Tensor.contiguousStrides(shape), 0), b);
    }

    /** A device copy of a host tensor (made contiguous first). */
    public static DeviceTensor upload(Tensor host, int device) {
        Tensor c = host.contiguous();
        DeviceTensor d = allocate(c.dtype(), device, c.shape());
        d.buffer().copyFrom(c.segment().asSlice(c.offset() * c.dtype().byteSize(), c.numel() * c.dtype().byteSize()));
        return d;
    }

    /** Copies a device tensor back into a new host tensor. */
    public static Tensor download(DeviceTensor d) {
        Tensor host = Tensor.zeros(d.tensor().dtype(), d.tensor().shape());
        d.buffer().copyTo(host.segment().asSlice(0, host.numel() * host.dtype().byteSize()));
        return host;
    }
}

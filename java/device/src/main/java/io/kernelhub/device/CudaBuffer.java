package io.kernelhub.device;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8;

import java.lang.foreign.MemorySegment;
import jcuda.Pointer;

/**
 * Device memory with an explicit lifetime: allocated on one device, freed by {@link #close()}
 * (idempotent). Copies take host memory segments and run synchronously.
 */
public final class CudaBuffer implements AutoCloseable {

    private static final long CHUNK = 1L << 30; // ByteBuffer views are limited to 2 GiB

    private final DevicePointer ptr = new DevicePointer();
    private final long bytes;
    private final int device;
    private boolean freed;

    public CudaBuffer(int device, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        CudaContexts.makeCurrent(device);
        this.device = device;
        this.bytes = bytes;
        CudaException.check(cuMemAlloc(ptr, Math.max(bytes, 1)), "cuMemAlloc(" + bytes + " bytes on cuda:" + device + ")");
    }

    public long address() {
        checkOpen();
        return ptr.address();
    }

    public long bytes() {
        return bytes;
    }

    public int device() {
        return device;
    }

    public void zero() {
        checkOpen();
        CudaContexts.makeCurrent(device);
        CudaException.check(cuMemsetD8(ptr, (byte) 0, Math.max(bytes, 1)), "cuMemsetD8");
    }

    /** Copies {@code host.byteSize()} bytes from host memory to the start of this buffer. */
    public void copyFrom(MemorySegment host) {
        checkOpen();
        if (host.byteSize() > bytes) throw new IllegalArgumentException(host.byteSize() + " bytes do not fit " + bytes);
        CudaContexts.makeCurrent(device);
        for (long off = 0; off < host.byteSize(); off += CHUNK) {
            long n = Math.min(CHUNK, host.byteSize() - off);
            CudaException.check(cuMemcpyHtoD(ptr.withByteOffset(off), Pointer.to(host.asSlice(off, n).asByteBuffer()), n),
                    "cuMemcpyHtoD");
        }
    }

    /** Copies the start of this buffer into host memory ({@code host.byteSize()} bytes). */
    public void copyTo(MemorySegment host) {
        checkOpen();
        if (host.byteSize() > bytes) throw new IllegalArgumentException(host.byteSize() + " bytes exceed " + bytes);
        CudaContexts.makeCurrent(device);
        for (long off = 0; off < host.byteSize(); off += CHUNK) {
            long n = Math.min(CHUNK, host.byteSize() - off);
            CudaException.check(cuMemcpyDtoH(Pointer.to(host.asSlice(off, n).asByteBuffer()), ptr.withByteOffset(off), n),
                    "cuMemcpyDtoH");
        }
    }

    private void checkOpen() {
        if (freed) throw new IllegalStateException("this CUDA buffer was freed");
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            CudaContexts.makeCurrent(device);
            cuMemFree(ptr);
        }
    }
}

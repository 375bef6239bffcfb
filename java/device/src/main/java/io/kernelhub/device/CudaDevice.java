package io.kernelhub.device;

/**
 * One CUDA device as the driver reports it.
 *
 * @param index            ordinal (what {@code kh_tensor.device_index} holds)
 * @param name             marketing name
 * @param ccMajor          compute capability, major
 * @param ccMinor          compute capability, minor
 * @param totalMemoryBytes global memory
 * @param multiprocessors  SM count
 */
public record CudaDevice(int index, String name, int ccMajor, int ccMinor, long totalMemoryBytes, int multiprocessors) {

    /** {@code 90} for compute capability 9.0: the number in {@code sm_90}. */
    public int smVersion() {
        return ccMajor * 10 + ccMinor;
    }

    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }
}

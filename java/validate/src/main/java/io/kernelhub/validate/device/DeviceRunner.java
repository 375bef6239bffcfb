package io.kernelhub.validate.device;

import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;

/**
 * Runs a host-built request on a device and returns host outputs (the references and checks
 * stay on the host): {@link CpuRunner} calls the implementation directly, {@link CudaRunner}
 * copies the inputs to a GPU, runs there and copies the outputs back.
 */
public sealed interface DeviceRunner permits CpuRunner, CudaRunner {

    Device.Kind kind();

    /** Runs the request and returns its outputs in host memory, with the device time in millis. */
    Timed run(AttentionImplementation impl, AttentionRequest hostRequest);

    /**
     * Median milliseconds of one call after about {@code warmupSeconds} of warm-up, outputs
     * allocated once (CUDA: inputs copied once, each call timed with events on the device).
     */
    double benchmark(AttentionImplementation impl, AttentionRequest hostRequest, int iters, double warmupSeconds);

    /** Outputs and how long the call took on the device. */
    record Timed(AttentionOutput output, double millis) {}

    static DeviceRunner forDevice(String device) {
        Device d = Device.parse(device);
        return d.isCpu() ? new CpuRunner() : new CudaRunner(d.index());
    }
}

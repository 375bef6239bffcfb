package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceDispatchTest {

    static Tensor cuda(DType dt, int... shape) {
        long n = 1;
        for (int s : shape) n *= s;
        long[] st = {(long) shape[1] * shape[2] * shape[3], (long) shape[2] * shape[3], shape[3], 1};
        return Tensor.wrap(MemorySegment.ofAddress(1 << 20).reinterpret(n * dt.byteSize()), dt, Device.cuda(0), shape, st, 0);
    }

    @Test
    void routesByDeviceAndChecksEachDevicesOwnCapabilities() {
        AttentionImplementation cpu = AttentionInterface.global().get("sdpa");
        String[] called = new String[1];
        AttentionImplementation gpu = new AttentionImplementation("gpu", "fake cuda op",
                new AttentionCapabilities(EnumSet.of(Device.Kind.CUDA), EnumSet.of(DType.BF16, DType.F16), 8, 256, 8,
                        EnumSet.of(AttentionFeature.CAUSAL)),
                r -> {
                    called[0] = "cuda";
                    return new AttentionOutput(r.out(), null);
                });
        AttentionImplementation both = DeviceDispatch.combine("org/k", List.of(cpu, gpu));
        assertThat(both.capabilities().devices()).containsExactlyInAnyOrder(Device.Kind.CPU, Device.Kind.CUDA);
        assertThat(both.capabilities().dtypes()).containsExactlyInAnyOrder(DType.F32, DType.F16, DType.BF16);

        // CPU tensors run on the CPU implementation (f32 is fine there)
        AttentionRequest onCpu = AttentionRequest.builder(Tensor.randn(DType.F32, 1, 1, 8, 2, 16),
                Tensor.randn(DType.F32, 2, 1, 8, 2, 16), Tensor.randn(DType.F32, 3, 1, 8, 2, 16)).build();
        assertThat(both.function().forward(onCpu).out().device()).isEqualTo(Device.CPU);
        // CUDA tensors go to the CUDA implementation
        AttentionRequest onGpu = AttentionRequest.builder(cuda(DType.BF16, 1, 8, 2, 16), cuda(DType.BF16, 1, 8, 2, 16),
                cuda(DType.BF16, 1, 8, 2, 16)).out(cuda(DType.BF16, 1, 8, 2, 16)).causal(true).build();
        both.function().forward(onGpu);
        assertThat(called[0]).isEqualTo("cuda");
        // what only the CPU side declares fails on CUDA, naming the device
        AttentionRequest f32OnGpu = AttentionRequest.builder(cuda(DType.F32, 1, 8, 2, 16), cuda(DType.F32, 1, 8, 2, 16),
                cuda(DType.F32, 1, 8, 2, 16)).out(cuda(DType.F32, 1, 8, 2, 16)).build();
        assertThatThrownBy(() -> both.function().forward(f32OnGpu)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("org/k on cuda").hasMessageContaining("dtype f32");
        assertThatThrownBy(() -> DeviceDispatch.combine("x", List.of(cpu, cpu))).hasMessageContaining("two implementations");
    }
}

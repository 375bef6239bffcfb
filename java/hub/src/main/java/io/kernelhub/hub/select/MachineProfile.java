package io.kernelhub.hub.select;

import io.kernelhub.core.version.Version;
import io.kernelhub.device.CudaStatus;
import java.util.Set;

/**
 * What variant selection needs to know about a machine.
 *
 * @param os          {@code linux}, {@code darwin}, {@code windows}
 * @param arch        {@code x86_64}, {@code aarch64}
 * @param glibc       the running glibc's version, or null when the C library is not glibc
 * @param cpuFeatures CPU feature names as {@code /proc/cpuinfo} spells them ({@code avx2},
 *                    {@code avx512f}, ...) plus the x86-64 levels they add up to
 *                    ({@code x86-64}, {@code x86-64-v2}, {@code x86-64-v3}, {@code x86-64-v4})
 * @param cuda        the CUDA driver and devices, or why there are none
 */
public record MachineProfile(String os, String arch, Version glibc, Set<String> cpuFeatures, CudaStatus cuda) {

    public MachineProfile {
        cpuFeatures = Set.copyOf(cpuFeatures);
    }

    public MachineProfile withCuda(CudaStatus c) {
        return new MachineProfile(os, arch, glibc, cpuFeatures, c);
    }
}

package io.kernelhub.device;

import java.util.List;

/** Whether CUDA can be used on this machine, and if not, why. */
public sealed interface CudaStatus {

    /** The driver loaded and initialised. */
    record Available(int driverVersion, List<CudaDevice> devices) implements CudaStatus {
        public Available {
            devices = List.copyOf(devices);
        }

        /** {@code 13.0} for 13000: the newest CUDA version the driver supports. */
        public String driverVersionText() {
            return CudaStatus.versionText(driverVersion);
        }
    }

    /** No usable driver or device; the reason says which and what to do. */
    record Unavailable(String reason) implements CudaStatus {}

    /** {@code MAJOR.MINOR} of a CUDA version integer ({@code 12080} is 12.8). */
    static String versionText(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /** The CUDA version integer of {@code MAJOR.MINOR} text ({@code 12.8} is 12080), or -1 when malformed. */
    static int versionNumber(String text) {
        if (text == null) return -1;
        String[] p = text.trim().split("\\.");
        try {
            return Integer.parseInt(p[0]) * 1000 + (p.length > 1 ? Integer.parseInt(p[1]) * 10 : 0);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package io.kernelhub.core.attention;

import io.kernelhub.core.Device;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One registry name served by several implementations on different devices, e.g. a kernel's
 * CPU and CUDA builds: each request goes to the implementation for its tensors' device. The
 * combined capabilities are the union (so the registry's pre-check lets every device's requests
 * through); the chosen implementation's own capabilities are checked per call, and a request
 * one device cannot serve fails naming that device and what it lacks.
 */
public final class DeviceDispatch {

    private DeviceDispatch() {}

    /**
     * Combines implementations that run on disjoint devices under one name (one implementation is
     * returned as it is, renamed).
     *
     * @throws IllegalArgumentException when two of them claim the same device
     */
    public static AttentionImplementation combine(String name, List<AttentionImplementation> perDevice) {
        if (perDevice.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine for " + name);
        }
        if (perDevice.size() == 1) {
            return perDevice.getFirst().withName(name);
        }
        Set<Device.Kind> seen = EnumSet.noneOf(Device.Kind.class);
        for (AttentionImplementation i : perDevice) {
            for (Device.Kind k : i.capabilities().devices()) {
                if (!seen.add(k)) {
                    throw new IllegalArgumentException(name + ": two implementations claim device " + k.id());
                }
            }
        }
        List<AttentionImplementation> parts = List.copyOf(perDevice);
        AttentionCapabilities union = union(parts);
        List<String> descriptions = new ArrayList<>();
        parts.forEach(p -> descriptions.add(p.capabilities().devices() + ": " + p.description()));
        AttentionFunction route = request -> {
            Device.Kind kind = request.q().device().kind();
            for (AttentionImplementation p : parts) {
                if (p.capabilities().devices().contains(kind)) {
                    List<String> unmet = p.capabilities().unmetBy(request);
                    if (!unmet.isEmpty()) {
                        throw new IllegalArgumentException(name + " on " + kind.id() + " does not support: "
                                + String.join("; ", unmet));
                    }
                    return p.function().forward(request);
                }
            }
            throw new IllegalArgumentException(name + " does not run on " + kind.id());
        };
        return new AttentionImplementation(name, String.join(" | ", descriptions), union, route);
    }

    private static AttentionCapabilities union(List<AttentionImplementation> parts) {
        Set<Device.Kind> devices = EnumSet.noneOf(Device.Kind.class);
        Set<io.kernelhub.core.DType> dtypes = EnumSet.noneOf(io.kernelhub.core.DType.class);
        Set<AttentionFeature> features = EnumSet.noneOf(AttentionFeature.class);
        int min = Integer.MAX_VALUE, max = 0, multiple = 0;
        for (AttentionImplementation p : parts) {
            AttentionCapabilities c = p.capabilities();
            devices.addAll(c.devices());
            dtypes.addAll(c.dtypes());
            features.addAll(c.features());
            min = Math.min(min, c.minHeadDim());
            max = Math.max(max, c.maxHeadDim());
            multiple = multiple == 0 ? c.headDimMultiple() : gcd(multiple, c.headDimMultiple());
        }
        return new AttentionCapabilities(devices, dtypes, min, max, multiple, features);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}

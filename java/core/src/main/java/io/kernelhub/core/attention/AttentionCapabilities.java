package io.kernelhub.core.attention;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an implementation can serve. A request is checked against this before any work, and
 * every unmet item is named in the error.
 *
 * @param devices        device kinds it runs on
 * @param dtypes         input dtypes it accepts
 * @param minHeadDim     smallest head dim
 * @param maxHeadDim     largest head dim
 * @param headDimMultiple head dims must be a multiple of this (1 = any)
 * @param features       optional features it implements
 */
public record AttentionCapabilities(Set<Device.Kind> devices, Set<DType> dtypes, int minHeadDim, int maxHeadDim,
                                    int headDimMultiple, Set<AttentionFeature> features) {

    public AttentionCapabilities {
        if (devices == null || devices.isEmpty() || dtypes == null || dtypes.isEmpty()) {
            throw new IllegalArgumentException("capabilities need at least one device and one dtype");
        }
        if (minHeadDim < 1 || maxHeadDim < minHeadDim || headDimMultiple < 1) {
            throw new IllegalArgumentException("bad head dim range " + minHeadDim + ".." + maxHeadDim
                    + " multiple of " + headDimMultiple);
        }
        devices = Collections.unmodifiableSet(EnumSet.copyOf(devices));
        dtypes = Collections.unmodifiableSet(EnumSet.copyOf(dtypes));
        features = features == null || features.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(features));
    }

    /** Everything on the CPU: all dtypes, any head dim, every feature. */
    public static AttentionCapabilities cpuAll(int maxHeadDim) {
        return new AttentionCapabilities(EnumSet.of(Device.Kind.CPU), EnumSet.allOf(DType.class), 1, maxHeadDim, 1,
                EnumSet.allOf(AttentionFeature.class));
    }

    /** The parts of a request this implementation cannot serve, each as a short phrase; empty if it can. */
    public List<String> unmetBy(AttentionRequest request) {
        return unmetBy(request, request.q().device().kind());
    }

    /** As {@link #unmetBy(AttentionRequest)}, for the request run on device {@code kind} (a runner that copies it there). */
    public List<String> unmetBy(AttentionRequest request, Device.Kind kind) {
        List<String> unmet = new ArrayList<>();
        if (!devices.contains(kind)) {
            unmet.add("device " + kind.id() + " (runs on " + join(devices.stream().map(Device.Kind::id)) + ")");
        }
        if (!dtypes.contains(request.dtype())) {
            unmet.add("dtype " + request.dtype() + " (accepts " + join(dtypes.stream().map(DType::id)) + ")");
        }
        int d = request.headDim();
        if (d < minHeadDim || d > maxHeadDim || d % headDimMultiple != 0) {
            unmet.add("head dim " + d + " (supports " + headDimsText() + ")");
        }
        for (AttentionFeature f : request.requiredFeatures()) {
            if (!features.contains(f)) {
                unmet.add("feature " + f.id());
            }
        }
        return unmet;
    }

    public String headDimsText() {
        return minHeadDim + ".." + maxHeadDim + (headDimMultiple > 1 ? " in multiples of " + headDimMultiple : "");
    }

    private static String join(java.util.stream.Stream<String> s) {
        return s.collect(Collectors.joining(", "));
    }
}

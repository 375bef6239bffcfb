package io.kernelhub.bridge;

import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.bridge.generated.kh_op_desc;
import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFeature;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and checks the {@code kh_op_desc} a bundle hands to {@code register_op}. */
final class OpDescriptions {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
    static final int MAX_HEAD_DIM = 1024;

    /** ABI feature bits and the registry's features they stand for. */
    static final Map<Integer, AttentionFeature> FEATURE_BITS = Map.of(
            kernelhub_h.KH_FEATURE_CAUSAL(), AttentionFeature.CAUSAL,
            kernelhub_h.KH_FEATURE_SLIDING_WINDOW(), AttentionFeature.SLIDING_WINDOW,
            kernelhub_h.KH_FEATURE_SOFTCAP(), AttentionFeature.SOFTCAP,
            kernelhub_h.KH_FEATURE_GQA(), AttentionFeature.GQA,
            kernelhub_h.KH_FEATURE_KEY_PADDING(), AttentionFeature.KEY_PADDING,
            kernelhub_h.KH_FEATURE_VARLEN(), AttentionFeature.VARLEN,
            kernelhub_h.KH_FEATURE_LSE(), AttentionFeature.LSE);
    /** Features the ABI defines for later issues (paged KV cache, sinks): accepted, not yet served. */
    static final int RESERVED_FEATURES = kernelhub_h.KH_FEATURE_PAGED_KV() | kernelhub_h.KH_FEATURE_SINKS();

    private OpDescriptions() {
    }

    /** The op, or a list of everything wrong with its description. */
    sealed interface Result permits Valid, Invalid {
    }

    record Valid(NativeOp op) implements Result {
    }

    record Invalid(String name, List<String> problems) implements Result {
    }

    static Result read(MemorySegment descAddress) {
        if (descAddress.equals(MemorySegment.NULL)) {
            return new Invalid("?", List.of("register_op was called with a NULL kh_op_desc"));
        }
        MemorySegment d = kh_op_desc.reinterpret(descAddress, java.lang.foreign.Arena.global(), null);
        List<String> problems = new ArrayList<>();
        int size = kh_op_desc.struct_size(d);
        if (size < kh_op_desc.sizeof()) {
            return new Invalid("?", List.of("struct_size " + size + " is smaller than this ABI's kh_op_desc ("
                    + kh_op_desc.sizeof() + " bytes): the bundle was built against another kernelhub.h"));
        }
        String name = cString(kh_op_desc.name(d), 64);
        if (name == null) {
            problems.add("name is NULL");
            name = "?";
        } else if (!NAME.matcher(name).matches()) {
            problems.add("name '" + name + "' must match " + NAME.pattern());
        }
        String description = cString(kh_op_desc.description(d), 512);
        Device.Kind device = switch (kh_op_desc.device_kind(d)) {
            case 0 -> Device.Kind.CPU;
            case 1 -> Device.Kind.CUDA;
            default -> {
                problems.add("device_kind " + kh_op_desc.device_kind(d) + " is not KH_DEVICE_CPU (0) or KH_DEVICE_CUDA (1)");
                yield null;
            }
        };
        int dtypeBits = kh_op_desc.dtypes(d);
        EnumSet<DType> dtypes = EnumSet.noneOf(DType.class);
        for (DType t : DType.values()) {
            if ((dtypeBits & (1 << abiDtype(t))) != 0) {
                dtypes.add(t);
            }
        }
        int knownDtypeBits = (1 << kernelhub_h.KH_DTYPE_F32()) | (1 << kernelhub_h.KH_DTYPE_F16())
                | (1 << kernelhub_h.KH_DTYPE_BF16());
        if ((dtypeBits & ~knownDtypeBits) != 0 || dtypes.isEmpty()) {
            problems.add("dtypes mask 0x" + Integer.toHexString(dtypeBits)
                    + " must set only bits of KH_DTYPE_F32/F16/BF16, at least one");
        }
        int min = kh_op_desc.min_head_dim(d);
        int max = kh_op_desc.max_head_dim(d);
        int multiple = kh_op_desc.head_dim_multiple(d);
        if (min < 1 || max < min || max > MAX_HEAD_DIM || multiple < 1) {
            problems.add("head dims " + min + ".." + max + " (multiple of " + multiple + ") must satisfy 1 <= min <= max <= "
                    + MAX_HEAD_DIM + " and multiple >= 1");
        }
        int featureBits = kh_op_desc.features(d);
        EnumSet<AttentionFeature> features = EnumSet.noneOf(AttentionFeature.class);
        int known = RESERVED_FEATURES;
        for (Map.Entry<Integer, AttentionFeature> e : FEATURE_BITS.entrySet()) {
            known |= e.getKey();
            if ((featureBits & e.getKey()) != 0) {
                features.add(e.getValue());
            }
        }
        if ((featureBits & ~known) != 0) {
            problems.add("features 0x" + Integer.toHexString(featureBits) + " has bits this ABI does not define (0x"
                    + Integer.toHexString(featureBits & ~known) + ")");
        }
        MemorySegment fn = kh_op_desc.fn(d);
        if (fn.equals(MemorySegment.NULL)) {
            problems.add("fn is NULL");
        }
        if (!problems.isEmpty()) {
            return new Invalid(name, problems);
        }
        AttentionCapabilities caps = new AttentionCapabilities(Set.of(device), dtypes, min, max, multiple, features);
        return new Valid(new NativeOp(name, description == null ? "" : description, caps, kh_op_desc.is_default(d) != 0,
                fn));
    }

    static int abiDtype(DType t) {
        return switch (t) {
            case F32 -> kernelhub_h.KH_DTYPE_F32();
            case F16 -> kernelhub_h.KH_DTYPE_F16();
            case BF16 -> kernelhub_h.KH_DTYPE_BF16();
        };
    }

    /** A NUL-terminated string of at most {@code max} bytes, or null for NULL. */
    static String cString(MemorySegment address, int max) {
        if (address.equals(MemorySegment.NULL)) {
            return null;
        }
        MemorySegment s = address.reinterpret(max + 1L);
        for (int i = 0; i <= max; i++) {
            if (s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == 0) {
                return s.getString(0);
            }
        }
        return new String(s.asSlice(0, max).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8) + "...";
    }
}

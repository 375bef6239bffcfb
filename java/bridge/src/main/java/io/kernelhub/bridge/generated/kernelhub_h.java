// Generated from native/include/kernelhub.h (sha256 4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/** Constants, C type layouts and function descriptors of {@code kernelhub.h}. */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kernelhub_h {

    private kernelhub_h() {
    }


    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {
        try {
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(ex);
        }
    }

    private static final int KH_ABI_VERSION = (int) (1);

    public static int KH_ABI_VERSION() {
        return KH_ABI_VERSION;
    }
    private static final int KH_OK = (int) (0);

    public static int KH_OK() {
        return KH_OK;
    }
    private static final int KH_ERR_INVALID_ARGUMENT = (int) (1);

    public static int KH_ERR_INVALID_ARGUMENT() {
        return KH_ERR_INVALID_ARGUMENT;
    }
    private static final int KH_ERR_UNSUPPORTED = (int) (2);

    public static int KH_ERR_UNSUPPORTED() {
        return KH_ERR_UNSUPPORTED;
    }
    private static final int KH_ERR_DEVICE = (int) (3);

    public static int KH_ERR_DEVICE() {
        return KH_ERR_DEVICE;
    }
    private static final int KH_ERR_OUT_OF_MEMORY = (int) (4);

    public static int KH_ERR_OUT_OF_MEMORY() {
        return KH_ERR_OUT_OF_MEMORY;
    }
    private static final int KH_ERR_INTERNAL = (int) (5);

    public static int KH_ERR_INTERNAL() {
        return KH_ERR_INTERNAL;
    }
    private static final int KH_DTYPE_F32 = (int) (0);

    public static int KH_DTYPE_F32() {
        return KH_DTYPE_F32;
    }
    private static final int KH_DTYPE_F16 = (int) (1);

    public static int KH_DTYPE_F16() {
        return KH_DTYPE_F16;
    }
    private static final int KH_DTYPE_BF16 = (int) (2);

    public static int KH_DTYPE_BF16() {
        return KH_DTYPE_BF16;
    }
    private static final int KH_DTYPE_I32 = (int) (3);

    public static int KH_DTYPE_I32() {
        return KH_DTYPE_I32;
    }
    private static final int KH_DEVICE_CPU = (int) (0);

    public static int KH_DEVICE_CPU() {
        return KH_DEVICE_CPU;
    }
    private static final int KH_DEVICE_CUDA = (int) (1);

    public static int KH_DEVICE_CUDA() {
        return KH_DEVICE_CUDA;
    }
    private static final int KH_FEATURE_CAUSAL = (int) ((1 << 0));

    public static int KH_FEATURE_CAUSAL() {
        return KH_FEATURE_CAUSAL;
    }
    private static final int KH_FEATURE_SLIDING_WINDOW = (int) ((1 << 1));

    public static int KH_FEATURE_SLIDING_WINDOW() {
        return KH_FEATURE_SLIDING_WINDOW;
    }
    private static final int KH_FEATURE_SOFTCAP = (int) ((1 << 2));

    public static int KH_FEATURE_SOFTCAP() {
        return KH_FEATURE_SOFTCAP;
    }
    private static final int KH_FEATURE_GQA = (int) ((1 << 3));

    public static int KH_FEATURE_GQA() {
        return KH_FEATURE_GQA;
    }
    private static final int KH_FEATURE_KEY_PADDING = (int) ((1 << 4));

    public static int KH_FEATURE_KEY_PADDING() {
        return KH_FEATURE_KEY_PADDING;
    }
    private static final int KH_FEATURE_VARLEN = (int) ((1 << 5));

    public static int KH_FEATURE_VARLEN() {
        return KH_FEATURE_VARLEN;
    }
    private static final int KH_FEATURE_LSE = (int) ((1 << 6));

    public static int KH_FEATURE_LSE() {
        return KH_FEATURE_LSE;
    }
    private static final int KH_FEATURE_PAGED_KV = (int) ((1 << 7));

    public static int KH_FEATURE_PAGED_KV() {
        return KH_FEATURE_PAGED_KV;
    }
    private static final int KH_FEATURE_SINKS = (int) ((1 << 8));

    public static int KH_FEATURE_SINKS() {
        return KH_FEATURE_SINKS;
    }
    private static final int KH_ATTN_CAUSAL = (int) ((1 << 0));

    public static int KH_ATTN_CAUSAL() {
        return KH_ATTN_CAUSAL;
    }
    private static final int KH_MAX_RANK = (int) (4);

    public static int KH_MAX_RANK() {
        return KH_MAX_RANK;
    }

    private static final FunctionDescriptor kh_abi_version$DESC = FunctionDescriptor.of(C_INT);

    /** {@snippet lang=c : uint32_t kh_abi_version(void) } */
    public static FunctionDescriptor kh_abi_version$descriptor() {
        return kh_abi_version$DESC;
    }

    private static final FunctionDescriptor kh_register$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_LONG);

    /** {@snippet lang=c : kh_status kh_register(const kh_host *host, char *err, size_t err_cap) } */
    public static FunctionDescriptor kh_register$descriptor() {
        return kh_register$DESC;
    }
}

// Generated from native/include/kernelhub.h (sha256 4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@snippet lang=c : typedef kh_status (*kh_attention_fn)(const kh_attention_args *args, char *err, size_t err_cap) } */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kh_attention_fn {

    private kh_attention_fn() {
    }

    public interface Function {
        int apply(MemorySegment args, MemorySegment err, long err_cap);
    }

    private static final FunctionDescriptor $DESC = FunctionDescriptor.of(kernelhub_h.C_INT, kernelhub_h.C_POINTER,
            kernelhub_h.C_POINTER, kernelhub_h.C_LONG);

    public static FunctionDescriptor descriptor() {
        return $DESC;
    }

    private static final MethodHandle UP$MH = kernelhub_h.upcallHandle(kh_attention_fn.Function.class, "apply", $DESC);

    public static MemorySegment allocate(kh_attention_fn.Function fi, Arena arena) {
        return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
    }

    private static final MethodHandle DOWN$MH = Linker.nativeLinker().downcallHandle($DESC);

    /** A handle whose first argument is the function pointer. */
    public static MethodHandle invoker() {
        return DOWN$MH;
    }

    public static int invoke(MemorySegment funcPtr, MemorySegment args, MemorySegment err, long err_cap) {
        try {
            return (int) DOWN$MH.invokeExact(funcPtr, args, err, err_cap);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }
}

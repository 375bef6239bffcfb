// Generated from native/include/kernelhub.h (sha256 4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout.OfFloat;
import java.lang.foreign.ValueLayout.OfInt;
import java.lang.invoke.MethodHandle;

/** {@snippet lang=c : struct kh_host } */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kh_host {

    private kh_host() {
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        kernelhub_h.C_INT.withName("struct_size"),
        kernelhub_h.C_INT.withName("abi_version"),
        kernelhub_h.C_POINTER.withName("host_ctx"),
        kernelhub_h.C_POINTER.withName("register_op"),
        kernelhub_h.C_POINTER.withName("log")
    ).withName("kh_host");

    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    private static final OfInt struct_size$LAYOUT = (OfInt) $LAYOUT.select(groupElement("struct_size"));

    public static final OfInt struct_size$layout() {
        return struct_size$LAYOUT;
    }

    private static final long struct_size$OFFSET = $LAYOUT.byteOffset(groupElement("struct_size"));

    public static final long struct_size$offset() {
        return struct_size$OFFSET;
    }

    public static int struct_size(MemorySegment struct) {
        return struct.get(struct_size$LAYOUT, struct_size$OFFSET);
    }

    public static void struct_size(MemorySegment struct, int fieldValue) {
        struct.set(struct_size$LAYOUT, struct_size$OFFSET, fieldValue);
    }
    private static final OfInt abi_version$LAYOUT = (OfInt) $LAYOUT.select(groupElement("abi_version"));

    public static final OfInt abi_version$layout() {
        return abi_version$LAYOUT;
    }

    private static final long abi_version$OFFSET = $LAYOUT.byteOffset(groupElement("abi_version"));

    public static final long abi_version$offset() {
        return abi_version$OFFSET;
    }

    public static int abi_version(MemorySegment struct) {
        return struct.get(abi_version$LAYOUT, abi_version$OFFSET);
    }

    public static void abi_version(MemorySegment struct, int fieldValue) {
        struct.set(abi_version$LAYOUT, abi_version$OFFSET, fieldValue);
    }
    private static final AddressLayout host_ctx$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("host_ctx"));

    public static final AddressLayout host_ctx$layout() {
        return host_ctx$LAYOUT;
    }

    private static final long host_ctx$OFFSET = $LAYOUT.byteOffset(groupElement("host_ctx"));

    public static final long host_ctx$offset() {
        return host_ctx$OFFSET;
    }

    public static MemorySegment host_ctx(MemorySegment struct) {
        return struct.get(host_ctx$LAYOUT, host_ctx$OFFSET);
    }

    public static void host_ctx(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(host_ctx$LAYOUT, host_ctx$OFFSET, fieldValue);
    }
    private static final AddressLayout register_op$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("register_op"));

    public static final AddressLayout register_op$layout() {
        return register_op$LAYOUT;
    }

    private static final long register_op$OFFSET = $LAYOUT.byteOffset(groupElement("register_op"));

    public static final long register_op$offset() {
        return register_op$OFFSET;
    }

    public static MemorySegment register_op(MemorySegment struct) {
        return struct.get(register_op$LAYOUT, register_op$OFFSET);
    }

    public static void register_op(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(register_op$LAYOUT, register_op$OFFSET, fieldValue);
    }
    private static final AddressLayout log$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("log"));

    public static final AddressLayout log$layout() {
        return log$LAYOUT;
    }

    private static final long log$OFFSET = $LAYOUT.byteOffset(groupElement("log"));

    public static final long log$offset() {
        return log$OFFSET;
    }

    public static MemorySegment log(MemorySegment struct) {
        return struct.get(log$LAYOUT, log$OFFSET);
    }

    public static void log(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(log$LAYOUT, log$OFFSET, fieldValue);
    }

    public static long sizeof() {
        return layout().byteSize();
    }

    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(layout());
    }

    public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {
        return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
    }

    public static MemorySegment reinterpret(MemorySegment addr, Arena arena) {
        return addr.reinterpret(layout().byteSize(), arena, null);
    }

    /** {@snippet lang=c : kh_status (*register_op)(void *host_ctx, const kh_op_desc *op) } */
    public static final class register_op {
        private register_op() {
        }

        public interface Function {
            int apply(MemorySegment host_ctx, MemorySegment op);
        }

        private static final FunctionDescriptor $DESC = FunctionDescriptor.of(kernelhub_h.C_INT, kernelhub_h.C_POINTER,
                kernelhub_h.C_POINTER);

        public static FunctionDescriptor descriptor() {
            return $DESC;
        }

        private static final MethodHandle UP$MH = kernelhub_h.upcallHandle(register_op.Function.class, "apply", $DESC);

        public static MemorySegment allocate(register_op.Function fi, Arena arena) {
            return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
        }
    }

    /** {@snippet lang=c : void (*log)(void *host_ctx, int32_t level, const char *message) } */
    public static final class log {
        private log() {
        }

        public interface Function {
            void apply(MemorySegment host_ctx, int level, MemorySegment message);
        }

        private static final FunctionDescriptor $DESC = FunctionDescriptor.ofVoid(kernelhub_h.C_POINTER, kernelhub_h.C_INT,
                kernelhub_h.C_POINTER);

        public static FunctionDescriptor descriptor() {
            return $DESC;
        }

        private static final MethodHandle UP$MH = kernelhub_h.upcallHandle(log.Function.class, "apply", $DESC);

        public static MemorySegment allocate(log.Function fi, Arena arena) {
            return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
        }
    }
}

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

/** {@snippet lang=c : struct kh_op_desc } */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kh_op_desc {

    private kh_op_desc() {
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        kernelhub_h.C_INT.withName("struct_size"),
        kernelhub_h.C_INT.withName("features"),
        kernelhub_h.C_POINTER.withName("name"),
        kernelhub_h.C_POINTER.withName("description"),
        kernelhub_h.C_INT.withName("device_kind"),
        kernelhub_h.C_INT.withName("dtypes"),
        kernelhub_h.C_INT.withName("min_head_dim"),
        kernelhub_h.C_INT.withName("max_head_dim"),
        kernelhub_h.C_INT.withName("head_dim_multiple"),
        kernelhub_h.C_INT.withName("is_default"),
        kernelhub_h.C_POINTER.withName("fn")
    ).withName("kh_op_desc");

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
    private static final OfInt features$LAYOUT = (OfInt) $LAYOUT.select(groupElement("features"));

    public static final OfInt features$layout() {
        return features$LAYOUT;
    }

    private static final long features$OFFSET = $LAYOUT.byteOffset(groupElement("features"));

    public static final long features$offset() {
        return features$OFFSET;
    }

    public static int features(MemorySegment struct) {
        return struct.get(features$LAYOUT, features$OFFSET);
    }

    public static void features(MemorySegment struct, int fieldValue) {
        struct.set(features$LAYOUT, features$OFFSET, fieldValue);
    }
    private static final AddressLayout name$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("name"));

    public static final AddressLayout name$layout() {
        return name$LAYOUT;
    }

    private static final long name$OFFSET = $LAYOUT.byteOffset(groupElement("name"));

    public static final long name$offset() {
        return name$OFFSET;
    }

    public static MemorySegment name(MemorySegment struct) {
        return struct.get(name$LAYOUT, name$OFFSET);
    }

    public static void name(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(name$LAYOUT, name$OFFSET, fieldValue);
    }
    private static final AddressLayout description$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("description"));

    public static final AddressLayout description$layout() {
        return description$LAYOUT;
    }

    private static final long description$OFFSET = $LAYOUT.byteOffset(groupElement("description"));

    public static final long description$offset() {
        return description$OFFSET;
    }

    public static MemorySegment description(MemorySegment struct) {
        return struct.get(description$LAYOUT, description$OFFSET);
    }

    public static void description(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(description$LAYOUT, description$OFFSET, fieldValue);
    }
    private static final OfInt device_kind$LAYOUT = (OfInt) $LAYOUT.select(groupElement("device_kind"));

    public static final OfInt device_kind$layout() {
        return device_kind$LAYOUT;
    }

    private static final long device_kind$OFFSET = $LAYOUT.byteOffset(groupElement("device_kind"));

    public static final long device_kind$offset() {
        return device_kind$OFFSET;
    }

    public static int device_kind(MemorySegment struct) {
        return struct.get(device_kind$LAYOUT, device_kind$OFFSET);
    }

    public static void device_kind(MemorySegment struct, int fieldValue) {
        struct.set(device_kind$LAYOUT, device_kind$OFFSET, fieldValue);
    }
    private static final OfInt dtypes$LAYOUT = (OfInt) $LAYOUT.select(groupElement("dtypes"));

    public static final OfInt dtypes$layout() {
        return dtypes$LAYOUT;
    }

    private static final long dtypes$OFFSET = $LAYOUT.byteOffset(groupElement("dtypes"));

    public static final long dtypes$offset() {
        return dtypes$OFFSET;
    }

    public static int dtypes(MemorySegment struct) {
        return struct.get(dtypes$LAYOUT, dtypes$OFFSET);
    }

    public static void dtypes(MemorySegment struct, int fieldValue) {
        struct.set(dtypes$LAYOUT, dtypes$OFFSET, fieldValue);
    }
    private static final OfInt min_head_dim$LAYOUT = (OfInt) $LAYOUT.select(groupElement("min_head_dim"));

    public static final OfInt min_head_dim$layout() {
        return min_head_dim$LAYOUT;
    }

    private static final long min_head_dim$OFFSET = $LAYOUT.byteOffset(groupElement("min_head_dim"));

    public static final long min_head_dim$offset() {
        return min_head_dim$OFFSET;
    }

    public static int min_head_dim(MemorySegment struct) {
        return struct.get(min_head_dim$LAYOUT, min_head_dim$OFFSET);
    }

    public static void min_head_dim(MemorySegment struct, int fieldValue) {
        struct.set(min_head_dim$LAYOUT, min_head_dim$OFFSET, fieldValue);
    }
    private static final OfInt max_head_dim$LAYOUT = (OfInt) $LAYOUT.select(groupElement("max_head_dim"));

    public static final OfInt max_head_dim$layout() {
        return max_head_dim$LAYOUT;
    }

    private static final long max_head_dim$OFFSET = $LAYOUT.byteOffset(groupElement("max_head_dim"));

    public static final long max_head_dim$offset() {
        return max_head_dim$OFFSET;
    }

    public static int max_head_dim(MemorySegment struct) {
        return struct.get(max_head_dim$LAYOUT, max_head_dim$OFFSET);
    }

    public static void max_head_dim(MemorySegment struct, int fieldValue) {
        struct.set(max_head_dim$LAYOUT, max_head_dim$OFFSET, fieldValue);
    }
    private static final OfInt head_dim_multiple$LAYOUT = (OfInt) $LAYOUT.select(groupElement("head_dim_multiple"));

    public static final OfInt head_dim_multiple$layout() {
        return head_dim_multiple$LAYOUT;
    }

    private static final long head_dim_multiple$OFFSET = $LAYOUT.byteOffset(groupElement("head_dim_multiple"));

    public static final long head_dim_multiple$offset() {
        return head_dim_multiple$OFFSET;
    }

    public static int head_dim_multiple(MemorySegment struct) {
        return struct.get(head_dim_multiple$LAYOUT, head_dim_multiple$OFFSET);
    }

    public static void head_dim_multiple(MemorySegment struct, int fieldValue) {
        struct.set(head_dim_multiple$LAYOUT, head_dim_multiple$OFFSET, fieldValue);
    }
    private static final OfInt is_default$LAYOUT = (OfInt) $LAYOUT.select(groupElement("is_default"));

    public static final OfInt is_default$layout() {
        return is_default$LAYOUT;
    }

    private static final long is_default$OFFSET = $LAYOUT.byteOffset(groupElement("is_default"));

    public static final long is_default$offset() {
        return is_default$OFFSET;
    }

    public static int is_default(MemorySegment struct) {
        return struct.get(is_default$LAYOUT, is_default$OFFSET);
    }

    public static void is_default(MemorySegment struct, int fieldValue) {
        struct.set(is_default$LAYOUT, is_default$OFFSET, fieldValue);
    }
    private static final AddressLayout fn$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("fn"));

    public static final AddressLayout fn$layout() {
        return fn$LAYOUT;
    }

    private static final long fn$OFFSET = $LAYOUT.byteOffset(groupElement("fn"));

    public static final long fn$offset() {
        return fn$OFFSET;
    }

    public static MemorySegment fn(MemorySegment struct) {
        return struct.get(fn$LAYOUT, fn$OFFSET);
    }

    public static void fn(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(fn$LAYOUT, fn$OFFSET, fieldValue);
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
}

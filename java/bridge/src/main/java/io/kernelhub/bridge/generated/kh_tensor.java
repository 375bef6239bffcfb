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

/** {@snippet lang=c : struct kh_tensor } */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kh_tensor {

    private kh_tensor() {
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        kernelhub_h.C_POINTER.withName("data"),
        kernelhub_h.C_INT.withName("dtype"),
        kernelhub_h.C_INT.withName("device_kind"),
        kernelhub_h.C_INT.withName("device_index"),
        kernelhub_h.C_INT.withName("rank"),
        MemoryLayout.sequenceLayout(4, kernelhub_h.C_LONG).withName("shape"),
        MemoryLayout.sequenceLayout(4, kernelhub_h.C_LONG).withName("strides")
    ).withName("kh_tensor");

    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    private static final AddressLayout data$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("data"));

    public static final AddressLayout data$layout() {
        return data$LAYOUT;
    }

    private static final long data$OFFSET = $LAYOUT.byteOffset(groupElement("data"));

    public static final long data$offset() {
        return data$OFFSET;
    }

    public static MemorySegment data(MemorySegment struct) {
        return struct.get(data$LAYOUT, data$OFFSET);
    }

    public static void data(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(data$LAYOUT, data$OFFSET, fieldValue);
    }
    private static final OfInt dtype$LAYOUT = (OfInt) $LAYOUT.select(groupElement("dtype"));

    public static final OfInt dtype$layout() {
        return dtype$LAYOUT;
    }

    private static final long dtype$OFFSET = $LAYOUT.byteOffset(groupElement("dtype"));

    public static final long dtype$offset() {
        return dtype$OFFSET;
    }

    public static int dtype(MemorySegment struct) {
        return struct.get(dtype$LAYOUT, dtype$OFFSET);
    }

    public static void dtype(MemorySegment struct, int fieldValue) {
        struct.set(dtype$LAYOUT, dtype$OFFSET, fieldValue);
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
    private static final OfInt device_index$LAYOUT = (OfInt) $LAYOUT.select(groupElement("device_index"));

    public static final OfInt device_index$layout() {
        return device_index$LAYOUT;
    }

    private static final long device_index$OFFSET = $LAYOUT.byteOffset(groupElement("device_index"));

    public static final long device_index$offset() {
        return device_index$OFFSET;
    }

    public static int device_index(MemorySegment struct) {
        return struct.get(device_index$LAYOUT, device_index$OFFSET);
    }

    public static void device_index(MemorySegment struct, int fieldValue) {
        struct.set(device_index$LAYOUT, device_index$OFFSET, fieldValue);
    }
    private static final OfInt rank$LAYOUT = (OfInt) $LAYOUT.select(groupElement("rank"));

    public static final OfInt rank$layout() {
        return rank$LAYOUT;
    }

    private static final long rank$OFFSET = $LAYOUT.byteOffset(groupElement("rank"));

    public static final long rank$offset() {
        return rank$OFFSET;
    }

    public static int rank(MemorySegment struct) {
        return struct.get(rank$LAYOUT, rank$OFFSET);
    }

    public static void rank(MemorySegment struct, int fieldValue) {
        struct.set(rank$LAYOUT, rank$OFFSET, fieldValue);
    }
    private static final SequenceLayout shape$LAYOUT = (SequenceLayout) $LAYOUT.select(groupElement("shape"));

    public static final SequenceLayout shape$layout() {
        return shape$LAYOUT;
    }

    private static final long shape$OFFSET = $LAYOUT.byteOffset(groupElement("shape"));

    public static final long shape$offset() {
        return shape$OFFSET;
    }

    public static MemorySegment shape(MemorySegment struct) {
        return struct.asSlice(shape$OFFSET, shape$LAYOUT.byteSize());
    }

    public static long shape(MemorySegment struct, long index0) {
        return struct.get(kernelhub_h.C_LONG, shape$OFFSET + index0 * kernelhub_h.C_LONG.byteSize());
    }

    public static void shape(MemorySegment struct, long index0, long fieldValue) {
        struct.set(kernelhub_h.C_LONG, shape$OFFSET + index0 * kernelhub_h.C_LONG.byteSize(), fieldValue);
    }
    private static final SequenceLayout strides$LAYOUT = (SequenceLayout) $LAYOUT.select(groupElement("strides"));

    public static final SequenceLayout strides$layout() {
        return strides$LAYOUT;
    }

    private static final long strides$OFFSET = $LAYOUT.byteOffset(groupElement("strides"));

    public static final long strides$offset() {
        return strides$OFFSET;
    }

    public static MemorySegment strides(MemorySegment struct) {
        return struct.asSlice(strides$OFFSET, strides$LAYOUT.byteSize());
    }

    public static long strides(MemorySegment struct, long index0) {
        return struct.get(kernelhub_h.C_LONG, strides$OFFSET + index0 * kernelhub_h.C_LONG.byteSize());
    }

    public static void strides(MemorySegment struct, long index0, long fieldValue) {
        struct.set(kernelhub_h.C_LONG, strides$OFFSET + index0 * kernelhub_h.C_LONG.byteSize(), fieldValue);
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

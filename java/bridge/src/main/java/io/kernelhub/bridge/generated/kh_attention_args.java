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

/** {@snippet lang=c : struct kh_attention_args } */
@SuppressWarnings({"unused", "checkstyle:all"})
public final class kh_attention_args {

    private kh_attention_args() {
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        kernelhub_h.C_INT.withName("struct_size"),
        kernelhub_h.C_INT.withName("flags"),
        kh_tensor.layout().withName("q"),
        kh_tensor.layout().withName("k"),
        kh_tensor.layout().withName("v"),
        kh_tensor.layout().withName("out"),
        kh_tensor.layout().withName("lse"),
        kernelhub_h.C_INT.withName("batch"),
        kernelhub_h.C_INT.withName("max_seqlen_q"),
        kernelhub_h.C_INT.withName("max_seqlen_k"),
        kernelhub_h.C_INT.withName("window_left"),
        kernelhub_h.C_INT.withName("window_right"),
        kernelhub_h.C_FLOAT.withName("scale"),
        kernelhub_h.C_FLOAT.withName("softcap"),
        kernelhub_h.C_INT.withName("page_size"),
        kernelhub_h.C_INT.withName("block_table_stride"),
        MemoryLayout.paddingLayout(4),
        kernelhub_h.C_POINTER.withName("seqlens_k"),
        kernelhub_h.C_POINTER.withName("cu_seqlens_q"),
        kernelhub_h.C_POINTER.withName("cu_seqlens_k"),
        kernelhub_h.C_POINTER.withName("block_table"),
        kernelhub_h.C_POINTER.withName("stream")
    ).withName("kh_attention_args");

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
    private static final OfInt flags$LAYOUT = (OfInt) $LAYOUT.select(groupElement("flags"));

    public static final OfInt flags$layout() {
        return flags$LAYOUT;
    }

    private static final long flags$OFFSET = $LAYOUT.byteOffset(groupElement("flags"));

    public static final long flags$offset() {
        return flags$OFFSET;
    }

    public static int flags(MemorySegment struct) {
        return struct.get(flags$LAYOUT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int fieldValue) {
        struct.set(flags$LAYOUT, flags$OFFSET, fieldValue);
    }
    private static final GroupLayout q$LAYOUT = (GroupLayout) $LAYOUT.select(groupElement("q"));

    public static final GroupLayout q$layout() {
        return q$LAYOUT;
    }

    private static final long q$OFFSET = $LAYOUT.byteOffset(groupElement("q"));

    public static final long q$offset() {
        return q$OFFSET;
    }

    public static MemorySegment q(MemorySegment struct) {
        return struct.asSlice(q$OFFSET, q$LAYOUT.byteSize());
    }

    public static void q(MemorySegment struct, MemorySegment fieldValue) {
        MemorySegment.copy(fieldValue, 0L, struct, q$OFFSET, q$LAYOUT.byteSize());
    }
    private static final GroupLayout k$LAYOUT = (GroupLayout) $LAYOUT.select(groupElement("k"));

    public static final GroupLayout k$layout() {
        return k$LAYOUT;
    }

    private static final long k$OFFSET = $LAYOUT.byteOffset(groupElement("k"));

    public static final long k$offset() {
        return k$OFFSET;
    }

    public static MemorySegment k(MemorySegment struct) {
        return struct.asSlice(k$OFFSET, k$LAYOUT.byteSize());
    }

    public static void k(MemorySegment struct, MemorySegment fieldValue) {
        MemorySegment.copy(fieldValue, 0L, struct, k$OFFSET, k$LAYOUT.byteSize());
    }
    private static final GroupLayout v$LAYOUT = (GroupLayout) $LAYOUT.select(groupElement("v"));

    public static final GroupLayout v$layout() {
        return v$LAYOUT;
    }

    private static final long v$OFFSET = $LAYOUT.byteOffset(groupElement("v"));

    public static final long v$offset() {
        return v$OFFSET;
    }

    public static MemorySegment v(MemorySegment struct) {
        return struct.asSlice(v$OFFSET, v$LAYOUT.byteSize());
    }

    public static void v(MemorySegment struct, MemorySegment fieldValue) {
        MemorySegment.copy(fieldValue, 0L, struct, v$OFFSET, v$LAYOUT.byteSize());
    }
    private static final GroupLayout out$LAYOUT = (GroupLayout) $LAYOUT.select(groupElement("out"));

    public static final GroupLayout out$layout() {
        return out$LAYOUT;
    }

    private static final long out$OFFSET = $LAYOUT.byteOffset(groupElement("out"));

    public static final long out$offset() {
        return out$OFFSET;
    }

    public static MemorySegment out(MemorySegment struct) {
        return struct.asSlice(out$OFFSET, out$LAYOUT.byteSize());
    }

    public static void out(MemorySegment struct, MemorySegment fieldValue) {
        MemorySegment.copy(fieldValue, 0L, struct, out$OFFSET, out$LAYOUT.byteSize());
    }
    private static final GroupLayout lse$LAYOUT = (GroupLayout) $LAYOUT.select(groupElement("lse"));

    public static final GroupLayout lse$layout() {
        return lse$LAYOUT;
    }

    private static final long lse$OFFSET = $LAYOUT.byteOffset(groupElement("lse"));

    public static final long lse$offset() {
        return lse$OFFSET;
    }

    public static MemorySegment lse(MemorySegment struct) {
        return struct.asSlice(lse$OFFSET, lse$LAYOUT.byteSize());
    }

    public static void lse(MemorySegment struct, MemorySegment fieldValue) {
        MemorySegment.copy(fieldValue, 0L, struct, lse$OFFSET, lse$LAYOUT.byteSize());
    }
    private static final OfInt batch$LAYOUT = (OfInt) $LAYOUT.select(groupElement("batch"));

    public static final OfInt batch$layout() {
        return batch$LAYOUT;
    }

    private static final long batch$OFFSET = $LAYOUT.byteOffset(groupElement("batch"));

    public static final long batch$offset() {
        return batch$OFFSET;
    }

    public static int batch(MemorySegment struct) {
        return struct.get(batch$LAYOUT, batch$OFFSET);
    }

    public static void batch(MemorySegment struct, int fieldValue) {
        struct.set(batch$LAYOUT, batch$OFFSET, fieldValue);
    }
    private static final OfInt max_seqlen_q$LAYOUT = (OfInt) $LAYOUT.select(groupElement("max_seqlen_q"));

    public static final OfInt max_seqlen_q$layout() {
        return max_seqlen_q$LAYOUT;
    }

    private static final long max_seqlen_q$OFFSET = $LAYOUT.byteOffset(groupElement("max_seqlen_q"));

    public static final long max_seqlen_q$offset() {
        return max_seqlen_q$OFFSET;
    }

    public static int max_seqlen_q(MemorySegment struct) {
        return struct.get(max_seqlen_q$LAYOUT, max_seqlen_q$OFFSET);
    }

    public static void max_seqlen_q(MemorySegment struct, int fieldValue) {
        struct.set(max_seqlen_q$LAYOUT, max_seqlen_q$OFFSET, fieldValue);
    }
    private static final OfInt max_seqlen_k$LAYOUT = (OfInt) $LAYOUT.select(groupElement("max_seqlen_k"));

    public static final OfInt max_seqlen_k$layout() {
        return max_seqlen_k$LAYOUT;
    }

    private static final long max_seqlen_k$OFFSET = $LAYOUT.byteOffset(groupElement("max_seqlen_k"));

    public static final long max_seqlen_k$offset() {
        return max_seqlen_k$OFFSET;
    }

    public static int max_seqlen_k(MemorySegment struct) {
        return struct.get(max_seqlen_k$LAYOUT, max_seqlen_k$OFFSET);
    }

    public static void max_seqlen_k(MemorySegment struct, int fieldValue) {
        struct.set(max_seqlen_k$LAYOUT, max_seqlen_k$OFFSET, fieldValue);
    }
    private static final OfInt window_left$LAYOUT = (OfInt) $LAYOUT.select(groupElement("window_left"));

    public static final OfInt window_left$layout() {
        return window_left$LAYOUT;
    }

    private static final long window_left$OFFSET = $LAYOUT.byteOffset(groupElement("window_left"));

    public static final long window_left$offset() {
        return window_left$OFFSET;
    }

    public static int window_left(MemorySegment struct) {
        return struct.get(window_left$LAYOUT, window_left$OFFSET);
    }

    public static void window_left(MemorySegment struct, int fieldValue) {
        struct.set(window_left$LAYOUT, window_left$OFFSET, fieldValue);
    }
    private static final OfInt window_right$LAYOUT = (OfInt) $LAYOUT.select(groupElement("window_right"));

    public static final OfInt window_right$layout() {
        return window_right$LAYOUT;
    }

    private static final long window_right$OFFSET = $LAYOUT.byteOffset(groupElement("window_right"));

    public static final long window_right$offset() {
        return window_right$OFFSET;
    }

    public static int window_right(MemorySegment struct) {
        return struct.get(window_right$LAYOUT, window_right$OFFSET);
    }

    public static void window_right(MemorySegment struct, int fieldValue) {
        struct.set(window_right$LAYOUT, window_right$OFFSET, fieldValue);
    }
    private static final OfFloat scale$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("scale"));

    public static final OfFloat scale$layout() {
        return scale$LAYOUT;
    }

    private static final long scale$OFFSET = $LAYOUT.byteOffset(groupElement("scale"));

    public static final long scale$offset() {
        return scale$OFFSET;
    }

    public static float scale(MemorySegment struct) {
        return struct.get(scale$LAYOUT, scale$OFFSET);
    }

    public static void scale(MemorySegment struct, float fieldValue) {
        struct.set(scale$LAYOUT, scale$OFFSET, fieldValue);
    }
    private static final OfFloat softcap$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("softcap"));

    public static final OfFloat softcap$layout() {
        return softcap$LAYOUT;
    }

    private static final long softcap$OFFSET = $LAYOUT.byteOffset(groupElement("softcap"));

    public static final long softcap$offset() {
        return softcap$OFFSET;
    }

    public static float softcap(MemorySegment struct) {
        return struct.get(softcap$LAYOUT, softcap$OFFSET);
    }

    public static void softcap(MemorySegment struct, float fieldValue) {
        struct.set(softcap$LAYOUT, softcap$OFFSET, fieldValue);
    }
    private static final OfInt page_size$LAYOUT = (OfInt) $LAYOUT.select(groupElement("page_size"));

    public static final OfInt page_size$layout() {
        return page_size$LAYOUT;
    }

    private static final long page_size$OFFSET = $LAYOUT.byteOffset(groupElement("page_size"));

    public static final long page_size$offset() {
        return page_size$OFFSET;
    }

    public static int page_size(MemorySegment struct) {
        return struct.get(page_size$LAYOUT, page_size$OFFSET);
    }

    public static void page_size(MemorySegment struct, int fieldValue) {
        struct.set(page_size$LAYOUT, page_size$OFFSET, fieldValue);
    }
    private static final OfInt block_table_stride$LAYOUT = (OfInt) $LAYOUT.select(groupElement("block_table_stride"));

    public static final OfInt block_table_stride$layout() {
        return block_table_stride$LAYOUT;
    }

    private static final long block_table_stride$OFFSET = $LAYOUT.byteOffset(groupElement("block_table_stride"));

    public static final long block_table_stride$offset() {
        return block_table_stride$OFFSET;
    }

    public static int block_table_stride(MemorySegment struct) {
        return struct.get(block_table_stride$LAYOUT, block_table_stride$OFFSET);
    }

    public static void block_table_stride(MemorySegment struct, int fieldValue) {
        struct.set(block_table_stride$LAYOUT, block_table_stride$OFFSET, fieldValue);
    }
    private static final AddressLayout seqlens_k$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("seqlens_k"));

    public static final AddressLayout seqlens_k$layout() {
        return seqlens_k$LAYOUT;
    }

    private static final long seqlens_k$OFFSET = $LAYOUT.byteOffset(groupElement("seqlens_k"));

    public static final long seqlens_k$offset() {
        return seqlens_k$OFFSET;
    }

    public static MemorySegment seqlens_k(MemorySegment struct) {
        return struct.get(seqlens_k$LAYOUT, seqlens_k$OFFSET);
    }

    public static void seqlens_k(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(seqlens_k$LAYOUT, seqlens_k$OFFSET, fieldValue);
    }
    private static final AddressLayout cu_seqlens_q$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("cu_seqlens_q"));

    public static final AddressLayout cu_seqlens_q$layout() {
        return cu_seqlens_q$LAYOUT;
    }

    private static final long cu_seqlens_q$OFFSET = $LAYOUT.byteOffset(groupElement("cu_seqlens_q"));

    public static final long cu_seqlens_q$offset() {
        return cu_seqlens_q$OFFSET;
    }

    public static MemorySegment cu_seqlens_q(MemorySegment struct) {
        return struct.get(cu_seqlens_q$LAYOUT, cu_seqlens_q$OFFSET);
    }

    public static void cu_seqlens_q(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(cu_seqlens_q$LAYOUT, cu_seqlens_q$OFFSET, fieldValue);
    }
    private static final AddressLayout cu_seqlens_k$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("cu_seqlens_k"));

    public static final AddressLayout cu_seqlens_k$layout() {
        return cu_seqlens_k$LAYOUT;
    }

    private static final long cu_seqlens_k$OFFSET = $LAYOUT.byteOffset(groupElement("cu_seqlens_k"));

    public static final long cu_seqlens_k$offset() {
        return cu_seqlens_k$OFFSET;
    }

    public static MemorySegment cu_seqlens_k(MemorySegment struct) {
        return struct.get(cu_seqlens_k$LAYOUT, cu_seqlens_k$OFFSET);
    }

    public static void cu_seqlens_k(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(cu_seqlens_k$LAYOUT, cu_seqlens_k$OFFSET, fieldValue);
    }
    private static final AddressLayout block_table$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("block_table"));

    public static final AddressLayout block_table$layout() {
        return block_table$LAYOUT;
    }

    private static final long block_table$OFFSET = $LAYOUT.byteOffset(groupElement("block_table"));

    public static final long block_table$offset() {
        return block_table$OFFSET;
    }

    public static MemorySegment block_table(MemorySegment struct) {
        return struct.get(block_table$LAYOUT, block_table$OFFSET);
    }

    public static void block_table(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(block_table$LAYOUT, block_table$OFFSET, fieldValue);
    }
    private static final AddressLayout stream$LAYOUT = (AddressLayout) $LAYOUT.select(groupElement("stream"));

    public static final AddressLayout stream$layout() {
        return stream$LAYOUT;
    }

    private static final long stream$OFFSET = $LAYOUT.byteOffset(groupElement("stream"));

    public static final long stream$offset() {
        return stream$OFFSET;
    }

    public static MemorySegment stream(MemorySegment struct) {
        return struct.get(stream$LAYOUT, stream$OFFSET);
    }

    public static void stream(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(stream$LAYOUT, stream$OFFSET, fieldValue);
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

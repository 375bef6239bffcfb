package io.kernelhub.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A strided n-dimensional view over a {@link MemorySegment}. Shape and strides are in
 * elements; views (permute, transpose, slice, select) share memory and copy nothing.
 * Every view is bounds-checked once when it is made, so element access cannot leave the
 * segment.
 */
public final class Tensor {

    private final MemorySegment segment;
    private final DType dtype;
    private final Device device;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    private Tensor(MemorySegment segment, DType dtype, Device device, int[] shape, long[] strides, long offset) {
        this.segment = segment;
        this.dtype = dtype;
        this.device = device;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        checkBounds();
    }

    /** Wraps existing memory as a strided tensor; fails if any element would lie outside the segment. */
    public static Tensor wrap(MemorySegment segment, DType dtype, Device device, int[] shape, long[] strides, long offset) {
        if (segment == null || dtype == null || device == null || shape == null || strides == null) {
            throw new IllegalArgumentException("segment, dtype, device, shape and strides are required");
        }
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " have different ranks");
        }
        return new Tensor(segment, dtype, device, shape.clone(), strides.clone(), offset);
    }

    /** A zero-filled, contiguous CPU tensor whose memory the garbage collector frees. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(Arena.ofAuto(), dtype, shape);
    }

    /** A zero-filled, contiguous CPU tensor allocated in the given arena. */
    public static Tensor zeros(Arena arena, DType dtype, int... shape) {
        long n = checkShape(shape);
        MemorySegment seg = arena.allocate(Math.max(1, n) * dtype.byteSize(), 64);
        return new Tensor(seg, dtype, Device.CPU, shape.clone(), contiguousStrides(shape), 0);
    }

    /** A contiguous CPU tensor holding {@code values} (row-major), rounded to {@code dtype}. */
    public static Tensor of(DType dtype, float[] values, int... shape) {
        long n = checkShape(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but " + values.length + " values were given");
        }
        Tensor t = zeros(dtype, shape);
        t.copyFromFloats(values);
        return t;
    }

    /** A contiguous tensor filled with seeded standard-normal values (rounded to dtype). */
    public static Tensor randn(DType dtype, long seed, int... shape) {
        Tensor t = zeros(dtype, shape);
        t.fillRandn(seed);
        return t;
    }

    private static long checkShape(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(1, shape[i]);
        }
        return s;
    }

    private void checkBounds() {
        if (numel() == 0) {
            return;
        }
        long lo = offset;
        long hi = offset;
        for (int i = 0; i < shape.length; i++) {
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) {
                lo += span;
            } else {
                hi += span;
            }
        }
        long limit = segment.byteSize() / dtype.byteSize();
        if (lo < 0 || hi >= limit) {
            throw new IllegalArgumentException("tensor view shape " + Arrays.toString(shape) + " strides "
                    + Arrays.toString(strides) + " offset " + offset + " reaches elements [" + lo + ", " + hi
                    + "] outside its memory of " + limit + " elements");
        }
    }

    // ---- properties -------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Offset of element [0,...,0] from the segment start, in elements. */
    public long offset() {
        return offset;
    }

    public int rank() {
        return shape.length;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size(int dim) {
        return shape[normalizeDim(dim)];
    }

    public long[] strides() {
        return strides.clone();
    }

    public long stride(int dim) {
        return strides[normalizeDim(dim)];
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public boolean isContiguous() {
        return Arrays.equals(strides, contiguousStrides(shape)) || numel() <= 1;
    }

    private int normalizeDim(int dim) {
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= shape.length) {
            throw new IllegalArgumentException("dimension " + dim + " out of range for rank " + shape.length);
        }
        return d;
    }

    private void requireCpu(String what) {
        if (!device.isCpu()) {
            throw new IllegalStateException(what + " needs a cpu tensor, this one is on " + device
                    + "; copy it to the host first");
        }
    }

    // ---- element access -------------------------------------------------------------------

    /** Element offset (in elements from the segment start) of an index. */
    public long elementOffset(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has rank " + index.length
                    + ", tensor has rank " + shape.length);
        }
        long off = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape "
                        + Arrays.toString(shape));
            }
            off += index[i] * strides[i];
        }
        return off;
    }

    public float get(int... index) {
        requireCpu("get");
        return dtype.read(segment, elementOffset(index) * dtype.byteSize());
    }

    public void set(float value, int... index) {
        requireCpu("set");
        dtype.write(segment, elementOffset(index) * dtype.byteSize(), value);
    }

    /** Reads the element at an element offset (as returned by {@link #elementOffset}) without index checks. */
    public float getAt(long elementOffset) {
        return dtype.read(segment, elementOffset * dtype.byteSize());
    }

    public void setAt(long elementOffset, float value) {
        dtype.write(segment, elementOffset * dtype.byteSize(), value);
    }

    /**
     * Reads {@code n} elements starting at an element offset, {@code stride} elements apart, into
     * {@code dst[dstPos..]} as floats. Contiguous runs of f32/f16/bf16 use bulk copies.
     */
    public void readFloats(long elementOffset, long stride, float[] dst, int dstPos, int n) {
        requireCpu("readFloats");
        Rows.read(segment, dtype, elementOffset, stride, dst, dstPos, n);
    }

    /** Writes {@code n} floats (rounded to dtype) starting at an element offset, {@code stride} apart. */
    public void writeFloats(long elementOffset, long stride, float[] src, int srcPos, int n) {
        requireCpu("writeFloats");
        Rows.write(segment, dtype, elementOffset, stride, src, srcPos, n);
    }

    // ---- views ------------------------------------------------------------------------------

    /** Reorders dimensions: result dim i is this tensor's dim {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute order " + Arrays.toString(order) + " must name all "
                    + shape.length + " dimensions");
        }
        int[] ns = new int[shape.length];
        long[] nst = new long[shape.length];
        boolean[] seen = new boolean[shape.length];
        for (int i = 0; i < order.length; i++) {
            int d = normalizeDim(order[i]);
            if (seen[d]) {
                throw new IllegalArgumentException("permute order " + Arrays.toString(order) + " repeats dimension " + d);
            }
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = strides[d];
        }
        return new Tensor(segment, dtype, device, ns, nst, offset);
    }

    public Tensor transpose(int a, int b) {
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int na = normalizeDim(a);
        int nb = normalizeDim(b);
        order[na] = nb;
        order[nb] = na;
        return permute(order);
    }

    /** Keeps indices [start, end) of one dimension. */
    public Tensor slice(int dim, int start, int end) {
        int d = normalizeDim(dim);
        if (start < 0 || end < start || end > shape[d]) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for dimension "
                    + d + " of size " + shape[d]);
        }
        int[] ns = shape.clone();
        ns[d] = end - start;
        return new Tensor(segment, dtype, device, ns, strides.clone(), offset + start * strides[d]);
    }

    /** Fixes one dimension at an index and drops it (rank - 1). */
    public Tensor select(int dim, int index) {
        int d = normalizeDim(dim);
        if (index < 0 || index >= shape[d]) {
            throw new IllegalArgumentException("index " + index + " out of range for dimension " + d
                    + " of size " + shape[d]);
        }
        int[] ns = new int[shape.length - 1];
        long[] nst = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                ns[j] = shape[i];
                nst[j++] = strides[i];
            }
        }
        return new Tensor(segment, dtype, device, ns, nst, offset + index * strides[d]);
    }

    /** A view with a new shape; only for contiguous tensors. */
    public Tensor reshape(int... newShape) {
        if (checkShape(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape) + ": element counts differ");
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException("reshape needs a contiguous tensor; call contiguous() first");
        }
        return new Tensor(segment, dtype, device, newShape.clone(), contiguousStrides(newShape), offset);
    }

    // ---- copies ------------------------------------------------------------------------------

    /** A contiguous copy in the same dtype (always a new buffer). */
    public Tensor contiguous() {
        return to(dtype);
    }

    /** A contiguous copy converted to {@code target} (exact widening, nearest-even narrowing). */
    public Tensor to(DType target) {
        requireCpu("to");
        Tensor out = zeros(target, shape);
        out.copyFromFloats(toFloatArray());
        return out;
    }

    /** All elements in row-major order, widened exactly to float. */
    public float[] toFloatArray() {
        requireCpu("toFloatArray");
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor too large for a float[]: " + n + " elements");
        }
        float[] out = new float[(int) n];
        forEachRow((off, stride, pos, len) -> Rows.read(segment, dtype, off, stride, out, pos, len));
        return out;
    }

    /** Overwrites all elements (row-major order) from floats, rounding to dtype. */
    public void copyFromFloats(float[] values) {
        requireCpu("copyFromFloats");
        if (values.length != numel()) {
            throw new IllegalArgumentException("expected " + numel() + " values, got " + values.length);
        }
        forEachRow((off, stride, pos, len) -> Rows.write(segment, dtype, off, stride, values, pos, len));
    }

    /** Visits one innermost row: its first element's offset, its stride, its flat position, its length. */
    private interface RowVisitor {
        void row(long elementOffset, long stride, int position, int length);
    }

    /** Visits every innermost row in row-major order (a scalar is one row of length 1). */
    private void forEachRow(RowVisitor visitor) {
        long n = numel();
        if (n == 0) {
            return;
        }
        if (shape.length == 0) {
            visitor.row(offset, 1, 0, 1);
            return;
        }
        int last = shape.length - 1;
        int rowLen = shape[last];
        int[] idx = new int[shape.length];
        for (int pos = 0; pos < n; pos += rowLen) {
            long off = offset;
            for (int i = 0; i < last; i++) {
                off += idx[i] * strides[i];
            }
            visitor.row(off, strides[last], pos, rowLen);
            for (int i = last - 1; i >= 0; i--) {
                if (++idx[i] < shape[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
    }

    /** Copies values from another tensor of the same shape (any dtypes, any strides). */
    public void copyFrom(Tensor source) {
        if (!Arrays.equals(shape, source.shape)) {
            throw new IllegalArgumentException("copy from shape " + Arrays.toString(source.shape) + " into "
                    + Arrays.toString(shape));
        }
        copyFromFloats(source.toFloatArray());
    }

    /** Fills with seeded standard-normal values; the same seed gives the same values on every machine. */
    public void fillRandn(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[(int) numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        copyFromFloats(v);
    }

    /** Fills with seeded values uniform in [lo, hi). */
    public void fillUniform(long seed, float lo, float hi) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[(int) numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * (float) rnd.nextDouble();
        }
        copyFromFloats(v);
    }

    public void fill(float value) {
        float[] v = new float[(int) numel()];
        Arrays.fill(v, value);
        copyFromFloats(v);
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + device + ", shape=" + Arrays.toString(shape) + ", strides="
                + Arrays.toString(strides) + ")";
    }

    /** Bulk row reads and writes with dtype conversion. */
    static final class Rows {
        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

        private Rows() {
        }

        static void read(MemorySegment seg, DType dtype, long elemOff, long stride, float[] dst, int pos, int n) {
            long byteOff = elemOff * dtype.byteSize();
            if (stride == 1) {
                switch (dtype) {
                    case F32 -> MemorySegment.copy(seg, FLOAT, byteOff, dst, pos, n);
                    case F16 -> {
                        for (int i = 0; i < n; i++) {
                            dst[pos + i] = Float.float16ToFloat(seg.get(SHORT, byteOff + 2L * i));
                        }
                    }
                    case BF16 -> {
                        for (int i = 0; i < n; i++) {
                            dst[pos + i] = Float.intBitsToFloat((seg.get(SHORT, byteOff + 2L * i) & 0xffff) << 16);
                        }
                    }
                }
                return;
            }
            long step = stride * dtype.byteSize();
            for (int i = 0; i < n; i++) {
                dst[pos + i] = dtype.read(seg, byteOff + i * step);
            }
        }

        static void write(MemorySegment seg, DType dtype, long elemOff, long stride, float[] src, int pos, int n) {
            long byteOff = elemOff * dtype.byteSize();
            if (stride == 1 && dtype == DType.F32) {
                MemorySegment.copy(src, pos, seg, FLOAT, byteOff, n);
                return;
            }
            long step = stride * dtype.byteSize();
            for (int i = 0; i < n; i++) {
                dtype.write(seg, byteOff + i * step, src[pos + i]);
            }
        }
    }
}

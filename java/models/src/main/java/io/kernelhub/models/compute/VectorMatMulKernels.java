package io.kernelhub.models.compute;

import io.kernelhub.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API provider. Register-blocked micro-kernels: four weight rows against four
 * activation rows (prefill: 16 accumulators, each loaded vector used four times) and four weight
 * rows against one activation row (decode: one pass over the weights, which is all a memory-bound
 * step can do). bf16 weights are widened in registers (shift into the high half of an int), so a
 * bf16 checkpoint is streamed at half the bytes of f32; f16 rows are widened into a per-thread
 * scratch row first.
 */
public final class VectorMatMulKernels implements MatMulKernels {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));
    private static final int L = FS.length();

    // lane rotations by L/2, L/4, L/8, L/16 (those below one lane are unused): the fixed tree sum() adds in.
    // Each is its own constant so the JIT turns every step into one permute + add.
    private static final VectorShuffle<Float> BY_HALF = rotation(L / 2);
    private static final VectorShuffle<Float> BY_QUARTER = rotation(Math.max(1, L / 4));
    private static final VectorShuffle<Float> BY_EIGHTH = rotation(Math.max(1, L / 8));
    private static final VectorShuffle<Float> BY_SIXTEENTH = rotation(Math.max(1, L / 16));

    private final ThreadLocal<float[]> f16Scratch = ThreadLocal.withInitial(() -> new float[0]);

    /** Float lanes per vector (16 with AVX-512, 8 with AVX2). */
    public static int lanes() {
        return L;
    }

    static int preferredBits() {
        return FS.vectorBitSize();
    }

    @Override
    public void matmul(float[] x, int xOff, int rows, WeightMatrix w, int oFrom, int oTo, float[] y, int yOff,
                       int yStride) {
        int cols = w.cols();
        MemorySegment seg = w.data();
        boolean bf16 = w.dtype() == DType.BF16;
        long es = w.dtype().byteSize();
        long rowBytes = cols * es;
        int o = oFrom;
        for (; o + 4 <= oTo; o += 4) {
            MemorySegment rowsSeg = seg;
            long base = o * rowBytes;
            long stride = rowBytes;
            boolean wideBf16 = bf16;
            if (w.dtype() == DType.F16) {
                rowsSeg = MemorySegment.ofArray(widenF16(seg, base, 4 * cols));
                base = 0;
                stride = cols * 4L;
                wideBf16 = false;
            }
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                block4x4(x, xOff + r * cols, cols, rowsSeg, base, stride, wideBf16, y, yOff + r * yStride + o, yStride);
            }
            for (; r < rows; r++) {
                block4x1(x, xOff + r * cols, cols, rowsSeg, base, stride, wideBf16, y, yOff + r * yStride + o);
            }
        }
        for (; o < oTo; o++) {
            long base = o * rowBytes;
            for (int r = 0; r < rows; r++) {
                y[yOff + r * yStride + o] = dot(x, xOff + r * cols, seg, base, w.dtype(), 0, cols);
            }
        }
    }

    private float[] widenF16(MemorySegment seg, long base, int n) {
        float[] s = f16Scratch.get();
        if (s.length < n) {
            s = new float[n];
            f16Scratch.set(s);
        }
        for (int i = 0; i < n; i++) {
            s[i] = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + 2L * i));
        }
        return s;
    }

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(FS, i -> (i + by) % L);
    }

    /**
     * The lanes' sum in one fixed order (a tree of rotations), where {@code reduceLanes(ADD)}
     * leaves the order open: the interpreter and the JIT's code then add differently, and the
     * same call would give different bits before and after compilation.
     */
    private static float sum(FloatVector v) {
        v = v.add(v.rearrange(BY_HALF));
        if (L >= 4) {
            v = v.add(v.rearrange(BY_QUARTER));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(BY_EIGHTH));
        }
        if (L >= 16) {
            v = v.add(v.rearrange(BY_SIXTEENTH));
        }
        return v.lane(0);
    }

    private static FloatVector load(MemorySegment seg, long byteOff, boolean bf16) {
        if (bf16) {
            return ShortVector.fromMemorySegment(SS, seg, byteOff, LE)
                    .convertShape(VectorOperators.S2I, IS, 0)
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats();
        }
        return FloatVector.fromMemorySegment(FS, seg, byteOff, LE);
    }

    private static void block4x4(float[] x, int x0, int cols, MemorySegment seg, long w0, long stride, boolean bf16,
                                 float[] y, int y0, int yStride) {
        long es = bf16 ? 2 : 4;
        FloatVector a00 = FloatVector.zero(FS), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int upper = cols - cols % L;
        int k = 0;
        for (; k < upper; k += L) {
            long off = w0 + k * es;
            FloatVector w0v = load(seg, off, bf16);
            FloatVector w1v = load(seg, off + stride, bf16);
            FloatVector w2v = load(seg, off + 2 * stride, bf16);
            FloatVector w3v = load(seg, off + 3 * stride, bf16);
            FloatVector v = FloatVector.fromArray(FS, x, x0 + k);
            a00 = v.fma(w0v, a00);
            a01 = v.fma(w1v, a01);
            a02 = v.fma(w2v, a02);
            a03 = v.fma(w3v, a03);
            v = FloatVector.fromArray(FS, x, x1 + k);
            a10 = v.fma(w0v, a10);
            a11 = v.fma(w1v, a11);
            a12 = v.fma(w2v, a12);
            a13 = v.fma(w3v, a13);
            v = FloatVector.fromArray(FS, x, x2 + k);
            a20 = v.fma(w0v, a20);
            a21 = v.fma(w1v, a21);
            a22 = v.fma(w2v, a22);
            a23 = v.fma(w3v, a23);
            v = FloatVector.fromArray(FS, x, x3 + k);
            a30 = v.fma(w0v, a30);
            a31 = v.fma(w1v, a31);
            a32 = v.fma(w2v, a32);
            a33 = v.fma(w3v, a33);
        }
        DType dt = bf16 ? DType.BF16 : DType.F32;
        int y1 = y0 + yStride, y2 = y1 + yStride, y3 = y2 + yStride;
        long w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        y[y0] = sum(a00) + dot(x, x0, seg, w0, dt, upper, cols);
        y[y0 + 1] = sum(a01) + dot(x, x0, seg, w1, dt, upper, cols);
        y[y0 + 2] = sum(a02) + dot(x, x0, seg, w2, dt, upper, cols);
        y[y0 + 3] = sum(a03) + dot(x, x0, seg, w3, dt, upper, cols);
        y[y1] = sum(a10) + dot(x, x1, seg, w0, dt, upper, cols);
        y[y1 + 1] = sum(a11) + dot(x, x1, seg, w1, dt, upper, cols);
        y[y1 + 2] = sum(a12) + dot(x, x1, seg, w2, dt, upper, cols);
        y[y1 + 3] = sum(a13) + dot(x, x1, seg, w3, dt, upper, cols);
        y[y2] = sum(a20) + dot(x, x2, seg, w0, dt, upper, cols);
        y[y2 + 1] = sum(a21) + dot(x, x2, seg, w1, dt, upper, cols);
        y[y2 + 2] = sum(a22) + dot(x, x2, seg, w2, dt, upper, cols);
        y[y2 + 3] = sum(a23) + dot(x, x2, seg, w3, dt, upper, cols);
        y[y3] = sum(a30) + dot(x, x3, seg, w0, dt, upper, cols);
        y[y3 + 1] = sum(a31) + dot(x, x3, seg, w1, dt, upper, cols);
        y[y3 + 2] = sum(a32) + dot(x, x3, seg, w2, dt, upper, cols);
        y[y3 + 3] = sum(a33) + dot(x, x3, seg, w3, dt, upper, cols);
    }

    private static void block4x1(float[] x, int x0, int cols, MemorySegment seg, long w0, long stride, boolean bf16,
                                 float[] y, int y0) {
        long es = bf16 ? 2 : 4;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        int upper = cols - cols % L;
        int k = 0;
        for (; k < upper; k += L) {
            long off = w0 + k * es;
            FloatVector v = FloatVector.fromArray(FS, x, x0 + k);
            a0 = v.fma(load(seg, off, bf16), a0);
            a1 = v.fma(load(seg, off + stride, bf16), a1);
            a2 = v.fma(load(seg, off + 2 * stride, bf16), a2);
            a3 = v.fma(load(seg, off + 3 * stride, bf16), a3);
        }
        DType dt = bf16 ? DType.BF16 : DType.F32;
        y[y0] = sum(a0) + dot(x, x0, seg, w0, dt, upper, cols);
        y[y0 + 1] = sum(a1) + dot(x, x0, seg, w0 + stride, dt, upper, cols);
        y[y0 + 2] = sum(a2) + dot(x, x0, seg, w0 + 2 * stride, dt, upper, cols);
        y[y0 + 3] = sum(a3) + dot(x, x0, seg, w0 + 3 * stride, dt, upper, cols);
    }

    /**
     * Columns {@code [from, cols)} of one row, scalar: the columns past the last full vector (none
     * when cols is a multiple of the lane count), and whole rows past the last block of four.
     */
    private static float dot(float[] x, int x0, MemorySegment seg, long rowOff, DType dt, int from, int cols) {
        long es = dt.byteSize();
        float s = 0;
        for (int k = from; k < cols; k++) {
            s += x[x0 + k] * dt.read(seg, rowOff + k * es);
        }
        return s;
    }

    @Override
    public String describe() {
        return "Vector API, " + L + " float lanes";
    }
}

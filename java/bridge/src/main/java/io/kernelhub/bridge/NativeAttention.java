package io.kernelhub.bridge;

import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.bridge.generated.kh_attention_args;
import io.kernelhub.bridge.generated.kh_attention_fn;
import io.kernelhub.bridge.generated.kh_tensor;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A bundle op as an {@link AttentionFunction}: turns a validated request into a
 * {@code kh_attention_args} and calls the op. The registry has already checked the request
 * against the op's declared capabilities; what is checked here is what only the bridge knows
 * (memory the native side can address). A failing op becomes an exception carrying its message.
 */
final class NativeAttention implements AttentionFunction {

    private static final int ERR_CAP = 1024;

    private final String name;
    private final NativeOp op;

    NativeAttention(String name, NativeOp op) {
        this.name = name;
        this.op = op;
    }

    @Override
    public AttentionOutput forward(AttentionRequest r) {
        AttentionOutput outputs = r.allocateOutputs();
        for (Tensor t : new Tensor[] {r.q(), r.k(), r.v(), outputs.out(), outputs.lse()}) {
            if (t != null && !t.segment().isNative()) {
                throw new IllegalArgumentException("'" + name + "' is a native kernel and needs tensors in native memory "
                        + "(Tensor.zeros / an Arena), not heap arrays; copy with Tensor.contiguous()");
            }
        }
        CallScratch scratch = SCRATCH.get();
        MemorySegment args = scratch.args;
        args.fill((byte) 0);
        kh_attention_args.struct_size(args, (int) kh_attention_args.sizeof());
        kh_attention_args.flags(args, r.causal() ? kernelhub_h.KH_ATTN_CAUSAL() : 0);
        describe(kh_attention_args.q(args), r.q());
        describe(kh_attention_args.k(args), r.k());
        describe(kh_attention_args.v(args), r.v());
        describe(kh_attention_args.out(args), outputs.out());
        if (outputs.lse() != null) {
            describe(kh_attention_args.lse(args), outputs.lse());
        }
        kh_attention_args.batch(args, r.batch());
        kh_attention_args.max_seqlen_q(args, r.maxSeqQ());
        kh_attention_args.max_seqlen_k(args, r.maxSeqK());
        kh_attention_args.window_left(args, r.windowLeft());
        kh_attention_args.window_right(args, r.windowRight());
        kh_attention_args.scale(args, (float) r.scale());
        kh_attention_args.softcap(args, r.softcap());
        kh_attention_args.stream(args, MemorySegment.ofAddress(r.stream()));
        int[] seqlensK = r.seqlensK();
        int[] cuQ = r.cuSeqlensQ();
        int[] cuK = r.cuSeqlensK();
        MemorySegment ints = scratch.ints(length(seqlensK) + length(cuQ) + length(cuK));
        long at = 0;
        kh_attention_args.seqlens_k(args, put(ints, at, seqlensK));
        at += length(seqlensK);
        kh_attention_args.cu_seqlens_q(args, put(ints, at, cuQ));
        at += length(cuQ);
        kh_attention_args.cu_seqlens_k(args, put(ints, at, cuK));
        MemorySegment err = scratch.err;
        err.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        int status;
        try {
            status = kh_attention_fn.invoke(op.function(), args, err, ERR_CAP);
        } catch (Throwable t) {
            throw new IllegalStateException("calling native op '" + name + "' failed: " + t, t);
        }
        if (status != kernelhub_h.KH_OK()) {
            throw NativeKernelException.of(name, status, BundleLoader.message(err));
        }
        return outputs;
    }

    private static void describe(MemorySegment t, Tensor tensor) {
        kh_tensor.data(t, tensor.segment().asSlice(tensor.offset() * tensor.dtype().byteSize()));
        kh_tensor.dtype(t, switch (tensor.dtype()) {
            case F32 -> kernelhub_h.KH_DTYPE_F32();
            case F16 -> kernelhub_h.KH_DTYPE_F16();
            case BF16 -> kernelhub_h.KH_DTYPE_BF16();
        });
        kh_tensor.device_kind(t, tensor.device().isCpu() ? kernelhub_h.KH_DEVICE_CPU() : kernelhub_h.KH_DEVICE_CUDA());
        kh_tensor.device_index(t, tensor.device().index());
        kh_tensor.rank(t, tensor.rank());
        for (int i = 0; i < tensor.rank(); i++) {
            kh_tensor.shape(t, i, tensor.size(i));
            kh_tensor.strides(t, i, tensor.stride(i));
        }
    }

    private static int length(int[] values) {
        return values == null ? 0 : values.length;
    }

    private static MemorySegment put(MemorySegment ints, long at, int[] values) {
        if (values == null) {
            return MemorySegment.NULL;
        }
        MemorySegment slice = ints.asSlice(at * Integer.BYTES, (long) values.length * Integer.BYTES);
        MemorySegment.copy(values, 0, slice, ValueLayout.JAVA_INT, 0, values.length);
        return slice;
    }

    /**
     * Per-thread native memory for the call's argument struct, error buffer and length arrays,
     * reused across calls so a call allocates nothing native (ops never call back into Java,
     * so a thread is never in two calls at once).
     */
    private static final ThreadLocal<CallScratch> SCRATCH = ThreadLocal.withInitial(CallScratch::new);

    private static final class CallScratch {
        private final Arena arena = Arena.ofAuto();
        final MemorySegment args = kh_attention_args.allocate(arena);
        final MemorySegment err = arena.allocate(ERR_CAP);
        private MemorySegment ints = arena.allocate(ValueLayout.JAVA_INT, 64);

        MemorySegment ints(long count) {
            if (count * Integer.BYTES > ints.byteSize()) {
                ints = Arena.ofAuto().allocate(ValueLayout.JAVA_INT, Math.max(count, ints.byteSize() / 2));
            }
            return ints;
        }
    }
}

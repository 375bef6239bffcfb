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
import java.lang.invoke.MethodHandle;

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
    private final MethodHandle invoker = kh_attention_fn.invoker();

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
        try (Arena call = Arena.ofConfined()) {
            MemorySegment args = kh_attention_args.allocate(call);
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
            kh_attention_args.seqlens_k(args, ints(call, r.seqlensK()));
            kh_attention_args.cu_seqlens_q(args, ints(call, r.cuSeqlensQ()));
            kh_attention_args.cu_seqlens_k(args, ints(call, r.cuSeqlensK()));
            kh_attention_args.block_table(args, MemorySegment.NULL);
            kh_attention_args.stream(args, MemorySegment.NULL);
            MemorySegment err = call.allocate(ERR_CAP);
            int status;
            try {
                status = (int) invoker.invokeExact(op.function(), args, err, (long) ERR_CAP);
            } catch (Throwable t) {
                throw new IllegalStateException("calling native op '" + name + "' failed: " + t, t);
            }
            if (status != kernelhub_h.KH_OK()) {
                throw NativeKernelException.of(name, status, BundleLoader.message(err));
            }
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

    private static MemorySegment ints(Arena arena, int[] values) {
        return values == null ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_INT, values);
    }
}

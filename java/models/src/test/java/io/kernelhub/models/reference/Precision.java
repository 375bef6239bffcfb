package io.kernelhub.models.reference;

/**
 * The precision a {@link LlamaReference} forward pass runs in.
 *
 * <p>{@link #F64} is the yardstick: every op in double, nothing rounded. The others emulate a
 * Hugging Face model loaded with {@code torch_dtype} float32, float16 or bfloat16 and eager
 * attention: every op is still computed in double, but its result is rounded where PyTorch
 * materialises a tensor of that dtype ({@link #round}), and the float32 intermediates that
 * modeling_llama.py asks for explicitly (RMSNorm's statistics, the softmax, the rotary tables)
 * are rounded to float32 ({@link #f32}). Accumulations (matmuls) are exact-then-rounded-once,
 * so these are a little more accurate than a real GEMM: a fair "low-precision reference".
 */
public enum Precision {
    /** No rounding anywhere. */
    F64,
    /** torch_dtype float32. */
    F32,
    /** torch_dtype float16. */
    F16,
    /** torch_dtype bfloat16. */
    BF16;

    /**
     * An op's result as the model's dtype holds it: rounded to float32 first (PyTorch computes
     * f16/bf16 ops in float32), then to the dtype. Identity for {@link #F64}.
     */
    public double round(double x) {
        return switch (this) {
            case F64 -> x;
            case F32 -> LowPrecision.f32(x);
            case F16 -> LowPrecision.f16(LowPrecision.f32(x));
            case BF16 -> LowPrecision.bf16(LowPrecision.f32(x));
        };
    }

    /** A float32 intermediate (an explicit {@code .float()} / {@code dtype=torch.float32} in HF). Identity for {@link #F64}. */
    public double f32(double x) {
        return this == F64 ? x : LowPrecision.f32(x);
    }

    /** The name Hugging Face's {@code torch_dtype} uses, or "float64". */
    public String torchDtype() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }
}

/* Prints sizeof/offsetof of every kernelhub.h struct as JSON; GeneratedLayoutTest compiles it
 * with the system C compiler and compares the Java bindings' layouts with it. */
#include <stddef.h>
#include <stdio.h>
#include "kernelhub.h"

#define FIELD(s, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(s, f)), first = 0
#define STRUCT_BEGIN(s) printf("%s\"%s\": {\"sizeof\": %zu, \"fields\": {", nstruct++ ? ", " : "", #s, sizeof(s)), first = 1
#define STRUCT_END() printf("}}")

int main(void) {
    int first, nstruct = 0;
    printf("{");
    STRUCT_BEGIN(kh_tensor);
    FIELD(kh_tensor, data); FIELD(kh_tensor, dtype); FIELD(kh_tensor, device_kind); FIELD(kh_tensor, device_index);
    FIELD(kh_tensor, rank); FIELD(kh_tensor, shape); FIELD(kh_tensor, strides);
    STRUCT_END();
    STRUCT_BEGIN(kh_attention_args);
    FIELD(kh_attention_args, struct_size); FIELD(kh_attention_args, flags); FIELD(kh_attention_args, q);
    FIELD(kh_attention_args, k); FIELD(kh_attention_args, v); FIELD(kh_attention_args, out); FIELD(kh_attention_args, lse);
    FIELD(kh_attention_args, batch); FIELD(kh_attention_args, max_seqlen_q); FIELD(kh_attention_args, max_seqlen_k);
    FIELD(kh_attention_args, window_left); FIELD(kh_attention_args, window_right); FIELD(kh_attention_args, scale);
    FIELD(kh_attention_args, softcap); FIELD(kh_attention_args, page_size); FIELD(kh_attention_args, block_table_stride);
    FIELD(kh_attention_args, seqlens_k); FIELD(kh_attention_args, cu_seqlens_q); FIELD(kh_attention_args, cu_seqlens_k);
    FIELD(kh_attention_args, block_table); FIELD(kh_attention_args, stream);
    STRUCT_END();
    STRUCT_BEGIN(kh_op_desc);
    FIELD(kh_op_desc, struct_size); FIELD(kh_op_desc, features); FIELD(kh_op_desc, name); FIELD(kh_op_desc, description);
    FIELD(kh_op_desc, device_kind); FIELD(kh_op_desc, dtypes); FIELD(kh_op_desc, min_head_dim);
    FIELD(kh_op_desc, max_head_dim); FIELD(kh_op_desc, head_dim_multiple); FIELD(kh_op_desc, is_default);
    FIELD(kh_op_desc, fn);
    STRUCT_END();
    STRUCT_BEGIN(kh_host);
    FIELD(kh_host, struct_size); FIELD(kh_host, abi_version); FIELD(kh_host, host_ctx); FIELD(kh_host, register_op);
    FIELD(kh_host, log);
    STRUCT_END();
    printf(", \"constants\": {");
    first = 1;
    printf("%s\"KH_ABI_VERSION\": %lld", first ? "" : ", ", (long long) (KH_ABI_VERSION)), first = 0;
    printf("%s\"KH_NOTE_ABI_VERSION\": %lld", first ? "" : ", ", (long long) (KH_NOTE_ABI_VERSION)), first = 0;
    printf("%s\"KH_OK\": %lld", first ? "" : ", ", (long long) (KH_OK)), first = 0;
    printf("%s\"KH_ERR_INVALID_ARGUMENT\": %lld", first ? "" : ", ", (long long) (KH_ERR_INVALID_ARGUMENT)), first = 0;
    printf("%s\"KH_ERR_UNSUPPORTED\": %lld", first ? "" : ", ", (long long) (KH_ERR_UNSUPPORTED)), first = 0;
    printf("%s\"KH_ERR_DEVICE\": %lld", first ? "" : ", ", (long long) (KH_ERR_DEVICE)), first = 0;
    printf("%s\"KH_ERR_OUT_OF_MEMORY\": %lld", first ? "" : ", ", (long long) (KH_ERR_OUT_OF_MEMORY)), first = 0;
    printf("%s\"KH_ERR_INTERNAL\": %lld", first ? "" : ", ", (long long) (KH_ERR_INTERNAL)), first = 0;
    printf("%s\"KH_DTYPE_F32\": %lld", first ? "" : ", ", (long long) (KH_DTYPE_F32)), first = 0;
    printf("%s\"KH_DTYPE_F16\": %lld", first ? "" : ", ", (long long) (KH_DTYPE_F16)), first = 0;
    printf("%s\"KH_DTYPE_BF16\": %lld", first ? "" : ", ", (long long) (KH_DTYPE_BF16)), first = 0;
    printf("%s\"KH_DTYPE_I32\": %lld", first ? "" : ", ", (long long) (KH_DTYPE_I32)), first = 0;
    printf("%s\"KH_DEVICE_CPU\": %lld", first ? "" : ", ", (long long) (KH_DEVICE_CPU)), first = 0;
    printf("%s\"KH_DEVICE_CUDA\": %lld", first ? "" : ", ", (long long) (KH_DEVICE_CUDA)), first = 0;
    printf("%s\"KH_FEATURE_CAUSAL\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_CAUSAL)), first = 0;
    printf("%s\"KH_FEATURE_SLIDING_WINDOW\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_SLIDING_WINDOW)), first = 0;
    printf("%s\"KH_FEATURE_SOFTCAP\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_SOFTCAP)), first = 0;
    printf("%s\"KH_FEATURE_GQA\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_GQA)), first = 0;
    printf("%s\"KH_FEATURE_KEY_PADDING\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_KEY_PADDING)), first = 0;
    printf("%s\"KH_FEATURE_VARLEN\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_VARLEN)), first = 0;
    printf("%s\"KH_FEATURE_LSE\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_LSE)), first = 0;
    printf("%s\"KH_FEATURE_PAGED_KV\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_PAGED_KV)), first = 0;
    printf("%s\"KH_FEATURE_SINKS\": %lld", first ? "" : ", ", (long long) (KH_FEATURE_SINKS)), first = 0;
    printf("%s\"KH_ATTN_CAUSAL\": %lld", first ? "" : ", ", (long long) (KH_ATTN_CAUSAL)), first = 0;
    printf("%s\"KH_MAX_RANK\": %lld", first ? "" : ", ", (long long) (KH_MAX_RANK)), first = 0;
    printf("}");
    printf("}\n");
    return 0;
}

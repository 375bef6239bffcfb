/* A bundle whose one op returns at once: the JMH overhead benchmark's subject. */
#include <stddef.h>
#include "kernelhub.h"

static kh_status noop(const kh_attention_args *args, char *err, size_t cap) {
    (void)err;
    (void)cap;
    return args != NULL ? KH_OK : KH_ERR_INVALID_ARGUMENT;
}

KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }

KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
    (void)err;
    (void)cap;
    kh_op_desc op = {0};
    op.struct_size = sizeof op;
    op.name = "noop";
    op.description = "returns immediately";
    op.device_kind = KH_DEVICE_CPU;
    op.dtypes = 1u << KH_DTYPE_F32;
    op.min_head_dim = 1;
    op.max_head_dim = 256;
    op.head_dim_multiple = 1;
    op.features = KH_FEATURE_CAUSAL | KH_FEATURE_LSE | KH_FEATURE_GQA;
    op.is_default = 1;
    op.fn = noop;
    return host->register_op(host->host_ctx, &op);
}

/*
 * A bundle for the loader tests. Built several times with -D switches into deliberately
 * broken variants; the default build is well-formed. Its ops are not attention: "copy_q" writes
 * out = q * SCALE_BY (checking the args it was given) so the tests can see exactly what the host
 * passed; "fail" returns an error with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kernelhub.h"

#ifndef TEST_VERSION_TEXT
#define TEST_VERSION_TEXT "1"
#endif

#ifndef SCALE_BY
#define SCALE_BY 1.0f
#endif

static float load(const kh_tensor *t, int64_t off) {
    if (t->dtype == KH_DTYPE_F32) return ((const float *)t->data)[off];
    uint16_t h = ((const uint16_t *)t->data)[off];
    if (t->dtype == KH_DTYPE_BF16) {
        uint32_t bits = (uint32_t)h << 16;
        float f;
        memcpy(&f, &bits, 4);
        return f;
    }
    return NAN; /* f16 is not declared by this bundle */
}

static void store(const kh_tensor *t, int64_t off, float v) {
    if (t->dtype == KH_DTYPE_F32) {
        ((float *)t->data)[off] = v;
    } else {
        uint32_t bits;
        memcpy(&bits, &v, 4);
        ((uint16_t *)t->data)[off] = (uint16_t)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }
}

/* out = q * SCALE_BY elementwise over the fixed BSHD layout, honouring strides; lse = max_seqlen_k */
__attribute__((unused)) static kh_status copy_q(const kh_attention_args *a, char *err, size_t cap) {
    if (a == NULL || a->struct_size < sizeof(kh_attention_args)) {
        snprintf(err, cap, "args too small");
        return KH_ERR_INVALID_ARGUMENT;
    }
    if (a->q.rank != 4 || a->q.strides[3] != 1) {
        snprintf(err, cap, "copy_q needs a fixed-layout q with a contiguous last dim, got rank %d", a->q.rank);
        return KH_ERR_INVALID_ARGUMENT;
    }
    for (int64_t b = 0; b < a->q.shape[0]; b++)
        for (int64_t s = 0; s < a->q.shape[1]; s++)
            for (int64_t h = 0; h < a->q.shape[2]; h++)
                for (int64_t d = 0; d < a->q.shape[3]; d++) {
                    int64_t qo = b * a->q.strides[0] + s * a->q.strides[1] + h * a->q.strides[2] + d;
                    int64_t oo = b * a->out.strides[0] + s * a->out.strides[1] + h * a->out.strides[2] + d;
                    store(&a->out, oo, load(&a->q, qo) * SCALE_BY);
                }
    if (a->lse.data != NULL) {
        float *lse = (float *)a->lse.data;
        for (int64_t i = 0; i < a->lse.shape[0] * a->lse.shape[1] * a->lse.shape[2]; i++) lse[i] = (float)a->max_seqlen_k;
    }
    return KH_OK;
}

__attribute__((unused)) static kh_status fail(const kh_attention_args *a, char *err, size_t cap) {
    (void)a;
    snprintf(err, cap, "device lost while running (test)");
    return KH_ERR_DEVICE;
}

#ifndef NO_VERSION
KH_EXPORT uint32_t kh_abi_version(void) {
#ifdef WRONG_ABI
    return KH_ABI_VERSION + 41;
#else
    return KH_ABI_VERSION;
#endif
}
#endif

#ifndef NO_REGISTER
KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
    kh_op_desc op;
    memset(&op, 0, sizeof op);
    op.struct_size = sizeof op;
    op.name = "copy_q";
    op.description = "test op: out = q * " TEST_VERSION_TEXT;
    op.device_kind = KH_DEVICE_CPU;
    op.dtypes = (1u << KH_DTYPE_F32) | (1u << KH_DTYPE_BF16);
    op.min_head_dim = 8;
    op.max_head_dim = 64;
    op.head_dim_multiple = 8;
    op.features = KH_FEATURE_LSE | KH_FEATURE_GQA;
    op.is_default = 1;
    op.fn = copy_q;
#ifdef BAD_OP
    op.name = "9 bad name";
    op.fn = NULL;
    op.dtypes = 1u << 9;
    op.min_head_dim = 100;
    op.max_head_dim = 10;
#endif
#ifdef SMALL_STRUCT
    op.struct_size = 8;
#endif
    kh_status s = host->register_op(host->host_ctx, &op);
    if (s != KH_OK) {
        snprintf(err, cap, "host refused op %s", op.name);
        return s;
    }
    host->log(host->host_ctx, 1, "registered copy_q");
#ifdef REGISTER_FAILS
    snprintf(err, cap, "no usable CPU found (test)");
    return KH_ERR_DEVICE;
#endif
    kh_op_desc second = op;
    second.name = "fail";
    second.description = "always fails";
#ifndef TWO_DEFAULTS
    second.is_default = 0;
#endif
#ifdef DUPLICATE_NAME
    second.name = "copy_q";
#endif
    second.fn = fail;
    s = host->register_op(host->host_ctx, &second);
    if (s != KH_OK) {
        snprintf(err, cap, "host refused op %s", second.name);
        return s;
    }
    return KH_OK;
}
#endif

/*
 * @KH_ID@ — a reference CPU attention kernel for kernelhub.
 *
 * Plain C11, single-threaded, no SIMD: correct first, so it can serve as the starting point of a
 * fast kernel (and as a second reference while you optimise). Implements the whole contract of
 * kernelhub.h for the op "fwd":
 *   - dtypes f32, f16, bf16 (q, k, v and out share one dtype); f32 accumulation; f16/bf16
 *     outputs rounded to nearest even
 *   - fixed layout q [batch, seq_q, heads_q, dim], k/v [batch, seq_k, heads_kv, dim] with
 *     optional key padding (seqlens_k), or packed varlen through cu_seqlens_q / cu_seqlens_k
 *   - any non-negative strides, last dimension contiguous
 *   - bottom-right aligned causal mask, sliding window (left, right), softcap, GQA/MQA, LSE
 *   - head dims 1..512
 * A query row that sees no key gets zeros and LSE -inf. Every argument is checked; a bad one is
 * reported through err, never by crashing.
 */
#include "kernelhub.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KH_BUNDLE_ID /* defined by KernelHub.cmake */
#define KH_BUNDLE_ID "@KH_ID@"
#endif
#ifndef KH_BUNDLE_VERSION
#define KH_BUNDLE_VERSION "0.0.0"
#endif

#define MAX_HEAD_DIM 512

/* ---- errors ------------------------------------------------------------------------------ */

static kh_status fail(kh_status status, char *err, size_t err_cap, const char *fmt, ...) {
    if (err != NULL && err_cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_cap, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* ---- f16 / bf16 conversions (bit exact, round to nearest even) ------------------------------ */

static float bits_to_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t f32_to_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t mant = h & 0x3FFu;
    if (exp == 0) { /* zero or subnormal: mant * 2^-24 */
        float v = (float)mant * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (exp == 31) return bits_to_f32(sign | 0x7F800000u | (mant << 13)); /* inf, nan */
    return bits_to_f32(sign | ((exp + 112u) << 23) | (mant << 13));
}

static uint16_t f32_to_f16(float f) {
    uint32_t x = f32_to_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t a = x & 0x7FFFFFFFu;
    if (a >= 0x7F800000u) /* inf stays inf; nan stays a quiet nan */
        return (uint16_t)(sign | 0x7C00u | (a > 0x7F800000u ? 0x200u | ((a >> 13) & 0x3FFu) : 0u));
    if (a >= 0x477FF000u) /* >= 65520: rounds to infinity */
        return (uint16_t)(sign | 0x7C00u);
    if (a < 0x38800000u) { /* below 2^-14: an f16 subnormal (or zero) */
        uint32_t e = a >> 23;
        if (e < 102) return sign; /* below 2^-25: rounds to zero */
        uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
        uint32_t shift = 126u - e; /* 14..24 */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
    /* normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even;
       a carry out of the mantissa correctly bumps the exponent */
    a += 0xC8000FFFu + ((a >> 13) & 1u);
    return (uint16_t)(sign | (a >> 13));
}

static float bf16_to_f32(uint16_t b) { return bits_to_f32((uint32_t)b << 16); }

static uint16_t f32_to_bf16(float f) {
    uint32_t x = f32_to_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet nan */
    x += 0x7FFFu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

static size_t dtype_size(int32_t dtype) { return dtype == KH_DTYPE_F32 ? 4 : 2; }

static const char *dtype_name(int32_t dtype) {
    switch (dtype) {
    case KH_DTYPE_F32: return "f32";
    case KH_DTYPE_F16: return "f16";
    case KH_DTYPE_BF16: return "bf16";
    case KH_DTYPE_I32: return "i32";
    default: return "unknown";
    }
}

/* Reads n contiguous elements starting at p into dst as f32. */
static void load_row(float *dst, const void *p, int32_t dtype, int64_t n) {
    if (dtype == KH_DTYPE_F32) {
        memcpy(dst, p, (size_t)n * sizeof(float));
    } else if (dtype == KH_DTYPE_F16) {
        const uint16_t *s = (const uint16_t *)p;
        for (int64_t i = 0; i < n; i++) dst[i] = f16_to_f32(s[i]);
    } else {
        const uint16_t *s = (const uint16_t *)p;
        for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_f32(s[i]);
    }
}

static void store_row(void *p, const float *src, int32_t dtype, int64_t n) {
    if (dtype == KH_DTYPE_F32) {
        memcpy(p, src, (size_t)n * sizeof(float));
    } else if (dtype == KH_DTYPE_F16) {
        uint16_t *d = (uint16_t *)p;
        for (int64_t i = 0; i < n; i++) d[i] = f32_to_f16(src[i]);
    } else {
        uint16_t *d = (uint16_t *)p;
        for (int64_t i = 0; i < n; i++) d[i] = f32_to_bf16(src[i]);
    }
}

/* ---- validation ---------------------------------------------------------------------------- */

static kh_status check_tensor(const kh_tensor *t, const char *what, int32_t rank, int32_t dtype, int last_contiguous,
                              char *err, size_t err_cap) {
    if (t->device_kind != KH_DEVICE_CPU)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "%s is on device kind %d; this op runs on the CPU (%d)", what,
                    (int)t->device_kind, KH_DEVICE_CPU);
    if (t->rank != rank)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s has rank %d, expected %d", what, (int)t->rank, (int)rank);
    if (t->dtype != dtype)
        return fail(t->dtype == KH_DTYPE_F32 || t->dtype == KH_DTYPE_F16 || t->dtype == KH_DTYPE_BF16
                        ? KH_ERR_INVALID_ARGUMENT
                        : KH_ERR_UNSUPPORTED,
                    err, err_cap, "%s has dtype %s (%d), expected %s", what, dtype_name(t->dtype), (int)t->dtype,
                    dtype_name(dtype));
    int64_t elements = 1;
    for (int32_t d = 0; d < rank; d++) {
        if (t->shape[d] < 0)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s has a negative size %lld in dimension %d", what,
                        (long long)t->shape[d], (int)d);
        if (t->strides[d] < 0)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s has a negative stride %lld in dimension %d", what,
                        (long long)t->strides[d], (int)d);
        elements *= t->shape[d];
    }
    if (last_contiguous && t->shape[rank - 1] > 1 && t->strides[rank - 1] != 1)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "%s has last-dimension stride %lld; this op needs it contiguous (1)",
                    what, (long long)t->strides[rank - 1]);
    if (elements > 0 && t->data == NULL)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s has %lld elements but a NULL data pointer", what,
                    (long long)elements);
    return KH_OK;
}

static kh_status check_cu_seqlens(const int32_t *cu, const char *what, int32_t batch, int64_t total, int32_t max_len,
                                  int32_t *longest, char *err, size_t err_cap) {
    if (cu[0] != 0) return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s[0] is %d, must be 0", what, (int)cu[0]);
    *longest = 0;
    for (int32_t b = 0; b < batch; b++) {
        int64_t len = (int64_t)cu[b + 1] - cu[b];
        if (len < 0)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s decreases at %d (%d -> %d)", what, (int)b, (int)cu[b],
                        (int)cu[b + 1]);
        if (max_len > 0 && len > max_len)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "sequence %d has length %lld per %s, above the given maximum %d",
                        (int)b, (long long)len, what, (int)max_len);
        if (len > *longest) *longest = (int32_t)len;
    }
    if (cu[batch] > total)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "%s[%d] = %d exceeds the %lld packed tokens", what, (int)batch,
                    (int)cu[batch], (long long)total);
    return KH_OK;
}

/* Everything the compute loop needs, after validation. */
typedef struct plan {
    int varlen;
    int32_t dtype;
    int64_t batch, heads_q, heads_kv, dim;
    int64_t seq_q, seq_k; /* fixed layout */
    int64_t longest_k;    /* size of the score buffer */
    int causal;
    int64_t win_left, win_right; /* -1 = unlimited */
    float scale, softcap;
} plan;

static kh_status validate(const kh_attention_args *a, plan *p, char *err, size_t err_cap) {
    if (a->struct_size < sizeof(kh_attention_args))
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "kh_attention_args.struct_size is %u, this op needs >= %u",
                    (unsigned)a->struct_size, (unsigned)sizeof(kh_attention_args));
    if ((a->flags & ~(uint32_t)KH_ATTN_CAUSAL) != 0)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "unknown flags 0x%x", (unsigned)(a->flags & ~(uint32_t)KH_ATTN_CAUSAL));
    if (a->block_table != NULL || a->page_size != 0)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "paged KV (block_table / page_size) is not supported by this op");
    if ((a->cu_seqlens_q == NULL) != (a->cu_seqlens_k == NULL))
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "varlen needs both cu_seqlens_q and cu_seqlens_k");
    if (a->batch < 0) return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "batch is %d, must be >= 0", (int)a->batch);
    if (a->max_seqlen_q < 0 || a->max_seqlen_k < 0)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "max_seqlen_q/k (%d, %d) must be >= 0", (int)a->max_seqlen_q,
                    (int)a->max_seqlen_k);

    memset(p, 0, sizeof *p);
    p->varlen = a->cu_seqlens_q != NULL;
    p->dtype = a->q.dtype;
    if (p->dtype != KH_DTYPE_F32 && p->dtype != KH_DTYPE_F16 && p->dtype != KH_DTYPE_BF16)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "q has dtype %s (%d); this op takes f32, f16 or bf16",
                    dtype_name(p->dtype), (int)p->dtype);
    int32_t rank = p->varlen ? 3 : 4;
    kh_status st;
    if ((st = check_tensor(&a->q, "q", rank, p->dtype, 1, err, err_cap)) != KH_OK) return st;
    if ((st = check_tensor(&a->k, "k", rank, p->dtype, 1, err, err_cap)) != KH_OK) return st;
    if ((st = check_tensor(&a->v, "v", rank, p->dtype, 1, err, err_cap)) != KH_OK) return st;
    if ((st = check_tensor(&a->out, "out", rank, p->dtype, 1, err, err_cap)) != KH_OK) return st;

    const int64_t *qs = a->q.shape, *ks = a->k.shape, *vs = a->v.shape, *os = a->out.shape;
    for (int32_t d = 0; d < rank; d++) {
        if (ks[d] != vs[d])
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "k and v shapes differ in dimension %d (%lld vs %lld)", (int)d,
                        (long long)ks[d], (long long)vs[d]);
        if (qs[d] != os[d])
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "out and q shapes differ in dimension %d (%lld vs %lld)",
                        (int)d, (long long)os[d], (long long)qs[d]);
    }
    int32_t hd = rank - 2; /* index of the heads dimension */
    p->batch = a->batch;
    p->heads_q = qs[hd];
    p->heads_kv = ks[hd];
    p->dim = qs[rank - 1];
    if (ks[rank - 1] != p->dim)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "q head_dim %lld differs from k/v head_dim %lld",
                    (long long)p->dim, (long long)ks[rank - 1]);
    if (p->dim < 1 || p->dim > MAX_HEAD_DIM)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "head_dim %lld is outside the supported 1..%d", (long long)p->dim,
                    MAX_HEAD_DIM);
    if (p->heads_q < 1 || p->heads_kv < 1 || p->heads_q % p->heads_kv != 0)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "heads_q (%lld) must be a positive multiple of heads_kv (%lld)",
                    (long long)p->heads_q, (long long)p->heads_kv);

    if (p->varlen) {
        if (a->seqlens_k != NULL)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap,
                        "seqlens_k is for the fixed layout; with varlen the key lengths come from cu_seqlens_k");
        int32_t longest_q;
        int32_t longest_k;
        if ((st = check_cu_seqlens(a->cu_seqlens_q, "cu_seqlens_q", a->batch, qs[0], a->max_seqlen_q, &longest_q, err,
                                   err_cap)) != KH_OK)
            return st;
        if ((st = check_cu_seqlens(a->cu_seqlens_k, "cu_seqlens_k", a->batch, ks[0], a->max_seqlen_k, &longest_k, err,
                                   err_cap)) != KH_OK)
            return st;
        p->longest_k = longest_k;
    } else {
        if (qs[0] != a->batch || ks[0] != a->batch)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "batch is %d but q / k have %lld / %lld sequences",
                        (int)a->batch, (long long)qs[0], (long long)ks[0]);
        p->seq_q = qs[1];
        p->seq_k = ks[1];
        p->longest_k = p->seq_k;
        if (p->seq_q > INT32_MAX || p->seq_k > INT32_MAX)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "sequence lengths above 2^31 - 1 are not supported");
        if (a->seqlens_k != NULL)
            for (int32_t b = 0; b < a->batch; b++)
                if (a->seqlens_k[b] < 0 || a->seqlens_k[b] > p->seq_k)
                    return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "seqlens_k[%d] = %d is outside 0..seq_k (%lld)", (int)b,
                                (int)a->seqlens_k[b], (long long)p->seq_k);
    }

    if (a->lse.data != NULL) {
        if ((st = check_tensor(&a->lse, "lse", p->varlen ? 2 : 3, KH_DTYPE_F32, 0, err, err_cap)) != KH_OK) return st;
        const int64_t *ls = a->lse.shape;
        int ok = p->varlen ? (ls[0] == p->heads_q && ls[1] == qs[0])
                           : (ls[0] == p->batch && ls[1] == p->heads_q && ls[2] == p->seq_q);
        if (!ok)
            return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "lse must have shape %s",
                        p->varlen ? "[heads_q, total_q]" : "[batch, heads_q, seq_q]");
    }

    p->causal = (a->flags & KH_ATTN_CAUSAL) != 0;
    if (a->window_left < -1 || a->window_right < -1)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "window (%d, %d): each side must be >= 0 or -1 (unlimited)",
                    (int)a->window_left, (int)a->window_right);
    if (p->causal && a->window_right > 0)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "causal attention with window_right = %d > 0",
                    (int)a->window_right);
    p->win_left = a->window_left;
    p->win_right = p->causal ? 0 : a->window_right;
    if (!isfinite(a->scale))
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "scale %g is not finite", (double)a->scale);
    if (!isfinite(a->softcap) || a->softcap < 0.0f)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "softcap %g must be finite and >= 0 (0 = off)",
                    (double)a->softcap);
    p->scale = a->scale;
    p->softcap = a->softcap;
    return KH_OK;
}

/* ---- compute --------------------------------------------------------------------------------- */

static const char *elem(const kh_tensor *t, int64_t offset, size_t esize) {
    return (const char *)t->data + offset * (int64_t)esize;
}

static kh_status attention_fwd(const kh_attention_args *a, char *err, size_t err_cap) {
    if (a == NULL) return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "args is NULL");
    plan p;
    kh_status st = validate(a, &p, err, err_cap);
    if (st != KH_OK) return st;

    const size_t es = dtype_size(p.dtype);
    const int64_t group = p.heads_q / p.heads_kv;
    float *scores = (float *)malloc((size_t)(p.longest_k > 0 ? p.longest_k : 1) * sizeof(float));
    float *qrow = (float *)malloc((size_t)p.dim * sizeof(float));
    float *krow = (float *)malloc((size_t)p.dim * sizeof(float));
    float *acc = (float *)malloc((size_t)p.dim * sizeof(float));
    if (scores == NULL || qrow == NULL || krow == NULL || acc == NULL) {
        free(scores), free(qrow), free(krow), free(acc);
        return fail(KH_ERR_OUT_OF_MEMORY, err, err_cap, "cannot allocate %lld floats of scratch",
                    (long long)(p.longest_k + 3 * p.dim));
    }
    const int r = p.varlen ? 0 : 1; /* dimensions before (token, head, dim) */

    for (int64_t b = 0; b < p.batch; b++) {
        int64_t q0 = 0, k0 = 0, sq, sk;
        if (p.varlen) {
            q0 = a->cu_seqlens_q[b];
            k0 = a->cu_seqlens_k[b];
            sq = a->cu_seqlens_q[b + 1] - q0;
            sk = a->cu_seqlens_k[b + 1] - k0;
        } else {
            sq = p.seq_q;
            sk = a->seqlens_k != NULL ? a->seqlens_k[b] : p.seq_k;
        }
        const int64_t shift = sk - sq;
        /* offsets of this sequence's first token (batch dimension, or packed token index) */
        const int64_t qb = p.varlen ? q0 * a->q.strides[0] : b * a->q.strides[0];
        const int64_t kb = p.varlen ? k0 * a->k.strides[0] : b * a->k.strides[0];
        const int64_t vb = p.varlen ? k0 * a->v.strides[0] : b * a->v.strides[0];
        const int64_t ob = p.varlen ? q0 * a->out.strides[0] : b * a->out.strides[0];

        for (int64_t h = 0; h < p.heads_q; h++) {
            const int64_t hk = h / group;
            for (int64_t i = 0; i < sq; i++) {
                /* visible keys: [lo, hi] */
                int64_t lo = 0, hi = sk - 1;
                if (p.win_right >= 0 && i + shift + p.win_right < hi) hi = i + shift + p.win_right;
                if (p.win_left >= 0 && i + shift - p.win_left > lo) lo = i + shift - p.win_left;

                float lse = -INFINITY;
                for (int64_t d = 0; d < p.dim; d++) acc[d] = 0.0f;
                if (lo <= hi) {
                    load_row(qrow, elem(&a->q, qb + i * a->q.strides[r] + h * a->q.strides[r + 1], es), p.dtype, p.dim);
                    float mx = -INFINITY;
                    for (int64_t j = lo; j <= hi; j++) {
                        load_row(krow, elem(&a->k, kb + j * a->k.strides[r] + hk * a->k.strides[r + 1], es), p.dtype,
                                 p.dim);
                        float s = 0.0f;
                        for (int64_t d = 0; d < p.dim; d++) s += qrow[d] * krow[d];
                        s *= p.scale;
                        if (p.softcap > 0.0f) s = p.softcap * tanhf(s / p.softcap);
                        scores[j - lo] = s;
                        if (s > mx) mx = s;
                    }
                    float sum = 0.0f;
                    for (int64_t j = lo; j <= hi; j++) {
                        float e = expf(scores[j - lo] - mx);
                        sum += e;
                        load_row(krow, elem(&a->v, vb + j * a->v.strides[r] + hk * a->v.strides[r + 1], es), p.dtype,
                                 p.dim);
                        for (int64_t d = 0; d < p.dim; d++) acc[d] += e * krow[d];
                    }
                    const float inv = 1.0f / sum;
                    for (int64_t d = 0; d < p.dim; d++) acc[d] *= inv;
                    lse = mx + logf(sum);
                }
                store_row((char *)a->out.data +
                              (ob + i * a->out.strides[r] + h * a->out.strides[r + 1]) * (int64_t)es,
                          acc, p.dtype, p.dim);
                if (a->lse.data != NULL) {
                    int64_t off = p.varlen ? h * a->lse.strides[0] + (q0 + i) * a->lse.strides[1]
                                           : b * a->lse.strides[0] + h * a->lse.strides[1] + i * a->lse.strides[2];
                    ((float *)a->lse.data)[off] = lse;
                }
            }
        }
    }
    free(scores), free(qrow), free(krow), free(acc);
    return KH_OK;
}

/* ---- registration ------------------------------------------------------------------------------ */

KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }

KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t err_cap) {
    if (host == NULL || host->register_op == NULL)
        return fail(KH_ERR_INVALID_ARGUMENT, err, err_cap, "kh_register: no host table");
    if (host->struct_size < sizeof(kh_host) || host->abi_version != KH_ABI_VERSION)
        return fail(KH_ERR_UNSUPPORTED, err, err_cap, "kh_register: host ABI %u (struct_size %u) is not ABI %u",
                    (unsigned)host->abi_version, (unsigned)host->struct_size, (unsigned)KH_ABI_VERSION);
    kh_op_desc op;
    memset(&op, 0, sizeof op);
    op.struct_size = (uint32_t)sizeof op;
    op.features = KH_FEATURE_CAUSAL | KH_FEATURE_SLIDING_WINDOW | KH_FEATURE_SOFTCAP | KH_FEATURE_GQA |
                  KH_FEATURE_KEY_PADDING | KH_FEATURE_VARLEN | KH_FEATURE_LSE;
    op.name = "fwd";
    op.description = "reference CPU attention forward (" KH_BUNDLE_ID " " KH_BUNDLE_VERSION ")";
    op.device_kind = KH_DEVICE_CPU;
    op.dtypes = (1u << KH_DTYPE_F32) | (1u << KH_DTYPE_F16) | (1u << KH_DTYPE_BF16);
    op.min_head_dim = 1;
    op.max_head_dim = MAX_HEAD_DIM;
    op.head_dim_multiple = 1;
    op.is_default = 1;
    op.fn = attention_fwd;
    kh_status st = host->register_op(host->host_ctx, &op);
    if (st != KH_OK) return fail(st, err, err_cap, "the host refused op 'fwd' (status %d)", (int)st);
    return KH_OK;
}

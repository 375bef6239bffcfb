/*
 * template_check — loads a bundle built from cmake/template (or any bundle whose default op is a
 * CPU attention with the template's features) and checks its results against a naive
 * double-precision reference written straight from the masking rules in kernelhub.h.
 *
 *   cc -std=c11 -O1 -I native/include cmake/tests/template_check.c -o template_check -ldl -lm
 *   ./template_check build/cpu-x86_64-linux/lib<name>.so
 *
 * Covers: plain, causal (bottom-right, seq_q < seq_k and seq_q > seq_k), GQA/MQA, varlen (with
 * empty sequences), key padding (with an empty sequence), softcap, sliding windows, strided
 * (permuted) q/out, head dims 1 and 512 (skipped above the op's declared maximum), f16/bf16
 * inputs, LSE, the f16/bf16 output rounding (exhaustively, ties to even; an op that flushes
 * subnormals fails here), and argument validation errors. Exit 0 when all pass.
 */
#define _GNU_SOURCE
#include "kernelhub.h"

#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kh_attention_fn op_fn;
static int op_max_head_dim;
static int failures, checks;

static kh_status take_op(void *ctx, const kh_op_desc *op) {
    (void)ctx;
    if (op->is_default && op->device_kind == KH_DEVICE_CPU) op_fn = op->fn, op_max_head_dim = op->max_head_dim;
    return KH_OK;
}
static void host_log(void *ctx, int32_t level, const char *msg) {
    (void)ctx;
    fprintf(stderr, "bundle log [%d]: %s\n", (int)level, msg);
}

/* ---- deterministic random numbers -------------------------------------------------------- */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double uniform(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }
static double normal(void) {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- dtype helpers, written independently of the kernel's bit tricks ------------------------ */

/* Rounds x to a binary format with mant_bits fraction bits, minimum normal exponent min_exp
   and largest finite value max_finite, ties to even (nearbyint under the default mode). */
static double round_format(double x, int mant_bits, int min_exp, double max_finite) {
    if (x == 0.0 || !isfinite(x)) return x;
    double ax = fabs(x);
    int e;
    frexp(ax, &e);
    int E = e - 1;
    if (E < min_exp) E = min_exp;
    double q = ldexp(1.0, E - mant_bits);
    double r = nearbyint(ax / q) * q;
    if (r > max_finite) r = INFINITY;
    return copysign(r, x);
}
static double round_f16(double x) { return round_format(x, 10, -14, 65504.0); }
static double round_bf16(double x) { return round_format(x, 7, -126, ldexp(2.0 - ldexp(1.0, -7), 127)); }
static double round_dtype(double x, int dtype) {
    return dtype == KH_DTYPE_F16 ? round_f16(x) : dtype == KH_DTYPE_BF16 ? round_bf16(x) : (double)(float)x;
}

static double f16_value(uint16_t h) {
    int exp = (h >> 10) & 31, mant = h & 1023;
    double v = exp == 0 ? ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY) : ldexp(1024 + mant, exp - 25);
    return (h & 0x8000) ? -v : v;
}
/* bits of an exactly representable f16 value */
static uint16_t f16_bits(double r) {
    uint16_t sign = signbit(r) ? 0x8000 : 0;
    double a = fabs(r);
    if (isinf(a)) return sign | 0x7C00;
    if (a < ldexp(1.0, -14)) return sign | (uint16_t)(a / ldexp(1.0, -24));
    int e;
    frexp(a, &e);
    int E = e - 1;
    return sign | (uint16_t)((E + 15) << 10) | (uint16_t)((a / ldexp(1.0, E) - 1.0) * 1024.0);
}
static double bf16_value(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t bf16_bits(double r) { /* exactly representable */
    float f = (float)r;
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}
static size_t esize(int dtype) { return dtype == KH_DTYPE_F32 ? 4 : 2; }
static void put(void *base, int64_t off, int dtype, double v) {
    if (dtype == KH_DTYPE_F32) ((float *)base)[off] = (float)v;
    else if (dtype == KH_DTYPE_F16) ((uint16_t *)base)[off] = f16_bits(v);
    else ((uint16_t *)base)[off] = bf16_bits(v);
}
static double get(const void *base, int64_t off, int dtype) {
    if (dtype == KH_DTYPE_F32) return ((const float *)base)[off];
    if (dtype == KH_DTYPE_F16) return f16_value(((const uint16_t *)base)[off]);
    return bf16_value(((const uint16_t *)base)[off]);
}

/* ---- tensors ------------------------------------------------------------------------------ */

/* A rank-3/4 tensor whose logical layout is [.., tokens, heads, dim]; permuted = heads before
   tokens in memory (a [b, h, s, d] buffer viewed as [b, s, h, d]); pad adds unused elements
   per row of dim, to exercise strides. */
static kh_tensor make_tensor(int rank, const int64_t *shape, int dtype, int permuted, int pad) {
    kh_tensor t;
    memset(&t, 0, sizeof t);
    t.rank = rank;
    t.dtype = dtype;
    t.device_kind = KH_DEVICE_CPU;
    for (int d = 0; d < rank; d++) t.shape[d] = shape[d];
    int tok = rank - 3, head = rank - 2, dim = rank - 1;
    int64_t row = shape[dim] + pad;
    t.strides[dim] = 1;
    if (!permuted) {
        t.strides[head] = row;
        t.strides[tok] = row * shape[head];
        if (rank == 4) t.strides[0] = t.strides[tok] * shape[tok];
    } else {
        t.strides[tok] = row;
        t.strides[head] = row * shape[tok];
        if (rank == 4) t.strides[0] = t.strides[head] * shape[head];
    }
    int64_t n = 1;
    for (int d = 0; d < rank; d++) n *= shape[d];
    int64_t span = 1;
    for (int d = 0; d < rank; d++) span += (shape[d] - 1) * t.strides[d];
    if (n == 0) span = 1;
    t.data = calloc((size_t)span + 8, esize(dtype));
    return t;
}
static int64_t off4(const kh_tensor *t, int64_t b, int64_t s, int64_t h, int64_t d) {
    if (t->rank == 4) return b * t->strides[0] + s * t->strides[1] + h * t->strides[2] + d * t->strides[3];
    return s * t->strides[0] + h * t->strides[1] + d * t->strides[2]; /* varlen: b unused, s = packed token */
}

/* ---- one test case ------------------------------------------------------------------------- */

typedef struct tcase {
    const char *name;
    int dtype;
    int batch, seq_q, seq_k, heads_q, heads_kv, dim;
    int causal, window_left, window_right;
    float softcap;
    const int32_t *cu_q, *cu_k; /* varlen when set */
    const int32_t *seqlens_k;   /* key padding when set */
    int permuted;               /* q, out as permuted views */
    int pad;                    /* row padding of k, v */
} tcase;

static void run_case(const tcase *c) {
    if (c->dim > op_max_head_dim) {
        printf("skip %-34s head_dim %d above the op's declared maximum %d\n", c->name, c->dim, op_max_head_dim);
        return;
    }
    const int varlen = c->cu_q != NULL;
    const int rank = varlen ? 3 : 4;
    const int64_t tq = varlen ? c->cu_q[c->batch] : c->seq_q, tk = varlen ? c->cu_k[c->batch] : c->seq_k;
    int64_t qshape[4], kshape[4];
    if (varlen) {
        int64_t a[3] = {tq, c->heads_q, c->dim}, b[3] = {tk, c->heads_kv, c->dim};
        memcpy(qshape, a, sizeof a), memcpy(kshape, b, sizeof b);
    } else {
        int64_t a[4] = {c->batch, c->seq_q, c->heads_q, c->dim}, b[4] = {c->batch, c->seq_k, c->heads_kv, c->dim};
        memcpy(qshape, a, sizeof a), memcpy(kshape, b, sizeof b);
    }
    kh_tensor q = make_tensor(rank, qshape, c->dtype, c->permuted, 0);
    kh_tensor k = make_tensor(rank, kshape, c->dtype, 0, c->pad);
    kh_tensor v = make_tensor(rank, kshape, c->dtype, 0, c->pad);
    kh_tensor out = make_tensor(rank, qshape, c->dtype, c->permuted, c->pad);
    const int nb = varlen ? 1 : c->batch;
    for (int b = 0; b < nb; b++) {
        for (int64_t s = 0; s < tq; s++)
            for (int h = 0; h < c->heads_q; h++)
                for (int d = 0; d < c->dim; d++) {
                    put(q.data, off4(&q, b, s, h, d), c->dtype, round_dtype(normal(), c->dtype));
                    put(out.data, off4(&out, b, s, h, d), c->dtype, 1234.0); /* must be overwritten */
                }
        for (int64_t s = 0; s < tk; s++)
            for (int h = 0; h < c->heads_kv; h++)
                for (int d = 0; d < c->dim; d++) {
                    put(k.data, off4(&k, b, s, h, d), c->dtype, round_dtype(normal(), c->dtype));
                    put(v.data, off4(&v, b, s, h, d), c->dtype, round_dtype(normal(), c->dtype));
                }
    }
    /* lse: [batch, heads_q, seq_q] or [heads_q, total_q] */
    kh_tensor lse;
    memset(&lse, 0, sizeof lse);
    lse.dtype = KH_DTYPE_F32;
    lse.device_kind = KH_DEVICE_CPU;
    int64_t lse_n;
    if (varlen) {
        lse.rank = 2, lse.shape[0] = c->heads_q, lse.shape[1] = tq, lse.strides[0] = tq, lse.strides[1] = 1;
        lse_n = c->heads_q * tq;
    } else {
        lse.rank = 3, lse.shape[0] = c->batch, lse.shape[1] = c->heads_q, lse.shape[2] = c->seq_q;
        lse.strides[2] = 1, lse.strides[1] = c->seq_q, lse.strides[0] = (int64_t)c->seq_q * c->heads_q;
        lse_n = (int64_t)c->batch * c->heads_q * c->seq_q;
    }
    lse.data = malloc((size_t)(lse_n + 1) * sizeof(float));
    for (int64_t i = 0; i < lse_n; i++) ((float *)lse.data)[i] = 777.0f;

    kh_attention_args a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.flags = c->causal ? KH_ATTN_CAUSAL : 0;
    a.q = q, a.k = k, a.v = v, a.out = out, a.lse = lse;
    a.batch = c->batch;
    a.max_seqlen_q = c->seq_q;
    a.max_seqlen_k = c->seq_k;
    a.window_left = c->window_left;
    a.window_right = c->window_right;
    a.scale = (float)(1.0 / sqrt((double)c->dim));
    a.softcap = c->softcap;
    a.seqlens_k = c->seqlens_k;
    a.cu_seqlens_q = c->cu_q;
    a.cu_seqlens_k = c->cu_k;

    char err[512] = "";
    kh_status st = op_fn(&a, err, sizeof err);
    checks++;
    if (st != KH_OK) {
        printf("FAIL %-34s status %d: %s\n", c->name, (int)st, err);
        failures++;
        goto done;
    }

    const double tol = c->dtype == KH_DTYPE_F32 ? 2e-5 : c->dtype == KH_DTYPE_F16 ? 2e-3 : 1.6e-2;
    double max_err = 0, max_lse_err = 0;
    int bad_masked = 0;
    double *sc = malloc(sizeof(double) * (size_t)(tk + 1));
    double *o = malloc(sizeof(double) * (size_t)c->dim);
    const int group = c->heads_q / c->heads_kv;
    for (int b = 0; b < c->batch; b++) {
        int64_t q0 = varlen ? c->cu_q[b] : 0, k0 = varlen ? c->cu_k[b] : 0;
        int64_t sq = varlen ? c->cu_q[b + 1] - q0 : c->seq_q;
        int64_t sk = varlen ? c->cu_k[b + 1] - k0 : (c->seqlens_k ? c->seqlens_k[b] : c->seq_k);
        int bb = varlen ? 0 : b;
        for (int h = 0; h < c->heads_q; h++) {
            int hk = h / group;
            for (int64_t i = 0; i < sq; i++) {
                double mx = -INFINITY;
                for (int64_t j = 0; j < sk; j++) {
                    int64_t x = i + sk - sq; /* aligned diagonal */
                    int visible = 1;
                    if (c->causal && j > x) visible = 0;
                    if (c->window_left >= 0 && j < x - c->window_left) visible = 0;
                    if (c->window_right >= 0 && j > x + c->window_right) visible = 0;
                    if (!visible) {
                        sc[j] = -INFINITY;
                        continue;
                    }
                    double s = 0;
                    for (int d = 0; d < c->dim; d++)
                        s += get(q.data, off4(&q, bb, q0 + i, h, d), c->dtype) *
                             get(k.data, off4(&k, bb, k0 + j, hk, d), c->dtype);
                    s *= (double)a.scale;
                    if (c->softcap > 0) s = c->softcap * tanh(s / c->softcap);
                    sc[j] = s;
                    if (s > mx) mx = s;
                }
                double sum = 0;
                for (int d = 0; d < c->dim; d++) o[d] = 0;
                if (mx > -INFINITY)
                    for (int64_t j = 0; j < sk; j++) {
                        if (sc[j] == -INFINITY) continue;
                        double e = exp(sc[j] - mx);
                        sum += e;
                        for (int d = 0; d < c->dim; d++) o[d] += e * get(v.data, off4(&v, bb, k0 + j, hk, d), c->dtype);
                    }
                for (int d = 0; d < c->dim; d++) {
                    double ref = sum > 0 ? o[d] / sum : 0.0;
                    double got = get(out.data, off4(&out, bb, q0 + i, h, d), c->dtype);
                    double e = fabs(got - ref);
                    if (!(e <= max_err)) max_err = isnan(e) ? INFINITY : (e > max_err ? e : max_err);
                    if (sum == 0 && got != 0.0) bad_masked++;
                }
                double ref_lse = sum > 0 ? mx + log(sum) : -INFINITY;
                int64_t lo = varlen ? h * tq + q0 + i : ((int64_t)b * c->heads_q + h) * c->seq_q + i;
                double got_lse = ((float *)lse.data)[lo];
                if (ref_lse == -INFINITY) {
                    if (got_lse != -INFINITY) bad_masked++;
                } else {
                    double e = fabs(got_lse - ref_lse) / (1.0 + fabs(ref_lse));
                    if (!(e <= max_lse_err)) max_lse_err = isnan(e) ? INFINITY : e;
                }
            }
        }
    }
    int ok = max_err <= tol && max_lse_err <= 1e-5 && bad_masked == 0;
    printf("%s %-34s max|out-ref| %.3g (tol %.1g)  lse rel %.3g%s\n", ok ? "ok  " : "FAIL", c->name, max_err, tol,
           max_lse_err, bad_masked ? "  masked rows not zero / -inf" : "");
    if (!ok) failures++;
    free(sc), free(o);
done:
    free(q.data), free(k.data), free(v.data), free(out.data), free(lse.data);
}

/* ---- output rounding, exhaustively ------------------------------------------------------------ */

/* One query, two keys with equal scores (q = k = 0): out = (v1 + v2) / 2 exactly in f32. With
   v2 the next representable value after v1 the mean is a tie, so the stored result shows whether
   the kernel rounds to nearest even; v2 = v1 checks the exact round trip of every bit pattern. */
static void check_rounding(int dtype) {
    const int heads = 256, dim = 256; /* 65536 lanes, one per 16-bit pattern */
    int64_t shape_q[4] = {1, 1, heads, dim}, shape_k[4] = {1, 2, heads, dim};
    for (int tie = 0; tie <= 1; tie++) {
        kh_tensor q = make_tensor(4, shape_q, dtype, 0, 0), k = make_tensor(4, shape_k, dtype, 0, 0);
        kh_tensor v = make_tensor(4, shape_k, dtype, 0, 0), out = make_tensor(4, shape_q, dtype, 0, 0);
        uint16_t *vb = (uint16_t *)v.data;
        for (uint32_t p = 0; p < 65536; p++) {
            uint16_t p2 = (uint16_t)p;
            double x = dtype == KH_DTYPE_F16 ? f16_value((uint16_t)p) : bf16_value((uint16_t)p);
            double nx = dtype == KH_DTYPE_F16 ? f16_value((uint16_t)(p + 1)) : bf16_value((uint16_t)(p + 1));
            /* next pattern: same sign, finite, and not the sign boundary */
            if (tie && isfinite(x) && isfinite(nx) && (p & 0x7FFF) != 0x7FFF && ((p + 1) & 0x8000) == (p & 0x8000))
                p2 = (uint16_t)(p + 1);
            int64_t h = p / dim, d = p % dim;
            vb[off4(&v, 0, 0, h, d)] = (uint16_t)p;
            vb[off4(&v, 0, 1, h, d)] = p2;
        }
        kh_attention_args a;
        memset(&a, 0, sizeof a);
        a.struct_size = sizeof a;
        a.q = q, a.k = k, a.v = v, a.out = out;
        a.batch = 1, a.max_seqlen_q = 1, a.max_seqlen_k = 2;
        a.window_left = a.window_right = -1;
        a.scale = 1.0f;
        char err[512] = "";
        kh_status st = op_fn(&a, err, sizeof err);
        int bad = 0;
        uint32_t first_bad = 0;
        for (uint32_t p = 0; p < 65536 && st == KH_OK; p++) {
            int64_t h = p / dim, d = p % dim;
            double v1 = get(v.data, off4(&v, 0, 0, h, d), dtype), v2 = get(v.data, off4(&v, 0, 1, h, d), dtype);
            double got = get(out.data, off4(&out, 0, 0, h, d), dtype);
            double mean = (v1 + v2) / 2;
            if (isnan(mean) || (isinf(v1) && isinf(v2) && v1 != v2)) {
                if (!isnan(got)) bad++, first_bad = bad == 1 ? p : first_bad;
                continue;
            }
            /* f32 accumulation: v1 + v2 overflows above FLT_MAX (bf16 only); the kernel gives inf there */
            if (isfinite(v1) && isfinite(v2) && fabs(v1 + v2) > FLT_MAX) continue;
            double want = round_dtype(mean, dtype);
            /* zeros: +0 and -0 both fine (0 + -0 accumulates to +0) */
            if (!(got == want) || (want != 0 && signbit(got) != signbit(want))) {
                if (bad++ == 0) first_bad = p;
            }
        }
        checks++;
        const char *dn = dtype == KH_DTYPE_F16 ? "f16" : "bf16";
        if (st != KH_OK || bad) {
            printf("FAIL %s output %s: status %d %s, %d wrong (first pattern 0x%04x)\n", dn,
                   tie ? "ties to even" : "round trip", (int)st, err, bad, first_bad);
            failures++;
        } else {
            printf("ok   %s output %-23s all 65536 bit patterns\n", dn, tie ? "ties to even" : "round trip");
        }
        free(q.data), free(k.data), free(v.data), free(out.data);
    }
}

/* ---- argument validation ------------------------------------------------------------------------ */

/* Any error status with a message passes (the template returns want; other bundles may
   classify differently); KH_OK, or an error without a message, fails. */
static void expect_error(const char *name, kh_attention_args a, kh_status want) {
    char err[512] = "";
    kh_status st = op_fn(&a, err, sizeof err);
    checks++;
    if (st != KH_OK && err[0]) {
        printf("ok   rejects %-26s [%d%s] %s\n", name, (int)st, st == want ? "" : ", template: other code", err);
    } else {
        printf("FAIL rejects %-26s status %d (want %d), message '%s'\n", name, (int)st, (int)want, err);
        failures++;
    }
}

static void check_validation(void) {
    int64_t qs[4] = {2, 3, 4, 8}, ks[4] = {2, 5, 2, 8};
    kh_attention_args a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.q = make_tensor(4, qs, KH_DTYPE_F32, 0, 0);
    a.k = make_tensor(4, ks, KH_DTYPE_F32, 0, 0);
    a.v = make_tensor(4, ks, KH_DTYPE_F32, 0, 0);
    a.out = make_tensor(4, qs, KH_DTYPE_F32, 0, 0);
    a.batch = 2, a.max_seqlen_q = 3, a.max_seqlen_k = 5;
    a.window_left = a.window_right = -1;
    a.scale = 0.35f;
    char err[256];
    checks++;
    if (op_fn(&a, err, sizeof err) != KH_OK) {
        printf("FAIL the valid base case of the validation tests: %s\n", err);
        failures++;
    }
    kh_attention_args b = a;
    b.k.dtype = KH_DTYPE_F16;
    expect_error("mixed dtypes", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.q.dtype = b.k.dtype = b.v.dtype = b.out.dtype = KH_DTYPE_I32;
    expect_error("i32 inputs", b, KH_ERR_UNSUPPORTED);
    b = a, b.q.shape[3] = b.out.shape[3] = 9;
    expect_error("head_dim mismatch", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.q.shape[2] = b.out.shape[2] = 3;
    expect_error("heads_q % heads_kv != 0", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.flags = KH_ATTN_CAUSAL, b.window_right = 1;
    expect_error("causal with window_right 1", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.window_left = -2;
    expect_error("window_left -2", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.k.strides[3] = 2;
    expect_error("non-contiguous head_dim", b, KH_ERR_UNSUPPORTED);
    b = a, b.v.strides[1] = -1;
    expect_error("negative stride", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.q.device_kind = b.k.device_kind = b.v.device_kind = b.out.device_kind = KH_DEVICE_CUDA;
    expect_error("CUDA tensors", b, KH_ERR_UNSUPPORTED);
    b = a, b.batch = 3;
    expect_error("batch mismatch", b, KH_ERR_INVALID_ARGUMENT);
    int32_t pad_bad[2] = {5, 6};
    b = a, b.seqlens_k = pad_bad;
    expect_error("seqlens_k > seq_k", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.softcap = -1.0f;
    expect_error("negative softcap", b, KH_ERR_INVALID_ARGUMENT);
    b = a, b.scale = NAN;
    expect_error("NaN scale", b, KH_ERR_INVALID_ARGUMENT);
    int32_t dummy_table[2] = {0, 1};
    b = a, b.block_table = dummy_table, b.page_size = 16;
    expect_error("paged KV", b, KH_ERR_UNSUPPORTED);
    b = a, b.struct_size = 16;
    expect_error("short struct_size", b, KH_ERR_INVALID_ARGUMENT);

    /* head_dim 513 */
    int64_t q5[4] = {1, 1, 1, 513};
    b = a;
    b.q = make_tensor(4, q5, KH_DTYPE_F32, 0, 0), b.k = make_tensor(4, q5, KH_DTYPE_F32, 0, 0);
    b.v = make_tensor(4, q5, KH_DTYPE_F32, 0, 0), b.out = make_tensor(4, q5, KH_DTYPE_F32, 0, 0);
    b.batch = 1;
    expect_error("head_dim 513", b, KH_ERR_UNSUPPORTED);
    free(b.q.data), free(b.k.data), free(b.v.data), free(b.out.data);

    /* varlen: cu_seqlens decreasing / past the end / only one of them */
    int64_t vq[3] = {6, 4, 8}, vk[3] = {7, 2, 8};
    kh_attention_args c = a;
    c.q = make_tensor(3, vq, KH_DTYPE_F32, 0, 0), c.k = make_tensor(3, vk, KH_DTYPE_F32, 0, 0);
    c.v = make_tensor(3, vk, KH_DTYPE_F32, 0, 0), c.out = make_tensor(3, vq, KH_DTYPE_F32, 0, 0);
    int32_t cq[3] = {0, 4, 6}, ck_dec[3] = {0, 5, 3}, ck_far[3] = {0, 5, 8}, cq_nz[3] = {1, 4, 6};
    c.max_seqlen_q = 0, c.max_seqlen_k = 0;
    b = c, b.cu_seqlens_q = cq, b.cu_seqlens_k = ck_dec;
    expect_error("cu_seqlens_k decreasing", b, KH_ERR_INVALID_ARGUMENT);
    b = c, b.cu_seqlens_q = cq, b.cu_seqlens_k = ck_far;
    expect_error("cu_seqlens_k past the end", b, KH_ERR_INVALID_ARGUMENT);
    b = c, b.cu_seqlens_q = cq_nz, b.cu_seqlens_k = ck_far;
    expect_error("cu_seqlens_q[0] != 0", b, KH_ERR_INVALID_ARGUMENT);
    b = c, b.cu_seqlens_q = cq;
    expect_error("cu_seqlens_q without _k", b, KH_ERR_INVALID_ARGUMENT);
    int32_t ck_ok[3] = {0, 5, 7};
    b = c, b.cu_seqlens_q = cq, b.cu_seqlens_k = ck_ok, b.max_seqlen_k = 4;
    expect_error("length above max_seqlen_k", b, KH_ERR_INVALID_ARGUMENT);
    free(c.q.data), free(c.k.data), free(c.v.data), free(c.out.data);
    free(a.q.data), free(a.k.data), free(a.v.data), free(a.out.data);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: template_check path/to/lib<name>.so\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "template_check: %s\n", dlerror());
        return 2;
    }
    uint32_t (*abi)(void) = (uint32_t(*)(void))dlsym(lib, "kh_abi_version");
    kh_status (*reg)(const kh_host *, char *, size_t) =
        (kh_status(*)(const kh_host *, char *, size_t))dlsym(lib, "kh_register");
    if (!abi || !reg || abi() != KH_ABI_VERSION) {
        fprintf(stderr, "template_check: not a kernelhub ABI %u bundle\n", KH_ABI_VERSION);
        return 2;
    }
    kh_host host = {sizeof(kh_host), KH_ABI_VERSION, NULL, take_op, host_log};
    char err[256] = "";
    if (reg(&host, err, sizeof err) != KH_OK || !op_fn) {
        fprintf(stderr, "template_check: registration failed or no default CPU op: %s\n", err);
        return 2;
    }

    static const int32_t cu_q[4] = {0, 3, 3, 10}, cu_k[4] = {0, 5, 9, 13};  /* sequence 1 has no queries */
    static const int32_t cu_q2[3] = {0, 4, 9}, cu_k2[3] = {0, 0, 6};        /* sequence 0 has no keys */
    static const int32_t pad[3] = {7, 0, 3};
    static const int32_t pad2[2] = {2, 9};
    const tcase cases[] = {
        /*  name                       dtype          B  sq  sk  hq hkv dim  causal wl  wr softcap cu_q cu_k pad perm padrow */
        {"plain f32", KH_DTYPE_F32, 2, 5, 7, 4, 4, 16, 0, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"causal sq<sk", KH_DTYPE_F32, 2, 5, 9, 2, 2, 32, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"causal sq>sk (masked rows)", KH_DTYPE_F32, 1, 7, 4, 2, 2, 8, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"causal window_right 0", KH_DTYPE_F32, 1, 6, 6, 2, 1, 8, 1, -1, 0, 0, NULL, NULL, NULL, 0, 0},
        {"GQA 6/2", KH_DTYPE_F32, 2, 4, 6, 6, 2, 24, 0, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"MQA 4/1 causal", KH_DTYPE_F32, 1, 8, 8, 4, 1, 16, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"varlen causal GQA", KH_DTYPE_F32, 3, 7, 5, 4, 2, 16, 1, -1, -1, 0, cu_q, cu_k, NULL, 0, 0},
        {"varlen empty keys", KH_DTYPE_F32, 2, 5, 6, 2, 2, 8, 0, -1, -1, 0, cu_q2, cu_k2, NULL, 0, 0},
        {"varlen window strided", KH_DTYPE_F32, 3, 7, 5, 4, 4, 16, 0, 1, 2, 0, cu_q, cu_k, NULL, 1, 3},
        {"key padding", KH_DTYPE_F32, 3, 4, 8, 2, 2, 16, 0, -1, -1, 0, NULL, NULL, pad, 0, 0},
        {"key padding causal", KH_DTYPE_F32, 2, 3, 9, 2, 1, 16, 1, -1, -1, 0, NULL, NULL, pad2, 0, 0},
        {"softcap 5", KH_DTYPE_F32, 2, 6, 6, 2, 2, 64, 0, -1, -1, 5.0f, NULL, NULL, NULL, 0, 0},
        {"softcap 0.5 causal", KH_DTYPE_F32, 1, 6, 9, 2, 2, 64, 1, -1, -1, 0.5f, NULL, NULL, NULL, 0, 0},
        {"window (2,1)", KH_DTYPE_F32, 2, 9, 9, 2, 2, 16, 0, 2, 1, 0, NULL, NULL, NULL, 0, 0},
        {"window (3,-1) sq<sk", KH_DTYPE_F32, 1, 5, 11, 2, 2, 16, 0, 3, -1, 0, NULL, NULL, NULL, 0, 0},
        {"window (-1,0) sq>sk", KH_DTYPE_F32, 1, 8, 5, 2, 2, 16, 0, -1, 0, 0, NULL, NULL, NULL, 0, 0},
        {"causal + window left 2", KH_DTYPE_F32, 1, 7, 7, 2, 2, 16, 1, 2, -1, 0, NULL, NULL, NULL, 0, 0},
        {"strided q/out (permuted)", KH_DTYPE_F32, 2, 5, 6, 4, 2, 16, 1, -1, -1, 0, NULL, NULL, NULL, 1, 5},
        {"head_dim 1", KH_DTYPE_F32, 1, 4, 5, 2, 2, 1, 0, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"head_dim 512", KH_DTYPE_F32, 1, 3, 4, 2, 1, 512, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"f16 causal GQA", KH_DTYPE_F16, 2, 6, 8, 4, 2, 64, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"f16 varlen softcap", KH_DTYPE_F16, 3, 7, 5, 2, 2, 32, 0, -1, -1, 10.0f, cu_q, cu_k, NULL, 0, 0},
        {"bf16 causal GQA", KH_DTYPE_BF16, 2, 6, 8, 4, 2, 64, 1, -1, -1, 0, NULL, NULL, NULL, 0, 0},
        {"bf16 padding window strided", KH_DTYPE_BF16, 3, 4, 8, 2, 1, 128, 0, 2, 2, 0, NULL, NULL, pad, 1, 1},
        {"bf16 varlen causal softcap", KH_DTYPE_BF16, 3, 7, 5, 4, 1, 32, 1, -1, -1, 30.0f, cu_q, cu_k, NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    check_rounding(KH_DTYPE_F16);
    check_rounding(KH_DTYPE_BF16);
    check_validation();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

/*
 * fa2_api.cpp — the CPU bundle's front end: the kernelhub ABI entry points (kh_abi_version,
 * kh_register), the "fwd" op (argument validation, ISA dispatch, scheduling on the thread pool)
 * and the diagnostic exports fa2_cpu_isa(), fa2_cpu_isa_last(), fa2_cpu_isa_detail(). Compiled for
 * the baseline ISA only.
 */
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "kernelhub.h"

#include "fa2_internal.h"
#include "fa2_pool.h"

namespace fa2 {
namespace {

/* ---- messages ------------------------------------------------------------------------------ */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
kh_status fail(char *err, size_t cap, kh_status st, const char *fmt, ...) {
    if (err != nullptr && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        const int n = std::vsnprintf(err, cap, fmt, ap);
        va_end(ap);
        if (n < 0) err[0] = '\0';
        err[cap - 1] = '\0';
    }
    return st;
}

/* ---- ISA selection ------------------------------------------------------------------------- */
enum class Path { kPortable, kAvx2, kAvx512 };

struct Caps {
    bool avx2 = false, avx512 = false, bf16 = false;
};

const Caps &cpu_caps() {
    static const Caps caps = [] {
        Caps c;
#if defined(__x86_64__) || defined(_M_X64)
        __builtin_cpu_init();
        c.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                 __builtin_cpu_supports("f16c");
        c.avx512 = c.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
        c.bf16 = c.avx512 && __builtin_cpu_supports("avx512bf16");
#endif
        return c;
    }();
    return caps;
}

struct Selection {
    bool ok = false;
    Path path = Path::kPortable;
    bool bf16 = false;      /* AVX512_BF16 sub-path for bf16 inputs */
    kh_status status = KH_OK;
    char message[200] = {0};
};

/* What KERNELHUB_CPU_ISA and the CPU allow: unset/"auto" = best available. */
Selection select_isa() {
    Selection s;
    const Caps &c = cpu_caps();
    const char *env = std::getenv("KERNELHUB_CPU_ISA");
    if (env == nullptr || env[0] == '\0' || std::strcmp(env, "auto") == 0) {
        s.ok = true;
        s.path = c.avx512 ? Path::kAvx512 : c.avx2 ? Path::kAvx2 : Path::kPortable;
        s.bf16 = c.bf16;
        return s;
    }
    if (std::strcmp(env, "portable") == 0) {
        s.ok = true;
        s.path = Path::kPortable;
        return s;
    }
    if (std::strcmp(env, "avx2") == 0) {
        if (!c.avx2) {
            s.status = KH_ERR_UNSUPPORTED;
            std::snprintf(s.message, sizeof s.message,
                          "KERNELHUB_CPU_ISA=avx2 but this CPU lacks AVX2/FMA/F16C (or is not x86-64)");
            return s;
        }
        s.ok = true;
        s.path = Path::kAvx2;
        return s;
    }
    if (std::strcmp(env, "avx512") == 0 || std::strcmp(env, "avx512-nobf16") == 0) {
        if (!c.avx512) {
            s.status = KH_ERR_UNSUPPORTED;
            std::snprintf(s.message, sizeof s.message,
                          "KERNELHUB_CPU_ISA=%s but this CPU lacks AVX-512 F/BW/VL/DQ (or is not x86-64)", env);
            return s;
        }
        s.ok = true;
        s.path = Path::kAvx512;
        s.bf16 = c.bf16 && std::strcmp(env, "avx512") == 0;
        return s;
    }
    s.status = KH_ERR_INVALID_ARGUMENT;
    std::snprintf(s.message, sizeof s.message,
                  "KERNELHUB_CPU_ISA='%.40s' is not one of auto, avx512, avx512-nobf16, avx2, portable", env);
    return s;
}

/* The selection's name: "avx512bf16" is the AVX-512 path whose bf16 inputs run on AVX512_BF16 dot
 * products (f32/f16 inputs run the plain avx512 kernels); the same names as the Kernels tables. */
const char *path_name(const Selection &s) {
    switch (s.path) {
    case Path::kAvx512: return s.bf16 ? "avx512bf16" : "avx512";
    case Path::kAvx2: return "avx2";
    default: return "portable";
    }
}

/* The kernels the latest call from this thread dispatched to (a Kernels table's name, static
 * storage), or "none" before any call or when the latest failed before choosing kernels. */
thread_local const char *tl_last_path = "none";

const Kernels *kernels_for(const Selection &s, int dtype) {
#if defined(__x86_64__) || defined(_M_X64)
    if (s.path == Path::kAvx512) return (dtype == kBF16 && s.bf16) ? kernels_avx512bf16() : kernels_avx512();
    if (s.path == Path::kAvx2) return kernels_avx2();
#endif
    (void)dtype;
    return kernels_portable();
}

/* ---- validation ---------------------------------------------------------------------------- */
constexpr int64_t kMaxDim = INT32_MAX;

const char *dtype_name(int32_t d) {
    switch (d) {
    case KH_DTYPE_F32: return "f32";
    case KH_DTYPE_F16: return "f16";
    case KH_DTYPE_BF16: return "bf16";
    case KH_DTYPE_I32: return "i32";
    default: return "unknown";
    }
}

int64_t numel(const kh_tensor &t) {
    int64_t n = 1;
    for (int i = 0; i < t.rank; ++i) {
        if (t.shape[i] == 0) return 0;
        if (__builtin_mul_overflow(n, t.shape[i], &n)) return -1;
    }
    return n;
}

/* Rank, shape/stride signs and range, device, data pointer, last-dim contiguity. */
kh_status check_tensor(const char *name, const kh_tensor &t, int rank, bool last_contiguous, char *err,
                       size_t cap) {
    if (t.device_kind != KH_DEVICE_CPU)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "%s is on device kind %d; this op runs on CPU (kind %d) only",
                    name, (int)t.device_kind, KH_DEVICE_CPU);
    if (t.rank != rank)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has rank %d, expected %d", name, (int)t.rank, rank);
    int64_t extent = 0; /* largest element offset */
    for (int i = 0; i < rank; ++i) {
        if (t.shape[i] < 0)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has a negative size %lld in dim %d", name,
                        (long long)t.shape[i], i);
        if (t.shape[i] > kMaxDim)
            return fail(err, cap, KH_ERR_UNSUPPORTED, "%s dim %d has size %lld > %lld", name, i,
                        (long long)t.shape[i], (long long)kMaxDim);
        if (t.strides[i] < 0)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has a negative stride %lld in dim %d", name,
                        (long long)t.strides[i], i);
    }
    const int64_t n = numel(t);
    if (n < 0) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s: element count overflows", name);
    if (n > 0) {
        for (int i = 0; i < rank; ++i) {
            int64_t term;
            if (__builtin_mul_overflow(t.shape[i] - 1, t.strides[i], &term) ||
                __builtin_add_overflow(extent, term, &extent) || extent > (INT64_C(1) << 60))
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s: strides reach beyond any addressable buffer",
                            name);
        }
        if (t.data == nullptr) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s.data is NULL", name);
        if (last_contiguous && t.shape[rank - 1] > 1 && t.strides[rank - 1] != 1)
            return fail(err, cap, KH_ERR_UNSUPPORTED,
                        "%s: the last dimension must be contiguous (stride 1), got stride %lld", name,
                        (long long)t.strides[rank - 1]);
    }
    return KH_OK;
}

/* A written tensor must not have two indices mapping to one element. */
bool overlapping(const kh_tensor &t) {
    if (numel(t) <= 1) return false;
    int idx[KH_MAX_RANK];
    int m = 0;
    for (int i = 0; i < t.rank && i < KH_MAX_RANK; ++i)
        if (t.shape[i] > 1) idx[m++] = i;
    for (int a = 1; a < m; ++a) /* insertion sort by stride (m <= 4) */
        for (int b = a; b > 0 && t.strides[idx[b]] < t.strides[idx[b - 1]]; --b) {
            const int tmp = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = tmp;
        }
    int64_t span = 1; /* elements covered by the dims so far */
    for (int k = 0; k < m; ++k) {
        const int i = idx[k];
        if (t.strides[i] < span) return true;
        span = t.strides[i] * t.shape[i];
    }
    return false;
}

bool same_shape(const kh_tensor &a, const kh_tensor &b) {
    if (a.rank != b.rank) return false;
    for (int i = 0; i < a.rank; ++i)
        if (a.shape[i] != b.shape[i]) return false;
    return true;
}

void shape_str(const kh_tensor &t, char *buf, size_t n) {
    size_t off = 0;
    off += (size_t)std::snprintf(buf + off, n - off, "[");
    for (int i = 0; i < t.rank && i < KH_MAX_RANK && off < n; ++i)
        off += (size_t)std::snprintf(buf + off, n - off, i ? ", %lld" : "%lld", (long long)t.shape[i]);
    if (off < n) std::snprintf(buf + off, n - off, "]");
}

struct Call {
    Problem p{};
    std::vector<Seq> seqs;
};

kh_status validate(const kh_attention_args *a, Call &call, char *err, size_t cap) {
    if (a == nullptr) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "args is NULL");
    if (a->struct_size < sizeof(kh_attention_args))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT,
                    "args->struct_size is %u, this bundle needs at least %u (host built against an older ABI?)",
                    (unsigned)a->struct_size, (unsigned)sizeof(kh_attention_args));
    if (a->flags & ~(uint32_t)KH_ATTN_CAUSAL)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "unknown flags 0x%x", (unsigned)(a->flags & ~(uint32_t)KH_ATTN_CAUSAL));
    if (a->block_table != nullptr || a->page_size != 0 || a->block_table_stride != 0)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "paged KV cache is not supported by this op (block_table/page_size set)");
    const bool varlen = a->cu_seqlens_q != nullptr || a->cu_seqlens_k != nullptr;
    if (varlen && (a->cu_seqlens_q == nullptr || a->cu_seqlens_k == nullptr))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "varlen needs both cu_seqlens_q and cu_seqlens_k (one is NULL)");
    const bool causal = (a->flags & KH_ATTN_CAUSAL) != 0;

    const int32_t dt = a->q.dtype;
    if (dt != KH_DTYPE_F32 && dt != KH_DTYPE_F16 && dt != KH_DTYPE_BF16)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "q dtype %s (%d) is not supported (f32, f16, bf16)", dtype_name(dt),
                    (int)dt);
    if (a->k.dtype != dt || a->v.dtype != dt)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "k (%s) and v (%s) must have q's dtype (%s)", dtype_name(a->k.dtype),
                    dtype_name(a->v.dtype), dtype_name(dt));
    if (a->out.dtype != dt)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "out dtype %s must equal q's dtype %s", dtype_name(a->out.dtype),
                    dtype_name(dt));

    const int rank = varlen ? 3 : 4;
    kh_status st;
    if ((st = check_tensor("q", a->q, rank, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor("k", a->k, rank, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor("v", a->v, rank, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor("out", a->out, rank, true, err, cap)) != KH_OK) return st;

    char s1[96], s2[96];
    const int o = varlen ? 0 : 1; /* index of the sequence dim */
    const int64_t d = a->q.shape[o + 2];
    const int64_t hq = a->q.shape[o + 1], hkv = a->k.shape[o + 1];
    if (d < 1 || d > 256)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "head_dim %lld is outside the supported range 1..256", (long long)d);
    if (a->k.shape[o + 2] != d) {
        shape_str(a->q, s1, sizeof s1);
        shape_str(a->k, s2, sizeof s2);
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "k head_dim differs from q's: q %s, k %s", s1, s2);
    }
    if (!same_shape(a->k, a->v)) {
        shape_str(a->k, s1, sizeof s1);
        shape_str(a->v, s2, sizeof s2);
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "v shape %s must equal k shape %s", s2, s1);
    }
    if (!same_shape(a->q, a->out)) {
        shape_str(a->q, s1, sizeof s1);
        shape_str(a->out, s2, sizeof s2);
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "out shape %s must equal q shape %s", s2, s1);
    }
    if (hq < 1 || hkv < 1)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "heads_q (%lld) and heads_kv (%lld) must be >= 1", (long long)hq,
                    (long long)hkv);
    if (hq % hkv != 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "heads_q (%lld) is not a multiple of heads_kv (%lld)",
                    (long long)hq, (long long)hkv);
    if (overlapping(a->out))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "out has overlapping strides (two elements share memory)");

    if (a->window_left < -1 || a->window_right < -1)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "window (%d, %d): values must be >= -1 (-1 = unlimited)",
                    (int)a->window_left, (int)a->window_right);
    if (causal && a->window_right > 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT,
                    "causal with window_right = %d > 0 is contradictory (causal means window_right = 0)",
                    (int)a->window_right);
    if (!std::isfinite(a->softcap) || a->softcap < 0.0f)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "softcap %g must be finite and >= 0 (0 = off)", (double)a->softcap);
    if (!std::isfinite(a->scale))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "scale %g must be finite", (double)a->scale);
    if (a->max_seqlen_q < 0 || a->max_seqlen_k < 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "max_seqlen_q (%d) and max_seqlen_k (%d) must be >= 0",
                    (int)a->max_seqlen_q, (int)a->max_seqlen_k);

    const bool want_lse = a->lse.data != nullptr;
    if (want_lse) {
        if (a->lse.dtype != KH_DTYPE_F32)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "lse dtype is %s, must be f32", dtype_name(a->lse.dtype));
        if ((st = check_tensor("lse", a->lse, varlen ? 2 : 3, false, err, cap)) != KH_OK) return st;
        const bool ok = varlen ? (a->lse.shape[0] == hq && a->lse.shape[1] == a->q.shape[0])
                               : (a->lse.shape[0] == a->q.shape[0] && a->lse.shape[1] == hq &&
                                  a->lse.shape[2] == a->q.shape[1]);
        if (!ok) {
            shape_str(a->lse, s1, sizeof s1);
            shape_str(a->q, s2, sizeof s2);
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "lse shape %s does not match q %s (expected %s)", s1, s2,
                        varlen ? "[heads_q, total_q]" : "[batch, heads_q, seq_q]");
        }
        if (overlapping(a->lse))
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "lse has overlapping strides (two elements share memory)");
    }

    Problem &p = call.p;
    p.dtype = dt;
    p.d = (int32_t)d;
    p.hq = (int32_t)hq;
    p.hkv = (int32_t)hkv;
    p.group = (int32_t)(hq / hkv);
    p.q = a->q.data;
    p.k = a->k.data;
    p.v = a->v.data;
    p.out = a->out.data;
    p.lse = want_lse ? (float *)a->lse.data : nullptr;
    p.q_ss = a->q.strides[o];
    p.q_sh = a->q.strides[o + 1];
    p.k_ss = a->k.strides[o];
    p.k_sh = a->k.strides[o + 1];
    p.v_ss = a->v.strides[o];
    p.v_sh = a->v.strides[o + 1];
    p.o_ss = a->out.strides[o];
    p.o_sh = a->out.strides[o + 1];
    if (want_lse) {
        p.lse_sh = varlen ? a->lse.strides[0] : a->lse.strides[1];
        p.lse_si = varlen ? a->lse.strides[1] : a->lse.strides[2];
    }
    p.causal = causal ? 1 : 0;
    p.wl = a->window_left;
    p.wr = causal ? 0 : a->window_right;
    p.scale = a->scale;
    p.softcap = a->softcap;

    if (!varlen) {
        const int64_t b = a->q.shape[0], sq = a->q.shape[1], sk = a->k.shape[1];
        if (a->k.shape[0] != b) {
            shape_str(a->q, s1, sizeof s1);
            shape_str(a->k, s2, sizeof s2);
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "batch differs between q %s and k %s", s1, s2);
        }
        if (a->batch != b)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "args->batch (%d) differs from q.shape[0] (%lld)",
                        (int)a->batch, (long long)b);
        call.seqs.resize((size_t)b);
        for (int64_t i = 0; i < b; ++i) {
            Seq &s = call.seqs[(size_t)i];
            s.sq = sq;
            s.sk = sk;
            if (a->seqlens_k != nullptr) {
                const int32_t n = a->seqlens_k[i];
                if (n < 0 || n > sk)
                    return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "seqlens_k[%lld] = %d is outside 0..seq_k (%lld)",
                                (long long)i, (int)n, (long long)sk);
                s.sk = n;
            }
            s.q_off = i * a->q.strides[0];
            s.k_off = i * a->k.strides[0];
            s.v_off = i * a->v.strides[0];
            s.o_off = i * a->out.strides[0];
            s.lse_off = want_lse ? i * a->lse.strides[0] : 0;
        }
    } else {
        const int64_t b = a->batch, tq = a->q.shape[0], tk = a->k.shape[0];
        if (b < 0) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "batch %d must be >= 0", (int)a->batch);
        const int32_t *cq = a->cu_seqlens_q, *ck = a->cu_seqlens_k;
        if (cq[0] < 0 || ck[0] < 0)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_q[0] (%d) and cu_seqlens_k[0] (%d) must be >= 0",
                        (int)cq[0], (int)ck[0]);
        call.seqs.resize((size_t)b);
        for (int64_t i = 0; i < b; ++i) {
            if (cq[i + 1] < cq[i])
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_q decreases at %lld (%d -> %d)",
                            (long long)i, (int)cq[i], (int)cq[i + 1]);
            if (ck[i + 1] < ck[i])
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_k decreases at %lld (%d -> %d)",
                            (long long)i, (int)ck[i], (int)ck[i + 1]);
            if (cq[i + 1] > tq)
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_q[%lld] = %d exceeds total_q %lld",
                            (long long)(i + 1), (int)cq[i + 1], (long long)tq);
            if (ck[i + 1] > tk)
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_k[%lld] = %d exceeds total_k %lld",
                            (long long)(i + 1), (int)ck[i + 1], (long long)tk);
            Seq &s = call.seqs[(size_t)i];
            s.sq = cq[i + 1] - cq[i];
            s.sk = ck[i + 1] - ck[i];
            if (a->max_seqlen_q > 0 && s.sq > a->max_seqlen_q)
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "sequence %lld has %lld queries > max_seqlen_q %d",
                            (long long)i, (long long)s.sq, (int)a->max_seqlen_q);
            if (a->max_seqlen_k > 0 && s.sk > a->max_seqlen_k)
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "sequence %lld has %lld keys > max_seqlen_k %d",
                            (long long)i, (long long)s.sk, (int)a->max_seqlen_k);
            if (a->seqlens_k != nullptr) { /* used keys of each packed sequence (seqused_k) */
                const int32_t n = a->seqlens_k[i];
                if (n < 0 || n > s.sk)
                    return fail(err, cap, KH_ERR_INVALID_ARGUMENT,
                                "seqlens_k[%lld] = %d is outside 0..%lld (the sequence's packed keys)", (long long)i,
                                (int)n, (long long)s.sk);
                s.sk = n;
            }
            s.q_off = (int64_t)cq[i] * a->q.strides[0];
            s.k_off = (int64_t)ck[i] * a->k.strides[0];
            s.v_off = (int64_t)ck[i] * a->v.strides[0];
            s.o_off = (int64_t)cq[i] * a->out.strides[0];
            s.lse_off = want_lse ? (int64_t)cq[i] * a->lse.strides[1] : 0;
        }
    }
    return KH_OK;
}

/* ---- scheduling ---------------------------------------------------------------------------- */
struct BandA { /* same band as the kernels' (fa2_kernel_impl.h) */
    int64_t sk, shift, wl, wr;
    int64_t lo(int64_t i) const { return wl >= 0 ? std::max<int64_t>(0, i + shift - wl) : 0; }
    int64_t hi(int64_t i) const { return wr >= 0 ? std::min<int64_t>(sk - 1, i + shift + wr) : sk - 1; }
};

struct Group {
    int32_t seq, hkv;
    bool fly;       /* all its rows fit one work item: key blocks are packed on the fly */
    int64_t kb0, nkb; /* key blocks of the shared panel (none when fly) */
    size_t off;     /* byte offset of its panel in the chunk buffer */
};
struct Item {
    int32_t group, hq0, nh;
    int64_t i0;
    int32_t nq;
    int64_t cost;
};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void *aligned_alloc64(size_t n) {
    void *p = nullptr;
    if (posix_memalign(&p, 64, n == 0 ? 64 : n) != 0) return nullptr;
    return p;
}

/* Per-thread scratch, kept between calls (pool workers and host threads alike). */
struct Scratch {
    void *p = nullptr;
    size_t n = 0;
    ~Scratch() { std::free(p); }
    void *get(size_t need) {
        if (need > n) {
            std::free(p);
            p = aligned_alloc64(need);
            n = p ? need : 0;
        }
        return p;
    }
};
thread_local Scratch tl_scratch;

/* The packed K/V panel buffer, reused by calls that do not overlap. */
struct PanelCache {
    std::mutex mu;
    void *p = nullptr;
    size_t n = 0;
};
PanelCache &panel_cache() {
    static PanelCache *c = new PanelCache; /* never destroyed (safe at exit) */
    return *c;
}
constexpr size_t kPanelBudget = size_t(128) << 20; /* packed K/V per chunk of (sequence, kv head) */
constexpr size_t kPanelKeep = size_t(64) << 20;    /* largest buffer kept between calls */

kh_status run(const Call &call, const Kernels *K, char *err, size_t cap) {
    const Problem &p = call.p;
    const int64_t BK = kBlockKeys, BR = kBlockRows;
    const size_t bbytes = K->kv_block_bytes(&p);
    const size_t sbytes = K->scratch_bytes(&p);

    /* (sequence, kv head) groups with the key blocks any of their rows can see. A group whose
     * rows (seq_q x query heads per kv head) fit one work item (decode, short chunks) gets one item
     * with all its query heads as rows (GQA rows share each K/V load) and packs each key block on
     * the fly in cache; the others share a panel packed once. */
    std::vector<Group> groups;
    groups.reserve(call.seqs.size() * (size_t)p.hkv);
    for (size_t si = 0; si < call.seqs.size(); ++si) {
        const Seq &s = call.seqs[si];
        if (s.sq == 0) continue;
        const BandA b{s.sk, s.sk - s.sq, p.wl, p.wr};
        const int64_t lo = b.lo(0), hi = b.hi(s.sq - 1);
        const bool fly = s.sq * p.group <= BR;
        for (int32_t h = 0; h < p.hkv; ++h) {
            Group g{(int32_t)si, h, fly, 0, 0, 0};
            if (!fly && lo <= hi) {
                g.kb0 = lo / BK;
                g.nkb = hi / BK - g.kb0 + 1;
            }
            groups.push_back(g);
        }
    }
    if (groups.empty()) return KH_OK;

    const int threads = configured_threads();
    std::atomic<int> failed{0}; /* 1 = out of memory */

    size_t gbeg = 0;
    while (gbeg < groups.size()) {
        /* a chunk of groups whose panels fit the budget (at least one group) */
        size_t gend = gbeg, total = 0;
        while (gend < groups.size()) {
            const size_t need = (size_t)groups[gend].nkb * bbytes;
            if (gend > gbeg && total + need > kPanelBudget) break;
            groups[gend].off = total;
            total += need;
            ++gend;
        }

        PanelCache &cache = panel_cache();
        std::unique_lock<std::mutex> cache_lock(cache.mu, std::try_to_lock);
        std::unique_ptr<void, void (*)(void *)> own(nullptr, std::free); /* when the cache is busy */
        char *panels = nullptr;
        if (total > 0) {
            if (cache_lock.owns_lock()) {
                if (cache.n < total) {
                    std::free(cache.p);
                    cache.p = aligned_alloc64(total);
                    cache.n = cache.p ? total : 0;
                }
                panels = (char *)cache.p;
            } else {
                own.reset(aligned_alloc64(total));
                panels = (char *)own.get();
            }
            if (panels == nullptr)
                return fail(err, cap, KH_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes for packed K/V panels", total);
        }

        /* compute: one task per (group, query head, row block), or per group when it flies */
        std::vector<Item> items;
        for (size_t gi = gbeg; gi < gend; ++gi) {
            const Group &g = groups[gi];
            const Seq &s = call.seqs[(size_t)g.seq];
            const BandA b{s.sk, s.sk - s.sq, p.wl, p.wr};
            auto blocks = [&](int64_t i0, int64_t nq) {
                const int64_t lo = b.lo(i0), hi = b.hi(i0 + nq - 1);
                return lo <= hi ? hi / BK - lo / BK + 1 : 0;
            };
            if (g.fly) {
                const int32_t nr = (int32_t)(s.sq * p.group);
                items.push_back(Item{(int32_t)gi, g.hkv * p.group, p.group, 0, (int32_t)s.sq,
                                     blocks(0, s.sq) * nr + 1});
                continue;
            }
            for (int32_t hh = 0; hh < p.group; ++hh) {
                const int32_t hq = g.hkv * p.group + hh;
                for (int64_t i0 = 0; i0 < s.sq; i0 += BR) {
                    const int32_t nq = (int32_t)std::min<int64_t>(BR, s.sq - i0);
                    items.push_back(Item{(int32_t)gi, hq, 1, i0, nq, blocks(i0, nq) * nq + 1});
                }
            }
        }
        /* Order: groups (sequence, kv head) by total work, most first, and inside a group the row blocks
         * by work, most first. The queue then ends with the smallest items (good balance for dynamic
         * scheduling), and consecutive items share one packed K/V panel (a cost-only order would
         * interleave heads of equal cost and stream every head's panel from memory in turn). */
        {
            std::vector<int64_t> gcost(gend - gbeg, 0);
            for (const Item &it : items) gcost[(size_t)it.group - gbeg] += it.cost;
            std::stable_sort(items.begin(), items.end(), [&](const Item &x, const Item &y) {
                const int64_t cx = gcost[(size_t)x.group - gbeg], cy = gcost[(size_t)y.group - gbeg];
                if (cx != cy) return cx > cy;
                if (x.group != y.group) return x.group < y.group;
                return x.cost > y.cost;
            });
        }
        /* One queue for packing and computing: each group's pack tasks (one per key block) come just
         * before its first compute item. A compute item waits for the blocks it reads; they were
         * claimed earlier from the queue by threads that finish them without waiting, so the wait is
         * short and cannot deadlock. Packing a group right before its rows are computed keeps its
         * panel in cache and saves the barrier a separate packing phase would need. */
        std::vector<int64_t> first_block(gend - gbeg, -1); /* index of each group's first ready flag */
        int64_t nblocks = 0;
        std::vector<int64_t> queue; /* >= 0: compute item; < 0: pack task -(flag index) - 1 */
        queue.reserve(items.size() * 2);
        std::vector<int32_t> flag_group;
        for (size_t t = 0; t < items.size(); ++t) {
            const size_t gl = (size_t)items[t].group - gbeg;
            if (first_block[gl] < 0) {
                first_block[gl] = nblocks;
                for (int64_t kb = 0; kb < groups[gbeg + gl].nkb; ++kb) {
                    queue.push_back(-(nblocks + kb) - 1);
                    flag_group.push_back((int32_t)(gbeg + gl));
                }
                nblocks += groups[gbeg + gl].nkb;
            }
            queue.push_back((int64_t)t);
        }
        std::unique_ptr<std::atomic<uint8_t>[]> ready(new std::atomic<uint8_t>[(size_t)std::max<int64_t>(nblocks, 1)]);
        for (int64_t i = 0; i < nblocks; ++i) ready[(size_t)i].store(0, std::memory_order_relaxed);
        {
            std::atomic<int64_t> next{0};
            const int64_t n = (int64_t)queue.size();
            parallel_run((int)std::min<int64_t>(threads, (int64_t)items.size()), [&](int) {
                void *scratch = tl_scratch.get(sbytes);
                if (scratch == nullptr) failed.store(1);
                for (;;) {
                    const int64_t t = next.fetch_add(1, std::memory_order_relaxed);
                    if (t >= n) break;
                    const int64_t q = queue[(size_t)t];
                    if (q < 0) { /* pack tasks are always finished: later items may wait on them */
                        const int64_t f = -q - 1;
                        const Group &g = groups[(size_t)flag_group[(size_t)f]];
                        const int64_t kb = f - first_block[(size_t)flag_group[(size_t)f] - gbeg];
                        K->pack_kv_block(&p, &call.seqs[(size_t)g.seq], g.hkv, g.kb0 + kb,
                                         panels + g.off + (size_t)kb * bbytes);
                        ready[(size_t)f].store(1, std::memory_order_release);
                        continue;
                    }
                    if (scratch == nullptr || failed.load(std::memory_order_relaxed)) continue;
                    const Item &it = items[(size_t)q];
                    const Group &g = groups[(size_t)it.group];
                    const void *panel = nullptr;
                    if (!g.fly && panels != nullptr) {
                        const int64_t base = first_block[(size_t)it.group - gbeg];
                        for (int64_t f = base, e = base + g.nkb; f < e; ++f)
                            while (ready[(size_t)f].load(std::memory_order_acquire) == 0) cpu_relax();
                        panel = panels + g.off;
                    }
                    K->compute_rows(&p, &call.seqs[(size_t)g.seq], it.hq0, it.nh, it.i0, it.nq, panel, g.kb0,
                                    g.nkb, scratch);
                }
            });
        }

        if (cache_lock.owns_lock() && cache.n > kPanelKeep) {
            std::free(cache.p);
            cache.p = nullptr;
            cache.n = 0;
        }
        if (failed.load())
            return fail(err, cap, KH_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of per-thread scratch", sbytes);
        gbeg = gend;
    }
    return KH_OK;
}

kh_status fwd_impl(const kh_attention_args *a, char *err, size_t cap) {
    tl_last_path = "none";
    Call call;
    kh_status st = validate(a, call, err, cap);
    if (st != KH_OK) return st;
    const Selection sel = select_isa();
    if (!sel.ok) return fail(err, cap, sel.status, "%s", sel.message);
    pin_library();
    const Kernels *K = kernels_for(sel, call.p.dtype);
    tl_last_path = K->name;
    return run(call, K, err, cap);
}

kh_status fwd(const kh_attention_args *a, char *err, size_t cap) {
    try {
        return fwd_impl(a, err, cap);
    } catch (const std::bad_alloc &) {
        return fail(err, cap, KH_ERR_OUT_OF_MEMORY, "flash-attn2 (cpu): out of memory");
    } catch (const std::exception &e) {
        return fail(err, cap, KH_ERR_INTERNAL, "flash-attn2 (cpu): internal error: %s", e.what());
    } catch (...) {
        return fail(err, cap, KH_ERR_INTERNAL, "flash-attn2 (cpu): internal error (unknown exception)");
    }
}

const char kOpDescription[] =
    "FlashAttention-2 forward on CPU: tiled online softmax, f32 accumulation "
    "(AVX-512 with AVX512_BF16 dot products / AVX2 / portable, chosen at run time)";

} // namespace
} // namespace fa2

extern "C" {

KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }

KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t err_cap) {
    using fa2::fail;
    try {
        if (host == nullptr) return fail(err, err_cap, KH_ERR_INVALID_ARGUMENT, "host table is NULL");
        if (host->struct_size < offsetof(kh_host, register_op) + sizeof(host->register_op))
            return fail(err, err_cap, KH_ERR_INVALID_ARGUMENT, "host->struct_size %u is too small",
                        (unsigned)host->struct_size);
        if (host->abi_version != KH_ABI_VERSION)
            return fail(err, err_cap, KH_ERR_INVALID_ARGUMENT, "host ABI version %u, bundle ABI version %u",
                        (unsigned)host->abi_version, (unsigned)KH_ABI_VERSION);
        if (host->register_op == nullptr)
            return fail(err, err_cap, KH_ERR_INVALID_ARGUMENT, "host->register_op is NULL");
        kh_op_desc d;
        std::memset(&d, 0, sizeof d);
        d.struct_size = sizeof(kh_op_desc);
        d.features = KH_FEATURE_CAUSAL | KH_FEATURE_SLIDING_WINDOW | KH_FEATURE_SOFTCAP | KH_FEATURE_GQA |
                     KH_FEATURE_KEY_PADDING | KH_FEATURE_VARLEN | KH_FEATURE_LSE;
        d.name = "fwd";
        d.description = fa2::kOpDescription;
        d.device_kind = KH_DEVICE_CPU;
        d.dtypes = (1u << KH_DTYPE_F32) | (1u << KH_DTYPE_F16) | (1u << KH_DTYPE_BF16);
        d.min_head_dim = 1;
        d.max_head_dim = 256;
        d.head_dim_multiple = 1;
        d.is_default = 1;
        d.fn = &fa2::fwd;
        const kh_status st = host->register_op(host->host_ctx, &d);
        if (st != KH_OK)
            return fail(err, err_cap, st, "the host refused op 'fwd' (status %d)", (int)st);
        return KH_OK;
    } catch (...) {
        return fail(err, err_cap, KH_ERR_INTERNAL, "flash-attn2 (cpu): internal error during registration");
    }
}

/* The kernel path calls take now: "avx512bf16" (AVX-512; bf16 inputs on AVX512_BF16 dot products),
 * "avx512", "avx2", "portable"; or "unavailable" when KERNELHUB_CPU_ISA asks for one this CPU
 * lacks or names none (calls then fail with a message). */
KH_EXPORT const char *fa2_cpu_isa(void) {
    try {
        const fa2::Selection s = fa2::select_isa();
        return s.ok ? fa2::path_name(s) : "unavailable";
    } catch (...) {
        return "unavailable";
    }
}

/* The kernels the latest fwd call from the calling thread actually ran: "avx512bf16" (bf16 inputs
 * on the AVX512_BF16 path), "avx512", "avx2", "portable"; "none" before any call on this thread or
 * when the latest call failed before choosing kernels (bad arguments, an unavailable ISA). */
KH_EXPORT const char *fa2_cpu_isa_last(void) { return fa2::tl_last_path; }

/* The same as fa2_cpu_isa with what bf16 inputs run, e.g. "avx512bf16 (bf16 inputs: AVX512_BF16 dot products)". */
KH_EXPORT const char *fa2_cpu_isa_detail(void) {
    try {
        const fa2::Selection s = fa2::select_isa();
        if (!s.ok) return "unavailable";
        switch (s.path) {
        case fa2::Path::kAvx512:
            return s.bf16 ? "avx512bf16 (bf16 inputs: AVX512_BF16 dot products; f32/f16 inputs: avx512)"
                          : "avx512 (bf16 inputs: widened to f32)";
        case fa2::Path::kAvx2: return "avx2 (bf16 inputs: widened to f32)";
        default: return "portable (bf16 inputs: widened to f32)";
        }
    } catch (...) {
        return "unavailable";
    }
}

} // extern "C"

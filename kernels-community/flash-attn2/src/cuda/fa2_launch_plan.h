// fa2_launch_plan.h — from kh_attention_args to a kernel launch, host code only: argument
// validation (every bad input is an error status with a message), the kernel's Params, the grid,
// the kernel instance per head dim, and the op's registration (what validation accepts). Shared by the CUDA op (fa2_cuda_api.cu) and the CPU
// emulation of the kernel (tests/cuda_emulation), so both check and launch exactly alike.
#pragma once

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fa2_params.h"
#include "kernelhub.h"

namespace fa2cuda {
namespace plan {


inline kh_status fail(char *err, size_t cap, kh_status st, const char *fmt, ...) {
    if (err != nullptr && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return st;
}

inline const char *dtype_name(int32_t d) {
    switch (d) {
    case KH_DTYPE_F32: return "f32";
    case KH_DTYPE_F16: return "f16";
    case KH_DTYPE_BF16: return "bf16";
    default: return "an unknown dtype";
    }
}

// align: the data pointer's required alignment in bytes (the element size; 0 = none);
// last_contiguous: the last dimension must have stride 1 (q, k, v, out; not lse)
inline kh_status check_tensor(const kh_tensor &t, const char *what, int rank, int32_t dtype, int32_t device_kind, int device,
                       int align, bool last_contiguous, char *err, size_t cap) {
    if (t.device_kind != device_kind)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "%s is not a %s tensor (device kind %d); this op runs on %s devices", what,
                    device_kind == KH_DEVICE_CUDA ? "CUDA" : "host", (int)t.device_kind,
                    device_kind == KH_DEVICE_CUDA ? "CUDA" : "host (emulated CUDA)");
    if (t.device_index < 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has a negative device index %d", what, (int)t.device_index);
    if (t.device_index != device)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s is on cuda:%d, q on cuda:%d", what, (int)t.device_index, device);
    if (t.rank != rank) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has rank %d, expected %d", what, (int)t.rank, rank);
    if (t.dtype != dtype)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has dtype %s, expected %s", what, dtype_name(t.dtype),
                    dtype_name(dtype));
    for (int i = 0; i < rank; ++i) {
        if (t.shape[i] < 0 || t.strides[i] < 0)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has a negative size or stride in dimension %d", what, i);
    }
    if (last_contiguous && t.strides[rank - 1] != 1 && t.shape[rank - 1] > 1)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "%s: the last dimension must be contiguous", what);
    int64_t numel = 1;
    for (int i = 0; i < rank; ++i) numel *= t.shape[i];
    if (t.data == nullptr && numel > 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s has %lld elements but a NULL data pointer", what, (long long)numel);
    if (align > 0 && (reinterpret_cast<uintptr_t>(t.data) & (uintptr_t)(align - 1)) != 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "%s: the data pointer must be %d-byte aligned (its element size)", what,
                    align);
    return KH_OK;
}

// Whether every row of the tensor starts on a `bytes` boundary (data pointer and the strides of
// all but the last dimension), so it can be moved in chunks of that size.
inline bool rows_aligned(const kh_tensor &t, int rank, int bytes) {
    if ((reinterpret_cast<uintptr_t>(t.data) & (uintptr_t)(bytes - 1)) != 0) return false;
    for (int i = 0; i < rank - 1; ++i) {
        if (t.shape[i] > 1 && (t.strides[i] * 2) % bytes != 0) return false;
    }
    return true;
}

struct Launch {
    Params p;
    int grid_m;  // blocks of (packed) query rows, set by plan_work
    unsigned grid[3];  // the main kernel's grid: row blocks x splits, query heads / pack, batch
    bool varlen;
    const int32_t *host_cu_q, *host_cu_k, *host_seqused;
};

// device_kind: KH_DEVICE_CUDA for the real op; the CPU emulation (tests/cuda_emulation) serves host tensors
inline kh_status validate(const kh_attention_args *a, int32_t device_kind, Launch &L, char *err, size_t cap) {
    if (a == nullptr) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "args is NULL");
    if (a->struct_size < sizeof(kh_attention_args))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "kh_attention_args.struct_size %u is smaller than this op's %zu",
                    (unsigned)a->struct_size, sizeof(kh_attention_args));
    if (a->block_table != nullptr || a->page_size != 0)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "paged KV (block_table) is not supported by this op");
    if ((a->flags & ~(uint32_t)KH_ATTN_CAUSAL) != 0)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "unknown flags 0x%x", (unsigned)a->flags);
    const bool varlen = a->cu_seqlens_q != nullptr || a->cu_seqlens_k != nullptr;
    if (varlen && (a->cu_seqlens_q == nullptr || a->cu_seqlens_k == nullptr))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "varlen needs both cu_seqlens_q and cu_seqlens_k");
    if (varlen && a->seqlens_k != nullptr)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "seqlens_k cannot be combined with varlen");
    const int rank = varlen ? 3 : 4;
    const int32_t dt = a->q.dtype;
    if (dt != KH_DTYPE_F16 && dt != KH_DTYPE_BF16)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "q has dtype %s; the CUDA op takes f16 or bf16", dtype_name(dt));
    const int dev = a->q.device_index;
    kh_status st;
    if ((st = check_tensor(a->q, "q", rank, dt, device_kind, dev, 2, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor(a->k, "k", rank, dt, device_kind, dev, 2, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor(a->v, "v", rank, dt, device_kind, dev, 2, true, err, cap)) != KH_OK) return st;
    if ((st = check_tensor(a->out, "out", rank, dt, device_kind, dev, 2, true, err, cap)) != KH_OK) return st;
    const int o = varlen ? 0 : 1;  // dimensions before (token, head, dim)
    for (int i = 0; i < rank; ++i) {
        if (a->out.shape[i] != a->q.shape[i])
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "out and q shapes differ in dimension %d", i);
        if (a->k.shape[i] != a->v.shape[i])
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "k and v shapes differ in dimension %d", i);
    }
    const int64_t d = a->q.shape[rank - 1], hq = a->q.shape[o + 1], hkv = a->k.shape[o + 1];
    if (a->k.shape[rank - 1] != d)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "q head dim %lld differs from k/v head dim %lld", (long long)d,
                    (long long)a->k.shape[rank - 1]);
    if (d < 1 || d > 256)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "head dim %lld: the CUDA op supports 1 to 256",
                    (long long)d);
    if (hkv <= 0 || hq <= 0 || hq % hkv != 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "heads_q (%lld) must be a positive multiple of heads_kv (%lld)",
                    (long long)hq, (long long)hkv);
    if (hq > 65535) return fail(err, cap, KH_ERR_UNSUPPORTED, "more than 65535 query heads");
    if (a->window_left < -1 || a->window_right < -1)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "window (%d, %d): each side must be >= 0 or -1", (int)a->window_left,
                    (int)a->window_right);
    const bool causal = (a->flags & KH_ATTN_CAUSAL) != 0;
    if (causal && a->window_right > 0)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "causal attention with window_right %d > 0", (int)a->window_right);
    if (!std::isfinite(a->scale)) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "scale must be finite");
    if (!(a->softcap >= 0.f) || !std::isfinite(a->softcap))
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "softcap must be finite and >= 0");

    Params &p = L.p;
    std::memset(&p, 0, sizeof p);
    int64_t batch, seq_q, seq_k;
    if (varlen) {
        batch = a->batch;
        if (batch < 0) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "batch %d < 0", (int)batch);
        const int64_t total_q = a->q.shape[0], total_k = a->k.shape[0];
        int64_t mq = 0, mk = 0;
        for (int64_t i = 0; i <= batch; ++i) {
            const int32_t cq = a->cu_seqlens_q[i], ck = a->cu_seqlens_k[i];
            if (i == 0 && (cq != 0 || ck != 0))
                return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens_q[0] and cu_seqlens_k[0] must be 0");
            if (i > 0) {
                const int64_t lq = cq - (int64_t)a->cu_seqlens_q[i - 1], lk = ck - (int64_t)a->cu_seqlens_k[i - 1];
                if (lq < 0 || lk < 0)
                    return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens decrease at sequence %lld", (long long)i - 1);
                mq = lq > mq ? lq : mq;
                mk = lk > mk ? lk : mk;
            }
        }
        // trailing tokens after the last sequence are allowed (unused; their output is not written)
        if (a->cu_seqlens_q[batch] > total_q || a->cu_seqlens_k[batch] > total_k)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "cu_seqlens end at %d / %d, beyond the %lld / %lld packed tokens",
                        (int)a->cu_seqlens_q[batch], (int)a->cu_seqlens_k[batch], (long long)total_q, (long long)total_k);
        seq_q = mq;
        seq_k = mk;
        p.q_ss = a->q.strides[0], p.q_sh = a->q.strides[1];
        p.k_ss = a->k.strides[0], p.k_sh = a->k.strides[1];
        p.v_ss = a->v.strides[0], p.v_sh = a->v.strides[1];
        p.o_ss = a->out.strides[0], p.o_sh = a->out.strides[1];
    } else {
        batch = a->q.shape[0];
        seq_q = a->q.shape[1];
        seq_k = a->k.shape[1];
        if (a->k.shape[0] != batch)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "q has batch %lld, k %lld", (long long)batch,
                        (long long)a->k.shape[0]);
        if (a->seqlens_k != nullptr) {
            for (int64_t b = 0; b < batch; ++b) {
                if (a->seqlens_k[b] < 0 || a->seqlens_k[b] > seq_k)
                    return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "seqlens_k[%lld] = %d is outside 0..%lld", (long long)b,
                                (int)a->seqlens_k[b], (long long)seq_k);
            }
        }
        p.q_sb = a->q.strides[0], p.q_ss = a->q.strides[1], p.q_sh = a->q.strides[2];
        p.k_sb = a->k.strides[0], p.k_ss = a->k.strides[1], p.k_sh = a->k.strides[2];
        p.v_sb = a->v.strides[0], p.v_ss = a->v.strides[1], p.v_sh = a->v.strides[2];
        p.o_sb = a->out.strides[0], p.o_ss = a->out.strides[1], p.o_sh = a->out.strides[2];
    }
    if (batch > 65535) return fail(err, cap, KH_ERR_UNSUPPORTED, "batch above 65535");
    // 2^29: row + shift + window (windows are clamped below the lengths) stays within int in the kernel
    if (seq_q > (1 << 29) || seq_k > (1 << 29))
        return fail(err, cap, KH_ERR_UNSUPPORTED, "sequences longer than 2^29 tokens");
    if (a->lse.data != nullptr) {
        if ((st = check_tensor(a->lse, "lse", varlen ? 2 : 3, KH_DTYPE_F32, device_kind, dev, 0, false, err, cap)) != KH_OK) return st;
        const bool shape_ok = varlen ? a->lse.shape[0] == hq && a->lse.shape[1] == a->q.shape[0]
                                     : a->lse.shape[0] == batch && a->lse.shape[1] == hq && a->lse.shape[2] == seq_q;
        if (!shape_ok)
            return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "lse must have shape %s", varlen ? "[heads_q, total_q]"
                                                                                             : "[batch, heads_q, seq_q]");
        if (varlen) {
            p.lse_sb = 0, p.lse_sh = a->lse.strides[0], p.lse_si = a->lse.strides[1];
        } else {
            p.lse_sb = a->lse.strides[0], p.lse_sh = a->lse.strides[1], p.lse_si = a->lse.strides[2];
        }
        p.lse = static_cast<float *>(a->lse.data);
    }
    p.q = a->q.data, p.k = a->k.data, p.v = a->v.data, p.o = a->out.data;
    p.batch = (int)batch, p.heads_q = (int)hq, p.group = (int)(hq / hkv), p.seq_q = (int)seq_q, p.seq_k = (int)seq_k;
    p.d = (int)d;
    // 16-byte cp.async chunks need 16-byte rows and whole chunks; paired 32-bit output stores need
    // 4-byte rows and an even head dim. Anything else takes the element-wise paths.
    p.vec_loads = d % 8 == 0 && rows_aligned(a->q, rank, 16) && rows_aligned(a->k, rank, 16) && rows_aligned(a->v, rank, 16);
    p.vec_stores = d % 2 == 0 && rows_aligned(a->out, rank, 4);
    p.scale_log2 = a->scale * 1.4426950408889634f;
    p.softcap = a->softcap;
    p.scale_over_cap = a->softcap > 0.f ? a->scale / a->softcap : 0.f;
    p.softcap_log2 = a->softcap * 1.4426950408889634f;
    // windows wider than any sequence change nothing: unlimited (also keeps the kernel's sums small)
    p.win_left = a->window_left >= seq_k ? -1 : a->window_left;
    p.win_right = causal ? 0 : (a->window_right >= seq_q ? -1 : a->window_right);
    L.varlen = varlen;
    p.pack = 1;
    p.splits = 1;
    p.tokens = varlen ? a->cu_seqlens_q[batch] : batch * seq_q;
    L.host_cu_q = a->cu_seqlens_q;
    L.host_cu_k = a->cu_seqlens_k;
    L.host_seqused = a->seqlens_k;
    return KH_OK;
}

// Registers the op "fwd" for device_kind with what validate() accepts (f16/bf16, head dims 1..256,
// every feature), after checking the host table. Makes no CUDA call: bundles register on machines
// without a driver.
inline kh_status register_fwd(const kh_host *host, int32_t device_kind, const char *description, kh_attention_fn fn, char *err,
                              size_t cap) {
    if (host == nullptr || host->register_op == nullptr)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "kh_register: no host table");
    if (host->struct_size < sizeof(kh_host) || host->abi_version != KH_ABI_VERSION)
        return fail(err, cap, KH_ERR_UNSUPPORTED, "kh_register: host ABI %u is not ABI %u", (unsigned)host->abi_version,
                    (unsigned)KH_ABI_VERSION);
    kh_op_desc op;
    std::memset(&op, 0, sizeof op);
    op.struct_size = sizeof op;
    op.name = "fwd";
    op.description = description;
    op.device_kind = device_kind;
    op.dtypes = (1u << KH_DTYPE_F16) | (1u << KH_DTYPE_BF16);
    op.features = KH_FEATURE_CAUSAL | KH_FEATURE_SLIDING_WINDOW | KH_FEATURE_SOFTCAP | KH_FEATURE_GQA | KH_FEATURE_KEY_PADDING |
                  KH_FEATURE_VARLEN | KH_FEATURE_LSE;
    op.min_head_dim = 1;
    op.max_head_dim = 256;
    op.head_dim_multiple = 1;
    op.is_default = 1;
    op.fn = fn;
    const kh_status st = host->register_op(host->host_ctx, &op);
    if (st != KH_OK) return fail(err, cap, st, "the host refused op 'fwd' (status %d)", (int)st);
    return KH_OK;
}

// How the work is cut, once the key block size bn and the device's SM count are known.
// GQA packing when a group's queries fit one 64-row block (decoding): every K/V block is then
// loaded once per group instead of once per query head. Split-KV when the blocks would not fill
// the SMs and there are enough key blocks to share: up to about two waves of blocks, at least two
// key blocks per split, at most 64 splits (the workspace stays a few waves of rows).
inline void plan_work(Launch &L, int bm, int bn, int sms) {
    Params &p = L.p;
    p.pack = p.group > 1 && (int64_t)p.seq_q * p.group <= 64 ? p.group : 1;
    L.grid_m = (int)(((int64_t)p.seq_q * p.pack + bm - 1) / bm);
    const int64_t blocks = (int64_t)L.grid_m * (p.heads_q / p.pack) * p.batch;
    const int64_t key_blocks = ((int64_t)p.seq_k + bn - 1) / bn;
    int64_t splits = 1;
    if (blocks > 0 && blocks < sms && key_blocks >= 4) {
        splits = (2 * (int64_t)sms + blocks - 1) / blocks;
        if (splits > key_blocks / 2) splits = key_blocks / 2;
        if (splits > 64) splits = 64;
    }
    p.splits = (int)splits;
    L.grid[0] = (unsigned)(L.grid_m * splits);
    L.grid[1] = (unsigned)(p.heads_q / p.pack);
    L.grid[2] = (unsigned)p.batch;
}

/** Bytes of f32 workspace split-KV needs (0 without splits). */
inline size_t workspace_bytes(const Launch &L) {
    const Params &p = L.p;
    if (p.splits <= 1) return 0;
    return (size_t)p.splits * p.heads_q * p.tokens * (size_t)(p.d + 1) * sizeof(float);
}

/** Points o_accum / lse_accum into a workspace of workspace_bytes(L). */
inline void use_workspace(Launch &L, float *ws) {
    Params &p = L.p;
    p.o_accum = ws;
    p.lse_accum = ws + (size_t)p.splits * p.heads_q * p.tokens * p.d;
}

// The kernel instance for a head dim, block height and load path: head dim DK (others are
// zero-padded to it), BN keys per block, MT 16-row m-tiles per warp (BM = 64 MT rows per block),
// VEC cp.async chunks (else element-wise loads). fn is called with KernelShape<DK, BN, MT, VEC>{}.
// 128-row blocks exist for head dims up to 128 (at 256 the accumulators would not fit the
// registers) with vector loads; the element-wise path, for odd head dims and unaligned rows, has
// 64-row instances only.
template <int DK_, int BN_, int MT_, bool VEC_> struct KernelShape {
    static constexpr int DK = DK_, BN = BN_, MT = MT_, BM = 64 * MT_;
    static constexpr bool VEC = VEC_;
};
template <typename Fn> auto for_kernel(int d, int block_rows, bool vec, Fn &&fn) {
    if (!vec) {
        if (d <= 64) return fn(KernelShape<64, 64, 1, false>{});
        if (d <= 96) return fn(KernelShape<96, 64, 1, false>{});
        if (d <= 128) return fn(KernelShape<128, 64, 1, false>{});
        return fn(KernelShape<256, 32, 1, false>{});
    }
    if (block_rows == 128 && d <= 128) {
        if (d <= 64) return fn(KernelShape<64, 64, 2, true>{});
        if (d <= 96) return fn(KernelShape<96, 32, 2, true>{});  // 32 keys: the accumulators of 2 m-tiles fit
        return fn(KernelShape<128, 32, 2, true>{});
    }
    if (d <= 64) return fn(KernelShape<64, 64, 1, true>{});
    if (d <= 96) return fn(KernelShape<96, 64, 1, true>{});
    if (d <= 128) return fn(KernelShape<128, 64, 1, true>{});
    return fn(KernelShape<256, 32, 1, true>{});
}

// FA2_CUDA_BLOCK_ROWS: 64 (the default) or 128 query rows per block (head dims <= 128), for
// measuring both on a GPU. Unset: fallback.
inline kh_status block_rows_from_env(int fallback, int &rows, char *err, size_t cap) {
    const char *env = std::getenv("FA2_CUDA_BLOCK_ROWS");
    rows = fallback;
    if (env == nullptr || *env == '\0') return KH_OK;
    if (std::strcmp(env, "64") == 0) rows = 64;
    else if (std::strcmp(env, "128") == 0) rows = 128;
    else return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "FA2_CUDA_BLOCK_ROWS=%s: expected 64 or 128", env);
    return KH_OK;
}

}  // namespace plan
}  // namespace fa2cuda

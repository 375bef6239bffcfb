// fa2_kernel.cuh — FlashAttention-2 forward on tensor cores (sm_80+).
//
// One thread block computes BM = 64 MT query rows of one (sequence, query head): 4 warps, MT
// 16-row m-tiles each (MT = 1, or 2 for 128-row blocks at head dims <= 128). For decoding (seq_q x GQA group <= 64) the rows are instead the queries of all the heads
// that share one K/V head (GQA packing: K/V are loaded once for the group), and when there are
// too few blocks to fill the GPU each block takes one share of the keys (split-KV) and
// fa2_combine_kernel merges the shares by their LSE. Key/value blocks of BN keys stream through shared memory with cp.async, double-buffered
// (block n+1 is in flight while block n is computed). Per key block, each warp computes
// S = Q K^T with mma.sync m16n8k16 (f16/bf16 inputs, f32 accumulators; Q and K fragments come
// from shared memory through ldmatrix), applies scale / softcap / mask, updates the online
// softmax in registers (row max and sum across the 4 threads that share a row via shuffles),
// turns P into A fragments without touching shared memory, and accumulates O += P V with V
// fragments from ldmatrix.trans. Key blocks entirely outside a row block's band (causal,
// window, key padding) are never loaded.
//
// Shared memory rows are DS elements wide (DS = head dim rounded up to 64) and swizzled by
// 16-byte chunks: chunk c of row r is stored at chunk c ^ (r & 7) within its group of 8, so the
// 8 rows an ldmatrix reads hit 8 different bank groups. Head dims that are not a native size
// (64, 96, 128, 256) run in the next native kernel with the extra columns zero-filled.
#pragma once

#include <stdint.h>
#include <string.h>

#include "fa2_params.h"

#ifdef KH_SIMT_EMULATION
// the same primitives on kernelhub's CPU emulator (native/simt), for checking this source without a GPU
#include "fa2_ptx_emulated.h"
#else
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "fa2_ptx.cuh"
#endif

namespace fa2cuda {

// the bits of a 16- or 32-bit value as an integer (memcpy: no aliasing question, a move in SASS)
template <typename U, typename V> __device__ __forceinline__ U bits_of(const V &v) {
    static_assert(sizeof(U) == sizeof(V), "same size");
    U u;
    memcpy(&u, &v, sizeof u);
    return u;
}

// f32 -> T, rounded to nearest even: two packed into an mma operand / a 32-bit store, or one
template <typename T> struct Pack;
template <> struct Pack<__nv_bfloat16> {
    static __device__ __forceinline__ uint32_t two(float lo, float hi) { return bits_of<uint32_t>(__floats2bfloat162_rn(lo, hi)); }
    static __device__ __forceinline__ uint16_t one(float x) { return bits_of<uint16_t>(__float2bfloat16_rn(x)); }
};
template <> struct Pack<__half> {
    static __device__ __forceinline__ uint32_t two(float lo, float hi) { return bits_of<uint32_t>(__floats2half2_rn(lo, hi)); }
    static __device__ __forceinline__ uint16_t one(float x) { return bits_of<uint16_t>(__float2half_rn(x)); }
};

// element offset of (row, col) in a swizzled [rows][DS] tile; col is a multiple of 8 here
template <int DS> __device__ __forceinline__ int swz(int row, int col) {
    const int chunk = col >> 3;
    return row * DS + (((chunk & ~7) | ((chunk ^ row) & 7)) << 3);
}

// Loads rows [row0, row0 + ROWS) into a swizzled tile; rows >= limit and columns >= d are
// zero-filled. PACKED: row r is query (r / pack) of head (r % pack) counted from base's head (GQA
// packing: the query heads sharing a K/V head fill one block's rows); else row r is at
// base + r * seq_stride. VEC: 16-byte cp.async chunks (rows 16-byte aligned, d a multiple of 8);
// otherwise element by element with plain loads and shared stores, which the barrier before
// the tile's use makes visible like the cp.async wait does.
template <typename T, int ROWS, int DK, int DS, int THREADS, bool PACKED, bool VEC>
__device__ __forceinline__ void load_rows(T *tile, const T *base, int64_t seq_stride, int64_t head_stride, int pack, int row0,
                                          int limit, int d) {
    const uint32_t s0 = static_cast<uint32_t>(__cvta_generic_to_shared(tile));
    auto row = [&](int gr) { return PACKED ? base + (gr / pack) * seq_stride + (gr % pack) * head_stride : base + gr * seq_stride; };
    if (VEC) {
        constexpr int CHUNKS = DK / 8;
        for (int c = threadIdx.x; c < ROWS * CHUNKS; c += THREADS) {
            const int r = c / CHUNKS, ch = c % CHUNKS;
            const int gr = row0 + r;
            const bool ok = gr < limit && ch * 8 < d;
            cp_async16(s0 + swz<DS>(r, ch * 8) * (int)sizeof(T), ok ? row(gr) + ch * 8 : base, ok ? 16 : 0);
        }
    } else {
        for (int c = threadIdx.x; c < ROWS * DK; c += THREADS) {
            const int r = c / DK, col = c % DK;
            const int gr = row0 + r;
            const uint16_t v = gr < limit && col < d ? ld_global_b16(row(gr) + col) : 0;
            st_shared_b16(s0 + (swz<DS>(r, col & ~7) + (col & 7)) * (int)sizeof(T), v);
        }
    }
}

// MT = 16-row m-tiles per warp: 1 (64-row blocks) or 2 (128-row blocks, each K/V fragment read
// from shared memory feeds twice the mma work)
template <typename T, int DK, int BN, int MT>
struct Config {
    static constexpr int BM = 64 * MT;
    static constexpr int WARPS = 4;
    static constexpr int THREADS = WARPS * 32;
    static constexpr int DS = (DK + 63) / 64 * 64;
    static constexpr int SMEM = (BM + 4 * BN) * DS * (int)sizeof(T);  // Q + 2 stages of K and V
};

// VEC: q/k/v rows move in 16-byte cp.async chunks (p.vec_loads); else element by element (odd head
// dims, unaligned rows), a separate instance so the common case pays no registers for it
template <typename T, int DK, int BN, int MT, bool VEC>
__global__ void __launch_bounds__(128, 1) fa2_fwd_kernel(const Params p) {
    using C = Config<T, DK, BN, MT>;
    constexpr int R = 2 * MT;  // rows per thread
    constexpr int BM = C::BM, DS = C::DS, NT = BN / 8, DT = DK / 8;
    FA2_DYNAMIC_SHARED(smem_raw);
    T *sQ = reinterpret_cast<T *>(smem_raw);
    T *sK = sQ + BM * DS;          // [2][BN][DS]
    T *sV = sK + 2 * BN * DS;      // [2][BN][DS]

    // blockIdx.x = row block * splits + split, the last row block first: with a causal mask the
    // last rows see the most keys, and starting them first leaves the short blocks for the tail
    // of the grid. blockIdx.y = the first of p.pack query heads.
    const int row_blocks = gridDim.x / p.splits;
    const int b = blockIdx.z, h0 = blockIdx.y * p.pack, split = blockIdx.x % p.splits;
    const int m0 = (row_blocks - 1 - (int)(blockIdx.x / p.splits)) * BM;
    const int hk = h0 / p.group;
    int64_t q0 = 0, k0 = 0;
    int len_q = p.seq_q, len_k = p.seq_k;
    if (p.cu_q != nullptr) {
        q0 = p.cu_q[b];
        k0 = p.cu_k[b];
        len_q = p.cu_q[b + 1] - (int)q0;
        len_k = p.cu_k[b + 1] - (int)k0;
    } else if (p.seqused_k != nullptr) {
        len_k = p.seqused_k[b];
    }
    const int rows = len_q * p.pack;  // packed rows: query i of head h0 + j is row i * pack + j
    if (m0 >= rows) return;

    const T *qb = static_cast<const T *>(p.q) + b * p.q_sb + q0 * p.q_ss + h0 * p.q_sh;
    const T *kb = static_cast<const T *>(p.k) + b * p.k_sb + k0 * p.k_ss + hk * p.k_sh;
    const T *vb = static_cast<const T *>(p.v) + b * p.v_sb + k0 * p.v_ss + hk * p.v_sh;

    // the band of visible keys for row i: [lo(i), hi(i)] (bottom-right aligned)
    const int shift = len_k - len_q;
    // int is enough: the host limits sequences to 2^29 tokens and windows below the sequence lengths
    auto lo_of = [&](int i) { return p.win_left >= 0 ? max(0, i + shift - p.win_left) : 0; };
    auto hi_of = [&](int i) { return p.win_right >= 0 ? min(len_k - 1, i + shift + p.win_right) : len_k - 1; };
    const int first_i = m0 / p.pack, last_i = (min(m0 + BM, rows) - 1) / p.pack;  // the block's queries
    const int klo = lo_of(first_i), khi = hi_of(last_i);
    int nb_lo = klo / BN, nb_hi = khi >= klo ? khi / BN : nb_lo - 1;
    if (p.splits > 1) {  // split-KV: this block takes its share of the band's key blocks
        const int per = (nb_hi - nb_lo + 1 + p.splits - 1) / p.splits;
        const int lo = nb_lo + split * per;
        nb_hi = min(nb_hi, lo + per - 1);
        nb_lo = lo;
    }

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, tig = lane % 4;
    // the (packed) rows this thread holds: r = 2 * mt + half is row m0 + 64 mt + 16 warp + g + 8 half
    int row_of[R], i_of[R];  // and their query positions
#pragma unroll
    for (int r = 0; r < R; ++r) {
        row_of[r] = m0 + (r / 2) * 64 + warp * 16 + g + (r % 2) * 8;
        i_of[r] = row_of[r] / p.pack;
    }

    float acc_o[MT][DT][4];
    float m_run[R], l_run[R];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int t = 0; t < DT; ++t) acc_o[mt][t][0] = acc_o[mt][t][1] = acc_o[mt][t][2] = acc_o[mt][t][3] = 0.f;
    }
#pragma unroll
    for (int r = 0; r < R; ++r) m_run[r] = -INFINITY, l_run[r] = 0.f;

    if (nb_lo <= nb_hi) {
        load_rows<T, BM, DK, DS, C::THREADS, true, VEC>(sQ, qb, p.q_ss, p.q_sh, p.pack, m0, rows, p.d);
        load_rows<T, BN, DK, DS, C::THREADS, false, VEC>(sK, kb, p.k_ss, 0, 1, nb_lo * BN, len_k, p.d);
        load_rows<T, BN, DK, DS, C::THREADS, false, VEC>(sV, vb, p.v_ss, 0, 1, nb_lo * BN, len_k, p.d);
        cp_async_commit();
    }
    const uint32_t sQa = static_cast<uint32_t>(__cvta_generic_to_shared(sQ));

    for (int nb = nb_lo; nb <= nb_hi; ++nb) {
        const int stage = (nb - nb_lo) & 1;
        if (nb < nb_hi) {  // prefetch the next block into the other stage while this one is computed
            const int next = (nb + 1) * BN;
            load_rows<T, BN, DK, DS, C::THREADS, false, VEC>(sK + (stage ^ 1) * BN * DS, kb, p.k_ss, 0, 1, next, len_k, p.d);
            load_rows<T, BN, DK, DS, C::THREADS, false, VEC>(sV + (stage ^ 1) * BN * DS, vb, p.v_ss, 0, 1, next, len_k, p.d);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
        const uint32_t sKa = static_cast<uint32_t>(__cvta_generic_to_shared(sK + stage * BN * DS));
        const uint32_t sVa = static_cast<uint32_t>(__cvta_generic_to_shared(sV + stage * BN * DS));

        // S = Q K^T for this warp's rows and the block's BN keys: each K fragment feeds MT m-tiles
        float acc_s[MT][NT][4];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int t = 0; t < NT; ++t) acc_s[mt][t][0] = acc_s[mt][t][1] = acc_s[mt][t][2] = acc_s[mt][t][3] = 0.f;
        }
#pragma unroll
        for (int kk = 0; kk < DK / 16; ++kk) {
            uint32_t a[MT][4];
#pragma unroll
            for (int mt = 0; mt < MT; ++mt)
                ldmatrix_x4(a[mt], sQa + swz<DS>(mt * 64 + warp * 16 + (lane % 16), kk * 16 + (lane / 16) * 8) * (int)sizeof(T));
#pragma unroll
            for (int t = 0; t < NT; t += 2) {
                uint32_t bfr[4];
                ldmatrix_x4(bfr, sKa + swz<DS>(t * 8 + (lane / 16) * 8 + (lane % 8), kk * 16 + ((lane / 8) % 2) * 8) *
                                           (int)sizeof(T));
#pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                    mma16816<T>(acc_s[mt][t], a[mt], bfr[0], bfr[1]);
                    mma16816<T>(acc_s[mt][t + 1], a[mt], bfr[2], bfr[3]);
                }
            }
        }

        // scale (log2 domain), softcap, mask; then the online softmax update for each row
        const int j0 = nb * BN;
        const bool full = j0 >= lo_of(last_i) && j0 + BN - 1 <= hi_of(first_i) && j0 + BN <= len_k;
        float mx[R];
#pragma unroll
        for (int r = 0; r < R; ++r) mx[r] = -INFINITY;
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int t = 0; t < NT; ++t) {
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int r = 2 * mt + (e >> 1);
                    const int j = j0 + t * 8 + tig * 2 + (e & 1);
                    float s = acc_s[mt][t][e];
                    if (p.softcap > 0.f) {
                        s = p.softcap_log2 * tanhf(s * p.scale_over_cap);
                    } else {
                        s *= p.scale_log2;
                    }
                    if (!full && (j < lo_of(i_of[r]) || j > hi_of(i_of[r]) || j >= len_k)) s = -INFINITY;
                    acc_s[mt][t][e] = s;
                    mx[r] = fmaxf(mx[r], s);
                }
            }
        }
        float corr[R];
#pragma unroll
        for (int r = 0; r < R; ++r) {
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
            const float m_new = fmaxf(m_run[r], mx[r]);
            const float m_use = m_new == -INFINITY ? 0.f : m_new;  // a row with nothing visible yet
            corr[r] = exp2f(m_run[r] - m_use);                     // 0 while m_run is -inf
            m_run[r] = m_new;
            mx[r] = m_use;
        }
        float sum[R];
#pragma unroll
        for (int r = 0; r < R; ++r) sum[r] = 0.f;
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int t = 0; t < NT; ++t) {
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int r = 2 * mt + (e >> 1);
                    const float pe = exp2f(acc_s[mt][t][e] - mx[r]);
                    acc_s[mt][t][e] = pe;
                    sum[r] += pe;
                }
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) l_run[r] = l_run[r] * corr[r] + sum[r];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int t = 0; t < DT; ++t) {
                acc_o[mt][t][0] *= corr[2 * mt];
                acc_o[mt][t][1] *= corr[2 * mt];
                acc_o[mt][t][2] *= corr[2 * mt + 1];
                acc_o[mt][t][3] *= corr[2 * mt + 1];
            }
        }

        // O += P V: P's accumulator layout is the A fragment layout of two adjacent key tiles; each
        // V fragment feeds MT m-tiles
#pragma unroll
        for (int kv = 0; kv < BN / 16; ++kv) {
            uint32_t a[MT][4];
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                a[mt][0] = Pack<T>::two(acc_s[mt][2 * kv][0], acc_s[mt][2 * kv][1]);
                a[mt][1] = Pack<T>::two(acc_s[mt][2 * kv][2], acc_s[mt][2 * kv][3]);
                a[mt][2] = Pack<T>::two(acc_s[mt][2 * kv + 1][0], acc_s[mt][2 * kv + 1][1]);
                a[mt][3] = Pack<T>::two(acc_s[mt][2 * kv + 1][2], acc_s[mt][2 * kv + 1][3]);
            }
#pragma unroll
            for (int t = 0; t < DT; t += 2) {
                uint32_t bfr[4];
                ldmatrix_x4_trans(bfr, sVa + swz<DS>(kv * 16 + (lane % 16), t * 8 + (lane / 16) * 8) * (int)sizeof(T));
#pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                    mma16816<T>(acc_o[mt][t], a[mt], bfr[0], bfr[1]);
                    mma16816<T>(acc_o[mt][t + 1], a[mt], bfr[2], bfr[3]);
                }
            }
        }
        __syncthreads();  // the next iteration's prefetch overwrites the stage just read
    }

    // O / l, LSE = ln(2) * m + ln(l); rows without visible keys get zeros and -inf. With split-KV
    // both go to the f32 workspace and fa2_combine_kernel merges the splits.
#pragma unroll
    for (int r = 0; r < R; ++r) {
        l_run[r] += __shfl_xor_sync(0xffffffffu, l_run[r], 1);
        l_run[r] += __shfl_xor_sync(0xffffffffu, l_run[r], 2);
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
        const int row = row_of[r], mt = r / 2, e = (r % 2) * 2;  // e: the row's first accumulator
        if (row >= rows) continue;
        const int i = row / p.pack, h = h0 + row % p.pack;
        const float inv = l_run[r] > 0.f ? 1.f / l_run[r] : 0.f;
        const float lse = l_run[r] > 0.f ? m_run[r] * 0.6931471805599453f + logf(l_run[r]) : -INFINITY;
        const int64_t tok = p.cu_q != nullptr ? q0 + i : (int64_t)b * p.seq_q + i;  // token index, packed or not
        if (p.splits > 1) {
            const int64_t slot = ((int64_t)split * p.heads_q + h) * p.tokens + tok;
            float *orow = p.o_accum + slot * p.d;
#pragma unroll
            for (int t = 0; t < DT; ++t) {
                const int col = t * 8 + tig * 2;
                if (col < p.d) st_global_f32(orow + col, acc_o[mt][t][e] * inv);
                if (col + 1 < p.d) st_global_f32(orow + col + 1, acc_o[mt][t][e + 1] * inv);
            }
            if (tig == 0) st_global_f32(p.lse_accum + slot, lse);
            continue;
        }
        T *orow = static_cast<T *>(p.o) + b * p.o_sb + (q0 + i) * p.o_ss + h * p.o_sh;
#pragma unroll
        for (int t = 0; t < DT; ++t) {
            const int col = t * 8 + tig * 2;
            const float x0 = acc_o[mt][t][e] * inv, x1 = acc_o[mt][t][e + 1] * inv;
            if (p.vec_stores) {
                if (col < p.d) st_global_b32(orow + col, Pack<T>::two(x0, x1));
            } else {  // an odd head dim or rows not 4-byte aligned
                if (col < p.d) st_global_b16(orow + col, Pack<T>::one(x0));
                if (col + 1 < p.d) st_global_b16(orow + col + 1, Pack<T>::one(x1));
            }
        }
        if (p.lse != nullptr && tig == 0) {
            st_global_f32(&p.lse[b * p.lse_sb + h * p.lse_sh + (p.cu_q != nullptr ? tok : i) * p.lse_si], lse);
        }
    }
}

// Split-KV: merges each (query head, token)'s partial results, LSE = log(sum_s exp(lse_s)) and
// O = sum_s exp(lse_s - LSE) O_s, then writes O in T and the LSE if requested. One block of
// COMBINE_THREADS threads per (token, head); threads take columns.
constexpr int COMBINE_THREADS = 128;

template <typename T>
__global__ void __launch_bounds__(COMBINE_THREADS) fa2_combine_kernel(const Params p) {
    const int64_t tok = blockIdx.x;
    const int h = blockIdx.y;
    int64_t b, i;  // the token's sequence and position
    if (p.cu_q != nullptr) {
        int lo = 0, hi = p.batch - 1;  // the last sequence starting at or before tok
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (p.cu_q[mid] <= tok) lo = mid;
            else hi = mid - 1;
        }
        b = lo;
        i = tok - p.cu_q[b];
    } else {
        b = tok / p.seq_q;
        i = tok % p.seq_q;
    }
    const int64_t stride = (int64_t)p.heads_q * p.tokens;  // between splits
    const float *lse_s = p.lse_accum + (int64_t)h * p.tokens + tok;
    float mx = -INFINITY;
    for (int s = 0; s < p.splits; ++s) mx = fmaxf(mx, lse_s[s * stride]);
    float sum = 0.f;
    if (mx != -INFINITY) {
        for (int s = 0; s < p.splits; ++s) sum += expf(lse_s[s * stride] - mx);
    }
    const float lse = mx == -INFINITY ? -INFINITY : mx + logf(sum);
    T *orow = static_cast<T *>(p.o) + b * p.o_sb + (p.cu_q != nullptr ? tok : i) * p.o_ss + (int64_t)h * p.o_sh;
    for (int col = 2 * threadIdx.x; col < p.d; col += 2 * COMBINE_THREADS) {
        const bool pair = col + 1 < p.d;
        float o0 = 0.f, o1 = 0.f;
        if (mx != -INFINITY) {
            for (int s = 0; s < p.splits; ++s) {
                const float w = expf(lse_s[s * stride] - lse);
                const float *part = p.o_accum + ((int64_t)s * stride + (int64_t)h * p.tokens + tok) * p.d + col;
                o0 += w * part[0];
                if (pair) o1 += w * part[1];
            }
        }
        if (p.vec_stores) {
            st_global_b32(orow + col, Pack<T>::two(o0, o1));
        } else {
            st_global_b16(orow + col, Pack<T>::one(o0));
            if (pair) st_global_b16(orow + col + 1, Pack<T>::one(o1));
        }
    }
    if (p.lse != nullptr && threadIdx.x == 0) {
        st_global_f32(&p.lse[b * p.lse_sb + h * p.lse_sh + (p.cu_q != nullptr ? tok : i) * p.lse_si], lse);
    }
}

}  // namespace fa2cuda

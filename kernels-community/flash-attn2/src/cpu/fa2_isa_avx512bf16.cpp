/*
 * fa2_isa_avx512bf16.cpp — bf16 inputs on CPUs with AVX512_BF16: Q, K, V stay bf16 and both
 * products use VDPBF16PS (pairs of bf16 products accumulated in f32):
 *   S = Q K^T: K packed as [head_dim/2][keys] pairs of dims, q pairs broadcast;
 *   O += P V:  P rounded to bf16 (as FlashAttention does on GPUs; the row sums use the f32 P),
 *              V packed as [keys/2][head_dim] pairs of keys, p pairs broadcast.
 * Compiled with the AVX-512 flags plus -mavx512bf16 (see cpu_sources.cmake); called only after
 * the front end checked the CPU.
 */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#if !defined(__AVX512BF16__)
#error "fa2_isa_avx512bf16.cpp needs -mavx512bf16"
#endif

#define FA2_NS fa2_avx512bf16
#include "fa2_scalar_impl.h"
namespace FA2_NS {
#include "fa2_isa_avx512_traits.h"
}
#include "fa2_kernel_impl.h"

namespace FA2_NS {

typedef uint32_t __attribute__((may_alias)) u32a;
typedef uint16_t __attribute__((may_alias)) u16a;

static inline uint32_t pair16(uint16_t lo, uint16_t hi) { return (uint32_t)lo | ((uint32_t)hi << 16); }

struct PolBF16 {
    static constexpr int W = 16;
    static constexpr int BK = kBlockKeys;
    typedef uint16_t PElem;
    struct VRef {
        const u32a *ptr; /* packed pairs of keys: [BK / 2][dpad] */
    };

    static inline int d2(const Problem *p) { return (int)round_up(p->d, 2); }
    static inline int dpad(const Problem *p) { return (int)round_up(p->d, W); }
    static inline size_t kv_block_bytes(const Problem *p) {
        return ((size_t)(d2(p) / 2) * BK + (size_t)(BK / 2) * dpad(p)) * sizeof(uint32_t);
    }
    static inline int ldq2(const Problem *p) { return d2(p) / 2; } /* in pairs */
    static inline size_t qbuf_bytes(const Problem *p) { return (size_t)kBlockRows * d2(p) * 2; }

    static void pack_kv_block(const Problem *p, const Seq *s, int32_t hkv, int64_t kb, void *dst) {
        const int d = p->d, h2 = d2(p) / 2, dp = dpad(p);
        u32a *kp = (u32a *)dst;
        u32a *vp = kp + (size_t)h2 * BK;
        const int64_t j0 = kb * BK;
        const int64_t nvalid = imax(0, imin(BK, s->sk - j0));
        static const uint16_t zeros[256] = {0};
        /* K: 16 keys at a time, each pair of dims gathered from the 16 rows (32-bit loads at
         * 2-byte granularity); an odd head dim's last element is paired with 0 by hand */
        const bool gather_ok = p->k_ss <= (int64_t)(INT32_MAX / 32);
        for (int jj = 0; jj < BK; jj += 16) {
            const int n = (int)imax(0, imin(16, nvalid - jj));
            const uint16_t *k0 = (const uint16_t *)p->k + (s->k_off + (j0 + jj) * p->k_ss + hkv * p->k_sh);
            if (gather_ok && n > 0) {
                const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                       _mm512_set1_epi32((int)p->k_ss));
                const __mmask16 m = (__mmask16)(n >= 16 ? 0xFFFFu : ((1u << n) - 1u));
                for (int c2 = 0; c2 < d / 2; ++c2)
                    _mm512_storeu_si512((void *)(kp + (size_t)c2 * BK + jj),
                                        _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, k0 + 2 * c2, 2));
            } else {
                for (int j = 0; j < 16; ++j) {
                    const uint16_t *kr = k0 + j * p->k_ss;
                    for (int c2 = 0; c2 < d / 2; ++c2)
                        kp[(size_t)c2 * BK + jj + j] = j < n ? pair16(kr[2 * c2], kr[2 * c2 + 1]) : 0u;
                }
            }
            if (d & 1)
                for (int j = 0; j < 16; ++j)
                    kp[(size_t)(h2 - 1) * BK + jj + j] = j < n ? pair16(k0[j * p->k_ss + d - 1], 0) : 0u;
        }
        for (int j2 = 0; j2 < BK / 2; ++j2) {
            const int ja = 2 * j2, jb = 2 * j2 + 1;
            const uint16_t *va = ja < nvalid ? (const uint16_t *)p->v + (s->v_off + (j0 + ja) * p->v_ss + hkv * p->v_sh) : zeros;
            const uint16_t *vb = jb < nvalid ? (const uint16_t *)p->v + (s->v_off + (j0 + jb) * p->v_ss + hkv * p->v_sh) : zeros;
            u32a *row = vp + (size_t)j2 * dp;
            int c = 0;
            for (; c + 16 <= d; c += 16) {
                const __m512i a = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(va + c)));
                const __m512i b = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(vb + c)));
                _mm512_storeu_si512((void *)(row + c), _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
            }
            for (; c < d; ++c) row[c] = pair16(va[c], vb[c]);
            for (; c < dp; ++c) row[c] = 0;
        }
    }

    static inline void pack_q(const Problem *p, const Seq *s, const RowMap &rm, int nrows, void *qbuf) {
        const int d = p->d, dd = d2(p);
        uint16_t *q = (uint16_t *)qbuf;
        for (int r = 0; r < nrows; ++r) {
            const uint16_t *src = (const uint16_t *)p->q + (s->q_off + rm.i(r) * p->q_ss + (int64_t)rm.h(r) * p->q_sh);
            memcpy(q + (size_t)r * dd, src, sizeof(uint16_t) * (size_t)d);
            if (dd != d) q[(size_t)r * dd + d] = 0;
        }
    }

    static inline VRef v_ref(const Problem *p, const Seq *, int32_t, int64_t, const void *blk) {
        VRef r;
        r.ptr = (const u32a *)blk + (size_t)(d2(p) / 2) * BK;
        return r;
    }

    template <int R, int NV>
    static inline void s_kernel(const u32a *__restrict q, int ldq, const u32a *__restrict kp, int h2,
                                float *__restrict s, float *__restrict vmax, int v0, __m512 mul) {
        __m512 acc[R][NV];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) acc[r][n] = _mm512_setzero_ps();
        const u32a *k = kp + v0 * W;
        for (int c2 = 0; c2 < h2; ++c2) {
            __m512i kv[NV];
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) kv[n] = _mm512_loadu_si512((const void *)(k + (size_t)c2 * BK + n * W));
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                const __m512i qb = _mm512_set1_epi32((int)q[(size_t)r * ldq + c2]);
#pragma GCC unroll 8
                for (int n = 0; n < NV; ++n) acc[r][n] = _mm512_dpbf16_ps(acc[r][n], (__m512bh)qb, (__m512bh)kv[n]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            __m512 m = _mm512_loadu_ps(vmax + r * W);
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) {
                const __m512 x = _mm512_mul_ps(acc[r][n], mul);
                _mm512_storeu_ps(s + (size_t)r * BK + (v0 + n) * W, x);
                m = _mm512_max_ps(m, x);
            }
            _mm512_storeu_ps(vmax + r * W, m);
        }
    }

    template <int R>
    static inline void s_group(const Problem *p, const void *qbuf, int r0, const void *kvblock, float *sbuf,
                               float *vmax, int vlo, int vhi, float mul) {
        const int ld = ldq2(p);
        const u32a *q = (const u32a *)qbuf + (size_t)r0 * ld;
        const u32a *kp = (const u32a *)kvblock;
        float *s = sbuf + (size_t)r0 * BK;
        const __m512 vm = _mm512_set1_ps(mul);
        for (int v = vlo; v < vhi; v += Isa::S_NV) {
            const int nv = (int)imin(Isa::S_NV, vhi - v);
            dispatch_vecs<Isa::S_NV>(nv, [&](auto icn) {
                s_kernel<R, decltype(icn)::value>(q, ld, kp, ld, s, vmax + r0 * W, v, vm);
            });
        }
    }

    static inline void store_p(PElem *pbuf, int r, int v, __m512 x) {
        _mm256_storeu_si256((__m256i *)(pbuf + (size_t)r * BK + v * W), (__m256i)_mm512_cvtneps_pbh(x));
    }

    template <int R, int NV>
    static inline void pv_kernel(const u32a *__restrict pr, const u32a *__restrict vb, int dp, float *__restrict o,
                                 const float *__restrict alpha, int j2a, int j2b, int c0) {
        __m512 acc[R][NV];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) acc[r][n] = _mm512_setzero_ps();
        const u32a *vp = vb + c0;
        for (int j2 = j2a; j2 < j2b; ++j2) {
            __m512i vv[NV];
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) vv[n] = _mm512_loadu_si512((const void *)(vp + (size_t)j2 * dp + n * W));
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                const __m512i pb = _mm512_set1_epi32((int)pr[(size_t)r * (BK / 2) + j2]);
#pragma GCC unroll 8
                for (int n = 0; n < NV; ++n) acc[r][n] = _mm512_dpbf16_ps(acc[r][n], (__m512bh)pb, (__m512bh)vv[n]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const __m512 a = _mm512_set1_ps(alpha[r]);
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) {
                float *op = o + (size_t)r * dp + c0 + n * W;
                _mm512_storeu_ps(op, _mm512_fmadd_ps(_mm512_loadu_ps(op), a, acc[r][n]));
            }
        }
    }

    template <int R>
    static inline void pv_group(const Problem *p, const PElem *pbuf, int r0, const VRef &vr, float *obuf,
                                const float *alpha, int ja, int jb, int /* jvalid: packed V is zero there */) {
        const int dp = dpad(p);
        const u32a *vb = vr.ptr;
        const u32a *pr = (const u32a *)(pbuf + (size_t)r0 * BK);
        float *o = obuf + (size_t)r0 * dp;
        const int nvec = dp / W;
        for (int c = 0; c < nvec; c += Isa::PV_NV) {
            const int nv = (int)imin(Isa::PV_NV, nvec - c);
            dispatch_vecs<Isa::PV_NV>(nv, [&](auto icn) {
                pv_kernel<R, decltype(icn)::value>(pr, vb, dp, o, alpha + r0, ja / 2, jb / 2, c * W);
            });
        }
    }
};

} // namespace FA2_NS

const fa2::Kernels *fa2::kernels_avx512bf16() { return FA2_NS::make_table<FA2_NS::PolBF16>("avx512bf16"); }
#endif

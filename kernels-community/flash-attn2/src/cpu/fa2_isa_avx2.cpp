/*
 * fa2_isa_avx2.cpp — AVX2 + FMA + F16C kernels (256-bit, 16 registers), f32 policy for all
 * dtypes. Compiled with -mavx2 -mfma -mf16c (see cpu_sources.cmake); called only after the
 * front end checked the CPU.
 */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "fa2_isa_avx2.cpp needs -mavx2 -mfma -mf16c"
#endif

#define FA2_NS fa2_avx2
#include "fa2_scalar_impl.h"

namespace FA2_NS {

struct Isa {
    static constexpr int W = 8;
    static constexpr int R = 6;     /* rows per register block */
    static constexpr int S_NV = 2;  /* 6 x 2 score accumulators (+2 loads +1 broadcast = 15) */
    static constexpr int PV_NV = 2; /* 6 x 2 output accumulators */
    typedef __m256 V;

    static inline V zero() { return _mm256_setzero_ps(); }
    static inline V set1(float x) { return _mm256_set1_ps(x); }
    static inline V load(const float *p) { return _mm256_loadu_ps(p); }
    static inline void store(float *p, V v) { _mm256_storeu_ps(p, v); }
    static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
    static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
    static inline V neg_inf() { return _mm256_set1_ps(-__builtin_inff()); }
    static inline float hmax(V v) {
        __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        x = _mm_max_ps(x, _mm_movehl_ps(x, x));
        x = _mm_max_ss(x, _mm_movehdup_ps(x));
        return _mm_cvtss_f32(x);
    }
    static inline float first(V v) { return _mm256_cvtss_f32(v); }
    static inline float hsum(V v) {
        __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        x = _mm_add_ps(x, _mm_movehl_ps(x, x));
        x = _mm_add_ss(x, _mm_movehdup_ps(x));
        return _mm_cvtss_f32(x);
    }
    /* 2^x for x <= 0 (below -125 -> 0; NaN stays NaN); relative error ~2e-7 (Cephes exp2f) */
    static inline V exp2(V x0) {
        const V x = _mm256_max_ps(_mm256_set1_ps(-125.0f), x0); /* NaN in x0 passes through */
        const V n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const V f = _mm256_sub_ps(x, n);
        V p = _mm256_set1_ps(1.535336188319500e-4f);
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.339887440266574e-3f));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.618437357674640e-3f));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.550332471162809e-2f));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.402264791363012e-1f));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.931472028550421e-1f));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
        const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        const V r = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
        return _mm256_and_ps(r, _mm256_cmp_ps(x0, _mm256_set1_ps(-125.0f), _CMP_NLT_UQ));
    }
    static inline V tanh(V x) {
        const V signbit = _mm256_set1_ps(-0.0f);
        const V ax = _mm256_andnot_ps(signbit, x);
        const V z = _mm256_mul_ps(x, x);
        V p = _mm256_set1_ps(-5.70498872745e-3f);
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
        const V small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
        const V e = exp2(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f * 1.44269504088896340736f)));
        const V one = _mm256_set1_ps(1.0f);
        V big = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
        big = _mm256_or_ps(big, _mm256_and_ps(x, signbit));
        const V use_big = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_GT_OQ);
        return _mm256_blendv_ps(small, big, use_big);
    }
    static inline V mask_range(V x, int lo, int hi) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i keep = _mm256_and_si256(_mm256_cmpgt_epi32(lane, _mm256_set1_epi32(lo - 1)),
                                              _mm256_cmpgt_epi32(_mm256_set1_epi32(hi + 1), lane));
        return _mm256_blendv_ps(neg_inf(), x, _mm256_castsi256_ps(keep));
    }

    /* panel[c * ldp + j] = rows[j * d + c] for j < n, 0 for n <= j < W (c < d) */
    static inline void transpose_rows(const float *rows, int d, int n, float *panel, int ldp) {
        for (int c = 0; c < d; ++c) {
            float *dst = panel + (size_t)c * ldp;
            for (int j = 0; j < n; ++j) dst[j] = rows[(size_t)j * d + c];
            for (int j = n; j < W; ++j) dst[j] = 0.0f;
        }
    }
    static inline void load_row(const void *src, int dtype, int n, float *dst) {
        int c = 0;
        if (dtype == fa2::kF32) {
            memcpy(dst, src, sizeof(float) * (size_t)n);
            return;
        }
        const uint16_t *s = (const uint16_t *)src;
        if (dtype == fa2::kF16) {
            for (; c + 8 <= n; c += 8)
                _mm256_storeu_ps(dst + c, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + c))));
            for (; c < n; ++c) dst[c] = f16_to_f32(s[c]);
        } else {
            for (; c + 8 <= n; c += 8)
                _mm256_storeu_ps(dst + c, _mm256_castsi256_ps(_mm256_slli_epi32(
                                              _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(s + c))), 16)));
            for (; c < n; ++c) dst[c] = bf16_to_f32(s[c]);
        }
    }
    static inline __m128i f32_to_bf16x8(V x) {
        const __m256i u = _mm256_castps_si256(x);
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7FFF)), lsb), 16);
        const __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
        r = _mm256_blendv_epi8(r, qnan, _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
        return _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    }
    static inline void store_out_row(const float *o, float l, int n, int dtype, void *dst) {
        const V vl = _mm256_set1_ps(l);
        int c = 0;
        if (dtype == fa2::kF32) {
            float *d = (float *)dst;
            for (; c + 8 <= n; c += 8) _mm256_storeu_ps(d + c, _mm256_div_ps(_mm256_loadu_ps(o + c), vl));
            for (; c < n; ++c) d[c] = o[c] / l;
            return;
        }
        uint16_t *d = (uint16_t *)dst;
        if (dtype == fa2::kF16) {
            for (; c + 8 <= n; c += 8)
                _mm_storeu_si128((__m128i *)(d + c),
                                 _mm256_cvtps_ph(_mm256_div_ps(_mm256_loadu_ps(o + c), vl),
                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            for (; c < n; ++c) d[c] = f32_to_f16(o[c] / l);
        } else {
            for (; c + 8 <= n; c += 8)
                _mm_storeu_si128((__m128i *)(d + c), f32_to_bf16x8(_mm256_div_ps(_mm256_loadu_ps(o + c), vl)));
            for (; c < n; ++c) d[c] = f32_to_bf16(o[c] / l);
        }
    }
};

} // namespace FA2_NS

#include "fa2_kernel_impl.h"

const fa2::Kernels *fa2::kernels_avx2() { return FA2_NS::make_table<FA2_NS::PolF32>("avx2"); }
#endif

/*
 * fa2_isa_avx512_traits.h — 512-bit traits (AVX-512 F/BW/VL/DQ + FMA + F16C) for
 * fa2_kernel_impl.h. Included inside namespace FA2_NS by fa2_isa_avx512.cpp and
 * fa2_isa_avx512bf16.cpp only (both compiled with the AVX-512 flags).
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__FMA__)
#error "fa2_isa_avx512_traits.h needs -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c"
#endif

struct Isa {
    static constexpr int W = 16;
    static constexpr int R = 6;     /* rows per register block */
    static constexpr int S_NV = 4;  /* 6 x 4 score accumulators */
    static constexpr int PV_NV = 4; /* 6 x 4 output accumulators */
    typedef __m512 V;

    static inline V zero() { return _mm512_setzero_ps(); }
    static inline V set1(float x) { return _mm512_set1_ps(x); }
    static inline V load(const float *p) { return _mm512_loadu_ps(p); }
    static inline void store(float *p, V v) { _mm512_storeu_ps(p, v); }
    static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
    static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
    static inline V neg_inf() { return _mm512_set1_ps(-__builtin_inff()); }
    static inline float hmax(V v) {
        __m256 m = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
        __m128 x = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        x = _mm_max_ps(x, _mm_movehl_ps(x, x));
        x = _mm_max_ss(x, _mm_movehdup_ps(x));
        return _mm_cvtss_f32(x);
    }
    static inline float first(V v) { return _mm512_cvtss_f32(v); }
    static inline float hsum(V v) {
        __m256 m = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
        __m128 x = _mm_add_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        x = _mm_add_ps(x, _mm_movehl_ps(x, x));
        x = _mm_add_ss(x, _mm_movehdup_ps(x));
        return _mm_cvtss_f32(x);
    }
    /* 2^x for x <= 0 (-inf -> 0; NaN stays NaN); relative error ~2e-7 (Cephes exp2f). */
    static inline V exp2(V x) {
        x = _mm512_max_ps(_mm512_set1_ps(-151.0f), x); /* NaN in x passes through */
        const V n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const V f = _mm512_sub_ps(x, n);
        V p = _mm512_set1_ps(1.535336188319500e-4f);
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.339887440266574e-3f));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.618437357674640e-3f));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550332471162809e-2f));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402264791363012e-1f));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931472028550421e-1f));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
        return _mm512_scalef_ps(p, n);
    }
    /* tanh (Cephes tanhf: odd polynomial below 0.625, (1 - e) / (1 + e), e = exp(-2|x|), above) */
    static inline V tanh(V x) {
        const V ax = _mm512_abs_ps(x);
        const V z = _mm512_mul_ps(x, x);
        V p = _mm512_set1_ps(-5.70498872745e-3f);
        p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
        p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
        p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
        p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
        const V small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
        const V e = exp2(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f * 1.44269504088896340736f)));
        const V one = _mm512_set1_ps(1.0f);
        V big = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
        /* copy the sign of x */
        big = _mm512_castsi512_ps(_mm512_or_si512(
            _mm512_castps_si512(big),
            _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))));
        const __mmask16 use_big = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_GT_OQ);
        return _mm512_mask_blend_ps(use_big, small, big);
    }
    /* lanes l outside [lo, hi] become -inf */
    static inline V mask_range(V x, int lo, int hi) {
        const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __mmask16 keep = _mm512_cmpge_epi32_mask(lane, _mm512_set1_epi32(lo)) &
                               _mm512_cmple_epi32_mask(lane, _mm512_set1_epi32(hi));
        return _mm512_mask_blend_ps(keep, neg_inf(), x);
    }

    static inline __m512 bf16x16_to_f32(__m256i h) {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    static inline __m256i f32_to_bf16x16(__m512 x) {
        const __m512i u = _mm512_castps_si512(x);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
        __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)), lsb), 16);
        const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        r = _mm512_mask_blend_epi32(nan, r, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
        return _mm512_cvtepi32_epi16(r);
    }

    /* panel[c * ldp + j] = rows[j * d + c] for j < n, 0 for n <= j < 16 (c < d) */
    static inline void transpose_rows(const float *rows, int d, int n, float *panel, int ldp) {
        const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(d));
        const __mmask16 m = (__mmask16)(n >= 16 ? 0xFFFFu : ((1u << n) - 1u));
        for (int c = 0; c < d; ++c)
            _mm512_storeu_ps(panel + (size_t)c * ldp,
                             _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, rows + c, 4));
    }
    /* dst[0..n) = src[0..n) widened to f32 */
    static inline void load_row(const void *src, int dtype, int n, float *dst) {
        int c = 0;
        if (dtype == fa2::kF32) {
            const float *s = (const float *)src;
            for (; c + 16 <= n; c += 16) _mm512_storeu_ps(dst + c, _mm512_loadu_ps(s + c));
            if (c < n) {
                const __mmask16 m = (__mmask16)((1u << (n - c)) - 1u);
                _mm512_mask_storeu_ps(dst + c, m, _mm512_maskz_loadu_ps(m, s + c));
            }
            return;
        }
        const uint16_t *s = (const uint16_t *)src;
        if (dtype == fa2::kF16) {
            for (; c + 16 <= n; c += 16)
                _mm512_storeu_ps(dst + c, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(s + c))));
            for (; c < n; ++c) dst[c] = f16_to_f32(s[c]);
        } else {
            for (; c + 16 <= n; c += 16)
                _mm512_storeu_ps(dst + c, bf16x16_to_f32(_mm256_loadu_si256((const __m256i *)(s + c))));
            for (; c < n; ++c) dst[c] = bf16_to_f32(s[c]);
        }
    }
    /* dst[0..n) = round(o[0..n) / l) in dtype */
    static inline void store_out_row(const float *o, float l, int n, int dtype, void *dst) {
        const __m512 vl = _mm512_set1_ps(l);
        int c = 0;
        if (dtype == fa2::kF32) {
            float *d = (float *)dst;
            for (; c + 16 <= n; c += 16) _mm512_storeu_ps(d + c, _mm512_div_ps(_mm512_loadu_ps(o + c), vl));
            for (; c < n; ++c) d[c] = o[c] / l;
            return;
        }
        uint16_t *d = (uint16_t *)dst;
        if (dtype == fa2::kF16) {
            for (; c + 16 <= n; c += 16)
                _mm256_storeu_si256((__m256i *)(d + c),
                                    _mm512_cvtps_ph(_mm512_div_ps(_mm512_loadu_ps(o + c), vl),
                                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            for (; c < n; ++c) d[c] = f32_to_f16(o[c] / l);
        } else {
            for (; c + 16 <= n; c += 16)
                _mm256_storeu_si256((__m256i *)(d + c), f32_to_bf16x16(_mm512_div_ps(_mm512_loadu_ps(o + c), vl)));
            for (; c < n; ++c) d[c] = f32_to_bf16(o[c] / l);
        }
    }
};

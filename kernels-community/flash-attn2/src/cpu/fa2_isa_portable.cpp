/*
 * fa2_isa_portable.cpp — portable C++ kernels (no intrinsics; the compiler vectorises what it
 * can for the baseline ISA: SSE2 on x86-64, NEON on aarch64). Same tile loop and numerics as
 * the SIMD paths: base-2 exponent by the same polynomial, f32 accumulation, round to nearest
 * even on output.
 */
#define FA2_NS fa2_portable
#include "fa2_scalar_impl.h"

namespace FA2_NS {

struct Isa {
    static constexpr int W = 8;
    static constexpr int R = 4;
    static constexpr int S_NV = 2;
    static constexpr int PV_NV = 2;
    struct V {
        float x[8];
    };

    static inline V zero() { V r; for (int i = 0; i < 8; ++i) r.x[i] = 0.0f; return r; }
    static inline V set1(float a) { V r; for (int i = 0; i < 8; ++i) r.x[i] = a; return r; }
    static inline V load(const float *p) { V r; for (int i = 0; i < 8; ++i) r.x[i] = p[i]; return r; }
    static inline void store(float *p, const V &v) { for (int i = 0; i < 8; ++i) p[i] = v.x[i]; }
    static inline V fma(const V &a, const V &b, const V &c) {
        V r;
        for (int i = 0; i < 8; ++i) r.x[i] = a.x[i] * b.x[i] + c.x[i];
        return r;
    }
    static inline V mul(const V &a, const V &b) { V r; for (int i = 0; i < 8; ++i) r.x[i] = a.x[i] * b.x[i]; return r; }
    static inline V add(const V &a, const V &b) { V r; for (int i = 0; i < 8; ++i) r.x[i] = a.x[i] + b.x[i]; return r; }
    static inline V sub(const V &a, const V &b) { V r; for (int i = 0; i < 8; ++i) r.x[i] = a.x[i] - b.x[i]; return r; }
    /* max that propagates a NaN of b (like the SIMD paths' max(limit, x) use) */
    static inline float smax(float a, float b) { return (b != b) ? b : (a > b ? a : b); }
    static inline V max(const V &a, const V &b) { V r; for (int i = 0; i < 8; ++i) r.x[i] = smax(a.x[i], b.x[i]); return r; }
    static inline V neg_inf() { return set1(-__builtin_inff()); }
    static inline float hmax(const V &v) { float m = v.x[0]; for (int i = 1; i < 8; ++i) m = smax(m, v.x[i]); return m; }
    static inline float first(const V &v) { return v.x[0]; }
    static inline float hsum(const V &v) {
        return ((v.x[0] + v.x[1]) + (v.x[2] + v.x[3])) + ((v.x[4] + v.x[5]) + (v.x[6] + v.x[7]));
    }
    static inline float exp2s(float x0) {
        if (x0 != x0) return x0;
        if (x0 < -125.0f) return 0.0f;
        const float x = x0;
        const float n = __builtin_rintf(x);
        const float f = x - n;
        float p = 1.535336188319500e-4f;
        p = p * f + 1.339887440266574e-3f;
        p = p * f + 9.618437357674640e-3f;
        p = p * f + 5.550332471162809e-2f;
        p = p * f + 2.402264791363012e-1f;
        p = p * f + 6.931472028550421e-1f;
        p = p * f + 1.0f;
        return p * bits_to_f32((uint32_t)((int32_t)n + 127) << 23);
    }
    static inline V exp2(const V &x) { V r; for (int i = 0; i < 8; ++i) r.x[i] = exp2s(x.x[i]); return r; }
    static inline float tanhs(float x) {
        const float ax = __builtin_fabsf(x);
        if (ax > 0.625f) {
            const float e = exp2s(ax * (-2.0f * 1.44269504088896340736f));
            const float t = (1.0f - e) / (1.0f + e);
            return x < 0 ? -t : t;
        }
        const float z = x * x;
        float p = -5.70498872745e-3f;
        p = p * z + 2.06390887954e-2f;
        p = p * z - 5.37397155531e-2f;
        p = p * z + 1.33314422036e-1f;
        p = p * z - 3.33332819422e-1f;
        return p * z * x + x; /* NaN propagates */
    }
    static inline V tanh(const V &x) { V r; for (int i = 0; i < 8; ++i) r.x[i] = tanhs(x.x[i]); return r; }
    static inline V mask_range(const V &x, int lo, int hi) {
        V r;
        for (int i = 0; i < 8; ++i) r.x[i] = (i >= lo && i <= hi) ? x.x[i] : -__builtin_inff();
        return r;
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
        for (int c = 0; c < n; ++c) dst[c] = scalar_to_f32(src, dtype, c);
    }
    static inline void store_out_row(const float *o, float l, int n, int dtype, void *dst) {
        for (int c = 0; c < n; ++c) scalar_store(dst, dtype, c, o[c] / l);
    }
};

} // namespace FA2_NS

#include "fa2_kernel_impl.h"

const fa2::Kernels *fa2::kernels_portable() { return FA2_NS::make_table<FA2_NS::PolF32>("portable"); }

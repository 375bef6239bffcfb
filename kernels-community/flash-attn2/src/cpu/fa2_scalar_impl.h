/*
 * fa2_scalar_impl.h — scalar helpers (conversions with round-to-nearest-even, small integer
 * helpers) shared by the kernel TUs. Included first by every fa2_isa_*.cpp after it defines
 * FA2_NS; everything lands in that namespace (see fa2_internal.h for why).
 */
#ifndef FA2_NS
#error "define FA2_NS before including fa2_scalar_impl.h"
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fa2_internal.h"

namespace FA2_NS {

using fa2::Problem;
using fa2::Seq;
using fa2::kBlockKeys;
using fa2::kBlockRows;

static constexpr float kLog2e = 1.44269504088896340736f;
static constexpr double kLn2 = 0.693147180559945309417;

template <int N> struct IC { static constexpr int value = N; };

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t round_up(int64_t a, int64_t m) { return (a + m - 1) / m * m; }
static inline size_t align64(size_t n) { return (n + 63) & ~size_t(63); }

static inline float bits_to_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t f32_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* ---- scalar conversions (round to nearest even; NaN stays NaN) ---------------------------- */
static inline float f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
    if (e == 0) {
        if (m == 0) return bits_to_f32(sign);
        const float v = (float)m * (1.0f / 16777216.0f); /* m * 2^-24, exact */
        return bits_to_f32(f32_to_bits(v) | sign);
    }
    if (e == 31) return bits_to_f32(sign | 0x7F800000u | (m << 13));
    return bits_to_f32(sign | ((e + 112u) << 23) | (m << 13));
}
static inline uint16_t f32_to_f16(float f) {
    uint32_t x = f32_to_bits(f);
    const uint32_t sign = x & 0x80000000u;
    x ^= sign;
    uint32_t o;
    if (x >= (143u << 23)) { /* >= 2^16: inf (or NaN) */
        o = x > 0x7F800000u ? 0x7E00u : 0x7C00u;
    } else if (x < (113u << 23)) { /* below 2^-14: subnormal or zero, rounded by an FP add */
        const uint32_t magic = 126u << 23; /* 0.5: ulp 2^-24 */
        const float r = bits_to_f32(x) + bits_to_f32(magic);
        o = f32_to_bits(r) - magic;
    } else {
        const uint32_t odd = (x >> 13) & 1u;
        x = x - (112u << 23) + 0xFFFu + odd; /* rebias the exponent, round to nearest even */
        o = x >> 13;
    }
    return (uint16_t)(o | (sign >> 16));
}
static inline float bf16_to_f32(uint16_t h) { return bits_to_f32((uint32_t)h << 16); }
static inline uint16_t f32_to_bf16(float f) {
    const uint32_t u = f32_to_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
static inline float scalar_to_f32(const void *src, int dtype, int64_t i) {
    switch (dtype) {
    case fa2::kF16: return f16_to_f32(((const uint16_t *)src)[i]);
    case fa2::kBF16: return bf16_to_f32(((const uint16_t *)src)[i]);
    default: return ((const float *)src)[i];
    }
}
static inline void scalar_store(void *dst, int dtype, int64_t i, float x) {
    switch (dtype) {
    case fa2::kF16: ((uint16_t *)dst)[i] = f32_to_f16(x); break;
    case fa2::kBF16: ((uint16_t *)dst)[i] = f32_to_bf16(x); break;
    default: ((float *)dst)[i] = x; break;
    }
}
static inline size_t esize(int dtype) { return dtype == fa2::kF32 ? 4 : 2; }

} // namespace FA2_NS

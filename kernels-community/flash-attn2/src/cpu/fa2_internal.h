/*
 * fa2_internal.h — the interface between the CPU bundle's front end (fa2_api.cpp: ABI entry
 * points, validation, ISA dispatch, scheduling) and its kernel translation units (one per ISA,
 * each compiled with its own -m flags).
 *
 * Rule that keeps the library runnable on any x86-64: this header declares only plain structs
 * and non-inline functions. Everything a kernel TU defines lives in its own namespace
 * (FA2_NS), and kernel TUs use no C++ standard-library templates or inline functions, so the
 * linker can never merge an AVX-512 copy of a shared inline function into the portable path.
 */
#ifndef FA2_INTERNAL_H
#define FA2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

namespace fa2 {

/* Keys per key block (a multiple of every ISA's vector width, and even for bf16 pairs). */
#ifndef FA2_BLOCK_KEYS
#define FA2_BLOCK_KEYS 128
#endif
constexpr int kBlockKeys = FA2_BLOCK_KEYS;
/* Query rows per work item. */
#ifndef FA2_BLOCK_ROWS
#define FA2_BLOCK_ROWS 64
#endif
constexpr int kBlockRows = FA2_BLOCK_ROWS;
static_assert(kBlockKeys % 16 == 0 && kBlockKeys >= 16, "key block: whole 16-float vectors");

enum Dtype : int32_t { kF32 = 0, kF16 = 1, kBF16 = 2 };

/* One sequence of the batch, with element offsets of its first row in each tensor. */
struct Seq {
    int64_t sq;      /* query rows */
    int64_t sk;      /* valid keys (after padding) */
    int64_t q_off;   /* element offset of row 0, head 0 in q */
    int64_t k_off;
    int64_t v_off;
    int64_t o_off;
    int64_t lse_off; /* element offset of (head 0, row 0) in lse */
};

/* A validated call, in the form the kernels consume. Strides are in elements. */
struct Problem {
    int32_t dtype;   /* Dtype of q, k, v and out */
    int32_t d;       /* head dim, 1..256 */
    int32_t hq, hkv, group; /* group = hq / hkv */
    const void *q;
    const void *k;
    const void *v;
    void *out;
    float *lse;      /* NULL: not requested */
    int64_t q_ss, q_sh; /* stride between rows, between heads */
    int64_t k_ss, k_sh;
    int64_t v_ss, v_sh;
    int64_t o_ss, o_sh;
    int64_t lse_sh, lse_si;
    int32_t causal;
    int64_t wl, wr;  /* effective window: -1 unlimited; causal already folded into wr = 0 */
    float scale;
    float softcap;   /* 0 = off */
};

/* A kernel family (one ISA, one input precision policy). */
struct Kernels {
    const char *name;
    /* bytes of one packed key block (K and V panels of kBlockKeys keys of one kv head) */
    size_t (*kv_block_bytes)(const Problem *p);
    /* packs key block kb (keys kb*kBlockKeys ...) of kv head hkv of sequence s into dst */
    void (*pack_kv_block)(const Problem *p, const Seq *s, int32_t hkv, int64_t kb, void *dst);
    /* per-thread scratch for compute_rows */
    size_t (*scratch_bytes)(const Problem *p);
    /*
     * Computes one work item: nq queries i0 .. i0 + nq - 1 of sequence s for nh query heads
     * hq0 .. hq0 + nh - 1 (all of one kv head), nq * nh <= kBlockRows; row r of the item is
     * query i0 + r / nh of head hq0 + r % nh. Writes out (and lse when requested).
     * panel: the packed key blocks kb0 .. kb0 + nkb - 1 of the sequence's kv head, or NULL to
     * pack each needed block on the fly into scratch (few rows: no reuse worth a shared panel).
     * scratch is 64-byte aligned, scratch_bytes long.
     */
    void (*compute_rows)(const Problem *p, const Seq *s, int32_t hq0, int32_t nh, int64_t i0, int32_t nq,
                         const void *panel, int64_t kb0, int64_t nkb, void *scratch);
};

const Kernels *kernels_portable();
#if defined(__x86_64__) || defined(_M_X64)
const Kernels *kernels_avx2();
const Kernels *kernels_avx512();
const Kernels *kernels_avx512bf16(); /* bf16 inputs only, needs AVX512_BF16 */
#endif

} // namespace fa2

#endif

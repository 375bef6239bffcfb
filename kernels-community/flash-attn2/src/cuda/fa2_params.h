// fa2_params.h — what the host passes to the flash-attn2 CUDA kernel (plain C++: shared by the
// kernel, the launch plan and the CPU emulation).
#pragma once

#include <stdint.h>

namespace fa2cuda {

// Everything a kernel needs; strides in elements. For varlen, token index = cu_q[b] + i and the
// batch strides are 0; lse is [b, h, i] (fixed) or [h, token] (varlen).
struct Params {
    const void *q, *k, *v;
    void *o;
    float *lse;
    int64_t q_sb, q_ss, q_sh;
    int64_t k_sb, k_ss, k_sh;
    int64_t v_sb, v_ss, v_sh;
    int64_t o_sb, o_ss, o_sh;
    int64_t lse_sb, lse_sh, lse_si;
    const int32_t *cu_q, *cu_k;  // device copies, NULL unless varlen
    const int32_t *seqused_k;    // device copy, NULL = all keys
    int batch, heads_q, group, seq_q, seq_k, d;
    float scale_log2;   // scale * log2(e)
    float softcap;      // 0 = off
    float scale_over_cap;  // softcap: s = softcap * log2(e) * tanh(qk * scale / softcap)
    float softcap_log2;
    int win_left, win_right;  // -1 = unlimited (causal: right = 0)
    bool vec_loads;   // q/k/v rows 16-byte aligned and the head dim a multiple of 8: cp.async chunks
    bool vec_stores;  // out rows 4-byte aligned and the head dim even: paired stores
    int pack;    // query heads per row group: 1, or the GQA group (decode: a group's heads share K/V loads)
    int splits;  // key-range splits (split-KV); > 1 writes partial results to o_accum / lse_accum
    int64_t tokens;  // query tokens: batch * seq_q, or the packed total (varlen)
    float *o_accum;    // [splits][heads_q][tokens][d] f32, split-KV only
    float *lse_accum;  // [splits][heads_q][tokens]
};

}  // namespace fa2cuda

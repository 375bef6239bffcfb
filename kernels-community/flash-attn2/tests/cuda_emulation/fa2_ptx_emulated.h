// fa2_ptx_emulated.h — src/cuda/fa2_ptx.cuh's functions on kernelhub's CPU emulator
// (native/simt/kh_simt.h): the kernel source compiles with a host compiler and runs, one fiber
// per CUDA thread. f16/bf16 types and conversions come from the CUDA headers' host code paths.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#include <cmath>

#include "kh_simt.h"

#define FA2_DYNAMIC_SHARED(name) unsigned char *name = ::kh_simt::dynamic_shared()

namespace fa2cuda {

template <typename T> inline void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);
template <> inline void mma16816<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    kh_simt::mma_m16n8k16(kh_simt::MmaInput::BF16, c, a, b0, b1);
}
template <> inline void mma16816<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    kh_simt::mma_m16n8k16(kh_simt::MmaInput::F16, c, a, b0, b1);
}
inline void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) { kh_simt::ldmatrix_x4(r, addr, false); }
inline void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t addr) { kh_simt::ldmatrix_x4(r, addr, true); }
inline void cp_async16(uint32_t dst, const void *src, int src_bytes) { kh_simt::cp_async16(dst, src, src_bytes); }
inline void cp_async_commit() { kh_simt::cp_async_commit(); }
template <int N> inline void cp_async_wait() { kh_simt::cp_async_wait(N); }
inline uint16_t ld_global_b16(const void *src) {
    uint16_t v;
    kh_simt::load_global(&v, src, sizeof v);
    return v;
}
inline void st_shared_b16(uint32_t addr, uint16_t v) { kh_simt::store_shared(addr, &v, sizeof v); }
inline void st_global_b32(void *dst, uint32_t v) { kh_simt::store_global(dst, &v, sizeof v); }
inline void st_global_b16(void *dst, uint16_t v) { kh_simt::store_global(dst, &v, sizeof v); }
inline void st_global_f32(float *dst, float v) { kh_simt::store_global(dst, &v, sizeof v); }

}  // namespace fa2cuda

/*
 * fa2_isa_avx512.cpp — AVX-512 (F/BW/VL/DQ) + FMA + F16C kernels, f32 policy: f32 and f16
 * inputs, and bf16 inputs on CPUs without AVX512_BF16. Compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c (see cpu_sources.cmake); called only
 * after the front end checked the CPU.
 */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define FA2_NS fa2_avx512
#include "fa2_scalar_impl.h"
namespace FA2_NS {
#include "fa2_isa_avx512_traits.h"
}
#include "fa2_kernel_impl.h"

const fa2::Kernels *fa2::kernels_avx512() { return FA2_NS::make_table<FA2_NS::PolF32>("avx512"); }
#endif

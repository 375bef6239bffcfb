// kh_simt.h — runs CUDA thread-block code on the CPU so kernel sources can be checked where
// there is no GPU (CI machines, laptops).
//
// Every CUDA thread of a block is a fiber; fibers run one at a time and switch only at the
// points where CUDA threads synchronize: __syncthreads, __syncwarp, warp shuffles (xor, idx, up,
// down), ldmatrix (x1/x2/x4, .trans) and mma.sync
// (warp collectives, executed once all 32 lanes have arrived, with the PTX ISA's fragment
// layouts) and cp.async waits. Blocks are independent and run on several OS threads. Arithmetic is the host's (IEEE
// f32; f16/bf16 conversions from the CUDA headers' host paths), so results match a GPU to
// rounding, not bit for bit.
//
// It is strict where hardware is forgiving, to turn latent bugs into failures:
//   - shared memory starts filled with 0xFF bytes (NaN in f16/bf16/f32): reading what was never
//     written poisons the output;
//   - cp.async copies land either when issued or only when the issuing thread waits for their
//     group (LaunchConfig::cp_async): a read before the wait, or a prefetch that overwrites data
//     another warp still reads, gives different results in the two timings;
//   - warps run in lockstep or each as far as it can before the next (LaunchConfig::warps), so a
//     missing __syncthreads between one warp's writes and another's reads changes the result;
//   - every shared-memory address is bounds- and alignment-checked against the launch's dynamic
//     shared memory, every global read by cp.async and every checked global store against the
//     regions the caller declared; a collective reached by only part of a warp, a barrier some
//     threads never reach, and deadlocks are faults.
// A fault stops the launch with a KernelFault naming the block, thread and what was wrong.
//
// Kernel sources include this header instead of the CUDA headers (see the flash-attn2 CUDA
// variant: src/cuda/fa2_ptx.cuh holds the inline PTX, tests/cuda_emulation/ its counterpart on
// these primitives).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace kh_simt {

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};

/** A bug the emulator caught in kernel code; launch() throws it with the block and thread. */
struct KernelFault : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/** When a cp.async copy writes shared memory: both are legal on hardware, so test both. */
enum class CpAsyncTiming { AtIssue, AtWait };

/**
 * How warps interleave between barriers: Lockstep advances every warp one synchronization point
 * at a time; RunAhead runs each warp as far as it can (to a barrier) before the next starts, so
 * shared data that one warp writes and another reads without a barrier between is caught.
 */
enum class WarpOrder { Lockstep, RunAhead };

/** Global memory the kernel may touch through the checked primitives. */
struct Region {
    const void *base;
    size_t bytes;
    bool writable;
    const char *name;
};

struct LaunchConfig {
    Dim3 grid, block;
    size_t shared_bytes = 0;  // dynamic shared memory per block
    CpAsyncTiming cp_async = CpAsyncTiming::AtWait;
    WarpOrder warps = WarpOrder::Lockstep;
    unsigned host_threads = 0;  // OS threads running blocks side by side (0: one per CPU)
};

/**
 * What a launch did, counted per warp instruction: a rough profile without a GPU. Shared-memory
 * wavefronts follow the 32 banks x 4 bytes: an ldmatrix matrix whose 8 row addresses fall into
 * distinct 16-byte bank groups is one wavefront, each repeat of a group costs one more.
 */
struct LaunchStats {
    uint64_t blocks = 0;
    uint64_t mma = 0;                    // mma.sync m16n8k16, per warp
    uint64_t ldmatrix = 0;               // ldmatrix x4, per warp
    uint64_t ldmatrix_wavefronts = 0;    // shared-memory wavefronts they needed (ideal: 4 per ldmatrix)
    uint64_t shuffles = 0;               // per warp
    uint64_t barriers = 0;               // __syncthreads per block
    uint64_t cp_async_bytes = 0;         // bytes read from global memory by cp.async
    uint64_t global_load_bytes = 0;      // bytes read through the checked loads
    uint64_t global_store_bytes = 0;     // bytes written through the checked stores
};

/**
 * Runs thread_body for every thread of every block (block size a multiple of 32); blocks are
 * independent, as in CUDA, and run on several OS threads. Throws KernelFault (the first one any
 * block hit) when the kernel does something a GPU would not forgive or that is undefined.
 */
LaunchStats launch(const LaunchConfig &config, const std::vector<Region> &global, const std::function<void()> &thread_body);

// ---- what kernel code calls (only from inside launch())

struct ThreadIds {
    Dim3 thread_idx, block_idx, block_dim, grid_dim;
};
const ThreadIds &ids();
unsigned char *dynamic_shared();
uint32_t shared_address(const void *generic);  // __cvta_generic_to_shared

void syncthreads();
/** Warp shuffles of 32-bit values (all 32 lanes), in segments of `width` lanes as in CUDA. */
enum class Shfl : uint32_t { Xor, Idx, Up, Down };
uint32_t shfl_bits(Shfl kind, uint32_t bits, int operand, int width);
float shfl_xor(float v, int lane_mask);
void syncwarp();  // __syncwarp() with the full mask
/** ldmatrix.sync.aligned.m8n8.x{count}[.trans].shared.b16 into r[0..count). */
void ldmatrix(uint32_t *r, int count, uint32_t shared_addr, bool trans);
/** ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16: lane l gives the row address of matrix l/8. */
void ldmatrix_x4(uint32_t (&r)[4], uint32_t shared_addr, bool trans);
enum class MmaInput { F16, BF16 };
/** mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32, c += a * b */
void mma_m16n8k16(MmaInput in, float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);
/** cp.async.cg.shared.global [dst], [src], 16, src_bytes (bytes past src_bytes are zero-filled) */
void cp_async16(uint32_t shared_dst, const void *src, int src_bytes);
void cp_async_commit();
void cp_async_wait(int groups_left_pending);
/** A global load checked against the declared regions. */
void load_global(void *dst, const void *src, size_t bytes);
/** A global store checked against the writable regions. */
void store_global(void *dst, const void *src, size_t bytes);
/** st.shared: a store into dynamic shared memory, bounds- and alignment-checked. */
void store_shared(uint32_t shared_addr, const void *src, size_t bytes);

}  // namespace kh_simt

// ---- CUDA spellings for kernel sources compiled by a host compiler (the CUDA headers, included
// for their f16/bf16 types, define some of these for host compilers too)

#undef __global__
#undef __device__
#undef __host__
#undef __forceinline__
#undef __launch_bounds__
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define threadIdx (::kh_simt::ids().thread_idx)
#define blockIdx (::kh_simt::ids().block_idx)
#define blockDim (::kh_simt::ids().block_dim)
#define gridDim (::kh_simt::ids().grid_dim)

inline void __syncthreads() { ::kh_simt::syncthreads(); }
namespace kh_simt {
template <typename V> V shuffle(unsigned mask, V v, Shfl kind, int operand, int width) {
    static_assert(sizeof(V) == 4, "the emulator shuffles 32-bit values");
    if (mask != 0xffffffffu) throw KernelFault("warp shuffles: only full-warp masks are emulated");
    uint32_t bits;
    __builtin_memcpy(&bits, &v, 4);
    bits = shfl_bits(kind, bits, operand, width);
    __builtin_memcpy(&v, &bits, 4);
    return v;
}
}  // namespace kh_simt
template <typename V> V __shfl_xor_sync(unsigned mask, V v, int lane_mask, int width = 32) {
    return ::kh_simt::shuffle(mask, v, ::kh_simt::Shfl::Xor, lane_mask, width);
}
template <typename V> V __shfl_sync(unsigned mask, V v, int src_lane, int width = 32) {
    return ::kh_simt::shuffle(mask, v, ::kh_simt::Shfl::Idx, src_lane, width);
}
template <typename V> V __shfl_up_sync(unsigned mask, V v, unsigned delta, int width = 32) {
    return ::kh_simt::shuffle(mask, v, ::kh_simt::Shfl::Up, (int)delta, width);
}
template <typename V> V __shfl_down_sync(unsigned mask, V v, unsigned delta, int width = 32) {
    return ::kh_simt::shuffle(mask, v, ::kh_simt::Shfl::Down, (int)delta, width);
}
inline void __syncwarp(unsigned mask = 0xffffffffu) {
    if (mask != 0xffffffffu) throw ::kh_simt::KernelFault("__syncwarp: only the full mask is emulated");
    ::kh_simt::syncwarp();
}
inline uint32_t __cvta_generic_to_shared(const void *p) { return ::kh_simt::shared_address(p); }
inline int max(int a, int b) { return a > b ? a : b; }
inline int min(int a, int b) { return a < b ? a : b; }

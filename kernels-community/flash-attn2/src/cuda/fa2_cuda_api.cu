// fa2_cuda_api.cu — the CUDA variant's kernelhub entry points: argument validation and kernel
// choice (fa2_launch_plan.h: every bad input is an error status with a message, never a launch),
// the launch on the caller's stream, and registration of the op (device cuda).
//
// seqlens_k and cu_seqlens_q/k arrive in host memory (docs/ABI.md); they are validated here and
// copied to the device on the caller's stream. The library links the CUDA runtime statically,
// so it loads on machines without a driver; a call there reports "no CUDA device".
#include <cuda_runtime.h>

#include <atomic>
#include <vector>

#include "fa2_kernel.cuh"
#include "fa2_launch_plan.h"

namespace {

using fa2cuda::Params;
using namespace fa2cuda::plan;

template <typename T, int DK, int BN, int MT, bool VEC>
cudaError_t launch(const Launch &L, int device, cudaStream_t s) {
    using C = fa2cuda::Config<T, DK, BN, MT>;
    // the shared-memory opt-in, once per instance and device (devices past 63 set it every call)
    static std::atomic<uint64_t> configured{0};
    const uint64_t bit = device < 64 ? uint64_t(1) << device : 0;
    cudaError_t e = cudaSuccess;
    if (bit == 0 || (configured.load(std::memory_order_acquire) & bit) == 0) {
        e = cudaFuncSetAttribute(fa2cuda::fa2_fwd_kernel<T, DK, BN, MT, VEC>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 C::SMEM);
        if (e != cudaSuccess) return e;
        configured.fetch_or(bit, std::memory_order_acq_rel);
    }
    fa2cuda::fa2_fwd_kernel<T, DK, BN, MT, VEC><<<dim3(L.grid[0], L.grid[1], L.grid[2]), C::THREADS, C::SMEM, s>>>(L.p);
    if ((e = cudaGetLastError()) != cudaSuccess || L.p.splits <= 1) return e;
    fa2cuda::fa2_combine_kernel<T><<<dim3((unsigned)L.p.tokens, L.p.heads_q), fa2cuda::COMBINE_THREADS, 0, s>>>(L.p);
    return cudaGetLastError();
}

template <typename T>
cudaError_t dispatch(const Launch &L, int block_rows, int device, cudaStream_t s) {
    return for_kernel(L.p.d, block_rows, L.p.vec_loads, [&](auto shape) {
        using S = decltype(shape);
        return launch<T, S::DK, S::BN, S::MT, S::VEC>(L, device, s);
    });
}

kh_status alloc_failure(char *err, size_t cap, cudaError_t e, size_t bytes, int device) {
    return fail(err, cap, e == cudaErrorMemoryAllocation ? KH_ERR_OUT_OF_MEMORY : KH_ERR_DEVICE,
                "cannot allocate %zu bytes on cuda:%d: %s", bytes, device, cudaGetErrorString(e));
}

// switches to the tensors' device for the call and back afterwards (only when it differs)
struct DeviceGuard {
    int previous = -1;
    bool switched = false;
    ~DeviceGuard() {
        if (switched) cudaSetDevice(previous);
    }
};

kh_status fwd(const kh_attention_args *a, char *err, size_t cap) {
    Launch L;
    kh_status st = validate(a, KH_DEVICE_CUDA, L, err, cap);
    if (st != KH_OK) return st;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        return fail(err, cap, KH_ERR_DEVICE, "no CUDA device: %s", e != cudaSuccess ? cudaGetErrorString(e) : "the driver sees none");
    if (a->q.device_index >= count)
        return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "q is on cuda:%d but this machine has %d device(s)",
                    (int)a->q.device_index, count);
    if (L.p.batch == 0 || L.p.seq_q == 0) return KH_OK;
    DeviceGuard guard;
    if (cudaGetDevice(&guard.previous) != cudaSuccess || guard.previous != a->q.device_index) {
        if ((e = cudaSetDevice(a->q.device_index)) != cudaSuccess)
            return fail(err, cap, KH_ERR_DEVICE, "cudaSetDevice(%d): %s", (int)a->q.device_index, cudaGetErrorString(e));
        guard.switched = guard.previous >= 0;
    }
    // an error left by earlier, unrelated work is cleared so it is not reported as this launch's
    // (a sticky error fails the launch below with its own message)
    cudaGetLastError();
    cudaStream_t s = static_cast<cudaStream_t>(a->stream);

    // block height, GQA packing and split-KV from the problem size and this device's SM count
    int block_rows = 64;
    if ((st = block_rows_from_env(64, block_rows, err, cap)) != KH_OK) return st;
    int sms = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, a->q.device_index);
    for_kernel(L.p.d, block_rows, L.p.vec_loads, [&](auto shape) {
        plan_work(L, decltype(shape)::BM, decltype(shape)::BN, sms);
        return 0;
    });

    // one stream-ordered allocation for this call: the split-KV workspace, then the length arrays
    void *scratch = nullptr;
    int32_t *dev_lengths = nullptr;
    bool pooled = true;  // stream-ordered allocation where the device supports memory pools
    const size_t ws = workspace_bytes(L);
    const size_t n = L.varlen ? 2 * (size_t)(L.p.batch + 1) : (L.host_seqused != nullptr ? (size_t)L.p.batch : 0);
    if (ws + n > 0) {
        int pools = 0;
        cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, a->q.device_index);
        pooled = pools != 0;
        const size_t bytes = ws + n * sizeof(int32_t);
        e = pooled ? cudaMallocAsync(&scratch, bytes, s) : cudaMalloc(&scratch, bytes);
        if (e != cudaSuccess) return alloc_failure(err, cap, e, bytes, a->q.device_index);
        if (ws > 0) use_workspace(L, static_cast<float *>(scratch));
        dev_lengths = reinterpret_cast<int32_t *>(static_cast<unsigned char *>(scratch) + ws);
    }
    if (n > 0) {
        // Copied from a pageable buffer of our own: cudaMemcpyAsync has then staged the bytes when it
        // returns, so the caller may reuse its arrays at once even if they are pinned (an async copy
        // straight from pinned caller memory would still be reading them).
        std::vector<int32_t> staged(n);
        if (L.varlen) {
            std::memcpy(staged.data(), L.host_cu_q, (L.p.batch + 1) * sizeof(int32_t));
            std::memcpy(staged.data() + L.p.batch + 1, L.host_cu_k, (L.p.batch + 1) * sizeof(int32_t));
            L.p.cu_q = dev_lengths;
            L.p.cu_k = dev_lengths + L.p.batch + 1;
        } else {
            std::memcpy(staged.data(), L.host_seqused, n * sizeof(int32_t));
            L.p.seqused_k = dev_lengths;
        }
        e = cudaMemcpyAsync(dev_lengths, staged.data(), n * sizeof(int32_t), cudaMemcpyHostToDevice, s);
        if (e != cudaSuccess) {
            if (pooled) cudaFreeAsync(scratch, s);
            else cudaFree(scratch);
            return fail(err, cap, KH_ERR_DEVICE, "copying the sequence lengths to cuda:%d: %s", (int)a->q.device_index,
                        cudaGetErrorString(e));
        }
    }
    e = L.p.q == nullptr ? cudaSuccess
        : a->q.dtype == KH_DTYPE_BF16 ? dispatch<__nv_bfloat16>(L, block_rows, a->q.device_index, s)
                                      : dispatch<__half>(L, block_rows, a->q.device_index, s);
    if (scratch != nullptr) {
        if (pooled) {
            cudaFreeAsync(scratch, s);
        } else {
            // the kernels read it: free only after they ran
            const cudaError_t synced = cudaStreamSynchronize(s);
            if (e == cudaSuccess) e = synced;
            cudaFree(scratch);
        }
    }
    if (e != cudaSuccess)
        return fail(err, cap, KH_ERR_DEVICE, "flash-attn2 (cuda) launch failed: %s", cudaGetErrorString(e));
    return KH_OK;
}

kh_status fwd_safe(const kh_attention_args *a, char *err, size_t cap) {
    try {
        return fwd(a, err, cap);
    } catch (...) {
        return fail(err, cap, KH_ERR_INTERNAL, "flash-attn2 (cuda): internal error");
    }
}

}  // namespace

extern "C" KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }

extern "C" KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
    return register_fwd(host, KH_DEVICE_CUDA,
                        "FlashAttention-2 forward on CUDA tensor cores (mma.sync m16n8k16, ldmatrix, cp.async double "
                        "buffering, online softmax in registers; f16/bf16, f32 accumulation)",
                        fwd_safe, err, cap);
}

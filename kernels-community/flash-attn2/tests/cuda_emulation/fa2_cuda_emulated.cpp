// fa2_cuda_emulated.cpp — flash-attn2's CUDA kernel source (src/cuda/fa2_kernel.cuh) compiled by
// the host compiler and run on kernelhub's SIMT emulator (native/simt), registered as an op on
// host tensors. It goes through the CUDA op's own argument validation and kernel choice
// (src/cuda/fa2_launch_plan.h), so `kernelhub validate` can check the CUDA variant's source
// against the eager reference on a machine without a GPU. A test build, never published.
//
// KH_SIMT_CP_ASYNC (at-wait | at-issue) picks when cp.async copies land and KH_SIMT_WARPS
// (lockstep | run-ahead) how warps interleave. Unset (or "alternate"), the four combinations take
// turns from call to call, so a validation's repeated runs of a case see several and a pipelining
// or barrier hazard shows up as a wrong or non-deterministic result. KH_SIMT_TRACE=1 prints each
// call's launch plan (block height, GQA packing, splits, grid) and the emulator's counts (mma,
// ldmatrix and their bank conflicts, bytes moved) to stderr. FA2_CUDA_BLOCK_ROWS
// (64 | 128) fixes the block height; unset, it is chosen by the shape so a grid covers both.
#define KH_SIMT_EMULATION 1

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "fa2_kernel.cuh"
#include "fa2_launch_plan.h"

namespace {

using namespace fa2cuda;
using namespace fa2cuda::plan;

std::atomic<unsigned> g_calls{0};  // steps the alternating emulation modes from call to call

struct Mode {
    kh_simt::CpAsyncTiming timing;
    kh_simt::WarpOrder warps;
    const char *describe() const {
        static const char *names[2][2] = {{"cp.async lands at wait, warps in lockstep", "cp.async lands at wait, warps run ahead"},
                                          {"cp.async lands at issue, warps in lockstep", "cp.async lands at issue, warps run ahead"}};
        return names[timing == kh_simt::CpAsyncTiming::AtIssue][warps == kh_simt::WarpOrder::RunAhead];
    }
};

// env value -> 0 / 1, or -1 for "alternate" (unset), -2 for a bad value
int choice(const char *name, const char *first, const char *second) {
    const char *env = std::getenv(name);
    if (env == nullptr || std::strcmp(env, "alternate") == 0) return -1;
    if (std::strcmp(env, first) == 0) return 0;
    if (std::strcmp(env, second) == 0) return 1;
    return -2;
}

kh_status mode_of(Mode &m, char *err, size_t cap) {
    const int t = choice("KH_SIMT_CP_ASYNC", "at-wait", "at-issue"), w = choice("KH_SIMT_WARPS", "lockstep", "run-ahead");
    if (t == -2) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "KH_SIMT_CP_ASYNC: expected at-wait, at-issue or alternate");
    if (w == -2) return fail(err, cap, KH_ERR_INVALID_ARGUMENT, "KH_SIMT_WARPS: expected lockstep, run-ahead or alternate");
    const unsigned call = g_calls.fetch_add(1);  // alternate: the four combinations in turn
    m.timing = (t == -1 ? (int)(call & 1) : t) == 1 ? kh_simt::CpAsyncTiming::AtIssue : kh_simt::CpAsyncTiming::AtWait;
    m.warps = (w == -1 ? (int)((call >> 1) & 1) : w) == 1 ? kh_simt::WarpOrder::RunAhead : kh_simt::WarpOrder::Lockstep;
    return KH_OK;
}

// bytes from the data pointer to one past the last element (0 for empty tensors)
size_t extent(const kh_tensor &t, size_t element) {
    if (t.data == nullptr) return 0;
    int64_t last = 0;
    for (int i = 0; i < t.rank; ++i) {
        if (t.shape[i] == 0) return 0;
        last += (t.shape[i] - 1) * t.strides[i];
    }
    return (size_t)(last + 1) * element;
}

// the SM count the emulated launch plans for (an H100/H200's), so GQA packing and split-KV run too
constexpr int kEmulatedSms = 132;

template <typename T>
void run(Launch &L, const kh_attention_args *a, const Mode &mode, int block_rows) {
    for_kernel(L.p.d, block_rows, L.p.vec_loads, [&](auto shape) {
        plan_work(L, decltype(shape)::BM, decltype(shape)::BN, kEmulatedSms);
        return 0;
    });
    const bool trace = std::getenv("KH_SIMT_TRACE") != nullptr;
    if (trace)  // the launch plan and what the kernel did, for checking which paths a test reaches
        std::fprintf(stderr, "fa2-emulated: d=%d seq_q=%d seq_k=%d heads=%d group=%d -> rows=%d pack=%d splits=%d grid=%ux%ux%u (%s)\n",
                     L.p.d, L.p.seq_q, L.p.seq_k, L.p.heads_q, L.p.group, block_rows, L.p.pack, L.p.splits, L.grid[0],
                     L.grid[1], L.grid[2], mode.describe());
    std::vector<float> workspace(workspace_bytes(L) / sizeof(float));
    if (!workspace.empty()) use_workspace(L, workspace.data());
    Params p = L.p;
    // the "device copies" of the length arrays are the host arrays: the emulator's memory is host memory
    if (L.varlen) {
        p.cu_q = L.host_cu_q;
        p.cu_k = L.host_cu_k;
    } else {
        p.seqused_k = L.host_seqused;
    }
    const std::vector<kh_simt::Region> regions = {
        {a->q.data, extent(a->q, sizeof(T)), false, "q"},
        {a->k.data, extent(a->k, sizeof(T)), false, "k"},
        {a->v.data, extent(a->v, sizeof(T)), false, "v"},
        {a->out.data, extent(a->out, sizeof(T)), true, "out"},
        {a->lse.data, extent(a->lse, sizeof(float)), true, "lse"},
        {workspace.data(), workspace.size() * sizeof(float), true, "split-KV workspace"},
    };
    for_kernel(p.d, block_rows, p.vec_loads, [&](auto shape) {
        using S = decltype(shape);
        using C = Config<T, S::DK, S::BN, S::MT>;
        kh_simt::LaunchConfig cfg;
        cfg.grid = {L.grid[0], L.grid[1], L.grid[2]};  // as fa2_cuda_api.cu launches
        cfg.block = {(unsigned)C::THREADS, 1, 1};
        cfg.shared_bytes = (size_t)C::SMEM;
        cfg.cp_async = mode.timing;
        cfg.warps = mode.warps;
        const kh_simt::LaunchStats st = kh_simt::launch(cfg, regions, [&p] { fa2_fwd_kernel<T, S::DK, S::BN, S::MT, S::VEC>(p); });
        if (trace) {
            std::fprintf(stderr,
                         "fa2-emulated:   forward %d rows x %d keys: %llu blocks, %llu mma, %llu ldmatrix (%.2f wavefronts per matrix, "
                         "1 = conflict-free; %.0f shared bytes per mma), %.2f MB by cp.async, %.2f MB by element loads, %.2f MB stored, "
                         "%llu barriers\n",
                         S::BM, S::BN, (unsigned long long)st.blocks, (unsigned long long)st.mma,
                         (unsigned long long)st.ldmatrix, st.ldmatrix ? st.ldmatrix_wavefronts / (4.0 * st.ldmatrix) : 0.0,
                         st.mma ? 512.0 * st.ldmatrix / st.mma : 0.0, st.cp_async_bytes / 1e6, st.global_load_bytes / 1e6,
                         st.global_store_bytes / 1e6,
                         (unsigned long long)st.barriers);
        }
        if (p.splits > 1) {
            kh_simt::LaunchConfig combine = cfg;
            combine.grid = {(unsigned)p.tokens, (unsigned)p.heads_q, 1};
            combine.block = {(unsigned)COMBINE_THREADS, 1, 1};
            combine.shared_bytes = 0;
            kh_simt::launch(combine, regions, [&p] { fa2_combine_kernel<T>(p); });
        }
        return 0;
    });
}

kh_status fwd(const kh_attention_args *a, char *err, size_t cap) {
    Launch L;
    kh_status st = validate(a, KH_DEVICE_CPU, L, err, cap);
    if (st != KH_OK) return st;
    Mode mode{};
    if ((st = mode_of(mode, err, cap)) != KH_OK) return st;
    // both block heights in one grid: FA2_CUDA_BLOCK_ROWS when set, else chosen by the shape (the
    // same for a case's repeated runs, which must agree bit for bit)
    const uint32_t hash = (uint32_t)L.p.seq_q * 73856093u ^ (uint32_t)L.p.seq_k * 19349663u ^ (uint32_t)L.p.d * 83492791u ^
                          (uint32_t)L.p.heads_q * 2654435761u ^ (uint32_t)L.p.batch * 40503u;
    const int by_shape = (hash >> 7) & 1 ? 128 : 64;
    int block_rows = 64;
    if ((st = block_rows_from_env(by_shape, block_rows, err, cap)) != KH_OK) return st;
    if (L.p.batch == 0 || L.p.seq_q == 0 || L.p.q == nullptr) return KH_OK;
    try {
        if (a->q.dtype == KH_DTYPE_BF16) run<__nv_bfloat16>(L, a, mode, block_rows);
        else run<__half>(L, a, mode, block_rows);
    } catch (const kh_simt::KernelFault &e) {
        return fail(err, cap, KH_ERR_INTERNAL, "emulated CUDA kernel fault (%s): %s", mode.describe(), e.what());
    } catch (const std::exception &e) {
        return fail(err, cap, KH_ERR_INTERNAL, "emulation failed: %s", e.what());
    }
    return KH_OK;
}

}  // namespace

extern "C" KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }

extern "C" KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
    return register_fwd(host, KH_DEVICE_CPU,
                        "flash-attn2's CUDA kernel source run on kernelhub's CPU SIMT emulator (tests only)",
                        fwd, err, cap);
}

// kh_simt_selftest.cpp — checks of the SIMT emulator itself: the warp collectives against plain
// matrix arithmetic, the two cp.async timings, and that every kind of kernel bug it promises to
// catch becomes a KernelFault with a useful message. Exit 0 when all pass.
//
//   g++ -std=c++17 -O1 -pthread -I native/simt native/simt/tests/kh_simt_selftest.cpp native/simt/kh_simt.cpp
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kh_simt.h"

namespace {

int failures = 0;

void check(bool ok, const std::string &what) {
    std::printf("%s  %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failures;
}

// the launch's fault message, or "" when it ran cleanly
std::string fault_of(const kh_simt::LaunchConfig &cfg, const std::vector<kh_simt::Region> &regions,
                     const std::function<void()> &body) {
    try {
        kh_simt::launch(cfg, regions, body);
        return "";
    } catch (const kh_simt::KernelFault &e) {
        return e.what();
    }
}

kh_simt::LaunchConfig config(unsigned threads, size_t shared) {
    kh_simt::LaunchConfig c;
    c.grid = {2, 1, 1};
    c.block = {threads, 1, 1};
    c.shared_bytes = shared;
    return c;
}

uint16_t bf16_bits(float f) {  // exact for the small integers used here
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}

// 16x16 A (row-major) and 16x8 B (stored as B^T, 8x16 row-major, like K rows) in shared memory;
// fragments through ldmatrix as an attention kernel loads them, D = A B by mma.sync.
void mma_matches_plain_arithmetic() {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> small(-8, 8);
    float A[16][16], Bt[8][16], want[16][8] = {};
    for (auto &r : A)
        for (float &x : r) x = (float)small(rng);
    for (auto &r : Bt)
        for (float &x : r) x = (float)small(rng);
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 8; ++j)
            for (int k = 0; k < 16; ++k) want[i][j] += A[i][k] * Bt[j][k];
    std::vector<uint16_t> a(256), bt(128);
    for (int i = 0; i < 256; ++i) a[i] = bf16_bits(A[i / 16][i % 16]);
    for (int i = 0; i < 128; ++i) bt[i] = bf16_bits(Bt[i / 16][i % 16]);
    float got[16][8];
    auto cfg = config(32, 768);
    cfg.grid = {1, 1, 1};
    const std::vector<kh_simt::Region> regions = {{a.data(), 512, false, "a"}, {bt.data(), 256, false, "bt"},
                                                  {got, sizeof got, true, "d"}};
    const std::string f = fault_of(cfg, regions, [&] {
        const unsigned lane = threadIdx.x;
        unsigned char *sh = kh_simt::dynamic_shared();
        const uint32_t base = __cvta_generic_to_shared(sh);
        for (unsigned c = lane; c < 48; c += 32) {  // 32 chunks of A, 16 of B^T
            const uint16_t *src = c < 32 ? a.data() + c * 8 : bt.data() + (c - 32) * 8;
            kh_simt::cp_async16(base + c * 16, src, 16);
        }
        kh_simt::cp_async_commit();
        kh_simt::cp_async_wait(0);
        __syncthreads();
        uint32_t fa[4], fb[4];
        // A: lanes 0-15 rows 0-15 at column 0, lanes 16-31 the same rows at column 8
        kh_simt::ldmatrix_x4(fa, base + ((lane % 16) * 16 + (lane / 16) * 8) * 2, false);
        // B^T rows (n) 0-7 at k 0 (lanes 0-7) and k 8 (lanes 8-15); lanes 16-31 repeat them
        kh_simt::ldmatrix_x4(fb, base + 512 + ((lane % 8) * 16 + ((lane / 8) % 2) * 8) * 2, false);
        float c[4] = {0, 0, 0, 0};
        kh_simt::mma_m16n8k16(kh_simt::MmaInput::BF16, c, fa, fb[0], fb[1]);
        const unsigned g = lane / 4, t = lane % 4;
        for (int i = 0; i < 4; ++i) kh_simt::store_global(&got[g + (i / 2) * 8][2 * t + i % 2], &c[i], 4);
    });
    bool same = f.empty();
    for (int i = 0; i < 16 && same; ++i)
        for (int j = 0; j < 8; ++j) same = same && got[i][j] == want[i][j];
    check(same, "ldmatrix + mma.sync m16n8k16 (bf16) compute A B exactly" + (f.empty() ? "" : ": " + f));
}

void shuffles_exchange_lanes() {
    float out[64];
    auto cfg = config(64, 0);
    cfg.grid = {1, 1, 1};
    const std::string f = fault_of(cfg, {{out, sizeof out, true, "out"}}, [&] {
        const float v = __shfl_xor_sync(0xffffffffu, (float)threadIdx.x, 5);
        kh_simt::store_global(&out[threadIdx.x], &v, 4);
    });
    bool ok = f.empty();
    for (unsigned i = 0; i < 64; ++i) ok = ok && out[i] == (float)((i & ~31u) | ((i % 32) ^ 5));
    check(ok, "__shfl_xor_sync reads the partner lane of the same warp");
}

void shuffle_variants_and_syncwarp() {
    int got[4][32];
    auto cfg = config(32, 0);
    cfg.grid = {1, 1, 1};
    const std::string f = fault_of(cfg, {{got, sizeof got, true, "out"}}, [&] {
        const int l = (int)threadIdx.x;
        const int r[4] = {__shfl_sync(0xffffffffu, l * 10, 3), __shfl_up_sync(0xffffffffu, l * 10, 2),
                          __shfl_down_sync(0xffffffffu, l * 10, 5, 8), __shfl_xor_sync(0xffffffffu, l * 10, 16, 16)};
        __syncwarp();
        for (int i = 0; i < 4; ++i) kh_simt::store_global(&got[i][l], &r[i], 4);
    });
    bool ok = f.empty();
    for (int l = 0; l < 32 && ok; ++l) {
        ok = got[0][l] == 30 && got[1][l] == (l >= 2 ? (l - 2) * 10 : l * 10) &&
             got[2][l] == (l % 8 + 5 < 8 ? (l + 5) * 10 : l * 10) && got[3][l] == (l < 16 ? l * 10 : (l - 16) * 10);
    }
    check(ok, "__shfl_sync / _up / _down (width 8) / _xor (width 16, reaching the earlier segment), __syncwarp" +
                  (f.empty() ? "" : ": " + f));
}

void ldmatrix_x1_x2_read_the_first_matrices() {
    std::vector<uint16_t> src(256);
    for (int i = 0; i < 256; ++i) src[i] = (uint16_t)i;
    uint32_t got[2][32];
    auto cfg = config(32, 512);
    cfg.grid = {1, 1, 1};
    const std::string f = fault_of(cfg, {{src.data(), 512, false, "src"}, {got, sizeof got, true, "out"}}, [&] {
        const uint32_t base = __cvta_generic_to_shared(kh_simt::dynamic_shared());
        for (unsigned c = threadIdx.x; c < 32; c += 32) kh_simt::cp_async16(base + c * 16, src.data() + c * 8, 16);
        kh_simt::cp_async_commit();
        kh_simt::cp_async_wait(0);
        __syncthreads();
        uint32_t r1[1], r2[2];
        // x1: lanes 0-7 address rows 0-7; x2: lanes 8-15 rows 8-15 are the second matrix; others point out of range
        kh_simt::ldmatrix(r1, 1, threadIdx.x < 8 ? base + threadIdx.x * 16 : 4096, false);
        kh_simt::ldmatrix(r2, 2, threadIdx.x < 16 ? base + threadIdx.x * 16 : 4096, true);
        kh_simt::store_global(&got[0][threadIdx.x], &r1[0], 4);
        kh_simt::store_global(&got[1][threadIdx.x], &r2[1], 4);
    });
    bool ok = f.empty();
    for (unsigned l = 0; l < 32 && ok; ++l) {
        const unsigned row = l / 4, col = 2 * (l % 4);
        const uint32_t x1 = (row * 8 + col) | ((row * 8 + col + 1) << 16);                      // matrix 0, row-major
        const uint32_t x2t = (64 + col * 8 + row) | ((64 + (col + 1) * 8 + row) << 16);        // matrix 1, transposed
        ok = got[0][l] == x1 && got[1][l] == x2t;
    }
    check(ok, "ldmatrix .x1 and .x2.trans use only the first 8 / 16 lanes' addresses" + (f.empty() ? "" : ": " + f));
}

// one thread copies 16 bytes, then reads them back before waiting: what it sees depends on the timing
void cp_async_timings() {
    std::vector<unsigned char> src(16, 7);
    for (auto timing : {kh_simt::CpAsyncTiming::AtIssue, kh_simt::CpAsyncTiming::AtWait}) {
        auto cfg = config(32, 64);
        cfg.grid = {1, 1, 1};
        cfg.cp_async = timing;
        unsigned char seen = 0;
        fault_of(cfg, {{src.data(), 16, false, "src"}}, [&] {
            unsigned char *sh = kh_simt::dynamic_shared();
            if (threadIdx.x == 0) {
                kh_simt::cp_async16(__cvta_generic_to_shared(sh), src.data(), 16);
                kh_simt::cp_async_commit();
                seen = sh[0];  // too early
                kh_simt::cp_async_wait(0);
            }
        });
        const bool at_issue = timing == kh_simt::CpAsyncTiming::AtIssue;
        check(seen == (at_issue ? 7 : 0xFF), std::string("cp.async landing ") + (at_issue ? "at issue" : "at wait") +
                                                 ": a read before the wait sees " + (at_issue ? "the data" : "0xFF poison"));
    }
}

// rows 16 bytes apart hit 8 different bank groups; rows 128 bytes apart all hit the same one
void bank_conflicts_are_counted() {
    for (unsigned stride : {16u, 128u}) {
        auto cfg = config(32, 4096);
        cfg.grid = {1, 1, 1};
        kh_simt::LaunchStats st;
        try {
            st = kh_simt::launch(cfg, {}, [stride] {
                uint32_t r[4];
                kh_simt::ldmatrix_x4(r, threadIdx.x * stride, false);
            });
        } catch (const kh_simt::KernelFault &e) {
            check(false, e.what());
            continue;
        }
        const uint64_t want = stride == 16 ? 4 : 32;
        check(st.ldmatrix == 1 && st.ldmatrix_wavefronts == want,
              "ldmatrix with rows " + std::to_string(stride) + " bytes apart: " + std::to_string(st.ldmatrix_wavefronts) +
                  " wavefronts (expected " + std::to_string(want) + ")");
    }
}

void expect_fault(const char *what, const std::string &fault, const char *needle) {
    check(fault.find(needle) != std::string::npos, std::string(what) + " -> \"" + fault + "\"");
}

void bugs_become_faults() {
    std::vector<float> in(64), out(64);
    const std::vector<kh_simt::Region> regions = {{in.data(), 256, false, "input"}, {out.data(), 256, true, "output"}};
    expect_fault("early return before a barrier", fault_of(config(64, 0), regions, [] {
        if (threadIdx.x >= 32) return;
        __syncthreads();
    }), "__syncthreads reached by 32 threads");
    expect_fault("half a warp at a shuffle", fault_of(config(32, 0), regions, [] {
        if (threadIdx.x < 16) __shfl_xor_sync(0xffffffffu, 1.f, 1);
    }), "reached by 16 lanes");
    expect_fault("lanes at different collectives", fault_of(config(32, 256), regions, [] {
        if (threadIdx.x < 16) __shfl_xor_sync(0xffffffffu, 1.f, 1);
        else {
            uint32_t r[4];
            kh_simt::ldmatrix_x4(r, 0, false);
        }
    }), "divergent warp");
    expect_fault("half a warp at a barrier, half at a shuffle", fault_of(config(64, 0), regions, [] {
        if (threadIdx.x < 48) __syncthreads();
        else __shfl_xor_sync(0xffffffffu, 1.f, 1);
    }), "deadlock: warp 0 lane 0 at __syncthreads, warp 1 lane 0 at __syncthreads");
    expect_fault("ldmatrix past shared memory", fault_of(config(32, 256), regions, [] {
        uint32_t r[4];
        kh_simt::ldmatrix_x4(r, 256 - 16 + (threadIdx.x == 31 ? 16 : 0), false);
    }), "out of bounds");
    expect_fault("misaligned ldmatrix row", fault_of(config(32, 256), regions, [] {
        uint32_t r[4];
        kh_simt::ldmatrix_x4(r, threadIdx.x == 3 ? 8 : 0, false);
    }), "misaligned");
    expect_fault("cp.async from outside the tensors", fault_of(config(32, 256), regions, [&] {
        kh_simt::cp_async16(0, in.data() + 64, 16);  // just past the input
    }), "outside every input tensor");
    expect_fault("load past the input", fault_of(config(32, 0), regions, [&] {
        float v;
        kh_simt::load_global(&v, in.data() + 64 + threadIdx.x, 4);
    }), "global load outside every tensor");
    expect_fault("st.shared past shared memory", fault_of(config(32, 64), regions, [] {
        const uint16_t v = 1;
        kh_simt::store_shared(62 + 2 * threadIdx.x, &v, 2);
    }), "st.shared: shared address 64");
    expect_fault("store into an input", fault_of(config(32, 0), regions, [&] {
        const float v = 1;
        kh_simt::store_global(&in[threadIdx.x], &v, 4);
    }), "read-only input");
    expect_fault("store past the output", fault_of(config(32, 0), regions, [&] {
        const float v = 1;
        kh_simt::store_global(out.data() + 64 + threadIdx.x, &v, 4);
    }), "outside every output tensor");
    const std::string where = fault_of(config(64, 256), regions, [] {
        uint32_t r[4];
        kh_simt::ldmatrix_x4(r, blockIdx.x == 1 && threadIdx.x == 37 ? 1024 : 0, false);
    });
    expect_fault("a fault names its block, warp and lane", where, "block (1,0,0) thread 37 (warp 1 lane 5)");
}

}  // namespace

int main() {
    mma_matches_plain_arithmetic();
    shuffles_exchange_lanes();
    cp_async_timings();
    shuffle_variants_and_syncwarp();
    ldmatrix_x1_x2_read_the_first_matrices();
    bank_conflicts_are_counted();
    bugs_become_faults();
    std::printf(failures == 0 ? "kh_simt selftest: all passed\n" : "kh_simt selftest: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}

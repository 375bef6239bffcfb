/*
 * fa2_bench.cpp — GFLOP/s of the CPU flash-attn2 bundle, loaded with dlopen like the host does.
 *
 * Shapes: batch 1, heads 8 (MHA), head dim 128, seq_q = seq_k; FLOPs = 4 * head_dim * heads *
 * (unmasked query-key pairs), so causal counts only the visible half. Each configuration:
 * warm-up calls, then the median of timed calls (at least --reps and --min-time seconds).
 *
 * usage: fa2_bench [--isa avx512,avx2,...] [--dtype f32,bf16,f16] [--seq 1024,2048,4096]
 *                  [--causal 0,1] [--heads 8] [--kv-heads N] [--dim 128] [--sq N (decode-like:
 *                  seq_q = N, seq_k = seq)] [--reps 5] [--min-time 1.0] [lib.so]
 */
#include <dlfcn.h>
#include <sched.h>
#include <time.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "kernelhub.h"

#ifndef FA2_LIB_PATH
#define FA2_LIB_PATH "libflash_attn2_cpu.so"
#endif

static std::vector<std::string> split(const std::string &s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string t;
    while (std::getline(ss, t, ',')) if (!t.empty()) out.push_back(t);
    return out;
}

static kh_attention_fn g_fn;
static double cpu_seconds() {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static int ncpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}
static kh_status rec(void *, const kh_op_desc *d) { g_fn = d->fn; return KH_OK; }

static uint16_t to_bf16(float f) { uint32_t u; std::memcpy(&u, &f, 4); return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16); }

int main(int argc, char **argv) {
    std::string isas = "avx512,avx512-nobf16,avx2,portable", dtypes = "f32,bf16", seqs = "1024,2048,4096",
                causals = "0,1";
    int heads = 8, kv_heads = 0, dim = 128, reps = 5, sq_override = 0;
    double min_time = 1.0;
    const char *path = FA2_LIB_PATH;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--isa") isas = next();
        else if (a == "--dtype") dtypes = next();
        else if (a == "--seq") seqs = next();
        else if (a == "--causal") causals = next();
        else if (a == "--heads") heads = std::atoi(next().c_str());
        else if (a == "--kv-heads") kv_heads = std::atoi(next().c_str());
        else if (a == "--sq") sq_override = std::atoi(next().c_str());
        else if (a == "--dim") dim = std::atoi(next().c_str());
        else if (a == "--reps") reps = std::atoi(next().c_str());
        else if (a == "--min-time") min_time = std::atof(next().c_str());
        else path = argv[i];
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { std::fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
    auto reg = (kh_status(*)(const kh_host *, char *, size_t))dlsym(h, "kh_register");
    auto isa_fn = (const char *(*)(void))dlsym(h, "fa2_cpu_isa");
    auto isa_detail = (const char *(*)(void))dlsym(h, "fa2_cpu_isa_detail");
    kh_host host = {sizeof(kh_host), KH_ABI_VERSION, nullptr, &rec, nullptr};
    char err[256];
    if (!reg || reg(&host, err, sizeof err) != KH_OK || !g_fn) { std::fprintf(stderr, "register failed\n"); return 2; }
    const char *nt = std::getenv("KERNELHUB_NUM_THREADS");
    std::printf("# flash-attn2 cpu bench: batch 1, heads %d (kv %d), head_dim %d, seq_q %s, threads %s\n", heads,
                kv_heads > 0 ? kv_heads : heads, dim, sq_override > 0 ? std::to_string(sq_override).c_str() : "= seq_k",
                nt ? nt : "all");
    const int nthreads = nt ? std::atoi(nt) : ncpus();
    std::printf("# GFLOP/s = FLOPs / median wall time; best = FLOPs / fastest call; cpu-norm = FLOPs / median\n"
                "# process CPU time * threads (what an unloaded machine would give; robust to other load)\n");
    std::printf("%-14s %-5s %-6s %6s %10s %10s %10s %12s\n", "isa", "dtype", "causal", "seq", "ms", "GFLOP/s", "best",
                "cpu-norm");
    for (const std::string &isa : split(isas)) {
        setenv("KERNELHUB_CPU_ISA", isa.c_str(), 1);
        if (!std::strcmp(isa_fn(), "unavailable")) { std::printf("%-14s (not available on this CPU)\n", isa.c_str()); continue; }
        for (const std::string &dts : split(dtypes)) {
            const int dt = dts == "f32" ? KH_DTYPE_F32 : dts == "f16" ? KH_DTYPE_F16 : KH_DTYPE_BF16;
            const size_t es = dt == KH_DTYPE_F32 ? 4 : 2;
            for (const std::string &cs : split(causals)) {
                const bool causal = cs == "1";
                for (const std::string &ss : split(seqs)) {
                    const int64_t S = std::atoll(ss.c_str());
                    const int64_t SQ = sq_override > 0 ? sq_override : S;
                    const int hkv = kv_heads > 0 ? kv_heads : heads;
                    const size_t nq = (size_t)SQ * heads * dim, nk = (size_t)S * hkv * dim;
                    std::vector<uint8_t> q(nq * es), k(nk * es), v(nk * es), o(nq * es);
                    uint64_t st = 42;
                    auto rnd = [&]() { st = st * 6364136223846793005ull + 1442695040888963407ull; return ((st >> 40) / 16777216.0f) * 2 - 1; };
                    for (auto *buf : {&q, &k, &v})
                        for (size_t i = 0; i < buf->size() / es; ++i) {
                            const float x = rnd();
                            if (dt == KH_DTYPE_F32) std::memcpy(buf->data() + 4 * i, &x, 4);
                            else { uint16_t hb = to_bf16(x); if (dt == KH_DTYPE_F16) { _Float16 f = (_Float16)x; std::memcpy(&hb, &f, 2); } std::memcpy(buf->data() + 2 * i, &hb, 2); }
                        }
                    auto tens = [&](std::vector<uint8_t> &b, int64_t len, int64_t h) {
                        kh_tensor t;
                        std::memset(&t, 0, sizeof t);
                        t.data = b.data(); t.dtype = dt; t.device_kind = KH_DEVICE_CPU; t.rank = 4;
                        const int64_t sh[4] = {1, len, h, dim}, str[4] = {len * h * dim, h * dim, dim, 1};
                        for (int i = 0; i < 4; ++i) { t.shape[i] = sh[i]; t.strides[i] = str[i]; }
                        return t;
                    };
                    std::vector<float> lse((size_t)heads * SQ);
                    kh_attention_args a;
                    std::memset(&a, 0, sizeof a);
                    a.struct_size = sizeof a;
                    a.flags = causal ? KH_ATTN_CAUSAL : 0;
                    a.q = tens(q, SQ, heads); a.k = tens(k, S, hkv); a.v = tens(v, S, hkv); a.out = tens(o, SQ, heads);
                    a.lse.data = lse.data(); a.lse.dtype = KH_DTYPE_F32; a.lse.device_kind = KH_DEVICE_CPU; a.lse.rank = 3;
                    a.lse.shape[0] = 1; a.lse.shape[1] = heads; a.lse.shape[2] = SQ;
                    a.lse.strides[0] = heads * SQ; a.lse.strides[1] = SQ; a.lse.strides[2] = 1;
                    a.batch = 1; a.max_seqlen_q = (int)SQ; a.max_seqlen_k = (int)S;
                    a.window_left = -1; a.window_right = -1;
                    a.scale = 1.0f / std::sqrt((float)dim);
                    double pairs = 0;
                    for (int64_t i = 0; i < SQ; ++i) pairs += causal ? (double)std::min<int64_t>(S, std::max<int64_t>(0, i + S - SQ + 1)) : (double)S;
                    const double flops = 4.0 * dim * heads * pairs;
                    for (int w = 0; w < 2; ++w)
                        if (g_fn(&a, err, sizeof err) != KH_OK) { std::fprintf(stderr, "error: %s\n", err); return 1; }
                    std::vector<double> times, cpus;
                    double total = 0;
                    while ((int)times.size() < reps || total < min_time) {
                        const double c0 = cpu_seconds();
                        auto t0 = std::chrono::steady_clock::now();
                        g_fn(&a, err, sizeof err);
                        const double dt_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                        cpus.push_back(cpu_seconds() - c0);
                        times.push_back(dt_s);
                        total += dt_s;
                        if ((int)times.size() >= 200) break;
                    }
                    std::sort(times.begin(), times.end());
                    std::sort(cpus.begin(), cpus.end());
                    const double med = times[times.size() / 2], best = times[0];
                    const double cmed = cpus[cpus.size() / 2];
                    std::printf("%-14s %-5s %-6s %6lld %10.2f %10.1f %10.1f %12.1f\n", isa.c_str(), dts.c_str(),
                                causal ? "yes" : "no", (long long)S, med * 1e3, flops / med * 1e-9, flops / best * 1e-9,
                                flops / cmed * 1e-9 * nthreads);
                    std::fflush(stdout);
                }
            }
        }
    }
    unsetenv("KERNELHUB_CPU_ISA");
    if (isa_detail) std::printf("# default path: %s\n", isa_detail());
    return 0;
}

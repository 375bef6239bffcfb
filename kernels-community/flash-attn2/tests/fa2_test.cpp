/*
 * fa2_test.cpp — correctness harness for the CPU variant of kernels-community/flash-attn2.
 *
 * Loads the bundle library with dlopen (as the Java host does), checks kh_abi_version and
 * kh_register with a recording host table, then runs randomized cases (fixed seeds) on every
 * ISA path this CPU has (KERNELHUB_CPU_ISA=avx512, avx512-nobf16, avx2, portable) against two
 * references computed here from the same (dtype-rounded) inputs:
 *   ref: double precision, exact softmax;
 *   low: what a framework's eager path computes (PyTorch/Transformers): f32 arithmetic, and for
 *        f16/bf16 the q.k products rounded to the dtype, scaled and rounded, softcap steps
 *        rounded, softmax in f32, probabilities rounded, P.V accumulated in f32 and rounded.
 * Pass (FlashAttention's criterion, the one kernelhub's AccuracyCheck uses):
 *   max|out - ref| <= 2 * max|low - ref| + 1e-5, the same for LSE, no NaN/Inf where ref is
 *   finite, fully masked rows exactly 0 with lse = -inf, and nothing written outside out/lse
 *   (padding sentinels intact). Input padding is filled with NaN so any stray read shows.
 * Secondary criterion, also required: max|out - ref| / max(1, max|ref|) <= 2e-5 (f32), 2e-3 (f16),
 * 1.6e-2 (bf16).
 * Also: bad arguments must return an error status with a message, results must not depend
 * on the thread count, and concurrent calls must work.
 *
 * usage: fa2_test [--quick] [--verbose] [library.so]
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kernelhub.h"

#ifndef FA2_LIB_PATH
#define FA2_LIB_PATH "libflash_attn2_cpu.so"
#endif

namespace {

/* ---- library ----------------------------------------------------------------------------- */
typedef uint32_t (*abi_fn)(void);
typedef kh_status (*reg_fn)(const kh_host *, char *, size_t);
typedef const char *(*isa_fn)(void);

struct Lib {
    void *h = nullptr;
    abi_fn abi = nullptr;
    reg_fn reg = nullptr;
    isa_fn isa = nullptr;
    isa_fn isa_detail = nullptr;
    isa_fn isa_last = nullptr;
    kh_attention_fn fwd = nullptr;
};
Lib g_lib;
bool g_verbose = false;
int g_failures = 0;
int g_checks = 0;

#define CHECK(cond, ...)                                                                                      \
    do {                                                                                                      \
        ++g_checks;                                                                                           \
        if (!(cond)) {                                                                                        \
            ++g_failures;                                                                                     \
            std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                     \
            std::printf(__VA_ARGS__);                                                                         \
            std::printf("\n");                                                                                \
        }                                                                                                     \
    } while (0)

struct Recorded {
    std::vector<kh_op_desc> ops;
    std::vector<std::string> names;
    kh_status answer = KH_OK;
};
kh_status record_op(void *ctx, const kh_op_desc *op) {
    Recorded *r = (Recorded *)ctx;
    r->ops.push_back(*op);
    r->names.push_back(op->name ? op->name : "(null)");
    return r->answer;
}
void host_log(void *, int32_t, const char *) {}

/* ---- dtype rounding (independent of the library's code) ---------------------------------- */
uint16_t to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u);
    const uint32_t lsb = (u >> 16) & 1u;
    return (uint16_t)((u + 0x7FFFu + lsb) >> 16);
}
float from_bf16(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
uint16_t to_f16(float f) {
    if (std::isnan(f)) return 0x7E00;
    const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    const double a = std::fabs((double)f);
    if (a >= 65520.0) return sign | 0x7C00;
    if (a < std::ldexp(1.0, -14)) return sign | (uint16_t)std::nearbyint(a * std::ldexp(1.0, 24));
    int ex;
    std::frexp(a, &ex); /* a = fr * 2^ex, fr in [0.5, 1) */
    int e = ex - 1;
    double mant = std::nearbyint((a / std::ldexp(1.0, e) - 1.0) * 1024.0);
    if (mant >= 1024.0) {
        mant = 0;
        ++e;
    }
    if (e > 15) return sign | 0x7C00;
    return sign | (uint16_t)((e + 15) << 10) | (uint16_t)mant;
}
float from_f16(uint16_t h) {
    const int e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) v = std::ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = std::ldexp(1.0 + m / 1024.0, e - 15);
    return (float)((h & 0x8000) ? -v : v);
}
float round_dt(float x, int dt) {
    if (dt == KH_DTYPE_BF16) return from_bf16(to_bf16(x));
    if (dt == KH_DTYPE_F16) return from_f16(to_f16(x));
    return x;
}
size_t dt_size(int dt) { return dt == KH_DTYPE_F32 ? 4 : 2; }
const char *dt_name(int dt) { return dt == KH_DTYPE_F32 ? "f32" : dt == KH_DTYPE_F16 ? "f16" : "bf16"; }

/* ---- random ---------------------------------------------------------------------------------- */
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 12345) {}
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uni() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
    int range(int lo, int hi) { return lo + (int)(next() % (uint64_t)(hi - lo + 1)); }
    double normal() {
        const double u1 = uni() + 1e-300, u2 = uni();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    bool coin(double p) { return uni() < p; }
};

/* ---- strided host tensors -------------------------------------------------------------------- */
/* A tensor of logical rows [rows][heads][d] (rows = batch*seq for fixed, total for varlen) stored
 * in a buffer through a layout:
 *   0 contiguous BSHD, 1 a BHSD buffer viewed as BSHD (permute), 2 padded strides. */
struct HT {
    int dtype = KH_DTYPE_F32;
    bool varlen = false;
    int64_t B = 0, S = 0, H = 0, D = 0; /* fixed: B, S; varlen: B = 1 (unused), S = total */
    int64_t st[4] = {0, 0, 0, 0};       /* element strides of the rank-4 (fixed) or rank-3 view */
    std::vector<uint8_t> buf;
    size_t nelem = 0;

    void make(int dt, bool vl, int64_t b, int64_t s, int64_t h, int64_t d, int layout) {
        dtype = dt;
        varlen = vl;
        B = vl ? 1 : b;
        S = s;
        H = h;
        D = d;
        const int64_t pad = 3;
        if (!vl) {
            if (layout == 1) { st[0] = H * S * D; st[1] = D; st[2] = S * D; st[3] = 1; }
            else if (layout == 2) { st[2] = D + pad; st[1] = H * (D + pad) + 1; st[0] = S * st[1] + 5; st[3] = 1; }
            else { st[0] = S * H * D; st[1] = H * D; st[2] = D; st[3] = 1; }
        } else {
            if (layout == 1) { st[0] = D; st[1] = S * D; st[2] = 1; }
            else if (layout == 2) { st[1] = D + pad; st[0] = H * (D + pad) + 2; st[2] = 1; }
            else { st[0] = H * D; st[1] = D; st[2] = 1; }
        }
        int64_t maxoff = 0;
        if (!vl) maxoff = (B - 1) * st[0] + (S - 1) * st[1] + (H - 1) * st[2] + (D - 1);
        else maxoff = (S - 1) * st[0] + (H - 1) * st[1] + (D - 1);
        nelem = (B > 0 && S > 0 && H > 0 && D > 0) ? (size_t)maxoff + 1 : 0;
        buf.assign(nelem * dt_size(dt), 0); /* no slack: ASan sees any overread */
    }
    void *data() { return nelem ? (void *)buf.data() : nullptr; }
    int64_t off(int64_t row, int64_t h, int64_t c) const { /* row = b*S + i for fixed */
        if (!varlen) return (row / S) * st[0] + (row % S) * st[1] + h * st[2] + c;
        return row * st[0] + h * st[1] + c;
    }
    void fill_raw(uint32_t pattern) { /* sentinel everywhere (NaN for inputs) */
        if (dtype == KH_DTYPE_F32) {
            for (size_t i = 0; i < nelem; ++i) std::memcpy(buf.data() + 4 * i, &pattern, 4);
        } else {
            const uint16_t p16 = (uint16_t)pattern;
            for (size_t i = 0; i < nelem; ++i) std::memcpy(buf.data() + 2 * i, &p16, 2);
        }
    }
    void set(int64_t o, float x) {
        if (dtype == KH_DTYPE_F32) std::memcpy(buf.data() + 4 * o, &x, 4);
        else {
            const uint16_t h = dtype == KH_DTYPE_BF16 ? to_bf16(x) : to_f16(x);
            std::memcpy(buf.data() + 2 * o, &h, 2);
        }
    }
    float get(int64_t o) const {
        if (dtype == KH_DTYPE_F32) {
            float x;
            std::memcpy(&x, buf.data() + 4 * o, 4);
            return x;
        }
        uint16_t h;
        std::memcpy(&h, buf.data() + 2 * o, 2);
        return dtype == KH_DTYPE_BF16 ? from_bf16(h) : from_f16(h);
    }
    uint32_t raw(int64_t o) const {
        if (dtype == KH_DTYPE_F32) {
            uint32_t u;
            std::memcpy(&u, buf.data() + 4 * o, 4);
            return u;
        }
        uint16_t h;
        std::memcpy(&h, buf.data() + 2 * o, 2);
        return h;
    }
    kh_tensor desc() {
        kh_tensor t;
        std::memset(&t, 0, sizeof t);
        t.data = data();
        t.dtype = dtype;
        t.device_kind = KH_DEVICE_CPU;
        t.device_index = 0;
        if (!varlen) {
            t.rank = 4;
            const int64_t sh[4] = {B, S, H, D};
            for (int i = 0; i < 4; ++i) { t.shape[i] = sh[i]; t.strides[i] = st[i]; }
        } else {
            t.rank = 3;
            const int64_t sh[3] = {S, H, D};
            for (int i = 0; i < 3; ++i) { t.shape[i] = sh[i]; t.strides[i] = st[i]; }
        }
        return t;
    }
};

/* LSE tensor: fixed [B, H, S], varlen [H, T]; layouts 0 contiguous, 1 padded, 2 transposed */
struct LT {
    bool varlen = false;
    int64_t B = 0, H = 0, S = 0;
    int64_t st[3] = {0, 0, 0};
    std::vector<float> buf;
    void make(bool vl, int64_t b, int64_t h, int64_t s, int layout) {
        varlen = vl;
        B = b; H = h; S = s;
        if (!vl) {
            if (layout == 1) { st[2] = 1; st[1] = S + 2; st[0] = H * (S + 2) + 1; }
            else if (layout == 2) { st[1] = 1; st[2] = H; st[0] = H * S; }
            else { st[2] = 1; st[1] = S; st[0] = H * S; }
        } else {
            if (layout == 1) { st[1] = 1; st[0] = S + 3; }
            else if (layout == 2) { st[0] = 1; st[1] = H; }
            else { st[1] = 1; st[0] = S; }
        }
        int64_t n = vl ? (H - 1) * st[0] + (S - 1) * st[1] + 1 : (B - 1) * st[0] + (H - 1) * st[1] + (S - 1) * st[2] + 1;
        if (B == 0 || H == 0 || S == 0) n = 0;
        buf.assign((size_t)n + 1, std::nanf("0x5a5"));
    }
    int64_t off(int64_t b, int64_t h, int64_t i_or_t) const {
        return varlen ? h * st[0] + i_or_t * st[1] : b * st[0] + h * st[1] + i_or_t * st[2];
    }
    kh_tensor desc() {
        kh_tensor t;
        std::memset(&t, 0, sizeof t);
        t.data = buf.size() > 1 ? buf.data() : nullptr;
        t.dtype = KH_DTYPE_F32;
        t.device_kind = KH_DEVICE_CPU;
        if (!varlen) {
            t.rank = 3;
            t.shape[0] = B; t.shape[1] = H; t.shape[2] = S;
            for (int i = 0; i < 3; ++i) t.strides[i] = st[i];
        } else {
            t.rank = 2;
            t.shape[0] = H; t.shape[1] = S;
            t.strides[0] = st[0]; t.strides[1] = st[1];
        }
        return t;
    }
};

/* ---- cases ----------------------------------------------------------------------------------- */
struct Spec {
    std::string label;
    int dtype = KH_DTYPE_F32;
    int d = 64, hq = 2, hkv = 2;
    bool varlen = false;
    int batch = 1, sq = 16, sk = 16;        /* fixed layout */
    std::vector<int> lq, lk;                /* varlen lengths */
    std::vector<int> seqlens_k;             /* empty = none */
    bool causal = false;
    int wl = -1, wr = -1;
    float softcap = 0.0f;
    float scale = 0.0f;                     /* 0 -> 1/sqrt(d) */
    bool lse = true;
    int lq_layout = 0, lkv_layout = 0, lo_layout = 0, llse_layout = 0;
    double amp = 1.0;
    uint64_t seed = 1;
};

struct Stats {
    double worst_ratio = 0;     /* max over cases of err / tol */
    double worst_abs_rel = 0;   /* max over cases of err / max|ref| */
    int cases = 0, failed = 0;
};
std::map<std::string, Stats> g_stats; /* key: isa/dtype */

struct Prepared {
    Spec sp;
    HT q, k, v;
    std::vector<int32_t> cuq, cuk, seqk;
    int64_t tq = 0, tk = 0; /* logical rows */
    std::vector<int64_t> qrow0, krow0, sqv, skv;  /* per sequence */
    /* references [row][h][c] and lse [row][h] */
    std::vector<double> ref, low, ref_lse, low_lse;
    std::vector<float> qf, kf, vf; /* rounded input values [row][h][c] */
};

void prepare(Prepared &P) {
    const Spec &s = P.sp;
    Rng rng(s.seed);
    const int nseq = s.varlen ? (int)s.lq.size() : s.batch;
    P.qrow0.resize(nseq); P.krow0.resize(nseq); P.sqv.resize(nseq); P.skv.resize(nseq);
    if (s.varlen) {
        P.cuq.assign(nseq + 1, 0);
        P.cuk.assign(nseq + 1, 0);
        for (int b = 0; b < nseq; ++b) {
            P.cuq[b + 1] = P.cuq[b] + s.lq[b];
            P.cuk[b + 1] = P.cuk[b] + s.lk[b];
        }
        P.tq = P.cuq[nseq];
        P.tk = P.cuk[nseq];
        for (int b = 0; b < nseq; ++b) {
            P.qrow0[b] = P.cuq[b]; P.krow0[b] = P.cuk[b];
            P.sqv[b] = s.lq[b]; P.skv[b] = s.lk[b];
        }
    } else {
        P.tq = (int64_t)s.batch * s.sq;
        P.tk = (int64_t)s.batch * s.sk;
        for (int b = 0; b < nseq; ++b) {
            P.qrow0[b] = (int64_t)b * s.sq; P.krow0[b] = (int64_t)b * s.sk;
            P.sqv[b] = s.sq; P.skv[b] = s.sk;
        }
    }
    if (!s.seqlens_k.empty()) {
        P.seqk = s.seqlens_k;
        for (int b = 0; b < nseq; ++b) P.skv[b] = s.seqlens_k[b];
    }
    const int d = s.d;
    auto fill = [&](HT &t, std::vector<float> &vals, int64_t rows, int64_t seq, int heads, int layout) {
        t.make(s.dtype, s.varlen, s.batch, s.varlen ? rows : seq, heads, d, layout);
        const uint32_t nan_pat = s.dtype == KH_DTYPE_F32 ? 0x7FC00123u : 0x7E01u;
        t.fill_raw(s.dtype == KH_DTYPE_BF16 ? 0x7FC1u : nan_pat);
        vals.assign((size_t)rows * heads * d, 0.0f);
        for (int64_t r = 0; r < rows; ++r)
            for (int h = 0; h < heads; ++h)
                for (int c = 0; c < d; ++c) {
                    const float x = round_dt((float)(s.amp * rng.normal()), s.dtype);
                    vals[((size_t)r * heads + h) * d + c] = x;
                    t.set(t.off(r, h, c), x);
                }
    };
    fill(P.q, P.qf, P.tq, s.sq, s.hq, s.lq_layout);
    fill(P.k, P.kf, P.tk, s.sk, s.hkv, s.lkv_layout);
    fill(P.v, P.vf, P.tk, s.sk, s.hkv, s.lkv_layout);

    /* references */
    const double scale = s.scale != 0.0f ? s.scale : 1.0 / std::sqrt((double)d);
    const float scalef = (float)scale;
    const int g = s.hq / s.hkv;
    P.ref.assign((size_t)P.tq * s.hq * d, 0.0);
    P.low.assign((size_t)P.tq * s.hq * d, 0.0);
    P.ref_lse.assign((size_t)P.tq * s.hq, -INFINITY);
    P.low_lse.assign((size_t)P.tq * s.hq, -INFINITY);
    const bool lowp = s.dtype != KH_DTYPE_F32;
    std::vector<double> sc;
    std::vector<float> scl;
    std::vector<int64_t> keys;
    for (int b = 0; b < nseq; ++b) {
        const int64_t sq = P.sqv[b], sk = P.skv[b], shift = sk - sq;
        for (int h = 0; h < s.hq; ++h) {
            const int hk = h / g;
            for (int64_t i = 0; i < sq; ++i) {
                keys.clear();
                for (int64_t j = 0; j < sk; ++j) {
                    if (s.causal && j > i + shift) continue;
                    if (s.wl >= 0 && j < i + shift - s.wl) continue;
                    if (s.wr >= 0 && j > i + shift + s.wr) continue;
                    keys.push_back(j);
                }
                const int64_t qr = P.qrow0[b] + i;
                const float *qv = &P.qf[((size_t)qr * s.hq + h) * d];
                double *ro = &P.ref[((size_t)qr * s.hq + h) * d];
                double *lo = &P.low[((size_t)qr * s.hq + h) * d];
                if (keys.empty()) continue; /* zeros, -inf */
                sc.assign(keys.size(), 0.0);
                scl.assign(keys.size(), 0.0f);
                for (size_t t = 0; t < keys.size(); ++t) {
                    const int64_t kr = P.krow0[b] + keys[t];
                    const float *kv = &P.kf[((size_t)kr * s.hkv + hk) * d];
                    double acc = 0;
                    float accf = 0;
                    for (int c = 0; c < d; ++c) {
                        acc += (double)qv[c] * kv[c];
                        accf += qv[c] * kv[c];
                    }
                    double x = acc * scale;
                    if (s.softcap > 0) x = s.softcap * std::tanh(x / s.softcap);
                    sc[t] = x;
                    float y;
                    if (lowp) {
                        y = round_dt(accf, s.dtype);
                        y = round_dt(y * scalef, s.dtype);
                        if (s.softcap > 0) {
                            y = round_dt(y / s.softcap, s.dtype);
                            y = round_dt(std::tanh(y), s.dtype);
                            y = round_dt(y * s.softcap, s.dtype);
                        }
                    } else {
                        y = accf * scalef;
                        if (s.softcap > 0) y = s.softcap * std::tanh(y / s.softcap);
                    }
                    scl[t] = y;
                }
                double m = -INFINITY;
                for (double x : sc) m = std::max(m, x);
                double sum = 0;
                for (double x : sc) sum += std::exp(x - m);
                float mf = -INFINITY;
                for (float x : scl) mf = std::max(mf, x);
                float sumf = 0;
                for (float x : scl) sumf += std::exp(x - mf);
                P.ref_lse[(size_t)qr * s.hq + h] = m + std::log(sum);
                P.low_lse[(size_t)qr * s.hq + h] = mf + std::log(sumf);
                std::vector<float> accl(d, 0.0f);
                for (size_t t = 0; t < keys.size(); ++t) {
                    const int64_t kr = P.krow0[b] + keys[t];
                    const float *vv = &P.vf[((size_t)kr * s.hkv + hk) * d];
                    const double p = std::exp(sc[t] - m) / sum;
                    float pf = std::exp(scl[t] - mf) / sumf;
                    if (lowp) pf = round_dt(pf, s.dtype);
                    for (int c = 0; c < d; ++c) {
                        ro[c] += p * vv[c];
                        accl[c] += pf * vv[c];
                    }
                }
                for (int c = 0; c < d; ++c) lo[c] = round_dt(accl[c], s.dtype);
            }
        }
    }
}

struct RunResult {
    kh_status st = KH_OK;
    std::string msg;
    HT out;
    LT lse;
};

void build_args(Prepared &P, RunResult &R, kh_attention_args &a) {
    const Spec &s = P.sp;
    R.out.make(s.dtype, s.varlen, s.batch, s.varlen ? P.tq : s.sq, s.hq, s.d, s.lo_layout);
    R.out.fill_raw(s.dtype == KH_DTYPE_F32 ? 0x7FC0BEEFu : 0x7E0Fu); /* sentinel */
    if (s.lse) R.lse.make(s.varlen, s.batch, s.hq, s.varlen ? P.tq : s.sq, s.llse_layout);
    std::memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.flags = s.causal ? KH_ATTN_CAUSAL : 0;
    a.q = P.q.desc();
    a.k = P.k.desc();
    a.v = P.v.desc();
    a.out = R.out.desc();
    if (s.lse) a.lse = R.lse.desc();
    else { std::memset(&a.lse, 0, sizeof a.lse); a.lse.dtype = KH_DTYPE_F32; }
    a.batch = s.varlen ? (int32_t)s.lq.size() : s.batch;
    int mq = 0, mk = 0;
    for (auto x : P.sqv) mq = std::max<int>(mq, (int)x);
    for (size_t b = 0; b < P.sqv.size(); ++b)
        mk = std::max<int>(mk, s.varlen ? s.lk[b] : s.sk);
    a.max_seqlen_q = mq;
    a.max_seqlen_k = mk;
    a.window_left = s.wl;
    a.window_right = s.wr;
    a.scale = s.scale != 0.0f ? s.scale : (float)(1.0 / std::sqrt((double)s.d));
    a.softcap = s.softcap;
    a.seqlens_k = P.seqk.empty() ? nullptr : P.seqk.data();
    a.cu_seqlens_q = s.varlen ? P.cuq.data() : nullptr;
    a.cu_seqlens_k = s.varlen ? P.cuk.data() : nullptr;
}

RunResult run_op(Prepared &P) {
    RunResult R;
    kh_attention_args a;
    build_args(P, R, a);
    char err[512];
    err[0] = '\0';
    R.st = g_lib.fwd(&a, err, sizeof err);
    R.msg = err;
    return R;
}

/* compares one run; returns true when it passes */
bool compare(Prepared &P, RunResult &R, const char *isa, double *ratio_out, double *absrel_out) {
    const Spec &s = P.sp;
    bool ok = true;
    if (R.st != KH_OK) {
        std::printf("FAIL [%s] isa=%s: status %d: %s\n", s.label.c_str(), isa, R.st, R.msg.c_str());
        return false;
    }
    double err = 0, lowerr = 0, refmax = 0, lerr = 0, llowerr = 0;
    int64_t bad_nan = 0, bad_masked = 0, bad_lse_inf = 0;
    std::vector<char> written(R.out.nelem, 0);
    std::vector<char> lwritten(R.lse.buf.size(), 0);
    const int nseq = (int)P.sqv.size();
    for (int b = 0; b < nseq; ++b) {
        for (int64_t i = 0; i < P.sqv[b]; ++i) {
            const int64_t row = P.qrow0[b] + i;
            for (int h = 0; h < s.hq; ++h) {
                const double rl = P.ref_lse[(size_t)row * s.hq + h];
                const bool masked = std::isinf(rl) && rl < 0;
                for (int c = 0; c < s.d; ++c) {
                    const int64_t o = R.out.off(row, h, c);
                    written[(size_t)o] = 1;
                    const double x = R.out.get(o);
                    const double r = P.ref[((size_t)row * s.hq + h) * s.d + c];
                    const double l = P.low[((size_t)row * s.hq + h) * s.d + c];
                    if (!std::isfinite(x)) { ++bad_nan; continue; }
                    if (masked && !(x == 0.0)) ++bad_masked;
                    err = std::max(err, std::fabs(x - r));
                    lowerr = std::max(lowerr, std::fabs(l - r));
                    refmax = std::max(refmax, std::fabs(r));
                }
                if (s.lse) {
                    const int64_t lo = s.varlen ? R.lse.off(0, h, row) : R.lse.off(b, h, i);
                    lwritten[(size_t)lo] = 1;
                    const double x = R.lse.buf[(size_t)lo];
                    if (masked) {
                        if (!(std::isinf(x) && x < 0)) ++bad_lse_inf;
                    } else if (!std::isfinite(x)) {
                        ++bad_nan;
                    } else {
                        lerr = std::max(lerr, std::fabs(x - rl));
                        llowerr = std::max(llowerr, std::fabs(P.low_lse[(size_t)row * s.hq + h] - rl));
                    }
                }
            }
        }
    }
    /* sentinels outside the logical elements untouched */
    int64_t clobbered = 0;
    const uint32_t sent = s.dtype == KH_DTYPE_F32 ? 0x7FC0BEEFu : 0x7E0Fu;
    for (size_t o = 0; o < R.out.nelem; ++o)
        if (!written[o] && R.out.raw((int64_t)o) != sent) ++clobbered;
    for (size_t o = 0; o < R.lse.buf.size(); ++o)
        if (!lwritten[o] && !std::isnan(R.lse.buf[o])) ++clobbered;
    const double tol = 2 * lowerr + 1e-5, ltol = 2 * llowerr + 1e-5;
    const double ratio = std::max(err / tol, s.lse ? lerr / ltol : 0.0);
    *ratio_out = ratio;
    const double absrel = refmax > 0 ? err / std::max(refmax, 1.0) : err;
    *absrel_out = absrel;
    /* secondary, absolute criterion relative to the output's scale */
    const double abs_limit = s.dtype == KH_DTYPE_F32 ? 2e-5 : s.dtype == KH_DTYPE_F16 ? 2e-3 : 1.6e-2;
    if (bad_nan || bad_masked || bad_lse_inf || clobbered || err > tol || (s.lse && lerr > ltol) ||
        absrel > abs_limit)
        ok = false;
    if (!ok || g_verbose)
        std::printf("%s [%s] isa=%s: err %.3g (tol %.3g, low %.3g) lse err %.3g (tol %.3g) nonfinite %lld "
                    "masked!=0 %lld lse!=-inf %lld clobbered %lld\n",
                    ok ? "ok  " : "FAIL", s.label.c_str(), isa, err, tol, lowerr, lerr, ltol, (long long)bad_nan,
                    (long long)bad_masked, (long long)bad_lse_inf, (long long)clobbered);
    return ok;
}

std::vector<std::string> g_isas;

/* The path name fa2_cpu_isa() must report under KERNELHUB_CPU_ISA=forced on this CPU (computed here
 * from the CPU's own flags, not from the library's). */
std::string expected_path(const std::string &forced) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    const bool bf16 = __builtin_cpu_supports("avx512bf16");
#else
    const bool bf16 = false;
#endif
    if (forced == "avx512") return bf16 ? "avx512bf16" : "avx512";
    if (forced == "avx512-nobf16") return "avx512";
    return forced;
}

/* The kernels a call with inputs of dtype must have run on that path: only bf16 inputs take the
 * AVX512_BF16 kernels; f32/f16 inputs on that path run the avx512 ones. */
std::string expected_kernels(const std::string &path, int dtype) {
    if (path == "avx512bf16" && dtype != KH_DTYPE_BF16) return "avx512";
    return path;
}

void run_spec(Spec sp) {
    Prepared P;
    P.sp = sp;
    prepare(P);
    for (const std::string &isa : g_isas) {
        setenv("KERNELHUB_CPU_ISA", isa.c_str(), 1);
        RunResult R = run_op(P);
        double ratio = 0, absrel = 0;
        bool ok = compare(P, R, isa.c_str(), &ratio, &absrel);
        if (R.st == KH_OK) {
            const std::string want = expected_kernels(expected_path(isa), sp.dtype);
            if (want != g_lib.isa_last()) {
                std::printf("FAIL [%s] isa=%s: ran the %s kernels, expected %s\n", sp.label.c_str(), isa.c_str(),
                            g_lib.isa_last(), want.c_str());
                ok = false;
            }
        }
        ++g_checks;
        if (!ok) ++g_failures;
        Stats &st = g_stats[isa + "/" + dt_name(sp.dtype)];
        ++st.cases;
        if (!ok) ++st.failed;
        st.worst_ratio = std::max(st.worst_ratio, ratio);
        st.worst_abs_rel = std::max(st.worst_abs_rel, absrel);
    }
    unsetenv("KERNELHUB_CPU_ISA");
}

std::string fmt_label(const Spec &s) {
    char buf[256];
    std::string shape;
    if (s.varlen) {
        shape = "varlen[";
        for (size_t i = 0; i < s.lq.size(); ++i) {
            char t[32];
            std::snprintf(t, sizeof t, "%s%d/%d", i ? "," : "", s.lq[i], s.lk[i]);
            shape += t;
        }
        shape += "]";
    } else {
        std::snprintf(buf, sizeof buf, "b%d sq%d sk%d", s.batch, s.sq, s.sk);
        shape = buf;
    }
    std::snprintf(buf, sizeof buf, "%s d%d h%d/%d %s%s w(%d,%d)%s%s%s lay%d%d%d%d amp%.1f", dt_name(s.dtype), s.d,
                  s.hq, s.hkv, shape.c_str(), s.causal ? " causal" : "", s.wl, s.wr,
                  s.softcap > 0 ? " softcap" : "", s.seqlens_k.empty() ? "" : " seqlens_k", s.lse ? " lse" : "",
                  s.lq_layout, s.lkv_layout, s.lo_layout, s.llse_layout, s.amp);
    return buf;
}

/* ---- the grid -------------------------------------------------------------------------------- */
void grid_cases(bool quick) {
    const int dims_full[] = {32, 40, 64, 80, 96, 128, 160, 192, 256};
    const int dims_quick[] = {40, 128, 256};
    const int pairs[][2] = {{1, 239}, {113, 203}, {128, 128}, {1023, 1024}, {239, 1}};
    const int dtypes[] = {KH_DTYPE_F32, KH_DTYPE_F16, KH_DTYPE_BF16};
    const int heads[][2] = {{2, 2}, {4, 2}, {3, 1}, {2, 1}};
    uint64_t seed = 1000;
    std::vector<int> dims(quick ? std::begin(dims_quick) : std::begin(dims_full),
                          quick ? std::end(dims_quick) : std::end(dims_full));
    for (int d : dims)
        for (auto &pr : pairs)
            for (int causal = 0; causal < 2; ++causal)
                for (int dt : dtypes) {
                    if (quick && pr[0] == 1023 && dt != KH_DTYPE_BF16) continue;
                    Rng r(++seed);
                    Spec s;
                    s.seed = seed;
                    s.dtype = dt;
                    s.d = d;
                    s.sq = pr[0];
                    s.sk = pr[1];
                    const bool big = pr[0] >= 1000;
                    const int hsel = big ? (r.coin(0.5) ? 3 : 0) : r.range(0, 3);
                    s.hq = big ? (hsel == 3 ? 2 : 1) : heads[hsel][0];
                    s.hkv = big ? 1 : heads[hsel][1];
                    s.batch = big ? 1 : r.range(1, 2);
                    s.causal = causal;
                    if (r.coin(0.3)) {
                        const int opts[] = {-1, 0, 5, 64, 200};
                        s.wl = opts[r.range(0, 4)];
                        s.wr = causal ? (r.coin(0.5) ? 0 : -1) : opts[r.range(0, 4)];
                    }
                    if (r.coin(0.25)) s.softcap = r.coin(0.5) ? 5.0f : 30.0f;
                    if (r.coin(0.3)) {
                        s.seqlens_k.resize(s.batch);
                        for (int b = 0; b < s.batch; ++b) s.seqlens_k[b] = r.range(0, s.sk);
                    }
                    s.lse = r.coin(0.75);
                    s.lq_layout = r.range(0, 2);
                    s.lkv_layout = r.range(0, 2);
                    s.lo_layout = r.range(0, 2);
                    s.llse_layout = r.range(0, 2);
                    s.amp = r.coin(0.2) ? 3.0 : 1.0;
                    s.label = fmt_label(s);
                    run_spec(s);
                }
}

void feature_cases() {
    const int dtypes[] = {KH_DTYPE_F32, KH_DTYPE_F16, KH_DTYPE_BF16};
    uint64_t seed = 5000;
    auto go = [&](Spec s) {
        for (int dt : dtypes) {
            s.dtype = dt;
            s.seed = ++seed;
            s.label = fmt_label(s);
            run_spec(s);
        }
    };
    Spec s;
    /* odd head dims, D = 1 */
    for (int d : {1, 3, 17, 33, 127, 255}) {
        s = Spec();
        s.d = d; s.sq = 70; s.sk = 90; s.causal = d % 2; s.lo_layout = 2;
        go(s);
    }
    /* windows: left only, right only, both, (0,0), with shift != 0 */
    const int wins[][2] = {{16, -1}, {-1, 3}, {7, 9}, {0, 0}, {0, -1}, {100, 0}, {1, 1}};
    for (auto &w : wins)
        for (int causal = 0; causal < 2; ++causal) {
            if (causal && w[1] > 0) continue;
            s = Spec();
            s.d = 64; s.sq = 150; s.sk = 200; s.causal = causal; s.wl = w[0]; s.wr = w[1]; s.hq = 4; s.hkv = 2;
            go(s);
            s.sq = 200; s.sk = 150;
            go(s);
        }
    /* softcap with large scores */
    s = Spec();
    s.d = 128; s.sq = 130; s.sk = 260; s.softcap = 20.0f; s.amp = 2.5; s.causal = true;
    go(s);
    s.softcap = 0.5f; s.causal = false;
    go(s);
    /* large logits without softcap (exp range), custom scale */
    s = Spec();
    s.d = 64; s.sq = 100; s.sk = 100; s.amp = 4.0; s.scale = 0.5f;
    go(s);
    s.scale = -0.3f; /* negative scale is legal */
    go(s);
    /* MQA with many heads */
    s = Spec();
    s.d = 96; s.sq = 65; s.sk = 129; s.hq = 8; s.hkv = 1; s.causal = true;
    go(s);
    /* decode-like: all query heads of a kv head as rows of one item, blocks packed on the fly */
    s = Spec();
    s.d = 128; s.sq = 7; s.sk = 300; s.hq = 16; s.hkv = 2; s.causal = true; s.wl = 100;
    go(s);
    s.sq = 1; s.hq = 64; s.hkv = 1; s.wl = -1; s.causal = false; s.softcap = 15.0f; s.lo_layout = 2;
    go(s);
    s = Spec();
    s.d = 80; s.sq = 3; s.sk = 1000; s.hq = 4; s.hkv = 4; s.batch = 3; s.seqlens_k = {1000, 0, 513}; s.causal = true;
    go(s);
    /* padding: seqlens_k with zeros and full lengths, causal and window */
    s = Spec();
    s.d = 80; s.batch = 4; s.sq = 67; s.sk = 140; s.seqlens_k = {0, 140, 1, 77}; s.causal = true;
    go(s);
    s.causal = false; s.wl = 10; s.wr = 2; s.lq_layout = 1; s.lkv_layout = 2; s.lo_layout = 1; s.llse_layout = 2;
    go(s);
    /* varlen with empty sequences, seqlens_k (seqused) */
    s = Spec();
    s.varlen = true; s.d = 64; s.hq = 4; s.hkv = 2;
    s.lq = {0, 7, 130, 64, 1, 200};
    s.lk = {5, 0, 77, 300, 1, 130};
    s.batch = (int)s.lq.size();
    go(s);
    s.causal = true; s.lq_layout = 2; s.lkv_layout = 1; s.lo_layout = 2; s.llse_layout = 1;
    go(s);
    s.causal = false; s.wl = 20; s.wr = 5; s.softcap = 10.0f; s.lq_layout = 1; s.lkv_layout = 0; s.llse_layout = 2;
    go(s);
    s = Spec();
    s.varlen = true; s.d = 128; s.hq = 2; s.hkv = 1; s.causal = true;
    s.lq = {100, 33, 64}; s.lk = {300, 33, 10}; s.seqlens_k = {250, 0, 10};
    s.batch = 3;
    go(s);
    /* long rows, rows > block size and keys beyond one panel chunk */
    s = Spec();
    s.d = 64; s.sq = 300; s.sk = 2500; s.causal = true; s.hq = 2; s.hkv = 1; s.wl = 700;
    go(s);
    /* long rows in every dtype: errors must not grow with the number of keys */
    s = Spec();
    s.d = 64; s.sq = 1500; s.sk = 2500; s.hq = 2; s.hkv = 1;
    go(s);
    s.causal = true; s.amp = 2.0;
    go(s);
    /* no LSE */
    s = Spec();
    s.d = 40; s.sq = 33; s.sk = 45; s.lse = false;
    go(s);
}

/* ---- bad arguments --------------------------------------------------------------------------- */
void bad_argument_cases() {
    Spec s;
    s.d = 64; s.sq = 8; s.sk = 8; s.batch = 2; s.hq = 2; s.hkv = 1;
    s.label = "bad-args base";
    Prepared P;
    P.sp = s;
    prepare(P);
    RunResult R;
    kh_attention_args base;
    build_args(P, R, base);
    std::vector<int32_t> seqk = {4, 9};
    std::vector<int32_t> cu_bad = {0, 5, 3};
    std::vector<int32_t> cu_big = {0, 8, 17};
    std::vector<int32_t> cu_ok = {0, 8, 16};
    int32_t table[4] = {0, 1, 2, 3};
    struct M {
        const char *what;
        kh_status want;
        std::function<void(kh_attention_args &)> f;
    };
    const uint32_t sentinel = 0x7FC0BEEFu;
    std::vector<M> ms = {
        {"struct_size too small", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.struct_size = 8; }},
        {"q.data NULL", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.q.data = nullptr; }},
        {"k.data NULL", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.k.data = nullptr; }},
        {"out.data NULL", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.out.data = nullptr; }},
        {"q rank 3", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.q.rank = 3; }},
        {"q rank 9", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.q.rank = 9; }},
        {"k dtype f16", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.k.dtype = KH_DTYPE_F16; }},
        {"out dtype bf16", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.out.dtype = KH_DTYPE_BF16; }},
        {"q dtype i32", KH_ERR_UNSUPPORTED,
         [](kh_attention_args &a) { a.q.dtype = a.k.dtype = a.v.dtype = a.out.dtype = KH_DTYPE_I32; }},
        {"q dtype 77", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.q.dtype = 77; }},
        {"q last stride 2", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.q.strides[3] = 2; }},
        {"out last stride 2", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.out.strides[3] = 2; }},
        {"negative stride", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.k.strides[1] = -64; }},
        {"negative shape", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.v.shape[1] = -1; }},
        {"huge stride", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.q.strides[0] = INT64_MAX / 2; }},
        {"heads not divisible", KH_ERR_INVALID_ARGUMENT,
         [](kh_attention_args &a) { a.k.shape[2] = 3; a.v.shape[2] = 3; }},
        {"heads_kv 0", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.k.shape[2] = 0; a.v.shape[2] = 0; }},
        {"head dim 257", KH_ERR_UNSUPPORTED,
         [](kh_attention_args &a) { a.q.shape[3] = a.k.shape[3] = a.v.shape[3] = a.out.shape[3] = 257; }},
        {"head dim 0", KH_ERR_UNSUPPORTED,
         [](kh_attention_args &a) { a.q.shape[3] = a.k.shape[3] = a.v.shape[3] = a.out.shape[3] = 0; }},
        {"k head dim differs", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.k.shape[3] = 32; }},
        {"v shape differs", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.v.shape[1] = 7; }},
        {"out shape differs", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.out.shape[1] = 7; }},
        {"batch field differs", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.batch = 1; }},
        {"k batch differs", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.k.shape[0] = 1; a.v.shape[0] = 1; }},
        {"window_left -2", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.window_left = -2; }},
        {"window_right -5", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.window_right = -5; }},
        {"causal with window_right 4", KH_ERR_INVALID_ARGUMENT,
         [](kh_attention_args &a) { a.flags = KH_ATTN_CAUSAL; a.window_right = 4; }},
        {"softcap -1", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.softcap = -1.0f; }},
        {"softcap NaN", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.softcap = NAN; }},
        {"softcap inf", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.softcap = INFINITY; }},
        {"scale NaN", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.scale = NAN; }},
        {"scale inf", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.scale = -INFINITY; }},
        {"q on CUDA", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.q.device_kind = KH_DEVICE_CUDA; }},
        {"out on CUDA", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.out.device_kind = KH_DEVICE_CUDA; }},
        {"lse dtype f16", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.lse.dtype = KH_DTYPE_F16; }},
        {"lse shape", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.lse.shape[2] = 9; }},
        {"lse rank", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.lse.rank = 2; }},
        {"lse on CUDA", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.lse.device_kind = KH_DEVICE_CUDA; }},
        {"lse overlapping", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.lse.strides[2] = 0; }},
        {"out overlapping", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.out.strides[1] = 0; }},
        {"out overlapping 2", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.out.strides[2] = 32; }},
        {"seqlens_k > seq_k", KH_ERR_INVALID_ARGUMENT, [&](kh_attention_args &a) { a.seqlens_k = seqk.data(); }},
        {"seqlens_k < 0", KH_ERR_INVALID_ARGUMENT,
         [&](kh_attention_args &a) { seqk = {-1, 3}; a.seqlens_k = seqk.data(); }},
        {"only cu_seqlens_q", KH_ERR_INVALID_ARGUMENT, [&](kh_attention_args &a) { a.cu_seqlens_q = cu_ok.data(); }},
        {"varlen with rank-4 tensors", KH_ERR_INVALID_ARGUMENT,
         [&](kh_attention_args &a) { a.cu_seqlens_q = cu_ok.data(); a.cu_seqlens_k = cu_ok.data(); }},
        {"paged block_table", KH_ERR_UNSUPPORTED,
         [&](kh_attention_args &a) { a.block_table = table; a.page_size = 16; a.block_table_stride = 4; }},
        {"page_size only", KH_ERR_UNSUPPORTED, [&](kh_attention_args &a) { a.page_size = 16; }},
        {"unknown flag", KH_ERR_UNSUPPORTED, [](kh_attention_args &a) { a.flags = 1u << 7; }},
        {"max_seqlen_q < 0", KH_ERR_INVALID_ARGUMENT, [](kh_attention_args &a) { a.max_seqlen_q = -1; }},
    };
    for (auto &m : ms) {
        RunResult R2;
        kh_attention_args a;
        build_args(P, R2, a);
        seqk = {4, 9};
        m.f(a);
        char err[256];
        std::memset(err, 'x', sizeof err);
        const kh_status st = g_lib.fwd(&a, err, sizeof err);
        const bool terminated = std::memchr(err, '\0', sizeof err) != nullptr;
        CHECK(st == m.want, "%s: status %d, want %d (%s)", m.what, st, m.want, terminated ? err : "?");
        CHECK(terminated && std::strlen(err) > 5, "%s: no message", m.what);
        bool untouched = true;
        for (size_t o = 0; o < R2.out.nelem; ++o)
            if (R2.out.raw((int64_t)o) != sentinel) untouched = false;
        CHECK(untouched, "%s: out written although the call failed", m.what);
        if (g_verbose) std::printf("  bad-arg '%s' -> %d: %s\n", m.what, st, err);
    }
    /* varlen bad cu_seqlens (varlen tensors) */
    {
        Spec v;
        v.varlen = true; v.d = 32; v.hq = 2; v.hkv = 2; v.lq = {8, 8}; v.lk = {8, 8}; v.batch = 2;
        Prepared PV;
        PV.sp = v;
        prepare(PV);
        const std::vector<std::pair<const char *, std::function<void(kh_attention_args &)>>> vm = {
            {"cu_seqlens_q decreasing", [&](kh_attention_args &a) { a.cu_seqlens_q = cu_bad.data(); }},
            {"cu_seqlens_k beyond total", [&](kh_attention_args &a) { a.cu_seqlens_k = cu_big.data(); }},
            {"cu_seqlens_q beyond total", [&](kh_attention_args &a) { a.cu_seqlens_q = cu_big.data(); }},
            {"max_seqlen_q too small", [&](kh_attention_args &a) { a.max_seqlen_q = 4; }},
            {"seqused_k beyond sequence", [&](kh_attention_args &a) { seqk = {9, 1}; a.seqlens_k = seqk.data(); }},
            {"varlen lse rank 3", [&](kh_attention_args &a) { a.lse.rank = 3; }},
            {"varlen batch -1", [&](kh_attention_args &a) { a.batch = -1; }},
        };
        for (auto &m : vm) {
            RunResult R2;
            kh_attention_args a;
            build_args(PV, R2, a);
            m.second(a);
            char err[256] = {0};
            const kh_status st = g_lib.fwd(&a, err, sizeof err);
            CHECK(st == KH_ERR_INVALID_ARGUMENT, "%s: status %d (%s)", m.first, st, err);
            CHECK(std::strlen(err) > 5, "%s: no message", m.first);
            if (g_verbose) std::printf("  bad-arg '%s' -> %d: %s\n", m.first, st, err);
        }
        /* the base varlen call is fine */
        RunResult R2;
        kh_attention_args a;
        build_args(PV, R2, a);
        char err[256] = {0};
        CHECK(g_lib.fwd(&a, err, sizeof err) == KH_OK, "varlen base: %s", err);
    }
    /* NULL args, tiny / NULL error buffers */
    {
        char err[64] = {0};
        CHECK(g_lib.fwd(nullptr, err, sizeof err) == KH_ERR_INVALID_ARGUMENT && std::strlen(err) > 0, "NULL args");
        CHECK(g_lib.fwd(nullptr, nullptr, 0) == KH_ERR_INVALID_ARGUMENT, "NULL args, NULL err");
        kh_attention_args a = base;
        a.window_left = -7;
        char one[1] = {'x'};
        CHECK(g_lib.fwd(&a, one, 1) == KH_ERR_INVALID_ARGUMENT && one[0] == '\0', "err_cap 1");
        char small[16];
        std::memset(small, 'x', sizeof small);
        CHECK(g_lib.fwd(&a, small, 8) == KH_ERR_INVALID_ARGUMENT && std::strlen(small) == 7 && small[8] == 'x',
              "err_cap 8 respected");
        CHECK(g_lib.fwd(&a, nullptr, 100) == KH_ERR_INVALID_ARGUMENT, "NULL err with cap");
    }
    /* ISA forcing errors */
    {
        char err[256] = {0};
        setenv("KERNELHUB_CPU_ISA", "sse9", 1);
        RunResult R2;
        kh_attention_args a;
        build_args(P, R2, a);
        const kh_status st = g_lib.fwd(&a, err, sizeof err);
        CHECK(st != KH_OK && std::strstr(err, "KERNELHUB_CPU_ISA") != nullptr, "bogus ISA: %d %s", st, err);
        CHECK(std::strcmp(g_lib.isa(), "unavailable") == 0, "fa2_cpu_isa with bogus env: %s", g_lib.isa());
        CHECK(std::strcmp(g_lib.isa_last(), "none") == 0, "fa2_cpu_isa_last after a refused call: %s", g_lib.isa_last());
        unsetenv("KERNELHUB_CPU_ISA");
    }
    /* empty problems succeed and write nothing */
    {
        Spec e;
        e.d = 16; e.batch = 0; e.sq = 4; e.sk = 4;
        Prepared PE;
        PE.sp = e;
        prepare(PE);
        RunResult R2;
        kh_attention_args a;
        build_args(PE, R2, a);
        char err[256] = {0};
        CHECK(g_lib.fwd(&a, err, sizeof err) == KH_OK, "batch 0: %s", err);
        Spec e2;
        e2.d = 16; e2.batch = 2; e2.sq = 0; e2.sk = 5;
        Prepared PE2;
        PE2.sp = e2;
        prepare(PE2);
        build_args(PE2, R2, a);
        CHECK(g_lib.fwd(&a, err, sizeof err) == KH_OK, "seq_q 0: %s", err);
        Spec e3;
        e3.varlen = true; e3.d = 8; e3.lq = {}; e3.lk = {}; e3.batch = 0;
        Prepared PE3;
        PE3.sp = e3;
        prepare(PE3);
        build_args(PE3, R2, a);
        CHECK(g_lib.fwd(&a, err, sizeof err) == KH_OK, "varlen batch 0: %s", err);
    }
}

/* ---- threads: determinism and concurrent calls ---------------------------------------------- */
void thread_cases() {
    Spec s;
    s.d = 128; s.sq = 333; s.sk = 520; s.hq = 4; s.hkv = 2; s.causal = true; s.dtype = KH_DTYPE_BF16;
    s.seed = 77;
    s.label = "threads";
    Prepared P;
    P.sp = s;
    prepare(P);
    RunResult a1 = run_op(P);
    setenv("KERNELHUB_NUM_THREADS", "1", 1);
    RunResult a2 = run_op(P);
    unsetenv("KERNELHUB_NUM_THREADS");
    CHECK(a1.st == KH_OK && a2.st == KH_OK, "thread runs failed: %s %s", a1.msg.c_str(), a2.msg.c_str());
    CHECK(a1.out.buf == a2.out.buf && a1.lse.buf.size() == a2.lse.buf.size() &&
              std::memcmp(a1.lse.buf.data(), a2.lse.buf.data(), a1.lse.buf.size() * 4) == 0,
          "results differ between 1 thread and all threads");
    /* concurrent calls from 3 host threads */
    Spec s2 = s;
    s2.dtype = KH_DTYPE_F32; s2.causal = false; s2.seed = 78; s2.sq = 200;
    Prepared P2;
    P2.sp = s2;
    prepare(P2);
    std::atomic<int> bad{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 3; ++t)
        ts.emplace_back([&, t] {
            for (int rep = 0; rep < 4; ++rep) {
                Prepared &PP = (t % 2) ? P : P2;
                RunResult R = run_op(PP);
                double ratio, absrel;
                if (!compare(PP, R, "concurrent", &ratio, &absrel)) bad.fetch_add(1);
            }
        });
    for (auto &t : ts) t.join();
    CHECK(bad.load() == 0, "%d concurrent calls failed", bad.load());
    /* a child made by fork() after the pool exists must still work (fresh pool, no deadlock) */
    {
        std::fflush(stdout);
        const pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            RunResult R = run_op(P2);
            double ratio, absrel;
            _exit(compare(P2, R, "forked-child", &ratio, &absrel) ? 0 : 1);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "call in a forked child failed (status 0x%x)", status);
    }
}

/* ---- registration ---------------------------------------------------------------------------- */
void registration_checks() {
    CHECK(g_lib.abi() == KH_ABI_VERSION, "kh_abi_version %u", g_lib.abi());
    Recorded rec;
    kh_host host;
    std::memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_version = KH_ABI_VERSION;
    host.host_ctx = &rec;
    host.register_op = &record_op;
    host.log = &host_log;
    char err[256] = {0};
    CHECK(g_lib.reg(&host, err, sizeof err) == KH_OK, "kh_register: %s", err);
    CHECK(rec.ops.size() == 1, "registered %zu ops", rec.ops.size());
    if (!rec.ops.empty()) {
        const kh_op_desc &d = rec.ops[0];
        CHECK(d.struct_size == sizeof(kh_op_desc), "desc struct_size %u", d.struct_size);
        CHECK(rec.names[0] == "fwd", "name %s", rec.names[0].c_str());
        CHECK(d.is_default != 0, "is_default");
        CHECK(d.device_kind == KH_DEVICE_CPU, "device");
        CHECK(d.dtypes == ((1u << KH_DTYPE_F32) | (1u << KH_DTYPE_F16) | (1u << KH_DTYPE_BF16)), "dtypes %x", d.dtypes);
        CHECK(d.min_head_dim == 1 && d.max_head_dim == 256 && d.head_dim_multiple == 1, "head dims");
        const uint32_t want = KH_FEATURE_CAUSAL | KH_FEATURE_SLIDING_WINDOW | KH_FEATURE_SOFTCAP | KH_FEATURE_GQA |
                              KH_FEATURE_KEY_PADDING | KH_FEATURE_VARLEN | KH_FEATURE_LSE;
        CHECK(d.features == want, "features %x", d.features);
        CHECK(d.fn != nullptr, "fn");
        g_lib.fwd = d.fn;
    }
    /* a refusing host, bad host tables */
    Recorded refuse;
    refuse.answer = KH_ERR_INVALID_ARGUMENT;
    host.host_ctx = &refuse;
    CHECK(g_lib.reg(&host, err, sizeof err) != KH_OK && std::strlen(err) > 0, "refused registration");
    CHECK(g_lib.reg(nullptr, err, sizeof err) == KH_ERR_INVALID_ARGUMENT, "NULL host");
    kh_host h2 = host;
    h2.abi_version = 99;
    CHECK(g_lib.reg(&h2, err, sizeof err) != KH_OK, "wrong host ABI");
    h2 = host;
    h2.register_op = nullptr;
    CHECK(g_lib.reg(&h2, err, sizeof err) != KH_OK, "NULL register_op");
    const char *isa = g_lib.isa();
    CHECK(isa && (!std::strcmp(isa, "avx512bf16") || !std::strcmp(isa, "avx512") || !std::strcmp(isa, "avx2") ||
                  !std::strcmp(isa, "portable")),
          "fa2_cpu_isa %s", isa ? isa : "(null)");
    CHECK(std::strcmp(g_lib.isa_last(), "none") == 0, "fa2_cpu_isa_last before any call: %s", g_lib.isa_last());
    std::printf("fa2_cpu_isa() = %s; detail: %s\n", isa, g_lib.isa_detail ? g_lib.isa_detail() : "-");
}

} // namespace

int main(int argc, char **argv) {
    bool quick = false;
    const char *path = FA2_LIB_PATH;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--verbose")) g_verbose = true;
        else path = argv[i];
    }
    unsetenv("KERNELHUB_CPU_ISA");
    g_lib.h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!g_lib.h) {
        std::printf("FAIL: dlopen %s: %s\n", path, dlerror());
        return 2;
    }
    g_lib.abi = (abi_fn)dlsym(g_lib.h, "kh_abi_version");
    g_lib.reg = (reg_fn)dlsym(g_lib.h, "kh_register");
    g_lib.isa = (isa_fn)dlsym(g_lib.h, "fa2_cpu_isa");
    g_lib.isa_detail = (isa_fn)dlsym(g_lib.h, "fa2_cpu_isa_detail");
    g_lib.isa_last = (isa_fn)dlsym(g_lib.h, "fa2_cpu_isa_last");
    if (!g_lib.abi || !g_lib.reg || !g_lib.isa || !g_lib.isa_last) {
        std::printf("FAIL: missing exports\n");
        return 2;
    }
    registration_checks();
    if (!g_lib.fwd) return 2;

    /* every ISA path this CPU can run */
    for (const char *isa : {"avx512", "avx512-nobf16", "avx2", "portable"}) {
        setenv("KERNELHUB_CPU_ISA", isa, 1);
        if (std::strcmp(g_lib.isa(), "unavailable") != 0) {
            g_isas.push_back(isa);
            CHECK(expected_path(isa) == g_lib.isa(), "KERNELHUB_CPU_ISA=%s: fa2_cpu_isa() = %s, expected %s", isa,
                  g_lib.isa(), expected_path(isa).c_str());
        } else {
            std::printf("note: ISA path %s not available on this CPU, skipped\n", isa);
        }
    }
    unsetenv("KERNELHUB_CPU_ISA");
    std::printf("testing ISA paths:");
    for (auto &s : g_isas) std::printf(" %s", s.c_str());
    std::printf("\n");

    bad_argument_cases();
    thread_cases();
    feature_cases();
    grid_cases(quick);

    /* unloading: a host thread that used the op exits after dlclose (thread_local buffers), and
     * the pool's parked workers survive; the library pins itself, so nothing may crash */
    {
        Spec s;
        s.d = 64; s.sq = 100; s.sk = 100; s.seed = 9;
        s.label = "dlclose";
        Prepared P;
        P.sp = s;
        prepare(P);
        std::atomic<int> stage{0};
        std::thread t([&] {
            RunResult R = run_op(P);
            double ratio, absrel;
            if (!compare(P, R, "before-dlclose", &ratio, &absrel)) ++g_failures;
            stage = 1;
            while (stage.load() != 2) std::this_thread::yield();
        });
        while (stage.load() != 1) std::this_thread::yield();
        CHECK(dlclose(g_lib.h) == 0, "dlclose: %s", dlerror());
        stage = 2;
        t.join();
        CHECK(dlopen(path, RTLD_NOW | RTLD_NOLOAD) != nullptr, "the library should stay loaded (pinned)");
    }

    std::printf("\n%-22s %6s %6s %14s %18s\n", "isa/dtype", "cases", "failed", "max err/tol", "max err/max|ref|");
    for (auto &kv : g_stats)
        std::printf("%-22s %6d %6d %14.3f %18.3g\n", kv.first.c_str(), kv.second.cases, kv.second.failed,
                    kv.second.worst_ratio, kv.second.worst_abs_rel);
    std::printf("\n%d checks, %d failures\n", g_checks, g_failures);
    std::printf(g_failures ? "FAILED\n" : "PASSED\n");
    return g_failures ? 1 : 0;
}

/*
 * fa2_kernel_impl.h — the FlashAttention-2 forward tile loop, written once over an ISA traits
 * class and included by every kernel translation unit (fa2_isa_*.cpp), each compiled with its
 * own -m flags and its own namespace FA2_NS.
 *
 * A TU defines FA2_NS, includes fa2_scalar_impl.h, then defines (inside FA2_NS) `struct Isa`
 * with:
 *   W (floats per vector), R (rows per register block), S_NV / PV_NV (vectors per register
 *   block of the score / output microkernels), type V and the operations used below
 *   (zero, set1, load, store, fma, mul, max, hmax, hsum, neg_inf, exp2, tanh, mask_range,
 *   load_row, store_out_row, transpose_rows).
 *
 * Nothing here may use the C++ standard library (see fa2_internal.h).
 *
 * Algorithm (per work item = up to kBlockRows query rows of one query head):
 *   Q rows are converted once into a scratch panel. Key blocks of kBlockKeys keys, packed once
 *   per (sequence, kv head) by pack_kv_block (K transposed, V row-major), are visited only
 *   where the band of visible keys of the rows intersects them; inside a block, each group of
 *   R rows computes only the W-key vectors its band touches. S = Q K^T goes to a small f32
 *   tile; the online softmax (running max m and sum l per row, base-2 exponent with the scale
 *   folded in) turns it into P, masking only rows whose band cuts the computed range; then
 *   O = O * alpha + P V with the accumulators in registers. Finally out = O / l (rounded to
 *   nearest even in the dtype) and lse = ln(2) * m + ln(l).
 */
#ifndef FA2_NS
#error "define FA2_NS before including fa2_kernel_impl.h"
#endif

#include "fa2_internal.h"

namespace FA2_NS {

/* ---- the visible band of keys ------------------------------------------------------------- */
struct Band {  /* visible keys of row i: [lo(i), hi(i)], empty when lo > hi */
    int64_t sk, shift, wl, wr;
    inline int64_t lo(int64_t i) const { return wl >= 0 ? imax(0, i + shift - wl) : 0; }
    inline int64_t hi(int64_t i) const { return wr >= 0 ? imin(sk - 1, i + shift + wr) : sk - 1; }
};
static inline Band make_band(const Problem *p, const Seq *s) {
    Band b;
    b.sk = s->sk;
    b.shift = s->sk - s->sq;
    b.wl = p->wl;
    b.wr = p->wr;
    return b;
}

/* Rows of a work item: row r is query i0 + r / nh of query head hq0 + r % nh. */
struct RowMap {
    int64_t i0;
    int32_t hq0, nh;
    inline int64_t i(int r) const { return i0 + r / nh; }
    inline int32_t h(int r) const { return hq0 + r % nh; }
};

/* Dispatches a run-time row count 1..MAXR to a compile-time one. */
template <int MAXR, class F> static inline void dispatch_rows(int rg, F f) {
    switch (rg) {
    case 1: f(IC<1>()); break;
    case 2: if constexpr (MAXR >= 2) f(IC<2>()); break;
    case 3: if constexpr (MAXR >= 3) f(IC<3>()); break;
    case 4: if constexpr (MAXR >= 4) f(IC<4>()); break;
    case 5: if constexpr (MAXR >= 5) f(IC<5>()); break;
    case 6: if constexpr (MAXR >= 6) f(IC<6>()); break;
    case 7: if constexpr (MAXR >= 7) f(IC<7>()); break;
    case 8: if constexpr (MAXR >= 8) f(IC<8>()); break;
    default: break;
    }
}
template <int MAXN, class F> static inline void dispatch_vecs(int nv, F f) {
    switch (nv) {
    case 1: f(IC<1>()); break;
    case 2: if constexpr (MAXN >= 2) f(IC<2>()); break;
    case 3: if constexpr (MAXN >= 3) f(IC<3>()); break;
    case 4: if constexpr (MAXN >= 4) f(IC<4>()); break;
    case 5: if constexpr (MAXN >= 5) f(IC<5>()); break;
    case 6: if constexpr (MAXN >= 6) f(IC<6>()); break;
    case 7: if constexpr (MAXN >= 7) f(IC<7>()); break;
    case 8: if constexpr (MAXN >= 8) f(IC<8>()); break;
    default: break;
    }
}

static inline const char *row_ptr(const void *base, int dtype, int64_t off) {
    return (const char *)base + off * (int64_t)esize(dtype);
}

/* ---- f32 policy: Q, K, V widened to f32 (f32, f16, and bf16 without AVX512_BF16) ---------- */
struct PolF32 {
    static constexpr int W = Isa::W;
    static constexpr int BK = kBlockKeys;
    typedef float PElem;
    struct VRef {
        const float *ptr; /* row j of the key block at ptr + j * ld */
        int64_t ld;
    };

    static inline int dpad(const Problem *p) { return (int)round_up(p->d, W); }
    /* V is always packed: reading f32 V rows in place (one page per key in BSHD layouts) measured
     * 7% (AVX-512) to 35% (AVX2) slower than packing them, TLB misses included */
    static inline size_t kv_block_bytes(const Problem *p) {
        return ((size_t)p->d * BK + (size_t)BK * dpad(p)) * sizeof(float);
    }
    static inline int ldq(const Problem *p) { return p->d; }
    static inline size_t qbuf_bytes(const Problem *p) { return (size_t)kBlockRows * p->d * sizeof(float); }

    static void pack_kv_block(const Problem *p, const Seq *s, int32_t hkv, int64_t kb, void *dst) {
        const int d = p->d, dp = dpad(p);
        float *kt = (float *)dst;
        const int64_t j0 = kb * BK;
        const int nvalid = (int)imax(0, imin(BK, s->sk - j0));
        /* K: W keys at a time widened into rows, then transposed into the [d][BK] panel */
        float tmp[W * 256];
        for (int jj = 0; jj < BK; jj += W) {
            const int n = (int)imax(0, imin(W, nvalid - jj));
            for (int j = 0; j < n; ++j) {
                const char *kr = row_ptr(p->k, p->dtype, s->k_off + (j0 + jj + j) * p->k_ss + hkv * p->k_sh);
                Isa::load_row(kr, p->dtype, d, tmp + (size_t)j * d);
            }
            Isa::transpose_rows(tmp, d, n, kt + jj, BK);
        }
        /* V: rows widened, head dim zero-padded to a whole vector, keys past the end zero */
        float *vb = kt + (size_t)d * BK;
        for (int j = 0; j < BK; ++j) {
            float *vd = vb + (size_t)j * dp;
            if (j < nvalid) {
                const char *vr = row_ptr(p->v, p->dtype, s->v_off + (j0 + j) * p->v_ss + hkv * p->v_sh);
                Isa::load_row(vr, p->dtype, d, vd);
                for (int c = d; c < dp; ++c) vd[c] = 0.0f;
            } else {
                memset(vd, 0, sizeof(float) * dp);
            }
        }
    }

    static inline VRef v_ref(const Problem *p, const Seq *, int32_t, int64_t, const void *blk) {
        VRef r;
        r.ptr = (const float *)blk + (size_t)p->d * BK;
        r.ld = dpad(p);
        return r;
    }

    static inline void pack_q(const Problem *p, const Seq *s, const RowMap &rm, int nrows, void *qbuf) {
        float *q = (float *)qbuf;
        for (int r = 0; r < nrows; ++r) {
            const char *src = row_ptr(p->q, p->dtype, s->q_off + rm.i(r) * p->q_ss + (int64_t)rm.h(r) * p->q_sh);
            Isa::load_row(src, p->dtype, p->d, q + (size_t)r * p->d);
        }
    }

    /* S[r][v0*W ..) = mul * q_r . k_j for R rows and NV vectors of keys; vmax[r] = max(vmax[r], S) */
    template <int R, int NV>
    static inline void s_kernel(const float *__restrict q, int ldq, const float *__restrict kt, int d,
                                float *__restrict s, float *__restrict vmax, int v0, typename Isa::V mul) {
        typename Isa::V acc[R][NV];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) acc[r][n] = Isa::zero();
        const float *kp = kt + v0 * W;
        for (int c = 0; c < d; ++c) {
            typename Isa::V kv[NV];
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) kv[n] = Isa::load(kp + (size_t)c * BK + n * W);
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                const typename Isa::V qb = Isa::set1(q[(size_t)r * ldq + c]);
#pragma GCC unroll 8
                for (int n = 0; n < NV; ++n) acc[r][n] = Isa::fma(qb, kv[n], acc[r][n]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            typename Isa::V m = Isa::load(vmax + r * W);
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) {
                const typename Isa::V x = Isa::mul(acc[r][n], mul);
                Isa::store(s + (size_t)r * BK + (v0 + n) * W, x);
                m = Isa::max(m, x);
            }
            Isa::store(vmax + r * W, m);
        }
    }

    template <int R>
    static inline void s_group(const Problem *p, const void *qbuf, int r0, const void *kvblock, float *sbuf,
                               float *vmax, int vlo, int vhi, float mul) {
        const int ld = ldq(p);
        const float *q = (const float *)qbuf + (size_t)r0 * ld;
        const float *kt = (const float *)kvblock;
        float *s = sbuf + (size_t)r0 * BK;
        const typename Isa::V vm = Isa::set1(mul);
        for (int v = vlo; v < vhi; v += Isa::S_NV) {
            const int nv = (int)imin(Isa::S_NV, vhi - v);
            dispatch_vecs<Isa::S_NV>(nv, [&](auto icn) {
                s_kernel<R, decltype(icn)::value>(q, ld, kt, p->d, s, vmax + r0 * W, v, vm);
            });
        }
    }

    static inline void store_p(PElem *pbuf, int r, int v, typename Isa::V x) {
        Isa::store(pbuf + (size_t)r * BK + v * W, x);
    }

    template <int R, int NV>
    static inline void pv_kernel(const float *__restrict pr, const float *__restrict vb, int64_t ldv, int dp,
                                 float *__restrict o, const float *__restrict alpha, int ja, int jb, int c0) {
        typename Isa::V acc[R][NV];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) acc[r][n] = Isa::zero();
        const float *vp = vb + c0;
        for (int j = ja; j < jb; ++j) {
            typename Isa::V vv[NV];
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) vv[n] = Isa::load(vp + j * ldv + n * W);
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) {
                const typename Isa::V pb = Isa::set1(pr[(size_t)r * BK + j]);
#pragma GCC unroll 8
                for (int n = 0; n < NV; ++n) acc[r][n] = Isa::fma(pb, vv[n], acc[r][n]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const typename Isa::V a = Isa::set1(alpha[r]);
#pragma GCC unroll 8
            for (int n = 0; n < NV; ++n) {
                float *op = o + (size_t)r * dp + c0 + n * W;
                Isa::store(op, Isa::fma(Isa::load(op), a, acc[r][n]));
            }
        }
    }

    /* O[r0 .. r0+R) = O * alpha + P[.., ja..jb) V[ja..jb); keys >= jvalid do not exist */
    template <int R>
    static inline void pv_group(const Problem *p, const PElem *pbuf, int r0, const VRef &vr, float *obuf,
                                const float *alpha, int ja, int jb, int jvalid) {
        const int dp = dpad(p);
        const float *pr = pbuf + (size_t)r0 * BK;
        float *o = obuf + (size_t)r0 * dp;
        const int nvec = dp / W;
        if (jb > jvalid) jb = jvalid; /* P is 0 past the last key: skip that work */
        for (int c = 0; c < nvec; c += Isa::PV_NV) {
            const int nv = (int)imin(Isa::PV_NV, nvec - c);
            dispatch_vecs<Isa::PV_NV>(nv, [&](auto icn) {
                pv_kernel<R, decltype(icn)::value>(pr, vr.ptr, vr.ld, dp, o, alpha + r0, ja, jb, c * W);
            });
        }
    }
};

/* ---- the driver --------------------------------------------------------------------------- */
template <class Pol> struct Driver {
    static constexpr int W = Isa::W;
    static constexpr int BK = kBlockKeys;
    static constexpr int BR = kBlockRows;
    static constexpr int NVB = BK / W;
    static constexpr int R = Isa::R;
    static constexpr int NG = (BR + R - 1) / R;
    typedef typename Isa::V V;

    struct Layout {
        size_t q, s, pb, o, vmax, lvec, m, alpha, ri, kv, total;
    };
    static inline Layout layout(const Problem *p) {
        Layout L;
        size_t off = 0;
        L.q = off; off += align64(Pol::qbuf_bytes(p));
        L.s = off; off += align64((size_t)BR * BK * sizeof(float));
        L.pb = off; off += align64((size_t)BR * BK * sizeof(typename Pol::PElem));
        L.o = off; off += align64((size_t)BR * round_up(p->d, W) * sizeof(float));
        L.vmax = off; off += align64((size_t)BR * W * sizeof(float));
        L.lvec = off; off += align64((size_t)BR * W * sizeof(float));
        L.m = off; off += align64(BR * sizeof(float));
        L.alpha = off; off += align64(BR * sizeof(float));
        L.ri = off; off += align64(BR * sizeof(int64_t));
        L.kv = off; off += align64(Pol::kv_block_bytes(p)); /* one key block packed on the fly */
        L.total = off;
        return L;
    }
    static size_t scratch_bytes(const Problem *p) { return layout(p).total; }
    static size_t kv_block_bytes(const Problem *p) { return Pol::kv_block_bytes(p); }
    static void pack_kv_block(const Problem *p, const Seq *s, int32_t hkv, int64_t kb, void *dst) {
        Pol::pack_kv_block(p, s, hkv, kb, dst);
    }

    static void compute_rows(const Problem *p, const Seq *s, int32_t hq0, int32_t nh, int64_t i0, int32_t nq,
                             const void *panel, int64_t kb0, int64_t nkb, void *scratch) {
        const Layout L = layout(p);
        char *sc = (char *)scratch;
        void *qbuf = sc + L.q;
        float *sbuf = (float *)(sc + L.s);
        typename Pol::PElem *pbuf = (typename Pol::PElem *)(sc + L.pb);
        float *obuf = (float *)(sc + L.o);
        float *vmax = (float *)(sc + L.vmax);  /* [BR][W] block max per row (vector) */
        float *lvec = (float *)(sc + L.lvec);  /* [BR][W] running sum per row (vector) */
        float *mrow = (float *)(sc + L.m);     /* running max per row (base-2 domain) */
        float *alpha = (float *)(sc + L.alpha);
        int64_t *ri = (int64_t *)(sc + L.ri);  /* query index of each row */
        char *kvtmp = sc + L.kv;
        const int d = p->d;
        const int dp = (int)round_up(d, W);
        const Band band = make_band(p, s);
        const size_t bbytes = Pol::kv_block_bytes(p);
        const float neg_inf = -__builtin_inff();
        const int32_t hkv = hq0 / p->group;
        const RowMap rm = {i0, hq0, nh};
        const int nrows = nq * nh;

        Pol::pack_q(p, s, rm, nrows, qbuf);
        memset(obuf, 0, sizeof(float) * (size_t)nrows * dp);
        memset(lvec, 0, sizeof(float) * (size_t)nrows * W);
        for (int r = 0; r < nrows; ++r) {
            mrow[r] = neg_inf;
            ri[r] = rm.i(r);
        }

        /* S is stored as scale * log2(e) * q.k (base-2 softmax), or scale * q.k under softcap,
         * which the softmax pass maps to softcap * log2(e) * tanh(S / softcap). */
        const bool softcap = p->softcap > 0.0f;
        const float mul_s = softcap ? p->scale : p->scale * kLog2e;
        const float cap_in = softcap ? 1.0f / p->softcap : 0.0f;
        const float cap_out = softcap ? p->softcap * kLog2e : 0.0f;

        const int64_t ifirst = i0, ilast = i0 + nq - 1; /* rows are ordered by query */
        const int64_t klo = band.lo(ifirst), khi = band.hi(ilast);
        int vlo[NG], vhi[NG];
        if (klo <= khi) {
            const int64_t kbs = klo / BK, kbe = khi / BK;
            for (int64_t kb = kbs; kb <= kbe; ++kb) {
                const char *blk;
                if (panel != nullptr) {
                    if (kb < kb0 || kb >= kb0 + nkb) continue; /* cannot happen: the packed range covers */
                    blk = (const char *)panel + (size_t)(kb - kb0) * bbytes;
                } else {
                    Pol::pack_kv_block(p, s, hkv, kb, kvtmp);
                    blk = kvtmp;
                }
                const int64_t j0 = kb * BK;
                const int64_t jend = imin(j0 + BK, band.sk); /* exclusive */
                const bool full = j0 + BK <= band.sk && band.lo(ilast) <= j0 && band.hi(ifirst) >= j0 + BK - 1;
                /* scores, only on the key vectors each row group's band touches */
                for (int g = 0, r0 = 0; r0 < nrows; ++g, r0 += R) {
                    const int rg = (int)imin(R, nrows - r0);
                    int a = 0, b = NVB;
                    if (!full) {
                        const int64_t ga = imax(band.lo(ri[r0]), j0);
                        const int64_t gb = imin(band.hi(ri[r0 + rg - 1]), jend - 1);
                        if (ga > gb) {
                            a = b = 0;
                        } else {
                            a = (int)((ga - j0) / W);
                            b = (int)((gb - j0) / W + 1);
                        }
                    }
                    vlo[g] = a;
                    vhi[g] = b;
                    if (a < b) {
                        for (int r = r0; r < r0 + rg; ++r) Isa::store(vmax + r * W, Isa::neg_inf());
                        dispatch_rows<R>(rg, [&](auto icr) {
                            Pol::template s_group<decltype(icr)::value>(p, qbuf, r0, blk, sbuf, vmax, a, b, mul_s);
                        });
                    }
                }
                /* online softmax: P = 2^(S - m_new), l = l * 2^(m_old - m_new) + rowsum(P) */
                for (int g = 0, r0 = 0; r0 < nrows; ++g, r0 += R) {
                    const int rg = (int)imin(R, nrows - r0);
                    const int a = vlo[g], b = vhi[g];
                    if (a >= b) continue;
                    for (int r = r0; r < r0 + rg; ++r) {
                        const int64_t i = ri[r];
                        const int64_t rlo = band.lo(i), rhi = band.hi(i);
                        const bool mask = !(rlo <= j0 + a * W && rhi >= j0 + b * W - 1);
                        float *srow = sbuf + (size_t)r * BK;
                        float bmax;
                        if (mask || softcap) {
                            const int mlo = (int)imax(-1, imin(BK, rlo - j0));
                            const int mhi = (int)imax(-1, imin(BK, rhi - j0));
                            const V vin = Isa::set1(cap_in), vout = Isa::set1(cap_out);
                            V vm = Isa::neg_inf();
                            for (int v = a; v < b; ++v) {
                                V x = Isa::load(srow + v * W);
                                if (softcap) x = Isa::mul(Isa::tanh(Isa::mul(x, vin)), vout);
                                if (mask) x = Isa::mask_range(x, mlo - v * W, mhi - v * W);
                                Isa::store(srow + v * W, x);
                                vm = Isa::max(vm, x);
                            }
                            bmax = Isa::hmax(vm);
                        } else {
                            bmax = Isa::hmax(Isa::load(vmax + r * W));
                        }
                        const float mold = mrow[r];
                        const float mnew = bmax > mold ? bmax : mold;
                        const float muse = mnew == neg_inf ? 0.0f : mnew;
                        const V vmu = Isa::set1(muse);
                        V vsum = Isa::zero();
                        for (int v = a; v < b; ++v) {
                            const V e = Isa::exp2(Isa::sub(Isa::load(srow + v * W), vmu));
                            vsum = Isa::add(vsum, e);
                            Pol::store_p(pbuf, r, v, e);
                        }
                        const V va = Isa::exp2(Isa::set1(mold - muse)); /* 0 while m_old = -inf */
                        Isa::store(lvec + r * W, Isa::fma(Isa::load(lvec + r * W), va, vsum));
                        alpha[r] = Isa::first(va);
                        mrow[r] = mnew;
                    }
                }
                /* O = O * alpha + P V */
                const typename Pol::VRef vr = Pol::v_ref(p, s, hkv, kb, blk);
                const int jvalid = (int)(jend - j0);
                for (int g = 0, r0 = 0; r0 < nrows; ++g, r0 += R) {
                    const int rg = (int)imin(R, nrows - r0);
                    if (vlo[g] >= vhi[g]) continue;
                    const int ja = vlo[g] * W, jb = vhi[g] * W;
                    dispatch_rows<R>(rg, [&](auto icr) {
                        Pol::template pv_group<decltype(icr)::value>(p, pbuf, r0, vr, obuf, alpha, ja, jb, jvalid);
                    });
                }
            }
        }

        /* out = O / l, lse = ln2 * m + ln(l) */
        for (int r = 0; r < nrows; ++r) {
            const int64_t i = ri[r];
            const int64_t hq = rm.h(r);
            char *dst = (char *)p->out + (s->o_off + i * p->o_ss + hq * p->o_sh) * (int64_t)esize(p->dtype);
            const float l = Isa::hsum(Isa::load(lvec + r * W));
            if (l == 0.0f) { /* no visible key */
                memset(dst, 0, esize(p->dtype) * (size_t)d);
                if (p->lse) p->lse[s->lse_off + hq * p->lse_sh + i * p->lse_si] = neg_inf;
                continue;
            }
            Isa::store_out_row(obuf + (size_t)r * dp, l, d, p->dtype, dst);
            if (p->lse) {
                const double lse = kLn2 * (double)mrow[r] + log((double)l);
                p->lse[s->lse_off + hq * p->lse_sh + i * p->lse_si] = (float)lse;
            }
        }
    }
};

template <class Pol> static const fa2::Kernels *make_table(const char *name) {
    static const fa2::Kernels t = {name, &Driver<Pol>::kv_block_bytes, &Driver<Pol>::pack_kv_block,
                                   &Driver<Pol>::scratch_bytes, &Driver<Pol>::compute_rows};
    return &t;
}

} // namespace FA2_NS

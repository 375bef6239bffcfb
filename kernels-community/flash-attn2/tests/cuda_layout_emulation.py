#!/usr/bin/env python3
"""Emulates the CUDA kernel's index logic in float64, without a GPU.

src/cuda/fa2_kernel.cuh moves data through ldmatrix (plain and .trans), mma.sync m16n8k16
fragments, an XOR-swizzled shared-memory layout, a cp.async double buffer and register-level
online softmax. This script replays exactly those index computations (swizzle, lane -> address
mapping of every ldmatrix, fragment layouts of A/B/C as the PTX ISA documents them, P reused as
an A operand, the band mask with its "full block" fast path, zero-filled padding) on the CPU and
compares the result with a direct float64 attention. It checks the kernel's bookkeeping, not the
hardware: rounding to f16/bf16 is not modelled. Keep it in step with fa2_kernel.cuh (the
functions below mirror the kernel's, name for name).

Exit status 0 when every case matches the reference to 1e-12, 1 otherwise.
"""
import math
import sys

import numpy as np


def swz(DS,row,col):
    ch=col>>3; return row*DS+(((ch&~7)|((ch^row)&7))<<3)
def ldm(sm,DS,addrs,trans):  # addrs: 32 element offsets; returns regs[lane][4] each (lo,hi)
    out=[[None]*4 for _ in range(32)]
    for m in range(4):
        rows=[sm[addrs[8*m+r]:addrs[8*m+r]+8] for r in range(8)]
        M=np.array(rows)
        if trans: M=M.T
        for lane in range(32):
            out[lane][m]=(M[lane//4][2*(lane%4)],M[lane//4][2*(lane%4)+1])
    return out
def mma(c,a,b0,b1):  # c[lane][4], a[lane][4] pairs, b pairs
    A=np.zeros((16,16));B=np.zeros((16,8))
    for l in range(32):
        g,t=l//4,l%4
        A[g,2*t:2*t+2]=a[l][0];A[g+8,2*t:2*t+2]=a[l][1];A[g,8+2*t:8+2*t+2]=a[l][2];A[g+8,8+2*t:8+2*t+2]=a[l][3]
        B[2*t:2*t+2,g]=b0[l];B[8+2*t:8+2*t+2,g]=b1[l]
    C=A@B
    for l in range(32):
        g,t=l//4,l%4
        c[l][0]+=C[g,2*t];c[l][1]+=C[g,2*t+1];c[l][2]+=C[g+8,2*t];c[l][3]+=C[g+8,2*t+1]
def load_tile(sm,off,DK,DS,ROWS,src,row0,limit,d):
    for c in range(ROWS*(DK//8)):
        r,ch=c//(DK//8),c%(DK//8); gr=row0+r
        ok=gr<limit and ch*8<d
        dst=off+swz(DS,r,ch*8)
        sm[dst:dst+8]=src[gr,ch*8:ch*8+8] if ok else 0
def kernel(Q,K,V,DK,BN,wl,wr,softcap,scale):
    lq,d=Q.shape; lk=K.shape[0]; BM=64; DS=(DK+63)//64*64; NT=BN//8; DT=DK//8
    O=np.zeros((lq,d)); LSE=np.full(lq,np.nan)
    for m0 in range(0,lq,BM):
        sm=np.zeros((BM+4*BN)*DS); sQ=0;sK=BM*DS;sV=sK+2*BN*DS
        shift=lk-lq
        lo_of=lambda i: max(0,i+shift-wl) if wl>=0 else 0
        hi_of=lambda i: min(lk-1,i+shift+wr) if wr>=0 else lk-1
        last_row=min(m0+BM,lq)-1; klo=lo_of(m0);khi=hi_of(last_row)
        nb_lo=klo//BN; nb_hi= khi//BN if khi>=klo else nb_lo-1
        W=[dict(acc_o=[[[0.]*4 for _ in range(DT)] for _ in range(32)],m=[[-math.inf]*2 for _ in range(32)],l=[[0.]*2 for _ in range(32)]) for _ in range(4)]
        if nb_lo<=nb_hi:
            load_tile(sm,sQ,DK,DS,BM,Q,m0,lq,d);load_tile(sm,sK,DK,DS,BN,K,nb_lo*BN,lk,d);load_tile(sm,sV,DK,DS,BN,V,nb_lo*BN,lk,d)
        for nb in range(nb_lo,nb_hi+1):
            st=(nb-nb_lo)&1
            if nb<nb_hi:
                load_tile(sm,sK+(st^1)*BN*DS,DK,DS,BN,K,(nb+1)*BN,lk,d);load_tile(sm,sV+(st^1)*BN*DS,DK,DS,BN,V,(nb+1)*BN,lk,d)
            sKa=sK+st*BN*DS;sVa=sV+st*BN*DS
            for warp in range(4):
                w=W[warp]
                acc_s=[[[0.]*4 for _ in range(NT)] for _ in range(32)]
                for kk in range(DK//16):
                    a=ldm(sm,DS,[sQ+swz(DS,warp*16+l%16,kk*16+(l//16)*8) for l in range(32)],False)
                    for t in range(0,NT,2):
                        b=ldm(sm,DS,[sKa+swz(DS,t*8+(l//16)*8+l%8,kk*16+((l//8)%2)*8) for l in range(32)],False)
                        c0=[acc_s[l][t] for l in range(32)];c1=[acc_s[l][t+1] for l in range(32)]
                        mma(c0,a,[b[l][0] for l in range(32)],[b[l][1] for l in range(32)])
                        mma(c1,a,[b[l][2] for l in range(32)],[b[l][3] for l in range(32)])
                j0=nb*BN
                full= j0>=lo_of(last_row) and j0+BN-1<=hi_of(m0) and j0+BN<=lk
                mx=[[-math.inf]*2 for _ in range(32)]
                for l in range(32):
                    g,tig=l//4,l%4; ra=m0+warp*16+g; rb=ra+8
                    for t in range(NT):
                        for e in range(4):
                            row=ra if e<2 else rb; j=j0+t*8+tig*2+(e&1); s=acc_s[l][t][e]
                            s= softcap*math.tanh(s*scale/softcap)*1.4426950408889634 if softcap>0 else s*scale*1.4426950408889634
                            if not full and (j<lo_of(row) or j>hi_of(row) or j>=lk): s=-math.inf
                            acc_s[l][t][e]=s; mx[l][e>>1]=max(mx[l][e>>1],s)
                for r in range(2):
                    for base in range(0,32,4):
                        v=max(mx[base+i][r] for i in range(4))
                        for i in range(4): mx[base+i][r]=v
                corr=[[0]*2 for _ in range(32)]
                for l in range(32):
                    for r in range(2):
                        mn=max(w['m'][l][r],mx[l][r]); mu=0. if mn==-math.inf else mn
                        corr[l][r]=2**(w['m'][l][r]-mu) if w['m'][l][r]!=-math.inf else 0.
                        w['m'][l][r]=mn; mx[l][r]=mu
                    sm_=[0.,0.]
                    for t in range(NT):
                        for e in range(4):
                            pe=2**(acc_s[l][t][e]-mx[l][e>>1]) if acc_s[l][t][e]!=-math.inf else 0.
                            acc_s[l][t][e]=pe; sm_[e>>1]+=pe
                    for r in range(2): w['l'][l][r]=w['l'][l][r]*corr[l][r]+sm_[r]
                    for t in range(DT):
                        for e in range(4): w['acc_o'][l][t][e]*=corr[l][e>>1]
                for kv in range(BN//16):
                    a=[[ (acc_s[l][2*kv][0],acc_s[l][2*kv][1]),(acc_s[l][2*kv][2],acc_s[l][2*kv][3]),(acc_s[l][2*kv+1][0],acc_s[l][2*kv+1][1]),(acc_s[l][2*kv+1][2],acc_s[l][2*kv+1][3])] for l in range(32)]
                    for t in range(0,DT,2):
                        b=ldm(sm,DS,[sVa+swz(DS,kv*16+l%16,t*8+(l//16)*8) for l in range(32)],True)
                        c0=[w['acc_o'][l][t] for l in range(32)];c1=[w['acc_o'][l][t+1] for l in range(32)]
                        mma(c0,a,[b[l][0] for l in range(32)],[b[l][1] for l in range(32)])
                        mma(c1,a,[b[l][2] for l in range(32)],[b[l][3] for l in range(32)])
        for warp in range(4):
            w=W[warp]
            for r in range(2):
                for base in range(0,32,4):
                    v=sum(w['l'][base+i][r] for i in range(4))
                    for i in range(4): w['l'][base+i][r]=v
            for l in range(32):
                g,tig=l//4,l%4
                for r in range(2):
                    row=m0+warp*16+g+8*r
                    if row>=lq: continue
                    L=w['l'][l][r]; inv=1/L if L>0 else 0
                    for t in range(DT):
                        col=t*8+tig*2
                        if col<d: O[row,col]=w['acc_o'][l][t][2*r]*inv;O[row,col+1]=w['acc_o'][l][t][2*r+1]*inv
                    if tig==0: LSE[row]=w['m'][l][r]*0.6931471805599453+math.log(L) if L>0 else -math.inf
    return O,LSE
def ref(Q,K,V,wl,wr,softcap,scale):
    lq,lk=Q.shape[0],K.shape[0];shift=lk-lq
    S=Q@K.T*scale
    if softcap>0: S=softcap*np.tanh(S/softcap)
    O=np.zeros((lq,Q.shape[1]));L=np.full(lq,-math.inf)
    for i in range(lq):
        vis=[j for j in range(lk) if (wl<0 or j>=i+shift-wl) and (wr<0 or j<=i+shift+wr)]
        if not vis: continue
        s=S[i,vis];m=s.max();p=np.exp(s-m);O[i]=p@V[vis]/p.sum();L[i]=m+math.log(p.sum())
    return O,L


def main():
    rng = np.random.default_rng(0)
    # (len_q, len_k, head dim, kernel head dim DK, keys per block BN, window left, window right, softcap)
    cases = [(64, 64, 72, 96, 64, -1, -1, 0.), (70, 130, 64, 64, 64, -1, 0, 0.), (100, 40, 40, 64, 64, -1, 0, 0.),
             (33, 200, 128, 128, 64, 20, 3, 5.), (65, 97, 200, 256, 32, -1, -1, 0.), (130, 70, 24, 64, 64, 10, 0, 0.),
             (5, 300, 8, 64, 64, -1, -1, 30.)]
    worst = 0.0
    for lq, lk, d, DK, BN, wl, wr, sc in cases:
        Q, K, V = (rng.standard_normal((n, d)) for n in (lq, lk, lk))
        scale = 1 / math.sqrt(d)
        O, L = kernel(Q, K, V, DK, BN, wl, wr, sc, scale)
        Or, Lr = ref(Q, K, V, wl, wr, sc, scale)
        both_inf = np.isinf(Lr) & np.isinf(L)
        lse_err = float(np.max(np.abs(np.where(both_inf, 0.0, L - np.where(both_inf, 0.0, Lr))))) if lq else 0.0
        err = max(float(np.abs(O - Or).max()), lse_err)
        worst = max(worst, err)
        print(f"len_q={lq} len_k={lk} d={d} kernel d={DK} BN={BN} window=({wl},{wr}) softcap={sc}: max error {err:.2e}")
    ok = worst < 1e-12
    print("emulation matches the float64 reference" if ok else f"MISMATCH: max error {worst:.3e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PyTorch SDPA on CUDA, the GPU peer of `kernelhub bench --device cuda --peer sdpa-flash|sdpa-cudnn`.

One JSON line per (seq, causal): median milliseconds of one call over --iters calls timed with CUDA
events after --warmup calls, and GFLOP/s with FLOPs = 4 * head_dim * heads * batch * unmasked
query-key pairs (causal: seq_q = seq_k, top-left = bottom-right, seq*(seq+1)/2 pairs per head).
--seq-k (default: seq_q) and --kv-heads (default: heads) give decoding shapes such as one query
over 8192 keys with 32 query heads on 8 K/V heads: GQA through enable_gqa where this PyTorch has it,
else K/V repeated per query head before timing. Layout: PyTorch's [batch, heads, seq, head_dim].
"""
import argparse
import json
import statistics

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
import torch.nn.functional as F

BACKENDS = {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION,
            "efficient": SDPBackend.EFFICIENT_ATTENTION}


def pairs(seq_q, seq_k, causal):
    return seq_q * (seq_q + 1) // 2 if causal else seq_q * seq_k


def gqa_call(q, k, v, causal):
    """SDPA with K/V heads shared by groups of query heads, however this PyTorch and backend allow:
    returns the call and how GQA is done ("none", "native" or "repeated")."""
    if k.shape[1] == q.shape[1]:
        return (lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)), "none"
    try:
        F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
        return (lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)), "native"
    except (TypeError, RuntimeError):  # no enable_gqa (PyTorch < 2.5) or not in this backend
        g = q.shape[1] // k.shape[1]
        k2, v2 = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)  # outside the timed calls
        return (lambda: F.scaled_dot_product_attention(q, k2, v2, is_causal=causal)), "repeated"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", default="1024,2048,4096,8192,16384")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--kv-heads", type=int, default=0, help="K/V heads (default: --heads)")
    ap.add_argument("--seq-k", type=int, default=0, help="keys per sequence (default: the query length)")
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f16"])
    ap.add_argument("--causal", default="0,1")
    ap.add_argument("--backend", default="flash", choices=sorted(BACKENDS))
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[a.dtype]
    kv_heads = a.kv_heads or a.heads
    for causal in [c == "1" for c in a.causal.split(",")]:
        for seq in [int(s) for s in a.seqs.split(",")]:
            seq_k = a.seq_k or seq
            q = torch.randn(a.batch, a.heads, seq, a.head_dim, device="cuda", dtype=dt)
            k, v = (torch.randn(a.batch, kv_heads, seq_k, a.head_dim, device="cuda", dtype=dt) for _ in range(2))
            line = {"impl": "torch-sdpa-" + a.backend, "device": "cuda", "dtype": a.dtype, "seq": seq, "seq_k": seq_k,
                    "causal": causal, "batch": a.batch, "heads": a.heads, "kv_heads": kv_heads, "head_dim": a.head_dim,
                    "torch": torch.__version__}
            try:
                if causal and seq != seq_k:
                    raise ValueError("is_causal is top-left aligned: causal needs seq_q = seq_k here")
                with sdpa_kernel(BACKENDS[a.backend]):
                    call, line["gqa"] = gqa_call(q, k, v, causal)
                    for _ in range(a.warmup):
                        call()
                    torch.cuda.synchronize()
                    times = []
                    for _ in range(a.iters):
                        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                        s.record()
                        call()
                        e.record()
                        e.synchronize()
                        times.append(s.elapsed_time(e))
                ms = statistics.median(times)
                flops = 4.0 * a.head_dim * a.heads * a.batch * pairs(seq, seq_k, causal)
                line.update({"time_ms": ms, "gflops": flops / ms / 1e6})
            except Exception as ex:  # a backend that cannot run this shape: say so, keep going
                line["error"] = str(ex).splitlines()[0][:300]
            print(json.dumps(line), flush=True)
            del q, k, v


if __name__ == "__main__":
    main()

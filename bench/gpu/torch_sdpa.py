#!/usr/bin/env python3
"""PyTorch SDPA on CUDA, the GPU peer of `kernelhub bench --device cuda --peer sdpa-flash|sdpa-cudnn`.

One JSON line per (seq, causal): median milliseconds of one call over --iters calls timed with CUDA
events after --warmup calls, and GFLOP/s with FLOPs = 4 * head_dim * heads * batch * unmasked
query-key pairs (causal: seq_q = seq_k, top-left = bottom-right, seq*(seq+1)/2 pairs per head).
Layout: PyTorch's [batch, heads, seq, head_dim].
"""
import argparse
import json
import statistics

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
import torch.nn.functional as F

BACKENDS = {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION,
            "efficient": SDPBackend.EFFICIENT_ATTENTION}


def pairs(seq, causal):
    return seq * (seq + 1) // 2 if causal else seq * seq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", default="1024,2048,4096,8192,16384")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f16"])
    ap.add_argument("--causal", default="0,1")
    ap.add_argument("--backend", default="flash", choices=sorted(BACKENDS))
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[a.dtype]
    for causal in [c == "1" for c in a.causal.split(",")]:
        for seq in [int(s) for s in a.seqs.split(",")]:
            q, k, v = (torch.randn(a.batch, a.heads, seq, a.head_dim, device="cuda", dtype=dt) for _ in range(3))
            line = {"impl": "torch-sdpa-" + a.backend, "device": "cuda", "dtype": a.dtype, "seq": seq, "causal": causal,
                    "batch": a.batch, "heads": a.heads, "head_dim": a.head_dim, "torch": torch.__version__}
            try:
                with sdpa_kernel(BACKENDS[a.backend]):
                    for _ in range(a.warmup):
                        F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                    torch.cuda.synchronize()
                    times = []
                    for _ in range(a.iters):
                        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                        s.record()
                        F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                        e.record()
                        e.synchronize()
                        times.append(s.elapsed_time(e))
                ms = statistics.median(times)
                flops = 4.0 * a.head_dim * a.heads * a.batch * pairs(seq, causal)
                line.update({"time_ms": ms, "gflops": flops / ms / 1e6})
            except Exception as ex:  # a backend that cannot run this shape: say so, keep going
                line["error"] = str(ex).splitlines()[0][:300]
            print(json.dumps(line), flush=True)
            del q, k, v


if __name__ == "__main__":
    main()

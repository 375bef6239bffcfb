#!/usr/bin/env python3
"""PyTorch CPU eager attention, timed like `kernelhub attend`: one JSON line per shape.

Eager attention is what Transformers' eager path does: matmul, scale, mask, softmax, matmul,
on [batch, heads, seq, head_dim] tensors. FLOPs use kernelhub's formula,
4 * head_dim * heads * (unmasked query-key pairs), so GFLOP/s are comparable.
"""
import argparse
import json
import math
import statistics
import time

import torch


def unmasked_pairs(sq, sk, causal):
    if not causal:
        return sq * sk
    shift = sk - sq
    return sum(max(0, min(sk, i + shift + 1)) for i in range(sq))


def eager(q, k, v, causal, scale):
    s = torch.matmul(q, k.transpose(-1, -2)) * scale
    if causal:
        sq, sk = s.shape[-2], s.shape[-1]
        mask = torch.ones(sq, sk, dtype=torch.bool).tril(diagonal=sk - sq)
        s = s.masked_fill(~mask, float("-inf"))
    p = torch.softmax(s, dim=-1, dtype=torch.float32).to(q.dtype)
    return torch.matmul(p, v)


def loaded_blas():
    """The BLAS library actually mapped into this process (Debian picks it via alternatives)."""
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line.lower()}
    return ",".join(sorted(libs)) or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", default="512,1024,2048,4096")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dt = {"f32": torch.float32, "bf16": torch.bfloat16}[a.dtype]
    for causal in (False, True):
        for seq in [int(s) for s in a.seqs.split(",")]:
            shape = (a.batch, a.heads, seq, a.head_dim)
            q, k, v = (torch.randn(shape).to(dt) for _ in range(3))
            scale = 1 / math.sqrt(a.head_dim)
            with torch.inference_mode():
                for _ in range(a.warmup):
                    eager(q, k, v, causal, scale)
                times = []
                for _ in range(a.iters):
                    t0 = time.perf_counter()
                    eager(q, k, v, causal, scale)
                    times.append((time.perf_counter() - t0) * 1e3)
            ms = statistics.median(times)
            flops = 4.0 * a.head_dim * a.heads * a.batch * unmasked_pairs(seq, seq, causal)
            print(json.dumps({"impl": "torch-eager", "device": "cpu", "dtype": a.dtype, "seq": seq,
                              "causal": causal, "time_ms": ms, "gflops": flops / ms / 1e6,
                              "torch": torch.__version__, "threads": torch.get_num_threads(),
                              "blas": loaded_blas()}),
                  flush=True)


if __name__ == "__main__":
    main()

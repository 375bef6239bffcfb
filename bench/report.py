#!/usr/bin/env python3
"""Turns the JSON lines of bench/cpu-attention.sh into a markdown table with ratios to the peers."""
import json
import sys
from collections import defaultdict


def key_of(r):
    if "seq" in r:
        return r["seq"], bool(r["causal"])
    shape = r["shape"]
    return shape["seq_q"], bool(shape["causal"])


def main(path):
    rows = defaultdict(dict)
    impls = []
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        rows[key_of(r)][r["impl"]] = r
        if r["impl"] not in impls:
            impls.append(r["impl"])
    ours = [i for i in impls if not i.startswith("torch")]
    print("| seq | causal | " + " | ".join(f"{i} GFLOP/s" for i in impls)
          + " | sdpa / eager | sdpa / torch-eager |")
    print("|---|---|" + "---|" * len(impls) + "---|---|")
    for (seq, causal) in sorted(rows):
        r = rows[(seq, causal)]
        cells = [f"{r[i]['gflops']:.1f}" if i in r else "-" for i in impls]

        def ratio(a, b):
            return f"{r[a]['gflops'] / r[b]['gflops']:.2f}x" if a in r and b in r else "-"
        print(f"| {seq} | {'yes' if causal else 'no'} | " + " | ".join(cells)
              + f" | {ratio('sdpa', 'eager')} | {ratio('sdpa', 'torch-eager')} |")
    torch_rows = [r for v in rows.values() for k, r in v.items() if k.startswith("torch")]
    if torch_rows:
        t = torch_rows[0]
        print(f"\nPeer: PyTorch {t['torch']} eager attention, {t['threads']} threads, BLAS: {t['blas']}.")
    print("FLOPs = 4 * head_dim * heads * unmasked query-key pairs; time = median; batch 1, 8 heads, head dim 128.")


if __name__ == "__main__":
    main(sys.argv[1])

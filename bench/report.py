#!/usr/bin/env python3
"""Turns the JSON lines of bench/cpu-attention.sh into a markdown table with ratios to the peers.

Columns: GFLOP/s of every implementation present (kernelhub's, then the peers torch-eager,
onnxruntime-java, openblas-sgemm), then for each kernelhub implementation other than eager its ratio
to eager, torch-eager and onnxruntime-java (where present). Below: the peers' versions and threads,
the ONNX Runtime output checks, and every error or skipped measurement.

Usage: report.py RUN.jsonl [RUN2.jsonl ...]. With several runs of the same configuration, each cell is
the run with the highest GFLOP/s for that implementation and shape (on a shared machine contention
only ever slows a measurement down), and the table says so.
"""
import json
import sys
from collections import defaultdict

PEERS = ["torch-eager", "onnxruntime-java", "openblas-sgemm"]
RATIO_TO = ["eager", "torch-eager", "onnxruntime-java"]


def key_of(r):
    if "seq" in r:
        return r["seq"], bool(r["causal"])
    shape = r["shape"]
    return shape["seq_q"], bool(shape["causal"])


def best(old, new):
    return new if old is None or new["gflops"] > old["gflops"] else old


def fmt(x, digits=1):
    return f"{x:.{digits}f}"


def lines(paths):
    for path in paths:
        for line in open(path):
            yield path, line


def main(paths):
    rows = defaultdict(dict)      # (seq, causal) -> impl -> measurement
    marks = defaultdict(dict)     # (seq, causal) -> impl -> "err" | "skip"
    impls, notes, errors, skipped, checks = [], [], [], [], []
    square = alignment = None
    metas = []  # (start, end) per run
    for path, line in lines(paths):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r.get("meta") == "start":
            metas.append([r, None])
            continue
        if r.get("meta") == "end":
            if metas:
                metas[-1][1] = r
            continue
        impl = r.get("impl")
        if r.get("check") == "causal-alignment":
            alignment = r
            continue
        if r.get("kind") == "square":
            square = best(square, r)
            if metas:
                metas[-1].append(r)
            continue
        if impl not in impls and impl is not None and ("gflops" in r or "seq" in r or "shape" in r):
            impls.append(impl)
        if "error" in r:
            errors.append(r)
            if "seq" in r:  # a failed process reports its seq only: both rows
                for c in ([bool(r["causal"])] if "causal" in r else [False, True]):
                    marks[(r["seq"], c)][impl] = "err"
            continue
        if "skipped" in r:
            skipped.append(r)
            marks[key_of(r)][impl] = "skip"
            continue
        if "gflops" not in r:
            continue
        rows[key_of(r)][impl] = best(rows[key_of(r)].get(impl), r)
        if impl == "onnxruntime-java":
            checks.append(r)

    ours = [i for i in impls if i not in PEERS]
    peers = [p for p in PEERS if p in impls]
    cols = ours + peers
    ratios = [(a, b) for a in ours if a != "eager" for b in RATIO_TO if b in impls and b != a]
    keys = sorted(set(rows) | set(marks))

    def cell(key, impl):
        r = rows[key].get(impl)
        if r is None and impl == "openblas-sgemm":  # one sgemm line per seq (non-causal), shown in both rows
            r = rows[(key[0], False)].get(impl)
        if r is not None:
            return fmt(r["gflops"]) + ("" if r.get("ok", True) else " (check failed)")
        return marks[key].get(impl, "-")

    def ratio(key, a, b):
        ra, rb = rows[key].get(a), rows[key].get(b)
        return f"{ra['gflops'] / rb['gflops']:.2f}x" if ra and rb else "-"

    print("| seq | causal | " + " | ".join(f"{c} GFLOP/s" for c in cols)
          + "".join(f" | {a} / {b}" for a, b in ratios) + " |")
    print("|---|---|" + "---|" * (len(cols) + len(ratios)))
    for key in keys:
        seq, causal = key
        print(f"| {seq} | {'yes' if causal else 'no'} | " + " | ".join(cell(key, c) for c in cols)
              + "".join(f" | {ratio(key, a, b)}" for a, b in ratios) + " |")

    print()
    if len(paths) > 1:
        print(f"Best of {len(paths)} runs per cell (highest GFLOP/s of each implementation and shape; "
              "contention on this shared machine only slows a run down).")
    print("FLOPs = 4 * head_dim * heads * unmasked query-key pairs (causal: seq*(seq+1)/2 pairs); "
          "time = median; batch 1, 8 heads, head dim 128, seq_q = seq_k.")
    first = {}
    for v in rows.values():
        for k, r in v.items():
            first.setdefault(k, r)
    if "torch-eager" in first:
        t = first["torch-eager"]
        notes.append(f"torch-eager: PyTorch {t['torch']} eager attention (matmul, scale, mask, softmax, matmul), "
                     f"{t['threads']} threads, dtype {t['dtype']}, BLAS {t['blas']}.")
    if "onnxruntime-java" in first:
        o = first["onnxruntime-java"]
        extra = " (ORT has no f16 CPU kernel: it inserts Casts to f32 around the node)" if o.get("ort_inserted_casts") else ""
        notes.append(f"onnxruntime-java: ONNX Runtime {o['ort']} Java, one com.microsoft::MultiHeadAttention node "
                     f"(unidirectional=1 for causal), CPU EP, {o['threads']} intra-op threads, 1 inter-op, "
                     f"graph optimization all, dtype {o['dtype']}{extra}; pre-allocated input and output tensors.")
    if "openblas-sgemm" in first:
        s = first["openblas-sgemm"]
        sq = f" 2048^3: {fmt(square['gflops'])} GFLOP/s (best);" if square else ""
        notes.append(f"openblas-sgemm: cblas_sgemm of {s['blas']} ({s['blas_core']} kernels), {s['threads']} threads;"
                     f"{sq} per seq the 8 heads' Q*K^T and P*V products at 2*m*n*k FLOPs, i.e. attention at sgemm "
                     "rate with a free softmax (the same value is shown in causal rows: the rate of a kernel that "
                     "computes only the unmasked half at sgemm speed).")
    elif square:
        notes.append(f"openblas-sgemm 2048^3: {fmt(square['gflops'])} GFLOP/s ({square['threads']} threads).")
    for n in notes:
        print(f"- {n}")
    if checks:
        bad = [c for c in checks if not c.get("ok", True)]
        worst = max(c["check_max_abs_err"] for c in checks)
        other = min(c["check_err_vs_other_mask"] for c in checks)
        status = "all passed" if not bad else "FAILED at " + ", ".join(
            f"seq {c['seq']} {'causal' if c['causal'] else 'full'}" for c in bad)
        print(f"- ONNX Runtime output vs a float64 reference ({checks[0]['check_rows']} sampled query rows per "
              f"shape, all heads): {status}; max abs error {worst:.2g}; smallest distance to the other mask's "
              f"reference {other:.2g} (so causal masking is really on/off as asked).")
    if alignment:
        if "error" in alignment:
            print(f"- ONNX Runtime causal alignment check failed to run: {alignment['error']}")
        else:
            print(f"- ONNX Runtime unidirectional=1 with seq_q {alignment['seq_q']} < seq_k {alignment['seq_k']} "
                  f"(no past): {alignment['aligned']} (max abs error vs top-left {alignment['err_top_left']:.2g}, "
                  f"bottom-right {alignment['err_bottom_right']:.2g}); kernelhub is bottom-right. The benchmark "
                  "shapes have seq_q = seq_k, where both alignments are the same mask.")
    done = set()
    for r in skipped:
        if (r["impl"], r["skipped"]) in done:
            continue
        done.add((r["impl"], r["skipped"]))
        where = sorted({(e["seq"], bool(e["causal"])) for e in skipped if (e["impl"], e["skipped"]) == (r["impl"], r["skipped"])})
        print(f"- skipped: {r['impl']} at seq " + ", ".join(f"{s} {'causal' if c else 'full'}" for s, c in where)
              + f": {r['skipped']}")
    seen = set()
    for r in errors:
        what = (r.get("impl"), r["error"])
        if what in seen:
            continue
        seen.add(what)
        where = sorted({(e["seq"], bool(e.get("causal"))) for e in errors
                        if (e.get("impl"), e["error"]) == what and "seq" in e})
        where = [f"{q}{' causal' if c else ''}" for q, c in where]
        print(f"- error: {r.get('impl')} ({r.get('dtype', '?')})"
              + (f" at seq {', '.join(where)}" if where else "") + f": {r['error']}")
    for start, end, *squares in metas:
        m = start
        sq = ", ".join(f"{fmt(q['gflops'])} at {q.get('when', '?')}" for q in squares)
        dirty = " + uncommitted changes" if m.get("kernelhub_dirty") else ""
        print(f"- run: {m['date']}, {m['cores']} cores {m['cpu']}, {m['jdk']}, kernelhub {m['kernelhub_commit']}"
              f"{dirty} (jar sha256 {m['kernelhub_jar_sha256']})"
              + (f", KERNELHUB_LOCAL_KERNELS={m['local_kernels']}" if m.get("local_kernels") else "")
              + f", CPUs {m.get('busy_before_pct', '?')}% busy just "
              f"before, load average at start {m['loadavg']}"
              + (f", at end {end['loadavg']}, steal ticks {end['steal_ticks']}, CPU pressure "
                 f"{end.get('cpu_pressure_pct', '?')}% of the run"
                 + (f", {end['idle_wait_s']} s in idle checks before measurements" if end.get("idle_wait_s") else "")
                 if end else "")
              + (f"; sgemm 2048^3 GFLOP/s {sq}" if sq else "") + ".")

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: report.py RUN.jsonl [RUN2.jsonl ...]")
    main(sys.argv[1:])

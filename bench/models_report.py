#!/usr/bin/env python3
"""Turns the JSON lines of bench/models.sh into a markdown table (stdout) and a JSON summary (--json FILE).

Per shape x dtype x runner (each kernelhub impl, Jlama): min / median / max over the rounds of prefill tokens/s
and decode tokens/s; kernelhub / Jlama ratios of the medians; decode bandwidth utilisation = median decode
tokens/s x weight bytes read per token / the best T-thread read bandwidth that membw measured in the run; how
many leading generated tokens agree with Jlama's (same checkpoint, same prompt, greedy); median peak RSS.

Usage: models_report.py RUN.jsonl [--json OUT.json]
"""
import json
import statistics
import sys
from collections import defaultdict


def fmt(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"


def stats(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    if not xs:
        return None
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs), "n": len(xs)}


def leading_match(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def main(argv):
    json_out = None
    paths = []
    i = 0
    while i < len(argv):
        if argv[i] == "--json":
            json_out = argv[i + 1]
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    if len(paths) != 1:
        sys.exit("usage: models_report.py RUN.jsonl [--json OUT.json]")

    start = end = None
    membw, models, errors = [], {}, []
    runs = defaultdict(list)  # (shape, dtype, runner label) -> measurements
    for line in open(paths[0]):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        meta = r.get("meta")
        if meta == "start":
            start = r
        elif meta == "end":
            end = r
        elif meta == "membw":
            membw.append(r)
        elif meta == "model":
            models[(r["shape"], r["dtype"])] = r
        elif "runner" in r:
            label = "jlama" if r["runner"] == "jlama" else "kernelhub " + str(r.get("impl_requested", r.get("impl")))
            if "error" in r:
                errors.append(r)
            else:
                runs[(r["shape"], r["dtype_requested"], label)].append(r)
    start = start or {}
    threads = start.get("threads", 2)

    def bw(t):
        best = [x["best_gb_s"] for m in membw for x in m.get("results", []) if x["threads"] == t]
        return max(best) if best else None

    bw_t = bw(threads)
    rows = []
    order = []
    for (shape, dtype, label) in runs:
        if (shape, dtype) not in order:
            order.append((shape, dtype))
    for shape, dtype in order:
        model = models.get((shape, dtype), {})
        jl = runs.get((shape, dtype, "jlama"), [])
        jl_pre = stats([r.get("prefill_tokens_per_s") for r in jl])
        jl_dec = stats([r.get("decode_tokens_per_s") for r in jl])
        jl_tokens = jl[0].get("tokens") if jl else None
        labels = [k[2] for k in runs if k[:2] == (shape, dtype)]  # in the order first measured, Jlama last
        labels.sort(key=lambda s: s == "jlama")
        for label in labels:
            rs = runs[(shape, dtype, label)]
            pre = stats([r.get("prefill_tokens_per_s") for r in rs])
            dec = stats([r.get("decode_tokens_per_s") for r in rs])
            rss = stats([r.get("peak_rss_mb") for r in rs])
            row = {"shape": shape, "dtype": dtype, "runner": label, "runs": len(rs), "prefill_tokens_per_s": pre,
                   "decode_tokens_per_s": dec, "peak_rss_mb": rss,
                   "cpu_pressure_pct_max": max((r.get("cpu_pressure_pct", 0) for r in rs), default=None)}
            if label != "jlama" and pre and jl_pre:
                row["prefill_vs_jlama"] = pre["median"] / jl_pre["median"]
            if label != "jlama" and dec and jl_dec:
                row["decode_vs_jlama"] = dec["median"] / jl_dec["median"]
            wb = model.get("weight_bytes_per_token")
            if dec and wb and bw_t:
                row["decode_gb_s"] = dec["median"] * wb / 1e9
                row["decode_bw_utilisation"] = dec["median"] * wb / 1e9 / bw_t
            if label != "jlama" and jl_tokens and rs[0].get("tokens"):
                row["tokens_matching_jlama"] = leading_match(rs[0]["tokens"], jl_tokens)
                row["tokens_compared"] = min(len(rs[0]["tokens"]), len(jl_tokens))
            if label == "jlama":
                row["tensor_ops"] = rs[0].get("tensor_ops")
                row["jlama_working_dtype"] = rs[0].get("dtype")
            rows.append(row)

    jl_any = next((r for k, v in runs.items() if k[2] == "jlama" for r in v), {})
    out = []
    out.append("# Whole-model CPU benchmark: kernelhub vs Jlama")
    out.append("")
    out.append(f"- date: {start.get('date', '?')}; machine: {start.get('cores', '?')} cores, {start.get('cpu', '?')} "
               f"({start.get('cpu_flags', '')}), {start.get('mem_gib', '?')} GiB")
    out.append(f"- JDK: {start.get('jdk', '?')}")
    out.append(f"- kernelhub: commit {start.get('kernelhub_commit', '?')}"
               f"{' (dirty)' if start.get('kernelhub_dirty') else ''}, jar {start.get('kernelhub_jar_sha256', '?')}"
               + (f", KH_BENCH_KERNELHUB={start['kh_bench_kernelhub']} (a stand-in, not kernelhub)"
                  if start.get("kh_bench_kernelhub") else ""))
    if jl_any:
        out.append(f"- Jlama {jl_any.get('jlama_version', '?')}: {jl_any.get('tensor_ops', '?')}, working memory "
                   f"{jl_any.get('dtype', '?')}, {jl_any.get('threads', '?')} compute threads")
    out.append(f"- command: `{start.get('command', '?')}`")
    out.append(f"- prompt {start.get('prompt_len', '?')} tokens, {start.get('new_tokens', '?')} new tokens (greedy), "
               f"{threads} threads, {start.get('rounds', '?')} round(s) (kernelhub and Jlama alternating, a fresh "
               "JVM per run); load before the run "
               f"{start.get('loadavg', '?')}, busy {start.get('busy_before_pct', '?')}%"
               + (f"; CPU pressure over the run {end.get('cpu_pressure_pct')}%, waited {end.get('idle_wait_s')} s "
                  "for idle" if end else ""))
    out.append("")
    if membw:
        out.append("Memory read bandwidth (bench/membw, 1 GiB buffer, GB/s = 1e9 B/s):")
        out.append("")
        out.append("| when | threads | best GB/s | median GB/s |")
        out.append("|---|---|---|---|")
        for m in membw:
            for x in m.get("results", []):
                out.append(f"| {m.get('when')} | {x['threads']} | {x['best_gb_s']:.1f} | {x['median_gb_s']:.1f} |")
            if "error" in m:
                out.append(f"| {m.get('when')} | - | error: {m['error']} | |")
        out.append("")
    out.append("Tokens/s as min / **median** / max over the rounds; ratios are kernelhub median / Jlama median; "
               f"decode BW = median decode tokens/s x weight bytes per token / best {threads}-thread read bandwidth "
               f"({fmt(bw_t)} GB/s).")
    out.append("")
    out.append("| shape | dtype | runner | prefill tok/s | decode tok/s | prefill / Jlama | decode / Jlama "
               "| decode GB/s | decode BW util | tokens = Jlama | peak RSS MB | CPU pressure | runs |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def trio(s):
        return "-" if not s else f"{fmt(s['min'])} / **{fmt(s['median'])}** / {fmt(s['max'])}"

    for row in rows:
        ratio = lambda k: f"{row[k]:.2f}x" if k in row else "-"
        util = f"{100 * row['decode_bw_utilisation']:.0f}%" if "decode_bw_utilisation" in row else "-"
        match = (f"{row['tokens_matching_jlama']}/{row['tokens_compared']}" if "tokens_matching_jlama" in row else "-")
        out.append(f"| {row['shape']} | {row['dtype']} | {row['runner']} | {trio(row['prefill_tokens_per_s'])} | "
                   f"{trio(row['decode_tokens_per_s'])} | {ratio('prefill_vs_jlama')} | {ratio('decode_vs_jlama')} | "
                   f"{fmt(row.get('decode_gb_s'))} | {util} | {match} | "
                   f"{fmt(row['peak_rss_mb']['median'], 0) if row['peak_rss_mb'] else '-'} | "
                   f"{row['cpu_pressure_pct_max']}% | {row['runs']} |")
    out.append("")
    if models:
        out.append("Checkpoints (`kernelhub make-model`):")
        out.append("")
        for (shape, dtype), m in models.items():
            if "error" in m:
                out.append(f"- {shape} {dtype}: {m['error']}")
                continue
            c = m["config"]
            out.append(f"- {shape} {dtype}: {m['params'] / 1e6:.1f} M parameters ({', '.join(m['checkpoint_dtypes'])}), "
                       f"hidden {c['hidden_size']}, {c['num_hidden_layers']} layers, {c['num_attention_heads']}/"
                       f"{c['num_key_value_heads']} heads, intermediate {c['intermediate_size']}, vocab {c['vocab_size']}"
                       f"{', tied LM head' if m['tied_lm_head'] else ''}; {m['weight_bytes_per_token'] / 1e9:.3f} GB "
                       "of weights read per decoded token")
        out.append("")
    out.append("CPU pressure: the worst run's share of wall time in which a runnable task waited for a CPU "
               "(/proc/pressure/cpu; a quiet machine shows 5-10% from the JVM's own JIT and GC threads, tens of "
               "percent mean other users' work: rerun with --wait-idle).")
    out.append("")
    out.append("Tokens = Jlama: leading generated tokens equal to Jlama's (random weights have small top-2 logit "
               "margins, so a rounding difference can flip a token: a low count in bf16 is not by itself a bug; "
               "Jlama's f32 tokens match a float64 numpy reference of the same checkpoint, bench/jlama/README.md).")
    if errors:
        out.append("")
        out.append("Errors:")
        out.append("")
        for e in errors:
            out.append(f"- {e.get('shape')} {e.get('dtype_requested')} round {e.get('round')} {e.get('runner')} "
                       f"{e.get('impl_requested', '')}: exit {e.get('exit')}: {e.get('error')}")
    print("\n".join(out))
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"start": start, "end": end, "membw": membw, "models": list(models.values()), "rows": rows,
                       "errors": errors, "measurements": [r for v in runs.values() for r in v]}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])

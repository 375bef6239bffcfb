#!/usr/bin/env bash
# CPU attention benchmark: kernelhub eager and sdpa vs PyTorch CPU eager (OpenBLAS, 2 threads),
# all measured in this one run, on batch 1, 8 heads, head dim 128, causal and not.
# Usage: bench/cpu-attention.sh [--seqs 512,1024,2048] [--dtype f32] [--impls eager,sdpa] [--out DIR]
# Writes DIR/cpu-attention.jsonl (one line per measurement) and DIR/cpu-attention.md (the table).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEQS=512,1024,2048
DTYPE=f32
IMPLS=eager,sdpa
OUT="$ROOT/bench/out"
WARMUP=3
ITERS=10
while (($#)); do
  case "$1" in
    --seqs) SEQS=$2; shift 2 ;;
    --dtype) DTYPE=$2; shift 2 ;;
    --impls) IMPLS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"

# The peer: Debian's PyTorch, which needs OpenBLAS's threaded build (else a reference BLAS, 40x slower).
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null || ! ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas*.so* >/dev/null 2>&1; then
  echo "bench: installing python3-torch and libopenblas0-pthread" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch libopenblas0-pthread >&2
fi

JSONL="$OUT/cpu-attention.jsonl"
: > "$JSONL"
echo "bench: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
for causal in "" "--causal"; do
  for seq in ${SEQS//,/ }; do
    for impl in ${IMPLS//,/ }; do
      # about a second of warm-up calls, so the JIT has compiled the vector kernels before timing
      iters=$ITERS warm=$(( 40960 / seq ))
      [[ "$impl" == eager ]] && iters=3 warm=1
      "$ROOT/kernelhub" attend --impl "$impl" --batch 1 --heads 8 --head-dim 128 --seq-q "$seq" --seq-k "$seq" \
        --dtype "$DTYPE" $causal --warmup "$warm" --iters "$iters" --json \
        | "$PY" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))' | tee -a "$JSONL"
    done
  done
done
torch_dtype=$DTYPE
[[ "$DTYPE" == f16 ]] && torch_dtype=f32  # CPU PyTorch 1.13 has no fast f16 matmul; compare f32
OMP_NUM_THREADS=2 "$PY" "$ROOT/bench/torch_attention.py" --seqs "$SEQS" --dtype "$torch_dtype" --threads 2 \
  --warmup "$WARMUP" --iters "$ITERS" | tee -a "$JSONL"
"$PY" "$ROOT/bench/report.py" "$JSONL" > "$OUT/cpu-attention.md"
cat "$OUT/cpu-attention.md"

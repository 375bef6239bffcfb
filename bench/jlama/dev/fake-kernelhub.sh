#!/usr/bin/env bash
# Stand-in for ./kernelhub while `make-model` and `generate` do not exist yet, to test bench/models.sh's
# plumbing:  KH_BENCH_KERNELHUB=bench/jlama/dev/fake-kernelhub.sh bench/models.sh --quick
#   make-model OUT --preset P --dtype D [--seed S]   -> make_test_checkpoint.py (a real HF Llama directory)
#   generate DIR --tokens ... --max-new-tokens N --dtype D --impl I ... --json -> one plausible JSON line
#                                                       (made-up speeds; tokens are NOT computed)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd=${1:-}; shift || true
case "$cmd" in
  make-model)
    out=$1; shift
    preset=small dtype=f32 seed=0
    while (($#)); do
      case "$1" in
        --preset) preset=$2; shift 2 ;; --dtype) dtype=$2; shift 2 ;; --seed) seed=$2; shift 2 ;;
        *) echo "fake-kernelhub: unknown option $1" >&2; exit 2 ;;
      esac
    done
    exec python3 "$HERE/make_test_checkpoint.py" "$out" --preset "$preset" --dtype "$dtype" --seed "$seed" ;;
  generate)
    dir=$1; shift
    tokens="" new=16 dtype=f32 impl=sdpa
    while (($#)); do
      case "$1" in
        --tokens) tokens=$2; shift 2 ;; --max-new-tokens) new=$2; shift 2 ;; --dtype) dtype=$2; shift 2 ;;
        --impl) impl=$2; shift 2 ;; --threads) shift 2 ;; --greedy|--json) shift ;;
        *) echo "fake-kernelhub: unknown option $1" >&2; exit 2 ;;
      esac
    done
    [[ "$impl" == *fail* ]] && { echo "fake-kernelhub: impl $impl failed on purpose" >&2; exit 1; }
    echo "fake-kernelhub: a log line on stdout, which models.sh must skip"
    python3 - "$dir" "$tokens" "$new" "$dtype" "$impl" <<'PY'
import json, random, sys
d, tokens, new, dtype, impl = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
cfg = json.load(open(d + "/config.json"))
n = len(tokens.split(","))
big = cfg["hidden_size"] >= 2048
pre = (20.0 if big else 600.0) * (2 if dtype == "bf16" else 1) * random.uniform(0.9, 1.1)
dec = (6.0 if big else 150.0) * (1.8 if dtype == "bf16" else 1) * random.uniform(0.9, 1.1)
print(json.dumps({"model_type": "llama", "impl": impl, "dtype": dtype, "prompt_tokens": n,
                  "tokens": [(7 * i + 3) % cfg["vocab_size"] for i in range(new)], "text": "fake",
                  "prefill_ms": n / pre * 1e3, "prefill_tokens_per_s": pre, "decode_tokens_per_s": dec,
                  "peak_rss_mb": 1234.5}))
PY
    ;;
  *) echo "fake-kernelhub: only make-model and generate" >&2; exit 2 ;;
esac

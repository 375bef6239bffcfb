#!/usr/bin/env bash
# Whole-model CPU benchmark: kernelhub's Llama runtime against Jlama (com.github.tjake:jlama-core), both in this
# one run, on random-weight Hugging Face Llama checkpoints written by `kernelhub make-model`, plus the machine's
# memory read bandwidth (the physical limit of decoding, which streams every weight once per token).
#
#   shapes   small: `make-model --preset small` (whatever kernelhub's small preset is)
#            1b:    hidden 2048, 16 layers, 32 query / 8 KV heads, head dim 64, intermediate 8192, vocab 32000
#   dtypes   f32, bf16 (the checkpoint is written in that dtype; both runtimes keep the weights in it)
#   measure  prefill tokens/s of a fixed --prompt-len-token prompt (default 512; time to the first generated
#            token) and decode tokens/s of the --new-tokens - 1 greedy tokens after the first (default 128)
#
#   kernelhub `kernelhub generate DIR --tokens IDS --max-new-tokens N --greedy --ignore-eos --threads T --dtype D --impl I --json`
#             for each --impls id (default sdpa and kernels-community/flash-attn2; hub ids resolve through the
#             caller's environment, e.g. KERNELHUB_LOCAL_KERNELS or KERNELHUB_HUB, which is passed through)
#   jlama     bench/jlama (JlamaBench): Jlama 0.8.4's own loader and forward/sample loop, the same token ids,
#             T threads, its Vector API kernels (see "Jlama" below)
#   membw     bench/membw/membw.c: read bandwidth of 1 and T threads over a 1 GiB buffer (best and median of 11),
#             before and after the measurements
#
# Order: for each shape x dtype the checkpoint is written once, then --rounds rounds; each round runs every
# kernelhub impl and Jlama, alternating who goes first (odd rounds kernelhub first, even rounds Jlama first),
# so drift and other users' bursts hit both sides. Every run is its own JVM (cold: what a user's one
# `generate` costs, JIT warm-up included, on both sides).
#
# Usage: bench/models.sh [--quick] [--rounds 3] [--shapes small,1b] [--dtypes f32,bf16]
#                        [--impls sdpa,kernels-community/flash-attn2] [--threads 2] [--prompt-len 512]
#                        [--new-tokens 128] [--models-dir DIR] [--reuse-models] [--out DIR] [--results DIR]
#                        [--wait-idle SECONDS] [--timeout SECONDS] [--no-jlama] [--jlama-native]
#   --impls ''      no kernelhub runs (Jlama and membw only)
#   --quick         smoke run: small shape only, 1 round (results go to --out, not bench/results)
#   --models-dir    where the checkpoints go (default bench/out/models/ckpt; 1b f32 is 4.4 GB, 1b bf16 2.2 GB)
#   --reuse-models  keep a checkpoint directory that already has a config.json instead of rewriting it
#   --wait-idle S   before the run and before each measurement wait up to S seconds for the machine to be idle
#                   (as bench/cpu-attention.sh; the machine may be shared)
#   --timeout S     a measurement still running after S seconds (default 1800) is killed and recorded as an error
#   --jlama-native  let Jlama use its C kernels (jlama-native, libjlama.so) instead of forcing its Vector API
#                   path: on this project's machine (AMD EPYC, AVX-512) 0.8.4's native batched F32 GEMM gives wrong
#                   prefill results and its BF16 GEMM NaNs, so the default forces the (correct) Vector API path
#
# Writes OUT/models.jsonl (one line per measurement; meta lines for the run, membw, each checkpoint) and,
# unless --quick, bench/results/models/<date>-<cpu>.{md,json} (table, exact command, CPU, JDK, versions);
# bench/models_report.py renders the table from the JSON lines again.
#
# Environment: KH_BENCH_KERNELHUB=CMD runs CMD instead of kernelhub (for make-model and generate; e.g.
# bench/jlama/dev/fake-kernelhub.sh to test this script's plumbing), KERNELHUB_JAVA_OPTS (kernelhub's JVM),
# JLAMA_JAVA_OPTS (Jlama's JVM, e.g. -Xmx).
#
# Jlama: its working memory (activations, KV cache) is F32 for both dtypes; with a BF16 checkpoint the
# weights stay BF16 (mmapped) and Jlama rounds each matmul's input to BF16 (BF16 x BF16 products). Jlama's
# BF16 working memory (JlamaBench --dtype bf16) is not used: on 0.8.4 it gives logits uncorrelated with the
# reference (bench/jlama/README.md). Threads: PhysicalCoreExecutor.overrideThreadCount(T) (Jlama's compute
# pool) and the common ForkJoinPool's parallelism T - 1 (+ the calling thread) for its few plain parallel streams.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARGV=("$@")
SHAPES=small,1b
DTYPES=f32,bf16
IMPLS=sdpa,kernels-community/flash-attn2
ROUNDS=3
THREADS=2
PROMPT_LEN=512
NEW_TOKENS=128
OUT="$ROOT/bench/out/models"
MODELS_DIR=""
RESULTS="$ROOT/bench/results/models"
REUSE=0
QUICK=0
WAIT_IDLE=0
JLAMA=1
JLAMA_NATIVE=0
SEED=0
TIMEOUT=1800
while (($#)); do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --shapes) SHAPES=$2; shift 2 ;;
    --dtypes) DTYPES=$2; shift 2 ;;
    --impls) IMPLS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --prompt-len) PROMPT_LEN=$2; shift 2 ;;
    --new-tokens) NEW_TOKENS=$2; shift 2 ;;
    --models-dir) MODELS_DIR=$2; shift 2 ;;
    --reuse-models) REUSE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --wait-idle) WAIT_IDLE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-jlama) JLAMA=0; shift ;;
    --jlama-native) JLAMA_NATIVE=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/models.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  # --quick is a smoke run: the small shape, one round, unless --shapes/--rounds say otherwise explicitly
  [[ " ${ARGV[*]} " == *" --shapes "* ]] || SHAPES=small
  [[ " ${ARGV[*]} " == *" --rounds "* ]] || ROUNDS=1
fi
((ROUNDS >= 1 && THREADS >= 1 && PROMPT_LEN >= 1 && NEW_TOKENS >= 2)) || { echo "bench/models.sh: bad numbers" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
MODELS_DIR="${MODELS_DIR:-$OUT/ckpt}"
mkdir -p "$MODELS_DIR"
PY=python3

# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
JAVA_HOME="$(kh_find_jdk)" || exit 2
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"

# ---- setup (nothing here is timed) ----

# kernelhub: the launcher builds the CLI when the sources are newer than the jar; every call then runs one
# snapshot of that jar, so a concurrent edit or rebuild cannot change what is measured mid-run.
if [[ -n "${KH_BENCH_KERNELHUB:-}" ]]; then
  read -ra KH <<< "$KH_BENCH_KERNELHUB"
  KH_JAR_SHA=stub
  echo "bench: kernelhub is KH_BENCH_KERNELHUB=$KH_BENCH_KERNELHUB" >&2
else
  JAR_SRC="$ROOT/java/cli/target/kernelhub.jar"
  if ! "$ROOT/kernelhub" list --json > "$OUT/kernelhub-list.json"; then
    [[ -f "$JAR_SRC" ]] || { echo "bench: kernelhub does not build and no jar exists" >&2; exit 2; }
    echo "bench: WARNING: kernelhub did not build; measuring the existing $JAR_SRC" >&2
  fi
  cp "$JAR_SRC" "$OUT/kernelhub.jar"
  KH_JAR_SHA=$(sha256sum "$OUT/kernelhub.jar" | cut -c1-16)
  # shellcheck disable=SC2206 # KERNELHUB_JAVA_OPTS is a list of options, split on spaces (as the launcher does)
  KH=("$JAVA" "${KH_JVM_FLAGS[@]}" -Dkernelhub.sdk="$ROOT" ${KERNELHUB_JAVA_OPTS:-} -jar "$OUT/kernelhub.jar")
fi

# Jlama peer: built when its jar is missing or older than its sources (Maven Central: jlama-core, jlama-native)
JL_DIR="$ROOT/bench/jlama"
JL_JAR="$JL_DIR/target/jlama-peer.jar"
if ((JLAMA)); then
  if [[ ! -f "$JL_JAR" || -n "$(find "$JL_DIR/pom.xml" "$JL_DIR/src" -newer "$JL_JAR" -print -quit)" ]]; then
    echo "bench: building bench/jlama (Jlama from Maven Central)" >&2
    (cd "$ROOT" && kh_mvn -q -B -Dstyle.color=never -f bench/jlama/pom.xml package) >&2
  fi
  JL_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
            -Djava.util.concurrent.ForkJoinPool.common.parallelism=$((THREADS > 1 ? THREADS - 1 : 1)))
  ((JLAMA_NATIVE)) || JL_FLAGS+=(-Djlama.force_panama_tensor_operations=true)
  # shellcheck disable=SC2206
  JL=("$JAVA" "${JL_FLAGS[@]}" ${JLAMA_JAVA_OPTS:-} -cp "$JL_JAR:$JL_DIR/target/lib/*" io.kernelhub.bench.jlama.JlamaBench)
fi

# memory bandwidth probe
MEMBW="$OUT/membw"
if [[ ! -x "$MEMBW" || "$ROOT/bench/membw/membw.c" -nt "$MEMBW" ]]; then
  gcc -O3 -march=native -pthread -o "$MEMBW" "$ROOT/bench/membw/membw.c"
fi

JSONL="$OUT/models.jsonl"
: > "$JSONL"
# appends JSON lines to the run's file and shows each on stderr, shortened (no token lists or text)
emit() {
  tee -a "$JSONL" | "$PY" -c '
import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    for k in ("tokens", "text", "samples_gb_s", "prompt_tokens_list"):
        if isinstance(r.get(k), (list, str)) and len(r[k]) > 16:
            r[k] = "..."
    print("  " + json.dumps(r), file=sys.stderr)
'
}
# the last line of stdin that is a JSON object, re-serialised with extra key=value fields; fails if none
last_json() {
  "$PY" -c '
import json, sys
extra = {}
for arg in sys.argv[1:]:
    k, v = arg.split("=", 1)
    try:
        extra[k] = json.loads(v)
    except ValueError:
        extra[k] = v
obj = None
text = sys.stdin.read()
try:  # one JSON document (kernelhub prints it indented) ...
    obj = json.loads(text)
except ValueError:  # ... or the last JSON line among log lines
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                pass
if not isinstance(obj, dict):
    sys.exit(1)
obj.update(extra)
print(json.dumps(obj))
' "$@"
}
WAITED=0  # seconds gate() (bench/lib.sh) waited for an idle machine

BUSY=$(busy_pct 3)
if (( WAIT_IDLE > 0 )); then
  deadline=$(( $(date +%s) + WAIT_IDLE ))
  while (( BUSY > 10 && $(date +%s) < deadline )); do
    echo "bench: machine ${BUSY}% busy (other users?); waiting for it to be idle" >&2
    sleep 20; BUSY=$(busy_pct)
  done
fi
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
PSI0=$(psi_us) T0=$(now_us)
CMDLINE=$("$PY" -c 'import shlex, sys; print(shlex.join(sys.argv[1:]))' bench/models.sh "${ARGV[@]}")
json_line meta=start date="$(date -u +%FT%TZ)" cores="$(nproc)" cpu="$CPU_MODEL" \
  cpu_flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_bf16|amx_bf16)$' | paste -sd, -)" \
  mem_gib="$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo)" \
  jdk="$("$JAVA" -version 2>&1 | head -n1)" command="$CMDLINE" kh_bench_kernelhub="${KH_BENCH_KERNELHUB:-}" \
  kernelhub_commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  kernelhub_dirty="$([[ -n "$(git -C "$ROOT" status --porcelain -- java pom.xml 2>/dev/null)" ]] && echo true || echo false)" \
  kernelhub_jar_sha256="$KH_JAR_SHA" shapes="$SHAPES" dtypes="$DTYPES" impls="$IMPLS" rounds="$ROUNDS" \
  threads="$THREADS" prompt_len="$PROMPT_LEN" new_tokens="$NEW_TOKENS" jlama="$JLAMA" jlama_native="$JLAMA_NATIVE" \
  local_kernels="${KERNELHUB_LOCAL_KERNELS:-}" quick="$QUICK" \
  loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" busy_before_pct="$BUSY" | emit
echo "bench: machine: $(nproc) cores, $CPU_MODEL; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

membw() {  # when
  gate
  "$MEMBW" --size-mib 1024 --reps 11 --threads "1,$THREADS" | last_json meta=membw when="$1" | emit \
    || json_line meta=membw when="$1" error="membw failed" | emit
}
membw start

LOGS="$OUT/logs"
rm -rf "$LOGS"; mkdir -p "$LOGS"
# runs one measurement: label, log name, extra fields, then the command; emits its JSON line (or an error
# line); the command's stderr is kept in OUT/logs/NAME.log
measure() {
  local runner=$1 ERR="$LOGS/$2.log" fields=$3 rc=0 out line msg psi0 t0 psi_pct
  shift 3
  gate
  psi0=$(psi_us) t0=$(now_us)
  out=$(timeout --kill-after=30 "$TIMEOUT" "$@" 2>"$ERR") || rc=$?
  psi_pct=$(( ($(psi_us) - psi0) * 100 / ($(now_us) - t0 + 1) ))
  # shellcheck disable=SC2086 # fields is a list of key=value words without spaces
  if ((rc == 0)) && line=$(printf '%s\n' "$out" | last_json runner="$runner" $fields cpu_pressure_pct="$psi_pct"); then
    printf '%s\n' "$line" | emit
  else
    msg=$(grep -v 'Using incubator modules' "$ERR" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-300 || true)
    ((rc == 124 || rc == 137)) && msg="timed out after $TIMEOUT s (--timeout)"
    # shellcheck disable=SC2086
    json_line runner="$runner" $fields exit="$rc" error="${msg:-no JSON output}" | emit
  fi
}

for shape in ${SHAPES//,/ }; do
  for dtype in ${DTYPES//,/ }; do
    dir="$MODELS_DIR/$shape-$dtype"
    if ((REUSE)) && [[ -f "$dir/config.json" ]]; then
      echo "bench: reusing $dir" >&2
    else
      echo "bench: writing the $shape $dtype checkpoint into $dir" >&2
      rm -rf "$dir"
      if ! "${KH[@]}" make-model "$dir" --preset "$shape" --dtype "$dtype" --seed "$SEED" >&2; then
        json_line meta=model shape="$shape" dtype="$dtype" error="make-model failed" | emit
        continue
      fi
    fi
    # what one decode step reads: every tensor once in the compute dtype, the embedding as one row (a tied LM
    # head reads the whole matrix, so a checkpoint without lm_head.weight counts it once more in full)
    "$PY" - "$dir" "$shape" "$dtype" "$PROMPT_LEN" "$OUT/prompt-$shape-$dtype.txt" <<'EOF' | emit
import json, math, struct, sys
d, shape, dtype, n, prompt_out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
with open(d + "/model.safetensors", "rb") as f:
    hdr = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
hdr.pop("__metadata__", None)
esize = {"f32": 4, "bf16": 2}[dtype]
cfg = json.load(open(d + "/config.json"))
params = {k: math.prod(v["shape"]) for k, v in hdr.items()}
emb = "model.embed_tokens.weight"
per_token = sum(p for k, p in params.items() if k != emb) + hdr[emb]["shape"][1]
if "lm_head.weight" not in hdr:
    per_token += params[emb]
vocab = cfg["vocab_size"]
# the fixed prompt: n ids spread over the vocabulary, skipping the first 300 (bytes and special tokens)
ids = [300 + (i * 7919 + 13) % (vocab - 300) for i in range(n)]
open(prompt_out, "w").write(",".join(map(str, ids)))
print(json.dumps({"meta": "model", "shape": shape, "dtype": dtype, "dir": d, "params": sum(params.values()),
                  "checkpoint_dtypes": sorted({v["dtype"] for v in hdr.values()}),
                  "weight_bytes_per_token": per_token * esize, "tied_lm_head": "lm_head.weight" not in hdr,
                  "config": {k: cfg.get(k) for k in ["hidden_size", "num_hidden_layers", "num_attention_heads",
                             "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size",
                             "max_position_embeddings", "torch_dtype"]}}))
EOF
    ids=$(cat "$OUT/prompt-$shape-$dtype.txt")
    for ((round = 1; round <= ROUNDS; round++)); do
      order=(kernelhub jlama)
      ((round % 2 == 0)) && order=(jlama kernelhub)
      for side in "${order[@]}"; do
        if [[ "$side" == kernelhub ]]; then
          for impl in ${IMPLS//,/ }; do
            echo "bench: $shape $dtype round $round: kernelhub $impl" >&2
            measure kernelhub "$shape-$dtype-r$round-kernelhub-${impl//\//_}" "shape=$shape dtype_requested=$dtype round=$round impl_requested=$impl" \
              "${KH[@]}" generate "$dir" --tokens "$ids" --max-new-tokens "$NEW_TOKENS" --greedy --ignore-eos \
              --threads "$THREADS" --dtype "$dtype" --impl "$impl" --json
          done
        elif ((JLAMA)); then
          echo "bench: $shape $dtype round $round: jlama" >&2
          measure jlama "$shape-$dtype-r$round-jlama" "shape=$shape dtype_requested=$dtype round=$round" \
            "${JL[@]}" "$dir" --tokens-file "$OUT/prompt-$shape-$dtype.txt" --max-new-tokens "$NEW_TOKENS" \
            --threads "$THREADS" --dtype f32
        fi
      done
    done
  done
done

membw end
json_line meta=end date="$(date -u +%FT%TZ)" loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" idle_wait_s="$WAITED" \
  cpu_pressure_pct="$(( ($(psi_us) - PSI0) * 100 / ($(now_us) - T0) ))" | emit

if ((QUICK)); then
  base="$OUT/models-quick"
else
  mkdir -p "$RESULTS"
  slug=$(printf '%s' "$CPU_MODEL" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
  base="$RESULTS/$(date +%F)-${slug:-cpu}"
fi
"$PY" "$ROOT/bench/models_report.py" "$JSONL" --json "$base.json" > "$base.md"
cat "$base.md"
echo "bench: wrote $base.md and $base.json (measurements: $JSONL)" >&2

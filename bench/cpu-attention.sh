#!/usr/bin/env bash
# CPU attention benchmark: kernelhub's implementations and three CPU peers, all measured in this one
# run, on batch 1, 8 heads, head dim 128, seq_q = seq_k, causal and not.
#
#   kernelhub        `kernelhub attend --impl ID --json` for each --impls id (eager, sdpa, hub ids such
#                    as kernels-community/flash-attn2: those need KERNELHUB_LOCAL_KERNELS or a hub from the
#                    caller's environment, which is passed through; an id that fails gets an error line)
#   torch-eager      bench/torch_attention.py: PyTorch (Debian) eager attention, OpenBLAS pthread, 2 threads
#   onnxruntime-java bench/onnxruntime/OrtAttentionBench.java: ONNX Runtime Java, one com.microsoft
#                    MultiHeadAttention node, 2 intra-op threads; output checked against a float64 reference
#   openblas-sgemm   bench/openblas_sgemm.py: cblas_sgemm, 2 threads, 2048^3 and attention-shaped products
#
# Usage: bench/cpu-attention.sh [--seqs 512,1024,2048,4096] [--dtype f32|f16|bf16] [--impls eager,sdpa]
#                               [--peers torch,onnxruntime,sgemm] [--out DIR] [--iters N] [--warmup N]
#                               [--eager-max-seq 2048] [--wait-idle SECONDS]
# --wait-idle: before the run and before each measurement (each kernelhub call, each peer per seq), wait
# up to SECONDS for the machine to be idle (>= 90% idle CPU over 2-5 s; other users' processes count
# even when this shell cannot see them). The busy share before the run and the total wait are recorded.
# Order: sgemm 2048^3, then per seq kernelhub's impls (full, causal) and each peer, then sgemm 2048^3
# again (the two square rates show how contended the machine was during the run).
# Writes DIR/cpu-attention.jsonl (one line per measurement, error or skip; the first and last lines are
# run metadata) and DIR/cpu-attention.md (the table), and prints the table. The machine is small and
# may be shared: run twice and combine with `bench/report.py A/cpu-attention.jsonl B/cpu-attention.jsonl`
# (best of the runs per cell).
# Installs what is missing: Debian's python3-torch, libopenblas0-pthread, python3-onnx (apt-get, as root)
# and the ONNX Runtime jar (Maven Central, into bench/out/lib).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEQS=512,1024,2048,4096
DTYPE=f32
IMPLS=eager,sdpa
PEERS=torch,onnxruntime,sgemm
OUT="$ROOT/bench/out"
WARMUP=3
ITERS=10
WAIT_IDLE=0
EAGER_MAX_SEQ=2048  # kernelhub's eager materialises scores in scalar loops: seconds per call above this
ORT_VERSION=1.23.2  # keep in step with bench/onnxruntime/pom.xml
while (($#)); do
  case "$1" in
    --seqs) SEQS=$2; shift 2 ;;
    --dtype) DTYPE=$2; shift 2 ;;
    --impls) IMPLS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --eager-max-seq) EAGER_MAX_SEQ=$2; shift 2 ;;
    --wait-idle) WAIT_IDLE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
has_peer() { [[ ",$PEERS," == *",$1,"* ]]; }

# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
JAVA_HOME="$(kh_find_jdk)" || exit 2
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"

# ---- setup (nothing here is timed) ----

# Debian's PyTorch needs OpenBLAS's threaded build (else a reference BLAS, 40x slower); the sgemm peer
# calls that same library; python3-onnx writes the ONNX Runtime peer's models.
PY=/usr/bin/python3
apt_install() {
  echo "bench: installing $*" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}
if ! "$PY" -c 'import torch' 2>/dev/null || ! ls /usr/lib/*-linux-gnu/openblas-pthread/libopenblas.so.0 >/dev/null 2>&1; then
  apt_install python3-torch libopenblas0-pthread
fi
if has_peer onnxruntime && ! "$PY" -c 'import onnx' 2>/dev/null; then
  apt_install python3-onnx
fi

ORT_LIB="$ROOT/bench/out/lib"
ORT_JAR="$ORT_LIB/onnxruntime-$ORT_VERSION.jar"
ORT_MODELS="$ROOT/bench/out/onnx"
if has_peer onnxruntime; then
  if [[ ! -f "$ORT_JAR" ]]; then
    echo "bench: fetching onnxruntime $ORT_VERSION from Maven Central into $ORT_LIB" >&2
    (cd "$ROOT" && kh_mvn -q -B -Dstyle.color=never -f bench/onnxruntime/pom.xml \
      dependency:copy-dependencies -DoutputDirectory="$ORT_LIB") >&2
  fi
  "$PY" "$ROOT/bench/onnxruntime/make_mha_model.py" --out "$ORT_MODELS" --heads 8 --head-dim 128 >/dev/null
fi

# kernelhub: the launcher builds the CLI when the sources are newer than the jar; then every call runs
# one snapshot of that jar, so a concurrent edit or rebuild cannot change what is measured mid-run.
JAR_SRC="$ROOT/java/cli/target/kernelhub.jar"
if ! "$ROOT/kernelhub" list --json > "$OUT/kernelhub-list.json"; then
  [[ -f "$JAR_SRC" ]] || { echo "bench: kernelhub does not build and no jar exists" >&2; exit 2; }
  echo "bench: WARNING: kernelhub did not build; measuring the existing $JAR_SRC" >&2
fi
cp "$JAR_SRC" "$OUT/kernelhub.jar"
KH=("$JAVA" "${KH_JVM_FLAGS[@]}" ${KERNELHUB_JAVA_OPTS:-} -jar "$OUT/kernelhub.jar")

JSONL="$OUT/cpu-attention.jsonl"
: > "$JSONL"
emit() { tee -a "$JSONL"; }
# contention indicators for the record: the kernel's steal ticks and CPU pressure (PSI "some": share of
# wall time in which a runnable task waited for a CPU; the benchmark itself runs 2 threads on 2 cores,
# JIT and GC threads included, so a quiet run shows 5-10%; tens of percent mean contention)
steal() { awk '/^cpu /{print $9}' /proc/stat; }
# psi_us, now_us and busy_pct come from bench/lib.sh
BUSY=$(busy_pct)
if (( WAIT_IDLE > 0 )); then
  deadline=$(( $(date +%s) + WAIT_IDLE ))
  while (( BUSY > 10 && $(date +%s) < deadline )); do
    echo "bench: machine ${BUSY}% busy (other users?); waiting for it to be idle" >&2
    sleep 25; BUSY=$(busy_pct)
  done
fi
WAITED=0  # seconds gate() (bench/lib.sh) waited for an idle machine
STEAL0=$(steal) PSI0=$(psi_us) T0=$(now_us)
json_line meta=start date="$(date -u +%FT%TZ)" cores="$(nproc)" \
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
  jdk="$("$JAVA" -version 2>&1 | head -n1)" \
  kernelhub_commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  kernelhub_dirty="$([[ -n "$(git -C "$ROOT" status --porcelain -- java pom.xml 2>/dev/null)" ]] && echo true || echo false)" \
  kernelhub_jar_sha256="$(sha256sum "$OUT/kernelhub.jar" | cut -c1-16)" \
  dtype="$DTYPE" seqs="\"$SEQS\"" impls="$IMPLS" peers="$PEERS" local_kernels="${KERNELHUB_LOCAL_KERNELS:-}" \
  loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" busy_before_pct="$BUSY" | emit
echo "bench: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---- measurements, one seq at a time: kernelhub's implementations, then each peer, so that every
# row of the table is measured within a minute or so (contention on a shared machine then hits the
# contenders of a row alike) ----

ERR="$OUT/.stderr"
kernelhub_attend() {  # impl seq causal-flag
  local impl=$1 seq=$2 causal=$3 cflag iters warm rc=0 out line msg
  cflag=$([[ -n "$causal" ]] && echo true || echo false)
  if [[ "$impl" == eager ]] && (( seq > EAGER_MAX_SEQ )); then
    json_line impl=eager device=cpu dtype="$DTYPE" seq="$seq" causal="$cflag" \
      skipped="eager runs only up to seq $EAGER_MAX_SEQ (--eager-max-seq): it takes seconds per call" | emit
    return
  fi
  # about a second of warm-up calls, so the JIT has compiled the vector kernels before timing
  iters=$ITERS warm=$(( 40960 / seq ))
  [[ "$impl" == eager ]] && iters=3 warm=1
  gate
  out=$("${KH[@]}" attend --impl "$impl" --batch 1 --heads 8 --head-dim 128 --seq-q "$seq" --seq-k "$seq" \
    --dtype "$DTYPE" $causal --warmup "$warm" --iters "$iters" --json 2>"$ERR") || rc=$?
  if ((rc == 0)) && line=$(printf '%s' "$out" | "$PY" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))' 2>/dev/null); then
    printf '%s\n' "$line" | emit
  else
    msg=$(grep -v 'Using incubator modules' "$ERR" | grep -v '^[[:space:]]*$' | tail -n 1 || true)
    json_line impl="$impl" device=cpu dtype="$DTYPE" seq="$seq" causal="$cflag" exit="$rc" \
      error="${msg:-no JSON output}" | emit
  fi
}

sgemm_square() {  # when
  has_peer sgemm || return 0
  gate
  "$PY" "$ROOT/bench/openblas_sgemm.py" --seqs "" --square 2048 --tag "$1" --threads 2 --warmup "$WARMUP" \
    --iters "$ITERS" | emit || json_line impl=openblas-sgemm error="openblas_sgemm.py failed (see stderr)" | emit
}

torch_dtype=$DTYPE
[[ "$DTYPE" == f16 ]] && torch_dtype=f32  # CPU PyTorch 1.13 has no fast f16 matmul; compare f32
alignment=--check-alignment  # ORT's causal alignment with seq_q != seq_k: checked once per run

sgemm_square start  # the machine's sgemm rate at the start and at the end: a contention indicator
for seq in ${SEQS//,/ }; do
  for causal in "" "--causal"; do
    for impl in ${IMPLS//,/ }; do
      kernelhub_attend "$impl" "$seq" "$causal"
    done
  done
  if has_peer torch; then
    gate
    OMP_NUM_THREADS=2 "$PY" "$ROOT/bench/torch_attention.py" --seqs "$seq" --dtype "$torch_dtype" --threads 2 \
      --warmup "$WARMUP" --iters "$ITERS" | emit \
      || json_line impl=torch-eager dtype="$torch_dtype" seq="$seq" error="torch_attention.py failed (see stderr)" | emit
  fi
  if has_peer onnxruntime; then
    # bf16: ORT's MultiHeadAttention has no bf16 (the model fails to load): recorded as error lines
    gate
    "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$ORT_JAR" "$ROOT/bench/onnxruntime/OrtAttentionBench.java" \
      --model-dir "$ORT_MODELS" --seqs "$seq" --dtype "$DTYPE" --threads 2 --warmup "$WARMUP" --iters "$ITERS" \
      $alignment | emit \
      || json_line impl=onnxruntime-java dtype="$DTYPE" seq="$seq" error="OrtAttentionBench failed (see stderr)" | emit
    alignment=
  fi
  if has_peer sgemm; then
    gate
    "$PY" "$ROOT/bench/openblas_sgemm.py" --seqs "$seq" --square 0 --threads 2 --warmup "$WARMUP" --iters "$ITERS" \
      | emit || json_line impl=openblas-sgemm seq="$seq" error="openblas_sgemm.py failed (see stderr)" | emit
  fi
done
sgemm_square end

json_line meta=end date="$(date -u +%FT%TZ)" loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" \
  steal_ticks="$(( $(steal) - STEAL0 ))" idle_wait_s="$WAITED" \
  cpu_pressure_pct="$(( ($(psi_us) - PSI0) * 100 / ($(now_us) - T0) ))" | emit
rm -f "$ERR"
"$PY" "$ROOT/bench/report.py" "$JSONL" > "$OUT/cpu-attention.md"
cat "$OUT/cpu-attention.md"

#!/usr/bin/env bash
# Hub performance (issue "The hub", item 9), all against a kernelhub server on loopback:
#   1. warm-cache resolve + load of kernels-community/flash-attn2 in a fresh JVM, against the JVM's own
#      start-to-main time (the "over JVM start" cost), RUNS fresh JVMs each;
#   2. cold download + verify + unpack of a 50 MB bundle (incompressible payload) into an empty cache,
#      against curl of the same archive (to /dev/null, and piped through sha256sum and tar -xz).
#   With --baseline JAR (a benchmarks.jar built from an older commit), the warm-cache runs of that
#   build interleave with this one's, each with its own client home, for a before/after ratio.
# Usage: bench/hub.sh [--runs N] [--mb 50] [--out DIR] [--baseline JAR]   Results: DIR/hub.jsonl and DIR/hub.md
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
JAVA_HOME="$(kh_find_jdk)" || exit 2
export JAVA_HOME
RUNS=10 MB=50 OUT="$ROOT/bench/out/hub" BASELINE=""
while (($#)); do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --baseline) BASELINE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) echo "usage: bench/hub.sh [--runs N] [--mb 50] [--out DIR] [--baseline JAR]" >&2; exit 2 ;;
  esac
done
cd "$ROOT"
kh_mvn -q -B -DskipTests -pl java/benchmarks,java/cli -am install >&2
JAR="$ROOT/java/benchmarks/target/benchmarks.jar"
JAVA=("$JAVA_HOME/bin/java" "${KH_JVM_FLAGS[@]}" -cp "$JAR" io.kernelhub.benchmarks.hub.HubBench)
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export KERNELHUB_HOME="$WORK/publisher"
unset KERNELHUB_LOCAL_KERNELS KERNELHUB_HUB KERNELHUB_OFFLINE

# ---- publish flash-attn2 and a 50 MB bundle into a hub, serve it
./kernelhub keygen >&2
./kernelhub build kernels-community/flash-attn2 >&2
./kernelhub publish kernels-community/flash-attn2 --hub "file://$WORK/hub" >&2
./kernelhub init bench/big-bundle "$WORK/big" >&2
./kernelhub build "$WORK/big" >&2
VARIANT=$(ls "$WORK/big/build" | grep '^cpu-' | head -n1)
head -c "$((MB * 1000 * 1000))" /dev/urandom > "$WORK/big/build/$VARIANT/payload.bin"
./kernelhub publish "$WORK/big" --hub "file://$WORK/hub" >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./kernelhub serve --root "$WORK/hub" --port "$PORT" --quiet >&2 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/kernels-community/flash-attn2/maven-metadata.xml" >/dev/null && break; sleep 0.1; done
HUB="http://127.0.0.1:$PORT/"
JSONL="$OUT/hub.jsonl"; : > "$JSONL"

# ---- 1. warm-cache resolve+load in fresh JVMs (the first run fills the cache)
CLIENT="$WORK/client"
mkdir -p "$CLIENT/keys"
KERNELHUB_HOME="$CLIENT" ./kernelhub trust add "$WORK/publisher/keys/signing.pub" --org kernels-community >&2
"${JAVA[@]}" warm-load "$CLIENT" "$HUB" kernels-community/flash-attn2 >/dev/null
if [[ -n "$BASELINE" ]]; then
  BASE=("$JAVA_HOME/bin/java" "${KH_JVM_FLAGS[@]}" -cp "$BASELINE" io.kernelhub.benchmarks.hub.HubBench)
  mkdir -p "$WORK/client-base"
  cp -r "$CLIENT/keys" "$WORK/client-base/keys"
  "${BASE[@]}" warm-load "$WORK/client-base" "$HUB" kernels-community/flash-attn2 >/dev/null
fi
# whole-process wall time, measured outside the JVM (its own start instant has 1 s granularity on Linux)
for _ in $(seq "$RUNS"); do
  s=$(date +%s%N); "${JAVA[@]}" jvm-start > /dev/null; e=$(date +%s%N)
  echo "{\"mode\": \"jvm-start\", \"process_ms\": $(( (e - s) / 1000000 ))}" >> "$JSONL"
  s=$(date +%s%N); line=$("${JAVA[@]}" warm-load "$CLIENT" "$HUB" kernels-community/flash-attn2); e=$(date +%s%N)
  echo "${line%\}}, \"process_ms\": $(( (e - s) / 1000000 ))}" >> "$JSONL"
  if [[ -n "$BASELINE" ]]; then
    s=$(date +%s%N); line=$("${BASE[@]}" warm-load "$WORK/client-base" "$HUB" kernels-community/flash-attn2); e=$(date +%s%N)
    line=${line/\"warm-load\"/\"warm-load-baseline\"}
    echo "${line%\}}, \"process_ms\": $(( (e - s) / 1000000 ))}" >> "$JSONL"
  fi
done

# ---- 2. cold download+verify+unpack vs curl of the same archive
"${JAVA[@]}" cold "$HUB" bench/big-bundle "$WORK/publisher/keys" "$RUNS" "$WORK/cold" >> "$JSONL"
ARCHIVE=$(cd "$WORK/hub" && ls bench/big-bundle/*/*.tar.gz)
SIZE=$(stat -c %s "$WORK/hub/$ARCHIVE")
for i in $(seq "$RUNS"); do
  t=$(curl -s -o /dev/null -w '%{time_total}' "$HUB$ARCHIVE")
  echo "{\"mode\": \"curl\", \"run\": $i, \"archive_bytes\": $SIZE, \"ms\": $(python3 -c "print(round($t*1000,1))")}" >> "$JSONL"
  mkdir -p "$WORK/x"
  s=$(date +%s%N)
  curl -s "$HUB$ARCHIVE" | tee >(sha256sum > /dev/null) | tar -xz -C "$WORK/x"
  e=$(date +%s%N)
  rm -rf "$WORK/x"
  echo "{\"mode\": \"curl+sha256+tar\", \"run\": $i, \"archive_bytes\": $SIZE, \"ms\": $(( (e - s) / 1000000 ))}" >> "$JSONL"
done

python3 - "$JSONL" "$RUNS" "$MB" > "$OUT/hub.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(mode, key):
    v = [r[key] for r in rows if r["mode"] == mode]
    return statistics.median(v) if v else float("nan")
start, load, total = med("jvm-start", "process_ms"), med("warm-load", "resolve_load_ms"), med("warm-load", "process_ms")
print(f"## Hub timings (median of {sys.argv[2]} runs, loopback)\n")
print("| measurement | ms |\n|---|---|")
print(f"| fresh JVM running an empty main (whole process) | {start:.1f} |")
print(f"| fresh JVM resolving + loading flash-attn2 from a warm cache (whole process) | {total:.1f} |")
print(f"| over JVM start | {total - start:.1f} |")
print(f"| of which resolve + load + register, timed inside main | {load:.1f} |\n")
def spread(mode, key):
    v = sorted(r[key] for r in rows if r["mode"] == mode)
    return v[0], statistics.median(v), v[-1]
if any(r["mode"] == "warm-load-baseline" for r in rows):
    print("Warm-cache resolve + load, this build vs the baseline build, interleaved (min / median / max ms):\n")
    print("| build | whole process | inside main |\n|---|---|---|")
    for mode, label in [("warm-load", "this build"), ("warm-load-baseline", "baseline")]:
        p, m = spread(mode, "process_ms"), spread(mode, "resolve_load_ms")
        print(f"| {label} | {p[0]:.0f} / {p[1]:.0f} / {p[2]:.0f} | {m[0]:.1f} / {m[1]:.1f} / {m[2]:.1f} |")
    pb, mb = spread("warm-load-baseline", "process_ms")[1], spread("warm-load-baseline", "resolve_load_ms")[1]
    print(f"\nRatio of medians (this / baseline): whole process {total / pb:.3f}, inside main {load / mb:.3f}\n")
size = next(r["archive_bytes"] for r in rows if r["mode"] == "cold")
print(f"Cold install of a {size/1e6:.1f} MB bundle (incompressible payload) into an empty cache:\n")
print("| client | ms | MB/s | vs curl to /dev/null |\n|---|---|---|---|")
c = med("curl", "ms")
for mode, label in [("cold", "kernelhub: download + SHA-256 + unpack + receipt"), ("curl", "curl to /dev/null"),
                    ("curl+sha256+tar", "curl piped to sha256sum and tar -xz")]:
    m = med(mode, "ms")
    print(f"| {label} | {m:.1f} | {size/1e6/(m/1e3):.0f} | {c/m:.2f}x |")
PY
cat "$OUT/hub.md"

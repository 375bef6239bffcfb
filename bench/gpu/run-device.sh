#!/usr/bin/env bash
# The GPU checks, as one script (issue "CUDA", item 5), run on the H200 machine from the checkout:
#   bash bench/gpu/run-device.sh "$OUT"
# Needs .device/ from bench/gpu/pack-device.sh. Writes everything into OUT (log, doctor, validation
# JUnit/JSON, compute-sanitizer logs, benchmarks vs PyTorch SDPA flash and cuDNN as JSON and
# markdown, prefill shapes and decoding with GQA). Without a CUDA driver it stops after doctor with "no CUDA driver" and exit 2.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT=${1:?usage: run-device.sh OUT_DIR}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run-device.log") 2>&1
DEV="$ROOT/.device"
echo "run-device: $(date -u +%FT%TZ) on $(hostname)"
[[ -f $DEV/kernelhub.jar && -f $DEV/jre.tgz ]] || { echo "run-device: .device/ is missing; run bench/gpu/pack-device.sh first"; exit 2; }
if [[ ! -x /tmp/jre/bin/java ]]; then tar xzf "$DEV/jre.tgz" -C /tmp; fi
JAVA=(/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g
      -Dkernelhub.sdk="$ROOT" -jar "$DEV/kernelhub.jar")
export KERNELHUB_HOME="$OUT/home"
export KERNELHUB_LOCAL_KERNELS="kernels-community/flash-attn2=$DEV/flash-attn2-build"
kh() { "${JAVA[@]}" "$@" 2> >(grep -v 'Using incubator modules' >&2); }

kh doctor | tee "$OUT/doctor.txt"
kh doctor --json > "$OUT/doctor.json"
if ! grep -q '"available" : true' "$OUT/doctor.json"; then
  echo "run-device: no CUDA driver here (see doctor above): stopping before the GPU checks"
  exit 2
fi
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
kh resolve kernels-community/flash-attn2 --json > "$OUT/resolve.json" || true
status=0

echo "== validation (full grid, cuda, bf16 and f16, isolated)"
kh validate kernels-community/flash-attn2 --device cuda --grid full --isolate --quiet \
  --junit "$OUT/validate-cuda.xml" --json "$OUT/validate-cuda.json" || status=1

echo "== compute-sanitizer on a subset (quick grid, bf16)"
for tool in memcheck racecheck; do
  if command -v compute-sanitizer >/dev/null; then
    timeout 900 compute-sanitizer --tool "$tool" --target-processes all --print-limit 20 \
      "${JAVA[@]}" validate kernels-community/flash-attn2 --device cuda --grid quick --dtypes bf16 --repeats 0 --quiet \
      --json "$OUT/sanitizer-$tool-validate.json" > "$OUT/sanitizer-$tool.log" 2>&1 || status=1
    tail -n 5 "$OUT/sanitizer-$tool.log"
  else
    echo "compute-sanitizer not found" | tee "$OUT/sanitizer-$tool.log"
  fi
done

# bench NAME ARGS...: flash-attn2 on cuda against a peer, table to OUT/NAME.txt and JSON to OUT/NAME.json
bench() {
  local name=$1
  shift
  kh bench kernels-community/flash-attn2 --device cuda --warmup-seconds 1 "$@" --json "$OUT/$name.json" \
    | tee "$OUT/$name.txt" || status=1
}
echo "== benchmarks vs PyTorch SDPA (flash and cuDNN), bf16 and f16, head dims 64/128/256, seq 1k..16k"
export KERNELHUB_PYTHON=python3
for dt in bf16 f16; do
  for d in 64 128 256; do
    shapes=$(printf '1x16x%dx%dx%d,' 1024 1024 "$d" 2048 2048 "$d" 4096 4096 "$d" 8192 8192 "$d" 16384 16384 "$d")
    for peer in sdpa-flash sdpa-cudnn; do
      bench "bench-$dt-d$d-$peer" --dtype "$dt" --shapes "${shapes%,}" --causal both --iters 20 --peer "$peer"
    done
  done
done
echo "== 128-row blocks (FA2_CUDA_BLOCK_ROWS=128, each warp 32 rows) vs the default 64, bf16, head dims 64/128"
for d in 64 128; do
  shapes=$(printf '1x16x%dx%dx%d,' 4096 4096 "$d" 8192 8192 "$d" 16384 16384 "$d")
  FA2_CUDA_BLOCK_ROWS=128 bench "bench-rows128-bf16-d$d-sdpa-flash" --dtype bf16 --shapes "${shapes%,}" --causal both \
    --iters 20 --peer sdpa-flash
done
echo "== decoding (one query, GQA 32:8, batch 4, head dim 128): split-KV and GQA packing vs SDPA"
for dt in bf16 f16; do
  shapes=$(printf '4x32:8x1x%dx128,' 1024 4096 16384 65536)
  for peer in sdpa-flash sdpa-cudnn; do
    bench "bench-decode-$dt-$peer" --dtype "$dt" --shapes "${shapes%,}" --causal no --iters 50 --peer "$peer"
  done
done
echo "run-device: done, status $status"
exit $status

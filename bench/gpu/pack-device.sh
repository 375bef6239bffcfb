#!/usr/bin/env bash
# Prepares .device/ for the GPU machine (no Java, no network; see ../shared/device/README.md):
# a jlinked Java runtime, the kernelhub CLI jar, and the flash-attn2 build (cpu + cu130 variants).
# Usage: bench/gpu/pack-device.sh            (then: run bench/gpu/run-device.sh "$OUT" there)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../../scripts/jdk.sh
source scripts/jdk.sh
JAVA_HOME="$(kh_find_jdk)" || exit 2
export JAVA_HOME
DEV="$ROOT/.device"
rm -rf "$DEV"
mkdir -p "$DEV"
kh_mvn -q -B -DskipTests -pl java/cli -am install
cp java/cli/target/kernelhub.jar "$DEV/kernelhub.jar"
./kernelhub build kernels-community/flash-attn2 --out "$DEV/flash-attn2-build" >&2
./kernelhub check "$DEV/flash-attn2-build" >&2
rm -rf "$DEV/flash-attn2-build/.cmake"   # build intermediates: only the variants travel
# no java.desktop (the HTML reports' plots) to stay under the 64 MiB the device tool carries:
# the GPU run writes JUnit and JSON; draw the HTML here with: kernelhub report OUT/validate-cuda.json --html FILE
bash ../shared/device/pack-jre.sh "$DEV" jdk.httpserver
cp bench/gpu/run-device.sh bench/gpu/torch_sdpa.py "$DEV/"
du -sh "$DEV"

#!/usr/bin/env bash
# Checks KernelHub.cmake, kh-describe and the template end to end, without Java and without a GPU:
#   1. instantiates cmake/template for a sample id, builds it, checks lib<name>.so and kernel.json
#   2. builds tests/template_check.c and runs it against the built template library
#   3. when nvcc is on PATH: builds tests/cuda-smoke (CPU + cu<ver> variants) and checks that the
#      CUDA library has no libcudart / libstdc++ / libgcc_s dependency and was described without
#      a driver
# A missing checker tool (nvcc for step 3, python3 for kernel.json) is a visible skip
# ("check_module: SKIPPED: ...") locally and a failure under CI=true, like the Java tests.
# Usage: cmake/tests/check_module.sh [WORK_DIR]   (default: a fresh temporary directory)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$(cd "$HERE/.." && pwd)"
INCLUDE_DIR="$(cd "$MODULE_DIR/../native/include" && pwd)"
WORK="${1:-$(mktemp -d "${TMPDIR:-/tmp}/kh-module-check.XXXXXX")}"
mkdir -p "$WORK"
JOBS="$(nproc 2>/dev/null || echo 2)"
fail() { echo "check_module: FAIL: $*" >&2; exit 1; }
step() { echo "check_module: $*"; }
# missing TOOL-REASON: a skip that says so, or under CI=true a failure
missing() {
  if [[ "${CI:-}" == "true" ]]; then fail "$* [CI=true: a missing tool fails instead of skipping]"; fi
  echo "check_module: SKIPPED: $*"
}

json_get() { # json_get FILE python-expression-on-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=($2); print(v if isinstance(v, str) else repr(v))" "$1"
}

# ---- 1. the template ------------------------------------------------------------------------
ID="acme/my-attn"; ORG="${ID%%/*}"; NAME="${ID#*/}"
KDIR="$WORK/$NAME"
rm -rf "$KDIR"
cp -R "$MODULE_DIR/template" "$KDIR"
grep -rl '@KH_' "$KDIR" | while read -r f; do
  sed -i.bak -e "s|@KH_ID@|$ID|g" -e "s|@KH_NAME@|$NAME|g" -e "s|@KH_ORG@|$ORG|g" "$f" && rm -f "$f.bak"
done
if grep -r '@KH_' "$KDIR" >/dev/null; then fail "placeholders left in the instantiated template"; fi
step "building the template as $ID in $KDIR"
cmake -S "$KDIR" -B "$KDIR/build/.cmake" -DKERNELHUB_CMAKE_DIR="$MODULE_DIR" >"$WORK/template-configure.log" 2>&1 \
  || { cat "$WORK/template-configure.log"; fail "template configure"; }
cmake --build "$KDIR/build/.cmake" -j "$JOBS" >"$WORK/template-build.log" 2>&1 \
  || { cat "$WORK/template-build.log"; fail "template build"; }
grep -i 'warning' "$WORK/template-build.log" && fail "compiler warnings in the template"
ARCH="$(uname -m)"; [[ "$ARCH" == "arm64" ]] && ARCH=aarch64
VARIANT="cpu-$ARCH-linux"
LIB="$KDIR/build/$VARIANT/lib$NAME.so"
MANIFEST="$KDIR/build/$VARIANT/kernel.json"
[[ -f "$LIB" ]] || fail "missing $LIB"
[[ -f "$MANIFEST" ]] || fail "missing $MANIFEST"
if command -v python3 >/dev/null; then
  [[ "$(json_get "$MANIFEST" "d['id'], d['version'], d['variant'], d['library'], d['abi_version']")" \
      == "('$ID', '0.1.0', '$VARIANT', 'lib$NAME.so', 1)" ]] || fail "kernel.json header: $(cat "$MANIFEST")"
  [[ "$(json_get "$MANIFEST" "[(o['name'], o['device'], o['default']) for o in d['ops']]")" \
      == "[('fwd', 'cpu', True)]" ]] || fail "kernel.json ops"
  [[ "$(json_get "$MANIFEST" "d['ops'][0]['features']")" \
      == "['causal', 'sliding-window', 'softcap', 'gqa', 'key-padding', 'varlen', 'lse']" ]] || fail "features"
  [[ "$(json_get "$MANIFEST" "d['ops'][0]['dtypes'], d['ops'][0]['head_dim']")" \
      == "(['f32', 'f16', 'bf16'], {'min': 1, 'max': 512, 'multiple_of': 1})" ]] || fail "dtypes / head_dim"
  want_sha="$(cd "$KDIR" && sha256sum src/attention.c | sha256sum | cut -d' ' -f1)"
  [[ "$(json_get "$MANIFEST" "d['build']['sources_sha256']")" == "$want_sha" ]] || fail "sources_sha256"
else
  missing "python3 not found: kernel.json contents not checked; install python3"
fi
exports="$(nm -D --defined-only "$LIB" | awk '{print $3}' | sort | tr '\n' ' ')"
[[ "$exports" == "kh_abi_version kh_register " ]] || fail "exports of $LIB: $exports"
step "template ok: $LIB"

# ---- 2. template_check ------------------------------------------------------------------------
cc -std=c11 -O1 -Wall -Wextra -I"$INCLUDE_DIR" "$HERE/template_check.c" -o "$WORK/template_check" -ldl -lm
"$WORK/template_check" "$LIB" >"$WORK/template_check.log" || { cat "$WORK/template_check.log"; fail "template_check"; }
step "template_check ok: $(tail -1 "$WORK/template_check.log")"

# ---- 3. the CUDA variant ------------------------------------------------------------------------
if ! command -v nvcc >/dev/null; then
  missing "nvcc not found on PATH (where CMake looks for it): CUDA variant not checked; install a CUDA toolkit" \
    "or add its bin directory (e.g. /usr/local/cuda/bin) to PATH"
  exit 0
fi
SDIR="$WORK/cuda-smoke"
rm -rf "$SDIR"
step "building tests/cuda-smoke in $SDIR"
cmake -S "$HERE/cuda-smoke" -B "$SDIR/cmake" -DKERNELHUB_CMAKE_DIR="$MODULE_DIR" -DKERNELHUB_OUTPUT_DIR="$SDIR/out" \
  >"$WORK/smoke-configure.log" 2>&1 || { cat "$WORK/smoke-configure.log"; fail "cuda-smoke configure"; }
cmake --build "$SDIR/cmake" -j "$JOBS" >"$WORK/smoke-build.log" 2>&1 \
  || { cat "$WORK/smoke-build.log"; fail "cuda-smoke build"; }
CU_DIR="$(find "$SDIR/out" -maxdepth 1 -type d -name "cu*-$ARCH-linux" | head -1)"
[[ -n "$CU_DIR" ]] || fail "no cu*-$ARCH-linux variant was built (see $WORK/smoke-configure.log)"
CU_LIB="$CU_DIR/libcuda-smoke.so"
needed="$(readelf -d "$CU_LIB" | awk '/NEEDED/ {print $5}' | tr -d '[]' | sort | tr '\n' ' ')"
case "$needed" in *cudart*|*libcuda.so*|*stdc++*|*gcc_s*) fail "$CU_LIB needs: $needed" ;; esac
"$SDIR/cmake/kernelhub-tools/kh-describe" "$CU_LIB" >/dev/null || fail "kh-describe $CU_LIB"
if command -v python3 >/dev/null; then
  M="$CU_DIR/kernel.json"
  [[ "$(json_get "$M" "d['backend'], [o['device'] for o in d['ops']], d['requirements']['sass'], d['requirements']['ptx']")" \
      == "('cuda', ['cuda'], ['sm_80', 'sm_86', 'sm_89', 'sm_90'], ['compute_90'])" ]] || fail "cuda kernel.json: $(cat "$M")"
  [[ "$(json_get "$M" "d['description']")" == 'module test bundle: "quoted" and back\slash survive' ]] \
    || fail "description escaping"
  # the variant is named after the toolkit that built it: cu<major><minor> of nvcc's release
  release="$(nvcc --version | sed -n 's/.*release \([0-9]*\)\.\([0-9]*\).*/\1.\2/p' | head -1)"
  [[ -n "$release" ]] || fail "cannot read the release from nvcc --version"
  [[ "$(basename "$CU_DIR")" == "cu${release/./}-$ARCH-linux" ]] || fail "$CU_DIR is not named after nvcc $release"
  [[ "$(json_get "$M" "d['requirements']['cuda_toolkit']")" == "$release" ]] \
    || fail "kernel.json cuda_toolkit is not nvcc's $release: $(json_get "$M" "d['requirements']")"
fi
step "CUDA variant ok: $CU_LIB (needs: $needed)"

#!/usr/bin/env bash
# native-tests.sh — the native tests the Maven suite does not run, as CI runs them:
#   1. kernels-community/flash-attn2/tests: configure + build with CMake, then ctest:
#      fa2_test (full harness, every ISA path this CPU has), fa2_test_quick, fa2_isa_leak
#      (check_isa.sh: no AVX outside the ISA namespaces; registered on x86-64, and this script
#      fails if it is not registered there) and fa2_deps (check_deps.cmake: dynamic
#      dependencies and exports);
#   2. cmake/tests/check_module.sh: the KernelHub.cmake module, the template + template_check.c,
#      and with nvcc the cuda-smoke CUDA variant (under CI=true a missing nvcc fails it).
# Every part runs even when an earlier one failed; the exit status is non-zero if any failed.
# Builds under target/native-tests/ (ignored by git; KH_NATIVE_TESTS_DIR overrides it).
# Usage: scripts/native-tests.sh [--quick]   (--quick: leave out the full fa2_test, ~1 min on 2 cores)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${KH_NATIVE_TESTS_DIR:-$ROOT/target/native-tests}"
JOBS="$(nproc 2>/dev/null || echo 2)"
QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "native-tests: unknown argument '$a' (usage: scripts/native-tests.sh [--quick])" >&2; exit 2 ;;
  esac
done

say() { echo "native-tests: $*"; }
hr() { echo "native-tests: ------------------------------------------------------------------------"; }
START=$SECONDS
ran=0; passed=0; fa2_ran=0; failed_names=(); skipped_notes=()

# ---- tools: none of these may be missing (a missing one is a failure, never a skip) ----------
missing_tools=()
for t in cmake ctest c++ cc objdump readelf nm; do
  command -v "$t" >/dev/null 2>&1 || missing_tools+=("$t")
done
if ((${#missing_tools[@]})); then
  say "FAIL: missing tools: ${missing_tools[*]} (install cmake >= 3.20, a C/C++ compiler and binutils)"
  exit 1
fi
say "cmake $(cmake --version | head -1 | awk '{print $3}'), $(c++ --version | head -1), $JOBS jobs, build dir $OUT"
mkdir -p "$OUT"

# ---- 1. flash-attn2's CPU harness and checks ---------------------------------------------------
FA2_SRC="$ROOT/kernels-community/flash-attn2/tests"
FA2_BUILD="$OUT/flash-attn2"
hr
say "[1/2] kernels-community/flash-attn2/tests: configure + build in $FA2_BUILD"
fa2_built=0
if cmake -S "$FA2_SRC" -B "$FA2_BUILD" -DCMAKE_BUILD_TYPE=Release >"$OUT/fa2-configure.log" 2>&1 \
   && cmake --build "$FA2_BUILD" -j "$JOBS" >"$OUT/fa2-build.log" 2>&1; then
  fa2_built=1
else
  cat "$OUT/fa2-configure.log" "$OUT/fa2-build.log" 2>/dev/null | tail -60
  say "FAIL: flash-attn2 tests did not configure/build (logs: $OUT/fa2-configure.log, $OUT/fa2-build.log)"
  failed_names+=("flash-attn2 build")
fi

if ((fa2_built)); then
  # the tests that must be registered here: the ISA-leak check on every x86-64 machine
  expected=(fa2_test fa2_test_quick fa2_deps)
  case "$(uname -m)" in x86_64|amd64) expected+=(fa2_isa_leak) ;; esac
  registered="$(cd "$FA2_BUILD" && ctest -N | sed -n 's/^ *Test *#[0-9]*: \(.*\)$/\1/p')"
  for t in "${expected[@]}"; do
    if ! grep -qx "$t" <<<"$registered"; then
      say "FAIL: ctest test $t is not registered on $(uname -m) (registered: $(echo $registered))"
      failed_names+=("$t (not registered)")
    fi
  done
  exclude=()
  if ((QUICK)); then
    exclude=(-E '^fa2_test$')
    skipped_notes+=("fa2_test (full) left out: --quick")
  fi
  want_runs=$(( $(wc -l <<<"$registered") - QUICK ))
  say "ctest: $(echo $registered)"
  ctest_log="$OUT/fa2-ctest.log"
  set +e
  (cd "$FA2_BUILD" && ctest --output-on-failure "${exclude[@]}") 2>&1 | tee "$ctest_log"
  set -e
  # count from ctest's own per-test lines ("1/4 Test #2: fa2_test_quick ....   Passed   12.3 sec")
  while read -r name result; do
    ran=$((ran + 1)); fa2_ran=$((fa2_ran + 1))
    if [[ "$result" == Passed ]]; then passed=$((passed + 1)); else failed_names+=("$name"); fi
  done < <(sed -n 's/^ *[0-9]*\/[0-9]* *Test *#[0-9]*: \([^ ]*\) \.*[* ]*\([A-Za-z]*\).*/\1 \2/p' "$ctest_log")
  if ((fa2_ran != want_runs)); then
    say "FAIL: ctest ran $fa2_ran tests, expected $want_runs (see $ctest_log)"
    failed_names+=("ctest ($fa2_ran of $want_runs ran)")
  fi
fi

# ---- 2. the CMake module, the template and template_check.c (+ cuda-smoke with nvcc) ----------
hr
MOD_WORK="$OUT/check-module"
rm -rf "$MOD_WORK"
say "[2/2] cmake/tests/check_module.sh $MOD_WORK"
ran=$((ran + 1))
set +e
"$ROOT/cmake/tests/check_module.sh" "$MOD_WORK" 2>&1 | tee "$OUT/check-module.log"
rc=${PIPESTATUS[0]}
set -e
if ((rc == 0)); then
  passed=$((passed + 1))
  while read -r line; do skipped_notes+=("check_module: ${line#*SKIPPED: }"); done \
    < <(grep 'SKIPPED:' "$OUT/check-module.log" || true)
else
  failed_names+=("check_module.sh")
fi

# ---- summary -----------------------------------------------------------------------------------
hr
for n in "${skipped_notes[@]+"${skipped_notes[@]}"}"; do say "skipped: $n"; done
elapsed=$((SECONDS - START))
if ((${#failed_names[@]} == 0 && ran > 0)); then
  say "PASSED: $passed/$ran native tests passed in ${elapsed}s (flash-attn2 ctest: $fa2_ran, cmake/tests/check_module.sh: 1)"
  exit 0
fi
say "FAILED: $passed/$ran native tests passed in ${elapsed}s; failed: ${failed_names[*]:-none ran}"
exit 1

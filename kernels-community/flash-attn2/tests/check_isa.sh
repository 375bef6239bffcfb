#!/usr/bin/env bash
# check_isa.sh LIB — the baseline parts of the bundle (front end, pool, portable kernels, the
# statically linked libstdc++/libgcc) must not contain AVX instructions: only functions in the
# fa2_avx2 / fa2_avx512 / fa2_avx512bf16 namespaces, which run after the CPU check, may.
# Catches an inline function compiled with -mavx512* being merged into baseline code.
# Never passes vacuously: the disassembly must show baseline functions and, in the ISA
# namespaces, AVX instructions (else objdump or the namespaces changed and the check is blind).
set -euo pipefail
lib="${1:?usage: check_isa.sh LIB}"
[[ -f "$lib" ]] || { echo "check_isa: FAIL: no such library: $lib" >&2; exit 1; }
command -v objdump >/dev/null || { echo "check_isa: FAIL: objdump not found (install binutils)" >&2; exit 1; }
dis="$(objdump -d --no-show-raw-insn -C "$lib")"
awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn);
                        allowed = (fn ~ /fa2_avx2::|fa2_avx512::|fa2_avx512bf16::/);
                        if (allowed) isa_fns++; else base_fns++; next }
  /^ +[0-9a-f]+:\t/ {
    split($0, parts, "\t"); ins = parts[2];
    avx = (ins ~ /^v[a-z]/ || ins ~ /%[yz]mm|%k[0-7]/);
    if (allowed && avx) isa_avx++;
    if (!allowed && avx) {
      if (!(fn in seen)) { seen[fn] = 1; print "AVX instruction outside an ISA namespace: " fn ": " ins; bad = 1 }
    }
  }
  END {
    if (base_fns == 0 || isa_fns == 0 || isa_avx == 0) {
      printf "check_isa: FAIL: nothing to check (baseline functions %d, ISA-namespace functions %d, AVX instructions in them %d)\n", base_fns, isa_fns, isa_avx
      exit 1
    }
    if (bad) exit 1
    printf "check_isa: %d baseline functions free of AVX; %d AVX instructions, all in %d fa2_avx2/fa2_avx512/fa2_avx512bf16 functions\n", base_fns, isa_avx, isa_fns
  }' <<<"$dis"

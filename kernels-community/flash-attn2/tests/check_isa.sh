#!/usr/bin/env bash
# check_isa.sh LIB — the baseline parts of the bundle (front end, pool, portable kernels, the
# statically linked libstdc++/libgcc) must not contain AVX instructions: only functions in the
# fa2_avx2 / fa2_avx512 / fa2_avx512bf16 namespaces, which run after the CPU check, may.
# Catches an inline function compiled with -mavx512* being merged into baseline code.
set -euo pipefail
lib="$1"
objdump -d --no-show-raw-insn -C "$lib" | awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn);
                        allowed = (fn ~ /fa2_avx2::|fa2_avx512::|fa2_avx512bf16::/); next }
  /^ +[0-9a-f]+:\t/ {
    split($0, parts, "\t"); ins = parts[2];
    if (!allowed && (ins ~ /^v[a-z]/ || ins ~ /%[yz]mm|%k[0-7]/)) {
      if (!(fn in seen)) { seen[fn] = 1; print "AVX instruction outside an ISA namespace: " fn ": " ins; bad = 1 }
    }
  }
  END { exit bad }'
echo "check_isa: only fa2_avx2/fa2_avx512/fa2_avx512bf16 functions use AVX instructions"

# Helpers shared by the benchmark scripts (sourced; they expect PY to name a python3).

# one JSON line from key=value arguments (values that parse as JSON stay JSON)
json_line() {
  "$PY" - "$@" <<'PYEOF'
import json, sys
out = {}
for arg in sys.argv[1:]:
    k, v = arg.split("=", 1)
    try:
        out[k] = json.loads(v)
    except ValueError:
        out[k] = v
print(json.dumps(out))
PYEOF
}

# contention indicators: CPU pressure (PSI "some": share of wall time in which a runnable task waited for a
# CPU; a quiet run of T threads on T cores shows ~5-10% from JIT and GC threads; tens of percent mean
# other users' work)
psi_us() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || echo 0; }
now_us() { date +%s%6N; }
# busy share (%) of all CPUs over ${1:-5} s, whoever uses them
busy_pct() {
  local a b
  read -ra a < <(head -n1 /proc/stat); sleep "${1:-5}"; read -ra b < <(head -n1 /proc/stat)
  local idle=$(( b[4] + b[5] - a[4] - a[5] )) total=0 i
  for ((i = 1; i < ${#a[@]}; i++)); do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 - idle * 100 / total : 0 ))
}

# before one measurement: wait (up to WAIT_IDLE s) until the machine is idle; adds the wait to WAITED
gate() {
  (( WAIT_IDLE > 0 )) || return 0
  local t0 busy
  t0=$(date +%s)
  busy=$(busy_pct 2)
  while (( busy > 10 && $(date +%s) < t0 + WAIT_IDLE )); do
    sleep 3; busy=$(busy_pct 2)
  done
  WAITED=$(( WAITED + $(date +%s) - t0 ))
}

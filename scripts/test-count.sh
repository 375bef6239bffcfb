#!/usr/bin/env bash
# test-count.sh FLOOR [ROOT] — sums the Surefire reports under ROOT/java/*/target/surefire-reports
# and fails when fewer than FLOOR tests executed (run = tests - skipped), so a build that skipped
# its tests (-DskipTests in MAVEN_OPTS, a module left out, a filter) cannot pass CI. Lists every
# skipped test with its reason.
set -euo pipefail
floor=${1:?usage: test-count.sh FLOOR [ROOT]}
root=${2:-.}
shopt -s nullglob
reports=("$root"/java/*/target/surefire-reports/TEST-*.xml)
tests=0 skipped=0 failures=0 errors=0
for r in "${reports[@]}"; do
  # the <testsuite ...> element's attributes (Surefire writes one per class)
  head=$(grep -m1 -o '<testsuite [^>]*>' "$r")
  for attr in tests skipped failures errors; do
    v=$(sed -n "s/.* $attr=\"\([0-9]*\)\".*/\1/p" <<<"$head")
    printf -v "$attr" '%d' $(( ${!attr} + ${v:-0} ))
  done
done
ran=$((tests - skipped))
echo "test-count: ${#reports[@]} test classes, $tests tests, $ran ran, $skipped skipped, $failures failures, $errors errors (floor: $floor ran)"
if (( skipped > 0 )); then
  echo "test-count: skipped tests and why:"
  for r in "${reports[@]}"; do
    # <testcase name=".." classname=".."> then <skipped message=".."/> (JUnit's assumptions) or
    # <skipped type=".."><![CDATA[SomeException: <newline> reason ...]]> (AssertJ's: the reason is in the body)
    awk '/<testcase /{match($0,/name="[^"]*"/); n=substr($0,RSTART+6,RLENGTH-7); match($0,/classname="[^"]*"/); c=substr($0,RSTART+11,RLENGTH-12)}
         want && NF {print "  " c "." n ": " substr($0,1,200); want=0; next}
         /<skipped/{m=""; if (match($0,/message="[^"]*"/)) m=substr($0,RSTART+9,RLENGTH-10)
                    else if (match($0,/CDATA\[[^:]*: */)) m=substr($0,RSTART+RLENGTH)
                    if (m == "") want=1; else print "  " c "." n ": " m}' "$r"
  done
fi
if (( ran < floor )); then
  echo "test-count: only $ran tests ran, fewer than the floor of $floor: tests were skipped or left out (check MAVEN_OPTS for -DskipTests, the reports above, and the module list)" >&2
  exit 1
fi

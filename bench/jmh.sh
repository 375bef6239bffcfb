#!/usr/bin/env bash
# JMH benchmarks (java/benchmarks). Usage: bench/jmh.sh [JMH options, e.g. DispatchOverhead -rf json -rff out.json]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
JAVA_HOME="$(kh_find_jdk)" || exit 2
export JAVA_HOME
cd "$ROOT"
kh_mvn -q -B -DskipTests -pl java/benchmarks -am package >&2
exec "$JAVA_HOME/bin/java" "${KH_JVM_FLAGS[@]}" -Dkernelhub.repo="$ROOT" -jar java/benchmarks/target/benchmarks.jar "$@"

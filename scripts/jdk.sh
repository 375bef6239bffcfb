# shellcheck shell=bash
# Shared by ./kernelhub, ./run-tests and .ci/run: find a JDK >= 25 (the release the build compiles for) and run Maven with it.
# Order: $JAVA_HOME, then the system's JVM directories (newest first), then `java` on PATH.

KH_MIN_JAVA=25
# The Vector API (sdpa's fast kernels) is an incubator module in JDK 25; FFM needs native access.
KH_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)

# Prints the feature version (8, 17, 25, ...) of a java binary, or nothing.
kh_java_major() {
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  [[ -n "$v" ]] || return 1
  if [[ "$v" == 1.* ]]; then v=${v#1.}; fi
  echo "${v%%[.+-]*}"
}

# Prints the JAVA_HOME of the best JDK >= KH_MIN_JAVA; on failure explains what it found on stderr.
kh_find_jdk() {
  local seen=() best="" best_major=0 home major candidates=()
  if [[ -n "${JAVA_HOME:-}" ]]; then candidates+=("$JAVA_HOME"); fi
  local dir
  # KH_JVM_DIRS overrides the directories searched (used by the launcher tests)
  for dir in ${KH_JVM_DIRS:-/usr/lib/jvm /usr/java /opt/java /Library/Java/JavaVirtualMachines}; do
    [[ -d "$dir" ]] || continue
    for home in "$dir"/*; do
      [[ -d "$home/Contents/Home" ]] && home="$home/Contents/Home"
      [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] && candidates+=("$home")
    done
  done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  local -A checked=()
  for home in "${candidates[@]}"; do
    [[ -n "${checked[$home]:-}" ]] && continue
    checked[$home]=1
    if [[ ! -x "$home/bin/java" ]]; then
      seen+=("$home (no bin/java)")
      continue
    fi
    major=$(kh_java_major "$home/bin/java") || { seen+=("$home (unreadable version)"); continue; }
    seen+=("$home (Java $major)")
    # JAVA_HOME wins when it is new enough; otherwise take the newest one found
    if (( major >= KH_MIN_JAVA )) && [[ -x "$home/bin/javac" ]]; then
      if [[ "$home" == "${JAVA_HOME:-}" ]]; then echo "$home"; return 0; fi
      if (( major > best_major )); then best="$home"; best_major=$major; fi
    fi
  done
  if [[ -n "$best" ]]; then echo "$best"; return 0; fi
  {
    echo "kernelhub: needs a JDK >= $KH_MIN_JAVA (the release kernelhub is compiled for), found none."
    if ((${#seen[@]})); then
      printf '  looked at: %s\n' "${seen[@]}"
    else
      echo "  looked at: \$JAVA_HOME (unset), /usr/lib/jvm, /usr/java, /opt/java, PATH: no JDK at all"
    fi
    echo "  install a JDK 25 (e.g. Temurin from https://adoptium.net) or point JAVA_HOME at one."
  } >&2
  return 1
}

# Runs Maven with the chosen JDK. Quiets JDK 24+'s warnings about Maven's own use of sun.misc.Unsafe.
kh_mvn() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "kernelhub: Apache Maven (mvn) is needed to build; install it (e.g. apt-get install maven)." >&2
    return 2
  fi
  local major
  major=$(kh_java_major "$JAVA_HOME/bin/java")
  if (( major >= 24 )); then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
  mvn "$@"
}

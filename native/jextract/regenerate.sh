#!/usr/bin/env bash
# Regenerates the Java bindings of native/include/kernelhub.h with jextract
# (https://github.com/openjdk/jextract), built here from its source with the JDK's javac and run
# on the system's libclang. jextract is a build-time tool: its source and classes stay in a cache
# outside the repository; only the generated files are committed.
#
#   JEXTRACT_SRC=/path/to/jextract native/jextract/regenerate.sh
#
# JEXTRACT_SRC  jextract's source: a git clone (bare or not) or an extracted snapshot of
#               https://github.com/openjdk/jextract. Without it the script uses the clone it made
#               in the cache before, or clones github.com/openjdk/jextract there (needs network).
# JEXTRACT_REF  the commit to build from a git JEXTRACT_SRC (default: the pinned commit below,
#               which the committed bindings were generated with; HEAD for the newest).
# JEXTRACT_COMMIT  the commit id of an extracted snapshot that has no .git (recorded in the files).
# LIBCLANG      libclang's shared library (a file, e.g. /usr/lib/llvm-14/lib/libclang.so.1, or the
#               directory holding it). Default: the newest /usr/lib/llvm-*/lib/libclang.so* (Debian /
#               Ubuntu: apt-get install libclang-dev), else what ldconfig or llvm-config knows.
# CLANG_INCLUDE clang's builtin headers (stddef.h, ...), only when libclang cannot find its own.
# JAVA_HOME     a JDK >= 25 (default: scripts/jdk.sh's search).
# KH_JEXTRACT_CACHE  where jextract's source and classes go
#               (default ${XDG_CACHE_HOME:-~/.cache}/kernelhub/jextract).
#
# Every generated file starts with a comment naming the header, its SHA-256 and the jextract
# commit. Afterwards run the bridge tests: GeneratedBindingsTest compares every struct size, field
# offset and constant with gcc (native/probe/layout_probe.c: add new structs and constants there)
# and checks the recorded checksum against the header.
set -euo pipefail

PINNED_JEXTRACT_COMMIT=f9866df3a178baa2e4a3746a7a6e458d783ace92
JEXTRACT_URL=https://github.com/openjdk/jextract.git

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HEADER_REL=native/include/kernelhub.h
HEADER="$ROOT/$HEADER_REL"
PKG=io.kernelhub.bridge.generated
HEADER_CLASS=kernelhub_h
DIR="$ROOT/java/bridge/src/main/java/${PKG//.//}"
CACHE="${KH_JEXTRACT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kernelhub/jextract}"

die() {
  echo "regenerate.sh: $1" >&2
  shift
  local line
  for line in "$@"; do echo "  $line" >&2; done
  exit 2
}
say() { echo "regenerate.sh: $*" >&2; }

[[ -f "$HEADER" ]] || die "$HEADER_REL not found under $ROOT"
command -v git >/dev/null 2>&1 || die "git is needed (to read jextract's source and its commit id)."

# ---- the JDK ---------------------------------------------------------------------------------
# shellcheck source=../../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
JDK="$(kh_find_jdk)" || die "no JDK >= $KH_MIN_JAVA found (see above)." \
  "Install one (e.g. Temurin 25) or set JAVA_HOME to it."
[[ -x "$JDK/bin/javac" ]] || die "$JDK has no bin/javac (a JRE?): jextract is compiled from source." \
  "Set JAVA_HOME to a full JDK >= $KH_MIN_JAVA."

# ---- jextract's source at one commit -> $SNAPSHOT (a directory with src/main/java) ------------
mkdir -p "$CACHE"
SNAPSHOT=""  # the directory whose src/main gets compiled
if [[ -n "${JEXTRACT_SRC:-}" ]]; then
  [[ -e "$JEXTRACT_SRC" ]] || die "JEXTRACT_SRC=$JEXTRACT_SRC does not exist."
  GIT_SRC="$JEXTRACT_SRC"
elif [[ -d "$CACHE/jextract.git" ]]; then
  GIT_SRC="$CACHE/jextract.git"
else
  say "JEXTRACT_SRC is not set; cloning $JEXTRACT_URL into $CACHE/jextract.git"
  if ! GIT_TERMINAL_PROMPT=0 timeout 300 git clone -q --bare "$JEXTRACT_URL" "$CACHE/jextract.git.tmp" 2>"$CACHE/clone.log"; then
    rm -rf "$CACHE/jextract.git.tmp"
    die "cannot clone $JEXTRACT_URL ($(tail -n 1 "$CACHE/clone.log"))." \
      "Offline? Point JEXTRACT_SRC at a copy of jextract's source made elsewhere:" \
      "  git clone --bare $JEXTRACT_URL jextract.git   (then JEXTRACT_SRC=\$PWD/jextract.git), or" \
      "  a GitHub snapshot (https://github.com/openjdk/jextract/archive/<commit>.tar.gz) extracted," \
      "  with JEXTRACT_COMMIT=<commit>."
  fi
  mv "$CACHE/jextract.git.tmp" "$CACHE/jextract.git"
  GIT_SRC="$CACHE/jextract.git"
fi

if [[ "$(git -C "$GIT_SRC" rev-parse --is-bare-repository 2>/dev/null)" == true || -e "$GIT_SRC/.git" ]]; then
  # a git clone (bare, like the cache's, or with a work tree)
  REF="${JEXTRACT_REF:-$PINNED_JEXTRACT_COMMIT}"
  COMMIT="$(git -C "$GIT_SRC" rev-parse --verify -q "$REF^{commit}")" \
    || die "$GIT_SRC has no commit $REF." \
      "Update that clone (git -C $GIT_SRC fetch), or set JEXTRACT_REF=HEAD to use its newest commit" \
      "(the generated code may then differ from the committed bindings beyond your header change)."
  SNAPSHOT="$CACHE/$COMMIT/src"
  if [[ ! -f "$SNAPSHOT/.complete" ]]; then
    rm -rf "$SNAPSHOT"
    mkdir -p "$SNAPSHOT"
    git -C "$GIT_SRC" archive "$COMMIT" src/main build.gradle | tar -x -C "$SNAPSHOT"
    touch "$SNAPSHOT/.complete"
  fi
else
  [[ -d "$GIT_SRC/src/main/java/org/openjdk/jextract" ]] \
    || die "JEXTRACT_SRC=$GIT_SRC is neither a git clone of jextract nor an extracted snapshot" \
      "(no src/main/java/org/openjdk/jextract in it)."
  [[ -n "${JEXTRACT_COMMIT:-}" ]] \
    || die "JEXTRACT_SRC=$GIT_SRC has no .git: set JEXTRACT_COMMIT to the commit it was taken from" \
      "(recorded in the generated files; for a GitHub archive it is in the file name, or run" \
      "'git get-tar-commit-id < snapshot.tar')."
  [[ "$JEXTRACT_COMMIT" =~ ^[0-9a-f]{7,40}$ ]] || die "JEXTRACT_COMMIT=$JEXTRACT_COMMIT is not a commit id."
  COMMIT="$JEXTRACT_COMMIT"
  SNAPSHOT="$(cd "$GIT_SRC" && pwd)"
fi

# ---- compile jextract (once per commit and JDK) --------------------------------------------------
JDK_VERSION="$("$JDK/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
CLASSES="$CACHE/$COMMIT/classes-jdk$JDK_VERSION"
if [[ ! -f "$CLASSES/.complete" ]]; then
  say "compiling jextract $COMMIT with $JDK/bin/javac"
  rm -rf "$CLASSES"
  mkdir -p "$CLASSES"
  MODULE_VERSION="$(sed -n 's/^def jextract_version = "\([^"]*\)".*/\1/p' "$SNAPSHOT/build.gradle" 2>/dev/null | head -n 1)"
  (cd "$SNAPSHOT/src/main/java" && find . -name '*.java' | sort >"$CLASSES/.sources")
  if ! (cd "$SNAPSHOT/src/main/java" && "$JDK/bin/javac" -nowarn -encoding UTF-8 -d "$CLASSES" \
      --module-version "${MODULE_VERSION:-0}" @"$CLASSES/.sources") >"$CLASSES/.javac.log" 2>&1; then
    cat "$CLASSES/.javac.log" >&2
    die "javac could not compile jextract $COMMIT (log above)." \
      "jextract's source tracks the newest JDK; a snapshot newer than JDK $JDK_VERSION may need a newer JDK." \
      "Try the pinned commit (unset JEXTRACT_REF) or set JAVA_HOME to a newer JDK."
  fi
  cp -R "$SNAPSHOT/src/main/resources/." "$CLASSES/"
  touch "$CLASSES/.complete"
fi

# ---- libclang --------------------------------------------------------------------------------
find_libclang() {
  local c
  if [[ -n "${LIBCLANG:-}" ]]; then
    if [[ -d "$LIBCLANG" ]]; then
      for c in "$LIBCLANG"/libclang.so "$LIBCLANG"/libclang.so.* "$LIBCLANG"/libclang-*.so* "$LIBCLANG"/libclang.dylib; do
        [[ -f "$c" ]] && { echo "$c"; return 0; }
      done
      return 1
    fi
    [[ -f "$LIBCLANG" ]] && { echo "$LIBCLANG"; return 0; }
    return 1
  fi
  # Debian/Ubuntu's llvm-N trees, newest first
  local d
  for d in $(ls -d /usr/lib/llvm-*/lib 2>/dev/null | sort -t- -k2 -n -r); do
    for c in "$d"/libclang.so "$d"/libclang.so.* "$d"/libclang-*.so.*; do
      [[ -f "$c" ]] && { echo "$c"; return 0; }
    done
  done
  if command -v llvm-config >/dev/null 2>&1; then
    d="$(llvm-config --libdir)"
    for c in "$d"/libclang.so "$d"/libclang.so.* "$d"/libclang.dylib; do
      [[ -f "$c" ]] && { echo "$c"; return 0; }
    done
  fi
  c="$(ldconfig -p 2>/dev/null | sed -n 's/.*libclang\(-[0-9.]*\)\?\.so[.0-9]* .*=> \(.*\)/\2/p' | head -n 1)"
  [[ -n "$c" && -f "$c" ]] && { echo "$c"; return 0; }
  return 1
}
LIBCLANG_FILE="$(find_libclang)" || die "libclang not found${LIBCLANG:+ at LIBCLANG=$LIBCLANG}." \
  "Debian/Ubuntu: apt-get install libclang-dev (Debian 12: LLVM 14), or set LIBCLANG to libclang's" \
  "shared library (e.g. LIBCLANG=/usr/lib/llvm-14/lib/libclang.so.1)."
LIBCLANG_FILE="$(readlink -f "$LIBCLANG_FILE")"
# jextract calls System.loadLibrary("clang"): give it a directory holding exactly libclang.so
LIBDIR="$CACHE/libclang-$(echo "$LIBCLANG_FILE" | sha256sum | cut -c1-12)"
mkdir -p "$LIBDIR"
ln -sfn "$LIBCLANG_FILE" "$LIBDIR/libclang.so"
# clang's builtin headers (stddef.h, ...): libclang finds its own; CLANG_INCLUDE adds a directory
# of them the way a jextract bundle adds its copy (for a libclang moved away from its tree)
HEADER_PATH_OPT=()
if [[ -n "${CLANG_INCLUDE:-}" ]]; then
  [[ -f "$CLANG_INCLUDE/stddef.h" ]] || die "CLANG_INCLUDE=$CLANG_INCLUDE has no stddef.h."
  HEADER_PATH_OPT=("-Djextract.header.path=$CLANG_INCLUDE")
fi

JAVA_CMD=("$JDK/bin/java" --enable-native-access=org.openjdk.jextract "-Djava.library.path=$LIBDIR"
  "${HEADER_PATH_OPT[@]}" -p "$CLASSES" -m org.openjdk.jextract/org.openjdk.jextract.JextractTool)

# ---- run it ----------------------------------------------------------------------------------
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# jextract reads ./compile_flags.txt when present: run it from an empty directory
cd "$TMP"
if ! VERSION="$("${JAVA_CMD[@]}" --version 2>&1)"; then
  echo "$VERSION" >&2
  die "jextract did not start with libclang $LIBCLANG_FILE (output above)." \
    "Install a libclang matching this machine (apt-get install libclang-dev) or set LIBCLANG."
fi
CLANG_VERSION="$(echo "$VERSION" | sed -n 's/^LibClang version //p')"

# 1. every declaration of kernelhub.h (and nothing from the headers it includes): macros,
#    typedefs, structs, functions and variables, so a new declaration needs no edit here
"${JAVA_CMD[@]}" --dump-includes "$TMP/includes.txt" "$HEADER" 2>"$TMP/dump.log" \
  || { cat "$TMP/dump.log" >&2; die "jextract could not parse $HEADER_REL (log above)." \
    "If it says stddef.h or stdint.h was not found: install libc6-dev and clang's headers" \
    "(apt-get install libclang-dev), or set CLANG_INCLUDE=/usr/lib/llvm-N/lib/clang/<version>/include."; }
mapfile -t INCLUDES < <(awk -v h="$HEADER" '
  $1 ~ /^--include-/ { i = index($0, "# header: "); if (i > 0 && substr($0, i + 10) == h) { print $1; print $2 } }' \
  "$TMP/includes.txt")
[[ ${#INCLUDES[@]} -gt 0 ]] || die "jextract found no declaration in $HEADER_REL (its list: $TMP/includes.txt)."

# 2. the bindings of those declarations
mkdir -p "$TMP/out"
"${JAVA_CMD[@]}" --output "$TMP/out" --target-package "$PKG" --header-class-name "$HEADER_CLASS" \
  "${INCLUDES[@]}" "$HEADER" 2>"$TMP/gen.log" \
  || { cat "$TMP/gen.log" >&2; die "jextract failed on $HEADER_REL (log above)."; }
if grep -v 'warning: Skipping __clang_max_align_nonce2' "$TMP/gen.log" | grep -q .; then
  grep -v 'warning: Skipping __clang_max_align_nonce2' "$TMP/gen.log" >&2
fi
GEN="$TMP/out/${PKG//.//}"
ls "$GEN"/*.java >/dev/null 2>&1 || die "jextract wrote no Java file."

# ---- write them into the bridge ------------------------------------------------------------------
SHA="$(sha256sum "$HEADER" | cut -d' ' -f1)"
stamp() {
  echo "// Generated from $HEADER_REL (sha256 $SHA)"
  echo "// by native/jextract/regenerate.sh with jextract (openjdk/jextract commit $COMMIT,"
  echo "// ${CLANG_VERSION:-libclang}). Do not edit: rerun that script. GeneratedBindingsTest checks"
  echo "// this checksum against the header and every layout against the C compiler."
}
mkdir -p "$DIR"
rm -f "$DIR"/*.java
for f in "$GEN"/*.java; do
  { stamp; cat "$f"; } >"$DIR/$(basename "$f")"
done
# the checksum GeneratedBindingsTest compares with the header
{
  stamp
  cat <<JAVA
package $PKG;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "$SHA";
}
JAVA
} >"$DIR/HeaderChecksum.java"

say "wrote $(ls "$DIR" | wc -l) files to ${DIR#"$ROOT"/}: $((${#INCLUDES[@]} / 2)) declarations of $HEADER_REL" \
  "(sha256 $SHA), jextract $COMMIT, $CLANG_VERSION"
say "next: add new structs/constants to native/probe/layout_probe.c, then run the bridge tests" \
  "(./run-tests -pl java/bridge -am)."

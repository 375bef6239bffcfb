# shellcheck shell=bash
# Sourced by .ci/run: makes sure every tool the test suite needs is there, installing what it can
# from Debian's packages. kh_require_tools returns 1 under CI=true when any tool is
# still missing (naming each), so CI fails instead of letting tests skip; elsewhere it warns.
# Tested by CiScriptsTest (java/cli) with fake tools on an isolated PATH.

KH_MISSING_TOOLS=()

# kh_apt_install PACKAGE...: quietly, refreshing the package lists once if needed
kh_apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1; }
}

# kh_need TOOL PACKAGE: TOOL on PATH, else install PACKAGE, else remember it as missing
kh_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "ci-tools: installing $2 (for $1)" >&2
  kh_apt_install "$2" || true
  command -v "$1" >/dev/null 2>&1 || KH_MISSING_TOOLS+=("$1 (Debian package $2)")
}

kh_require_tools() {
  KH_MISSING_TOOLS=()
  kh_need mvn maven
  kh_need cmake cmake
  kh_need ctest cmake
  kh_need c++ g++
  kh_need cc gcc
  kh_need objdump binutils   # the native ISA-leak and dependency checks
  # nginx serves a published hub in NginxInteropTest (interop with a plain static server)
  if ! command -v nginx >/dev/null 2>&1 && [[ ! -x "${KH_NGINX:-/usr/sbin/nginx}" ]]; then
    echo "ci-tools: installing nginx" >&2
    kh_apt_install nginx || true
    [[ -x "${KH_NGINX:-/usr/sbin/nginx}" ]] || command -v nginx >/dev/null 2>&1 || KH_MISSING_TOOLS+=("nginx (Debian package nginx)")
  fi
  # A CUDA toolkit: the CUDA sources are compiled and run on the SIMT emulator, and the variant
  # name (cuXYZ) comes from the toolkit found. Images keep it in /usr/local/cuda.
  if ! command -v nvcc >/dev/null 2>&1; then
    local d
    for d in ${KH_CUDA_DIRS:-/usr/local/cuda/bin /usr/lib/nvidia-cuda-toolkit/bin}; do
      if [[ -x "$d/nvcc" ]]; then export PATH="$PATH:$d"; break; fi
    done
  fi
  if ! command -v nvcc >/dev/null 2>&1 && command -v apt-cache >/dev/null 2>&1 \
     && apt-cache policy nvidia-cuda-toolkit 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "ci-tools: installing Debian's nvidia-cuda-toolkit" >&2
    kh_apt_install nvidia-cuda-toolkit || true
  fi
  command -v nvcc >/dev/null 2>&1 \
    || KH_MISSING_TOOLS+=("nvcc (a CUDA toolkit: /usr/local/cuda, or Debian's nvidia-cuda-toolkit from non-free)")
  local jdk
  if jdk=$(kh_find_jdk 2>/dev/null); then
    export JAVA_HOME="$jdk"
  else
    KH_MISSING_TOOLS+=("a JDK >= $KH_MIN_JAVA (JAVA_HOME or /usr/lib/jvm)")
  fi
  if ((${#KH_MISSING_TOOLS[@]})); then
    printf 'ci-tools: missing: %s\n' "${KH_MISSING_TOOLS[@]}" >&2
    if [[ "${CI:-}" == "true" ]]; then
      echo "ci-tools: CI=true requires every tool above; install them and run again." >&2
      return 1
    fi
    echo "ci-tools: not under CI=true: the tests that need them will be skipped (each says why)." >&2
  fi
  return 0
}

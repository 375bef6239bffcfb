# cpu_sources.cmake — the CPU variant's translation units and their per-file ISA flags.
#
# Included by CMakeLists.txt (the bundle, through KernelHub.cmake) and by tests/CMakeLists.txt
# (the standalone developer build). Sets FA2_CPU_SOURCES (absolute paths). Source properties are
# directory-scoped, so include this file from the directory that creates the library target.
# Also sets FA2_CPU_ISA_DISPATCH: the ISA paths chosen at run time (empty off x86-64).
#
# Each ISA path is its own translation unit with its own -m flags; the front end
# (fa2_api.cpp) is built for the baseline ISA and picks a path at run time with
# __builtin_cpu_supports, so the library loads and runs on any x86-64 (and on aarch64 with
# only the portable path).

set(_fa2_src ${CMAKE_CURRENT_LIST_DIR}/src/cpu)
set(FA2_CPU_SOURCES
    ${_fa2_src}/fa2_api.cpp
    ${_fa2_src}/fa2_pool.cpp
    ${_fa2_src}/fa2_isa_portable.cpp)
set(FA2_CPU_ISA_DISPATCH "")

# Hot code is always optimised, whatever CMAKE_BUILD_TYPE says; no -ffast-math (the kernels
# rely on IEEE infinities and NaN propagation).
set(_fa2_common -O3 -fvisibility=hidden -fvisibility-inlines-hidden -fno-strict-aliasing)

set_source_files_properties(
    ${_fa2_src}/fa2_api.cpp ${_fa2_src}/fa2_pool.cpp ${_fa2_src}/fa2_isa_portable.cpp
    PROPERTIES COMPILE_OPTIONS "${_fa2_common}")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64|X64)$")
  list(APPEND FA2_CPU_SOURCES
      ${_fa2_src}/fa2_isa_avx2.cpp
      ${_fa2_src}/fa2_isa_avx512.cpp
      ${_fa2_src}/fa2_isa_avx512bf16.cpp)
  set(FA2_CPU_ISA_DISPATCH avx512bf16 avx512f avx2)
  set(_fa2_avx2 -mavx2 -mfma -mf16c)
  set(_fa2_avx512 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq
      -mprefer-vector-width=512)
  set_source_files_properties(${_fa2_src}/fa2_isa_avx2.cpp
      PROPERTIES COMPILE_OPTIONS "${_fa2_common};${_fa2_avx2}")
  set_source_files_properties(${_fa2_src}/fa2_isa_avx512.cpp
      PROPERTIES COMPILE_OPTIONS "${_fa2_common};${_fa2_avx512}")
  set_source_files_properties(${_fa2_src}/fa2_isa_avx512bf16.cpp
      PROPERTIES COMPILE_OPTIONS "${_fa2_common};${_fa2_avx512};-mavx512bf16")
endif()

# KernelHub.cmake — builds kernelhub bundles (one shared library + kernel.json per variant).
#
#   cmake_minimum_required(VERSION 3.20)
#   project(flash_attn2 LANGUAGES C CXX)
#   include(${KERNELHUB_CMAKE_DIR}/KernelHub.cmake)
#   kernelhub_kernel(
#     ID kernels-community/flash-attn2      # org/name
#     VERSION 2.1.0                         # MAJOR.MINOR.PATCH[-prerelease]
#     LICENSE BSD-3-Clause                  # SPDX id
#     DESCRIPTION "one line"
#     CPU_SOURCES a.cpp b.cpp ...           # the CPU variant (C11 / C++17), always built
#     CUDA_SOURCES x.cu ...                 # optional: the CUDA variant, built when nvcc is found
#     CUDA_ARCHS 80 86 89 90                # SASS embedded in the CUDA variant
#     CUDA_PTX 90                           # PTX embedded (default: the newest of CUDA_ARCHS)
#     CPU_ISA x86-64                        # optional: the CPU variant's baseline ISA (default per arch)
#     CPU_ISA_DISPATCH avx512f avx2         # optional: ISAs the bundle dispatches to at run time
#   )
#
# Every variant lands in ${KERNELHUB_OUTPUT_DIR}/<variant>/ as lib<name>.so + kernel.json, where
# <variant> is cpu-<arch>-<os> or cu<major><minor>-<arch>-<os>. kernel.json is written after the
# link by KernelHubManifest.cmake, from what the built library itself reports (ops through
# kh-describe, glibc symbol versions, embedded SASS/PTX). docs/AUTHORING.md describes it all.
#
# Cache settings: KERNELHUB_OUTPUT_DIR (default ${CMAKE_SOURCE_DIR}/build),
#                 KERNELHUB_CUDA (default ON; OFF skips the CUDA variant even when nvcc exists).
# After the call, KERNELHUB_CPU_TARGET / KERNELHUB_CUDA_TARGET name the targets (the latter empty
# when no CUDA variant is built) so a CMakeLists can add libraries or options to them.

if(CMAKE_VERSION VERSION_LESS 3.20)
  message(FATAL_ERROR "KernelHub.cmake needs CMake >= 3.20 (this is ${CMAKE_VERSION})")
endif()
include_guard(GLOBAL)

# The directory of this file, whatever the caller passed as KERNELHUB_CMAKE_DIR.
set(_KH_MODULE_DIR "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(KERNELHUB_INCLUDE_DIR "${_KH_MODULE_DIR}/../native/include" ABSOLUTE)
if(NOT EXISTS "${KERNELHUB_INCLUDE_DIR}/kernelhub.h")
  message(FATAL_ERROR "KernelHub.cmake: ${KERNELHUB_INCLUDE_DIR}/kernelhub.h not found; "
    "use the KernelHub.cmake of a kernelhub checkout (its cmake/ directory)")
endif()

set(KERNELHUB_OUTPUT_DIR "${CMAKE_SOURCE_DIR}/build" CACHE PATH
  "Where kernelhub bundles go: one sub-directory per variant")
option(KERNELHUB_CUDA "Build the CUDA variant when a CUDA compiler is found" ON)

get_property(_kh_multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
if(NOT _kh_multi_config AND NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type (kernelhub bundles default to Release: -O3)" FORCE)
endif()

# ---- platform of the variants -------------------------------------------------------------
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _kh_proc)
if(_kh_proc MATCHES "^(x86_64|amd64|x64|em64t)$")
  set(KERNELHUB_ARCH x86_64)
  set(_KH_DEFAULT_CPU_ISA x86-64)
elseif(_kh_proc MATCHES "^(aarch64|arm64|armv8.*)$")
  set(KERNELHUB_ARCH aarch64)
  set(_KH_DEFAULT_CPU_ISA armv8-a)
else()
  set(KERNELHUB_ARCH "${_kh_proc}")
  set(_KH_DEFAULT_CPU_ISA "${_kh_proc}")
  message(WARNING "kernelhub: processor '${CMAKE_SYSTEM_PROCESSOR}' is neither x86_64 nor aarch64; "
    "variants are named after it as is and no kernelhub host may select them")
endif()
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(KERNELHUB_OS linux)
elseif(CMAKE_SYSTEM_NAME STREQUAL "Darwin")
  set(KERNELHUB_OS darwin)
elseif(CMAKE_SYSTEM_NAME STREQUAL "Windows")
  set(KERNELHUB_OS windows)
else()
  string(TOLOWER "${CMAKE_SYSTEM_NAME}" KERNELHUB_OS)
  message(WARNING "kernelhub: system '${CMAKE_SYSTEM_NAME}' is not linux, darwin or windows")
endif()

# Minimum Linux x86_64 driver of each toolkit (NVIDIA's release notes, "CUDA Toolkit and
# Corresponding Driver Versions", GA releases) and the floor of CUDA minor-version compatibility.
set(_KH_MIN_DRIVER_11.8 "520.61.05")
set(_KH_MIN_DRIVER_12.0 "525.60.13")
set(_KH_MIN_DRIVER_12.1 "530.30.02")
set(_KH_MIN_DRIVER_12.2 "535.54.03")
set(_KH_MIN_DRIVER_12.3 "545.23.06")
set(_KH_MIN_DRIVER_12.4 "550.54.14")
set(_KH_MIN_DRIVER_12.5 "555.42.02")
set(_KH_MIN_DRIVER_12.6 "560.28.03")
set(_KH_MIN_DRIVER_12.8 "570.26")
set(_KH_MIN_DRIVER_12.9 "575.51.03")
set(_KH_MIN_DRIVER_13.0 "580.65.06")
set(_KH_COMPAT_DRIVER_11 "450.80.02")
set(_KH_COMPAT_DRIVER_12 "525.60.13")
set(_KH_COMPAT_DRIVER_13 "580.65.06")

find_program(KERNELHUB_OBJDUMP NAMES objdump llvm-objdump DOC "objdump, to read glibc symbol versions")
find_program(KERNELHUB_READELF NAMES readelf llvm-readelf DOC "readelf, fallback for objdump")
mark_as_advanced(KERNELHUB_OBJDUMP KERNELHUB_READELF)

# ---- helpers -------------------------------------------------------------------------------

# CMake bracket argument holding value verbatim (for generated .cmake files).
function(_kh_bracket out value)
  set(eq "=")
  while(value MATCHES "\\]${eq}\\]")
    string(APPEND eq "=")
  endwhile()
  set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

function(_kh_validate_arguments)
  set(prefix "kernelhub_kernel()")
  foreach(required ID VERSION CPU_SOURCES)
    if("${_KH_${required}}" STREQUAL "")
      message(FATAL_ERROR "${prefix}: ${required} is required (see docs/AUTHORING.md)")
    endif()
  endforeach()
  if(_KH_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${prefix}: unknown arguments: ${_KH_UNPARSED_ARGUMENTS} (keywords are ID VERSION LICENSE "
      "DESCRIPTION CPU_SOURCES CUDA_SOURCES CUDA_ARCHS CUDA_PTX CPU_ISA CPU_ISA_DISPATCH)")
  endif()
  foreach(kw ${_KH_KEYWORDS_MISSING_VALUES})
    if(NOT kw MATCHES "^(CUDA_SOURCES|CUDA_ARCHS|CUDA_PTX|CPU_ISA_DISPATCH)$")
      message(FATAL_ERROR "${prefix}: ${kw} is given without a value")
    endif()
  endforeach()
  foreach(s ${_KH_CPU_SOURCES} ${_KH_CUDA_SOURCES})
    if(s MATCHES "^[A-Z][A-Z0-9_]*$" AND NOT EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${s}")
      message(FATAL_ERROR "${prefix}: '${s}' among the sources looks like a misspelt keyword (keywords are ID VERSION "
        "LICENSE DESCRIPTION CPU_SOURCES CUDA_SOURCES CUDA_ARCHS CUDA_PTX CPU_ISA CPU_ISA_DISPATCH)")
    endif()
  endforeach()
  set(seg "[A-Za-z0-9][A-Za-z0-9._-]*")
  if(NOT _KH_ID MATCHES "^(${seg})/(${seg})$")
    message(FATAL_ERROR "${prefix}: ID '${_KH_ID}' must be org/name, each part matching "
      "[A-Za-z0-9][A-Za-z0-9._-]* (e.g. kernels-community/flash-attn2)")
  endif()
  string(LENGTH "${CMAKE_MATCH_1}" l1)
  string(LENGTH "${CMAKE_MATCH_2}" l2)
  if(l1 GREATER 100 OR l2 GREATER 100)
    message(FATAL_ERROR "${prefix}: ID '${_KH_ID}': org and name are at most 100 characters each")
  endif()
  set(num "(0|[1-9][0-9]*)")
  set(ident "[0-9A-Za-z-]+")
  if(NOT _KH_VERSION MATCHES "^${num}\\.${num}\\.${num}(-${ident}(\\.${ident})*)?$")
    message(FATAL_ERROR "${prefix}: VERSION '${_KH_VERSION}' is not a semantic version MAJOR.MINOR.PATCH"
      "[-prerelease] without leading zeros (e.g. 2.1.0 or 2.1.0-rc.1; build metadata '+...' is not accepted)")
  endif()
  if(_KH_VERSION MATCHES "-(.*)$")
    string(REPLACE "." ";" pre "${CMAKE_MATCH_1}")
    foreach(p ${pre})
      if(p MATCHES "^0[0-9]+$")
        message(FATAL_ERROR "${prefix}: VERSION '${_KH_VERSION}': numeric pre-release identifier '${p}' has a leading zero")
      endif()
    endforeach()
  endif()
  if(NOT DEFINED _KH_LICENSE)
    message(WARNING "${prefix}: no LICENSE given for ${_KH_ID}; kernel.json records null")
  endif()
  if(_KH_DESCRIPTION MATCHES "[\r\n]")
    message(FATAL_ERROR "${prefix}: DESCRIPTION must be one line")
  endif()
  foreach(a ${_KH_CUDA_ARCHS} ${_KH_CUDA_PTX})
    if(NOT a MATCHES "^[1-9][0-9]+[af]?$")
      message(FATAL_ERROR "${prefix}: CUDA architecture '${a}' must look like 80, 90 or 90a (no sm_/compute_ prefix)")
    endif()
  endforeach()
  if(_KH_CUDA_SOURCES AND NOT _KH_CUDA_ARCHS)
    message(FATAL_ERROR "${prefix}: CUDA_SOURCES need CUDA_ARCHS (the SASS architectures, e.g. 80 86 89 90)")
  endif()
  foreach(isa ${_KH_CPU_ISA} ${_KH_CPU_ISA_DISPATCH})
    if(NOT isa MATCHES "^[A-Za-z0-9][A-Za-z0-9._+-]*$")
      message(FATAL_ERROR "${prefix}: CPU ISA name '${isa}' may hold only letters, digits and ._+-")
    endif()
  endforeach()
  list(LENGTH _KH_CPU_ISA n_isa)
  if(n_isa GREATER 1)
    message(FATAL_ERROR "${prefix}: CPU_ISA takes one baseline (e.g. x86-64-v3); use CPU_ISA_DISPATCH for the rest")
  endif()
endfunction()

# CUDA_ARCHS + CUDA_PTX -> the CUDA_ARCHITECTURES property ("80-real;...;90-real;90-virtual").
function(_kh_cuda_architectures out archs ptx)
  set(result "")
  foreach(a ${archs})
    list(APPEND result "${a}-real")
  endforeach()
  foreach(a ${ptx})
    list(APPEND result "${a}-virtual")
  endforeach()
  list(REMOVE_DUPLICATES result)
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# Newest (numerically largest) architecture of a list such as "80;86;90a".
function(_kh_newest_arch out archs)
  set(best "")
  set(best_n 0)
  foreach(a ${archs})
    string(REGEX MATCH "^[0-9]+" n "${a}")
    if(n GREATER best_n)
      set(best "${a}")
      set(best_n ${n})
    endif()
  endforeach()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

function(_kh_compiler_string out lang)
  set(${out} "${CMAKE_${lang}_COMPILER_ID} ${CMAKE_${lang}_COMPILER_VERSION}" PARENT_SCOPE)
endfunction()

function(_kh_host_string out)
  set(host "${CMAKE_HOST_SYSTEM_NAME} ${CMAKE_HOST_SYSTEM_VERSION} ${CMAKE_HOST_SYSTEM_PROCESSOR}")
  if(CMAKE_HOST_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.22)
    cmake_host_system_information(RESULT distro QUERY DISTRIB_PRETTY_NAME)
    if(distro)
      string(APPEND host " (${distro})")
    endif()
  endif()
  set(${out} "${host}" PARENT_SCOPE)
endfunction()

# The kh-describe host tool: built once per project.
function(_kh_add_describe_tool)
  if(TARGET kh-describe)
    return()
  endif()
  add_executable(kh-describe "${_KH_MODULE_DIR}/kh_describe.c")
  target_include_directories(kh-describe PRIVATE "${KERNELHUB_INCLUDE_DIR}")
  target_link_libraries(kh-describe PRIVATE ${CMAKE_DL_LIBS})
  set_target_properties(kh-describe PROPERTIES
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/kernelhub-tools"
    # One location for every configuration of a multi-config generator.
    RUNTIME_OUTPUT_DIRECTORY_DEBUG "${CMAKE_BINARY_DIR}/kernelhub-tools"
    RUNTIME_OUTPUT_DIRECTORY_RELEASE "${CMAKE_BINARY_DIR}/kernelhub-tools"
    RUNTIME_OUTPUT_DIRECTORY_RELWITHDEBINFO "${CMAKE_BINARY_DIR}/kernelhub-tools"
    RUNTIME_OUTPUT_DIRECTORY_MINSIZEREL "${CMAKE_BINARY_DIR}/kernelhub-tools")
endfunction()

# One variant: target, output location, compile/link settings, kernel.json post-build step.
#   _kh_add_variant(<target> <backend:cpu|cuda> <variant> <sources...>)
# Reads _KH_* (the parsed arguments) from the calling scope.
function(_kh_add_variant target backend variant)
  set(sources ${ARGN})
  set(out_dir "${KERNELHUB_OUTPUT_DIR}/${variant}")
  get_property(taken GLOBAL PROPERTY _KH_OUTPUT_DIRS)
  if(out_dir IN_LIST taken)
    message(FATAL_ERROR "kernelhub_kernel(${_KH_ID}): ${out_dir} is already the output of another "
      "kernelhub_kernel() call; build one kernel per CMake project")
  endif()
  set_property(GLOBAL APPEND PROPERTY _KH_OUTPUT_DIRS "${out_dir}")
  string(REGEX REPLACE "^[^/]*/" "" name "${_KH_ID}")

  add_library(${target} SHARED ${sources})
  target_include_directories(${target} PRIVATE "${KERNELHUB_INCLUDE_DIR}")
  target_compile_definitions(${target} PRIVATE
    "KH_BUNDLE_ID=\"${_KH_ID}\"" "KH_BUNDLE_VERSION=\"${_KH_VERSION}\"" "KH_BUNDLE_VARIANT=\"${variant}\"")
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "${name}"
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    CUDA_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # A generator expression keeps multi-config generators from adding a per-config subdirectory.
    LIBRARY_OUTPUT_DIRECTORY "$<1:${out_dir}>"
    RUNTIME_OUTPUT_DIRECTORY "$<1:${out_dir}>"
    ARCHIVE_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/kernelhub-${variant}")
  if(KERNELHUB_OS STREQUAL "linux")
    set_target_properties(${target} PROPERTIES SUFFIX ".so")
  endif()
  if(NOT DEFINED CMAKE_C_STANDARD)
    set_target_properties(${target} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
  endif()
  if(NOT DEFINED CMAKE_CXX_STANDARD)
    set_target_properties(${target} PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
  endif()

  if(KERNELHUB_OS STREQUAL "linux" AND CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    # Self-contained: no libstdc++/libgcc_s dependency, no symbols re-exported from static
    # libraries (libstdc++, cudart_static), and every undefined symbol caught at link time.
    target_link_options(${target} PRIVATE
      "$<$<LINK_LANGUAGE:C,CXX>:-static-libgcc>"
      "$<$<LINK_LANGUAGE:CXX>:-static-libstdc++>"
      "$<$<LINK_LANGUAGE:CUDA>:-static-libgcc;-static-libstdc++>"
      "LINKER:--exclude-libs,ALL"
      "LINKER:-z,defs")
    if(backend STREQUAL "cpu")
      # Drops unreferenced parts of the static runtimes, which also keeps their newest glibc
      # symbols (e.g. arc4random@GLIBC_2.36 behind std::random_device) out of C++ bundles. Not
      # applied to CUDA variants, whose fatbin registration cannot be exercised without a GPU here.
      target_link_options(${target} PRIVATE "LINKER:--gc-sections")
    endif()
    target_link_libraries(${target} PRIVATE m)
  endif()

  set(hash_sources "")
  foreach(s ${sources})
    get_filename_component(abs "${s}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND hash_sources "${abs}")
  endforeach()

  # Values the manifest script needs, written at configure time (only rewritten when they
  # change; the library relinks then, which re-runs the post-build step).
  _kh_host_string(host)
  set(params "# generated by KernelHub.cmake for ${variant}; do not edit\n")
  foreach(pair
      "ID;${_KH_ID}" "VERSION;${_KH_VERSION}" "LICENSE;${_KH_LICENSE}" "DESCRIPTION;${_KH_DESCRIPTION}"
      "VARIANT;${variant}" "BACKEND;${backend}" "ARCH;${KERNELHUB_ARCH}" "OS;${KERNELHUB_OS}"
      "OUT_DIR;${out_dir}" "SOURCE_DIR;${CMAKE_CURRENT_SOURCE_DIR}"
      "CMAKE_VERSION;${CMAKE_VERSION}" "HOST;${host}" "OBJDUMP;${KERNELHUB_OBJDUMP}" "READELF;${KERNELHUB_READELF}")
    list(POP_FRONT pair key)
    _kh_bracket(b "${pair}")
    string(APPEND params "set(KH_${key} ${b})\n")
  endforeach()
  string(APPEND params "set(KH_HAS_LICENSE ${_KH_HAS_LICENSE})\nset(KH_HAS_DESCRIPTION ${_KH_HAS_DESCRIPTION})\n")
  foreach(listvar SOURCES CPU_ISA CPU_ISA_DISPATCH CUDA_ARCHS CUDA_PTX)
    if(listvar STREQUAL "SOURCES")
      set(items ${hash_sources})
    elseif(listvar STREQUAL "CPU_ISA")
      set(items ${_KH_CPU_ISA})
      if(NOT items)
        set(items ${_KH_DEFAULT_CPU_ISA})
      endif()
    elseif(backend STREQUAL "cuda" OR NOT listvar MATCHES "^CUDA_")
      set(items ${_KH_${listvar}})
    else()
      set(items "")
    endif()
    set(bs "")
    foreach(i ${items})
      _kh_bracket(b "${i}")
      string(APPEND bs " ${b}")
    endforeach()
    string(APPEND params "set(KH_${listvar}${bs})\n")
  endforeach()
  if(backend STREQUAL "cuda")
    string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${CMAKE_CUDA_COMPILER_VERSION}")
    set(toolkit "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
    set(min_driver "${_KH_MIN_DRIVER_${toolkit}}")
    set(compat_driver "${_KH_COMPAT_DRIVER_${CMAKE_MATCH_1}}")
    if(NOT min_driver)
      message(WARNING "kernelhub: no minimum driver known for CUDA ${toolkit}; kernel.json records min_driver null "
        "(add it to the table in KernelHub.cmake)")
    endif()
    get_filename_component(cuda_bin "${CMAKE_CUDA_COMPILER}" DIRECTORY)
    find_program(KERNELHUB_CUOBJDUMP cuobjdump HINTS "${cuda_bin}" "${CMAKE_CUDA_COMPILER_TOOLKIT_ROOT}/bin"
      DOC "cuobjdump, to list the SASS/PTX embedded in CUDA bundles")
    mark_as_advanced(KERNELHUB_CUOBJDUMP)
    _kh_compiler_string(compiler CUDA)
    set(host_compiler "")
    if(CMAKE_CXX_COMPILER_LOADED)
      _kh_compiler_string(host_compiler CXX)
    endif()
    foreach(pair "CUDA_TOOLKIT;${toolkit}" "MIN_DRIVER;${min_driver}" "COMPAT_DRIVER;${compat_driver}"
        "CUOBJDUMP;${KERNELHUB_CUOBJDUMP}" "COMPILER;${compiler}" "HOST_COMPILER;${host_compiler}")
      list(POP_FRONT pair key)
      _kh_bracket(b "${pair}")
      string(APPEND params "set(KH_${key} ${b})\n")
    endforeach()
  else()
    set(lang C)
    foreach(s ${sources})
      if(s MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C|CPP|cp)$")
        set(lang CXX)
      endif()
    endforeach()
    _kh_compiler_string(compiler ${lang})
    _kh_bracket(b "${compiler}")
    string(APPEND params "set(KH_COMPILER ${b})\nset(KH_HOST_COMPILER \"\")\n")
  endif()

  set(params_file "${CMAKE_CURRENT_BINARY_DIR}/kernelhub-${variant}/manifest-params.cmake")
  file(WRITE "${params_file}.tmp" "${params}")
  configure_file("${params_file}.tmp" "${params_file}" COPYONLY)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
    "${params_file}" "${_KH_MODULE_DIR}/KernelHubManifest.cmake")

  _kh_add_describe_tool()
  add_dependencies(${target} kh-describe)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}"
      "-DKH_PARAMS=${params_file}"
      "-DKH_LIBRARY=$<TARGET_FILE:${target}>"
      "-DKH_DESCRIBE=$<TARGET_FILE:kh-describe>"
      "-DKH_BUILD_TYPE=$<CONFIG>"
      -P "${_KH_MODULE_DIR}/KernelHubManifest.cmake"
    COMMENT "kernelhub: describing ${variant} -> ${out_dir}/kernel.json"
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY ADDITIONAL_CLEAN_FILES "${out_dir}/kernel.json")
endfunction()

# ---- the entry point -------------------------------------------------------------------------
# enable_language(CUDA), when the CUDA variant needs it, runs inside this function; the variables
# it defines are handed up to the caller's scope (the directory scope: call kernelhub_kernel() at
# the top level of a CMakeLists.txt, not from inside another function). A function rather than a
# macro, so argument values reach it unmangled (a macro re-parses backslashes and quotes).
function(_kh_enable_cuda_here)
  # Variables never copied (reading the *_DEPRECATED ones warns under CMake >= 4.2, CMP0218).
  set(skip "^(_kh_|_KH_|ARG[VNC])|^(before|after|v|skip)$|^CMAKE_(WARN|ERROR)_DEPRECATED$")
  get_cmake_property(before VARIABLES)
  foreach(v ${before})
    if(NOT v MATCHES "${skip}")
      set("_kh_old_${v}" "${${v}}")
    endif()
  endforeach()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    _kh_cuda_architectures(CMAKE_CUDA_ARCHITECTURES "${_KH_CUDA_ARCHS}" "${_KH_CUDA_PTX}")
  endif()
  enable_language(CUDA)
  get_cmake_property(after VARIABLES)
  foreach(v ${after})
    if(v MATCHES "${skip}")
      continue()
    endif()
    if(NOT DEFINED "_kh_old_${v}" OR NOT "${${v}}" STREQUAL "${_kh_old_${v}}")
      set("${v}" "${${v}}" PARENT_SCOPE)
      list(APPEND _kh_exported "${v}")
    endif()
  endforeach()
  set(_kh_exported "${_kh_exported}" PARENT_SCOPE)
endfunction()

function(kernelhub_kernel)
  cmake_parse_arguments(PARSE_ARGV 0 _KH "" "ID;VERSION;LICENSE;DESCRIPTION;CPU_ISA"
    "CPU_SOURCES;CUDA_SOURCES;CUDA_ARCHS;CUDA_PTX;CPU_ISA_DISPATCH")
  set(_KH_HAS_LICENSE FALSE)
  if(DEFINED _KH_LICENSE)
    set(_KH_HAS_LICENSE TRUE)
  endif()
  set(_KH_HAS_DESCRIPTION FALSE)
  if(DEFINED _KH_DESCRIPTION)
    set(_KH_HAS_DESCRIPTION TRUE)
  endif()
  _kh_validate_arguments()
  if(_KH_CUDA_SOURCES AND NOT _KH_CUDA_PTX)
    _kh_newest_arch(_KH_CUDA_PTX "${_KH_CUDA_ARCHS}")
  endif()
  string(REGEX REPLACE "^[^/]*/" "" _KH_NAME "${_KH_ID}")
  set(what "kernelhub: ${_KH_ID} ${_KH_VERSION}")

  # C is needed for kh-describe; C++ when a CPU source is C++ (enabled by project() normally).
  foreach(lang C CXX)
    if(lang STREQUAL "C")
      set(need TRUE)
    else()
      set(need FALSE)
      foreach(s ${_KH_CPU_SOURCES})
        if(s MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C|CPP|cp)$")
          set(need TRUE)
        endif()
      endforeach()
    endif()
    if(need AND NOT CMAKE_${lang}_COMPILER_LOADED)
      message(FATAL_ERROR "${what}: the ${lang} language is not enabled; list it in project(... LANGUAGES ...)")
    endif()
  endforeach()

  set(cpu_target "${_KH_NAME}.cpu")
  set(cpu_variant "cpu-${KERNELHUB_ARCH}-${KERNELHUB_OS}")
  _kh_add_variant("${cpu_target}" cpu "${cpu_variant}" ${_KH_CPU_SOURCES})
  message(STATUS "${what}: building ${cpu_variant} -> "
    "${KERNELHUB_OUTPUT_DIR}/${cpu_variant}/lib${_KH_NAME}${CMAKE_SHARED_LIBRARY_SUFFIX}")
  set(KERNELHUB_CPU_TARGET "${cpu_target}" PARENT_SCOPE)

  set(cuda_target "")
  if(NOT _KH_CUDA_SOURCES)
    message(STATUS "${what}: CUDA variant skipped: no CUDA_SOURCES given")
  elseif(NOT KERNELHUB_CUDA)
    message(STATUS "${what}: CUDA variant skipped: KERNELHUB_CUDA is OFF")
  else()
    if(NOT CMAKE_CUDA_COMPILER_LOADED)
      include(CheckLanguage)
      check_language(CUDA)
      if(CMAKE_CUDA_COMPILER)
        _kh_enable_cuda_here()
        foreach(v ${_kh_exported})
          set("${v}" "${${v}}" PARENT_SCOPE)
        endforeach()
      endif()
    endif()
    if(NOT CMAKE_CUDA_COMPILER_LOADED)
      message(STATUS "${what}: CUDA variant skipped: no CUDA compiler found "
        "(put nvcc on PATH or set CMAKE_CUDA_COMPILER)")
    elseif(NOT CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA")
      message(STATUS "${what}: CUDA variant skipped: the CUDA compiler is ${CMAKE_CUDA_COMPILER_ID}; "
        "kernelhub bundles need nvcc")
    else()
      string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" v "${CMAKE_CUDA_COMPILER_VERSION}")
      set(cuda_variant "cu${CMAKE_MATCH_1}${CMAKE_MATCH_2}-${KERNELHUB_ARCH}-${KERNELHUB_OS}")
      set(cuda_target "${_KH_NAME}.cuda")
      _kh_add_variant("${cuda_target}" cuda "${cuda_variant}" ${_KH_CUDA_SOURCES})
      _kh_cuda_architectures(archs "${_KH_CUDA_ARCHS}" "${_KH_CUDA_PTX}")
      set_target_properties(${cuda_target} PROPERTIES
        CUDA_ARCHITECTURES "${archs}"
        CUDA_RUNTIME_LIBRARY Static)
      if(NOT DEFINED CMAKE_CUDA_STANDARD)
        set_target_properties(${cuda_target} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
      endif()
      message(STATUS "${what}: building ${cuda_variant} (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
        "${archs}) -> ${KERNELHUB_OUTPUT_DIR}/${cuda_variant}/lib${_KH_NAME}${CMAKE_SHARED_LIBRARY_SUFFIX}")
    endif()
  endif()
  set(KERNELHUB_CUDA_TARGET "${cuda_target}" PARENT_SCOPE)
endfunction()

# KernelHubManifest.cmake — writes <variant>/kernel.json for a freshly linked bundle.
#
# Run by KernelHub.cmake as a POST_BUILD step:
#   cmake -DKH_PARAMS=<manifest-params.cmake> -DKH_LIBRARY=<lib> -DKH_DESCRIBE=<kh-describe>
#         -DKH_BUILD_TYPE=<config> -P KernelHubManifest.cmake
# Everything that describes the binary is read from the binary: the ops and ABI version through
# kh-describe (which loads it like the host does), the glibc ceiling from its dynamic symbol
# versions, the SASS/PTX targets from cuobjdump or its .nv_fatbin section. On failure the library
# is deleted so the next build relinks it and runs this again (no half-described bundle remains).
cmake_minimum_required(VERSION 3.20)

foreach(v KH_PARAMS KH_LIBRARY KH_DESCRIBE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "KernelHubManifest.cmake: -D${v}=... is required (run by KernelHub.cmake)")
  endif()
endforeach()
include("${KH_PARAMS}")
get_filename_component(KH_LIBRARY_NAME "${KH_LIBRARY}" NAME)
set(KH_MANIFEST "${KH_OUT_DIR}/kernel.json")
file(REMOVE "${KH_MANIFEST}")

function(_kh_fail msg)
  file(REMOVE "${KH_LIBRARY}")
  message(FATAL_ERROR "kernelhub: ${KH_VARIANT}: ${msg}\n"
    "kernelhub: removed ${KH_LIBRARY} so the next build relinks and re-checks it")
endfunction()

# JSON string literal of value (or null when is_null is true).
function(_kh_json out value)
  string(REPLACE "\\" "\\\\" v "${value}")
  string(REPLACE "\"" "\\\"" v "${v}")
  string(REPLACE "\n" "\\n" v "${v}")
  string(REPLACE "\r" "\\r" v "${v}")
  string(REPLACE "\t" "\\t" v "${v}")
  foreach(c RANGE 1 31)
    string(ASCII ${c} ch)
    if(v MATCHES "${ch}")
      if(c LESS 16)
        set(hex "0")
      else()
        set(hex "1")
      endif()
      math(EXPR low "${c} % 16" OUTPUT_FORMAT HEXADECIMAL)
      string(REPLACE "0x" "" low "${low}")
      string(REPLACE "${ch}" "\\u00${hex}${low}" v "${v}")
    endif()
  endforeach()
  set(${out} "\"${v}\"" PARENT_SCOPE)
endfunction()

function(_kh_json_or_null out value present)
  if(present)
    _kh_json(j "${value}")
  else()
    set(j "null")
  endif()
  set(${out} "${j}" PARENT_SCOPE)
endfunction()

# ["a", "b"] from a CMake list.
function(_kh_json_array out)
  set(items "")
  foreach(i ${ARGN})
    _kh_json(j "${i}")
    list(APPEND items "${j}")
  endforeach()
  list(JOIN items ", " joined)
  set(${out} "[${joined}]" PARENT_SCOPE)
endfunction()

# ---- ops, through kh-describe -------------------------------------------------------------
execute_process(COMMAND "${KH_DESCRIBE}" "${KH_LIBRARY}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE described ERROR_VARIABLE describe_log)
if(describe_log)
  string(STRIP "${describe_log}" describe_log)
  message("${describe_log}")
endif()
if(NOT rc EQUAL 0)
  _kh_fail("kh-describe could not describe ${KH_LIBRARY_NAME} (exit ${rc}); see the kh-describe lines above")
endif()
string(JSON abi_version ERROR_VARIABLE jerr GET "${described}" abi_version)
string(JSON n_ops ERROR_VARIABLE jerr2 LENGTH "${described}" ops)
if(jerr OR jerr2)
  _kh_fail("kh-describe printed unreadable JSON (${jerr}${jerr2}):\n${described}")
endif()

set(op_json "")
set(op_summary "")
set(n_cuda_ops 0)
math(EXPR last "${n_ops} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${described}" ops ${i} name)
  string(JSON desc_type TYPE "${described}" ops ${i} description)
  string(JSON desc GET "${described}" ops ${i} description)
  string(JSON device GET "${described}" ops ${i} device)
  string(JSON is_default GET "${described}" ops ${i} default)
  string(JSON hmin GET "${described}" ops ${i} head_dim min)
  string(JSON hmax GET "${described}" ops ${i} head_dim max)
  string(JSON hmul GET "${described}" ops ${i} head_dim multiple_of)
  foreach(arr dtypes features)
    set(${arr} "")
    string(JSON n LENGTH "${described}" ops ${i} ${arr})
    if(n GREATER 0)
      math(EXPR lastj "${n} - 1")
      foreach(j RANGE ${lastj})
        string(JSON item GET "${described}" ops ${i} ${arr} ${j})
        list(APPEND ${arr} "${item}")
      endforeach()
    endif()
  endforeach()
  if(device STREQUAL "cuda")
    math(EXPR n_cuda_ops "${n_cuda_ops} + 1")
    if(KH_BACKEND STREQUAL "cpu")
      _kh_fail("op '${name}' is a CUDA op, but ${KH_VARIANT} is a CPU variant (CUDA ops belong in CUDA_SOURCES)")
    endif()
  endif()
  _kh_json(jname "${name}")
  if(desc_type STREQUAL "NULL")
    set(jdesc null)
  else()
    _kh_json(jdesc "${desc}")
  endif()
  _kh_json_array(jdtypes ${dtypes})
  _kh_json_array(jfeatures ${features})
  if(is_default)
    set(jdefault true)
    list(APPEND op_summary "${name} (default, ${device})")
  else()
    set(jdefault false)
    list(APPEND op_summary "${name} (${device})")
  endif()
  if(i GREATER 0)
    string(APPEND op_json ",")
  endif()
  string(APPEND op_json "
    {
      \"name\": ${jname},
      \"description\": ${jdesc},
      \"device\": \"${device}\",
      \"dtypes\": ${jdtypes},
      \"head_dim\": {\"min\": ${hmin}, \"max\": ${hmax}, \"multiple_of\": ${hmul}},
      \"features\": ${jfeatures},
      \"default\": ${jdefault}
    }")
endforeach()
if(KH_BACKEND STREQUAL "cuda" AND n_cuda_ops EQUAL 0)
  message(WARNING "kernelhub: ${KH_VARIANT}: no op of this CUDA variant runs on CUDA devices")
endif()

# ---- glibc ceiling ---------------------------------------------------------------------------
set(glibc_max "")
set(glibc_known FALSE)
if(KH_OS STREQUAL "linux")
  set(symbols "")
  if(KH_OBJDUMP)
    execute_process(COMMAND "${KH_OBJDUMP}" -T "${KH_LIBRARY}" RESULT_VARIABLE rc OUTPUT_VARIABLE symbols ERROR_QUIET)
    if(rc EQUAL 0)
      set(glibc_known TRUE)
    endif()
  endif()
  if(NOT glibc_known AND KH_READELF)
    execute_process(COMMAND "${KH_READELF}" --dyn-syms -W "${KH_LIBRARY}" RESULT_VARIABLE rc OUTPUT_VARIABLE symbols ERROR_QUIET)
    if(rc EQUAL 0)
      set(glibc_known TRUE)
    endif()
  endif()
  if(glibc_known)
    string(REGEX MATCHALL "GLIBC_[0-9]+\\.[0-9]+(\\.[0-9]+)?" versions "${symbols}")
    foreach(v ${versions})
      string(REPLACE "GLIBC_" "" v "${v}")
      if(NOT glibc_max OR v VERSION_GREATER glibc_max)
        set(glibc_max "${v}")
      endif()
    endforeach()
  else()
    message(WARNING "kernelhub: ${KH_VARIANT}: neither objdump nor readelf works here; glibc_max is null")
  endif()
endif()
if(glibc_max)
  _kh_json(jglibc "${glibc_max}")
else()
  set(jglibc null)
endif()
_kh_json_array(jisa ${KH_CPU_ISA})
_kh_json_array(jdispatch ${KH_CPU_ISA_DISPATCH})

# ---- CUDA: toolkit, driver, SASS and PTX ---------------------------------------------------------
set(jtoolkit null)
set(jdriver null)
set(jcompat null)
set(sass "")
set(ptx "")
set(targets_source "")
if(KH_BACKEND STREQUAL "cuda")
  _kh_json(jtoolkit "${KH_CUDA_TOOLKIT}")
  if(KH_MIN_DRIVER)
    _kh_json(jdriver "${KH_MIN_DRIVER}")
  endif()
  if(KH_COMPAT_DRIVER)
    _kh_json(jcompat "${KH_COMPAT_DRIVER}")
  endif()
  if(KH_CUOBJDUMP)
    execute_process(COMMAND "${KH_CUOBJDUMP}" --list-elf --list-ptx "${KH_LIBRARY}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE listing ERROR_VARIABLE listing_err)
    if(rc EQUAL 0)
      string(REGEX MATCHALL "(ELF|PTX) file[^\n]*" lines "${listing}")
      foreach(line ${lines})
        string(REGEX MATCH "sm_[0-9]+[af]?" t "${line}")
        if(t)
          if(line MATCHES "^ELF")
            list(APPEND sass "${t}")
          else()
            string(REPLACE "sm_" "compute_" t "${t}")
            list(APPEND ptx "${t}")
          endif()
        endif()
      endforeach()
      set(targets_source cuobjdump)
    else()
      message(WARNING "kernelhub: ${KH_VARIANT}: cuobjdump failed (${listing_err}); reading .nv_fatbin instead")
    endif()
  endif()
  if(NOT targets_source)
    execute_process(COMMAND "${KH_DESCRIBE}" --fatbin "${KH_LIBRARY}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE listing ERROR_VARIABLE listing_err)
    if(rc EQUAL 0)
      foreach(kind sass ptx)
        string(JSON n LENGTH "${listing}" ${kind})
        if(n GREATER 0)
          math(EXPR lastj "${n} - 1")
          foreach(j RANGE ${lastj})
            string(JSON t GET "${listing}" ${kind} ${j})
            list(APPEND ${kind} "${t}")
          endforeach()
        endif()
      endforeach()
      set(targets_source fatbin)
    else()
      string(STRIP "${listing_err}" listing_err)
      message(WARNING "kernelhub: ${KH_VARIANT}: could not list the embedded SASS/PTX (${listing_err}); "
        "kernel.json takes them from CUDA_ARCHS / CUDA_PTX (from_arguments: true)")
    endif()
  endif()
  set(want_sass "")
  set(want_ptx "")
  foreach(a ${KH_CUDA_ARCHS})
    list(APPEND want_sass "sm_${a}")
  endforeach()
  foreach(a ${KH_CUDA_PTX})
    list(APPEND want_ptx "compute_${a}")
  endforeach()
  if(NOT targets_source)
    set(targets_source arguments)
    set(sass ${want_sass})
    set(ptx ${want_ptx})
  endif()
  foreach(kind sass ptx)
    list(REMOVE_DUPLICATES ${kind})
    list(SORT ${kind} COMPARE NATURAL)
    foreach(w ${want_${kind}})
      if(NOT w IN_LIST ${kind})
        _kh_fail("the library holds ${kind} [${${kind}}] (${targets_source}), but ${w} was asked for")
      endif()
    endforeach()
  endforeach()
  if(NOT sass AND NOT ptx)
    _kh_fail("the CUDA variant holds no SASS and no PTX")
  endif()
endif()
_kh_json_array(jsass ${sass})
_kh_json_array(jptx ${ptx})

# ---- sources digest: sha256 of "sha256sum"-style lines over the sorted relative paths -------------
set(rels "")
foreach(f ${KH_SOURCES})
  if(NOT EXISTS "${f}")
    _kh_fail("source ${f} is missing")
  endif()
  file(RELATIVE_PATH rel "${KH_SOURCE_DIR}" "${f}")
  list(APPEND rels "${rel}")
endforeach()
list(REMOVE_DUPLICATES rels)
list(SORT rels)
set(digest_text "")
foreach(rel ${rels})
  file(SHA256 "${KH_SOURCE_DIR}/${rel}" h)
  string(APPEND digest_text "${h}  ${rel}\n")
endforeach()
string(SHA256 sources_sha256 "${digest_text}")

# ---- kernel.json ------------------------------------------------------------------------------
_kh_json(jid "${KH_ID}")
_kh_json(jversion "${KH_VERSION}")
_kh_json_or_null(jlicense "${KH_LICENSE}" ${KH_HAS_LICENSE})
_kh_json_or_null(jdescription "${KH_DESCRIPTION}" ${KH_HAS_DESCRIPTION})
_kh_json(jvariant "${KH_VARIANT}")
_kh_json(jlibrary "${KH_LIBRARY_NAME}")
_kh_json(jcompiler "${KH_COMPILER}")
_kh_json(jcmake "${KH_CMAKE_VERSION}")
_kh_json(jbuild_type "${KH_BUILD_TYPE}")
_kh_json(jhost "${KH_HOST}")

set(cuda_requirements "")
set(compat_requirement "")
set(cuda_build "")
if(KH_BACKEND STREQUAL "cuda")
  if(targets_source STREQUAL "arguments")
    set(from_args true)
  else()
    set(from_args false)
  endif()
  set(compat_requirement "
    \"min_driver_minor_compat\": ${jcompat},")
  set(cuda_requirements ",
    \"from_arguments\": ${from_args},
    \"targets_source\": \"${targets_source}\"")
  if(KH_HOST_COMPILER)
    _kh_json(jhostc "${KH_HOST_COMPILER}")
    set(cuda_build ",
    \"host_compiler\": ${jhostc}")
  endif()
endif()

set(json "{
  \"schema\": 1,
  \"id\": ${jid},
  \"version\": ${jversion},
  \"license\": ${jlicense},
  \"description\": ${jdescription},
  \"variant\": ${jvariant},
  \"backend\": \"${KH_BACKEND}\",
  \"arch\": \"${KH_ARCH}\",
  \"os\": \"${KH_OS}\",
  \"library\": ${jlibrary},
  \"abi_version\": ${abi_version},
  \"ops\": [${op_json}
  ],
  \"requirements\": {
    \"glibc_max\": ${jglibc},
    \"cpu_isa\": ${jisa},
    \"cpu_isa_dispatch\": ${jdispatch},
    \"cuda_toolkit\": ${jtoolkit},
    \"min_driver\": ${jdriver},${compat_requirement}
    \"sass\": ${jsass},
    \"ptx\": ${jptx}${cuda_requirements}
  },
  \"build\": {
    \"compiler\": ${jcompiler}${cuda_build},
    \"cmake\": ${jcmake},
    \"build_type\": ${jbuild_type},
    \"host\": ${jhost},
    \"sources_sha256\": \"${sources_sha256}\"
  }
}
")
string(JSON check ERROR_VARIABLE jerr LENGTH "${json}")
if(jerr)
  _kh_fail("internal error: generated kernel.json does not parse (${jerr}):\n${json}")
endif()
file(WRITE "${KH_MANIFEST}.tmp" "${json}")
file(RENAME "${KH_MANIFEST}.tmp" "${KH_MANIFEST}")

list(JOIN op_summary ", " op_summary)
set(summary "kernelhub: ${KH_VARIANT}: ${KH_LIBRARY_NAME} ABI ${abi_version}, ops: ${op_summary}")
if(glibc_max)
  string(APPEND summary "; glibc <= ${glibc_max}")
endif()
if(KH_BACKEND STREQUAL "cuda")
  string(APPEND summary "; CUDA ${KH_CUDA_TOOLKIT}, SASS ${sass}, PTX ${ptx} (${targets_source})")
endif()
message("${summary}\nkernelhub: wrote ${KH_MANIFEST}")

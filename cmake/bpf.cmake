# bpf_object(NAME SRC [DEPENDS hdr...])
#   Compiles bpf/NAME.bpf.c with clang -target bpf against a vmlinux.h that is
#   generated from the running kernel's BTF, then generates NAME.skel.h with
#   bpftool. Gives an INTERFACE target NAME_skel whose include directory holds
#   the skeleton. Nothing generated lands in the source tree.
find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
set(SB_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "kernel BTF used to generate vmlinux.h")
set(SB_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
# extra clang flags for the BPF objects (experiments on the per-event cost:
# docs/speed.md)
set(SB_BPF_CFLAGS "" CACHE STRING "extra clang flags for the BPF objects")
separate_arguments(SB_BPF_CFLAGS_LIST UNIX_COMMAND "${SB_BPF_CFLAGS}")
file(MAKE_DIRECTORY ${SB_BPF_GEN_DIR})

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(SB_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(SB_BPF_ARCH arm64)
else()
  set(SB_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

add_custom_command(
  OUTPUT ${SB_BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${SB_VMLINUX_BTF} format c > ${SB_BPF_GEN_DIR}/vmlinux.h
  DEPENDS ${SB_VMLINUX_BTF}
  COMMENT "vmlinux.h from ${SB_VMLINUX_BTF}"
  VERBATIM)

function(bpf_object name src)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  set(obj ${SB_BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${SB_BPF_GEN_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${SB_BPF_ARCH}
            -Wall -Wno-unused-function ${SB_BPF_CFLAGS_LIST}
            -I${SB_BPF_GEN_DIR} -I${CMAKE_CURRENT_SOURCE_DIR}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${src} -o ${obj}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src} ${SB_BPF_GEN_DIR}/vmlinux.h ${ARG_DEPENDS}
    COMMENT "BPF ${src}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${SB_BPF_GEN_DIR})
endfunction()

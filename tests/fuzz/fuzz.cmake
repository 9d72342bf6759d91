# libFuzzer targets for every reader of result files, and for the decoder
# of what other hosts send over the control channel (label fuzz). They are
# built with clang (-fsanitize=fuzzer,address,undefined) by custom commands,
# beside the main build whatever its compiler, and each runs for
# SB_FUZZ_SECONDS seeded from tests/fixtures. Crash inputs that were fixed
# live in tests/fuzz/regress/<target>/ and run first, every time.
set(SB_FUZZ_SECONDS 20 CACHE STRING "seconds each fuzz target runs in the test suite")
set(SB_FUZZ_SRC ${CMAKE_CURRENT_LIST_DIR})
set(SB_FUZZ_OUT ${CMAKE_BINARY_DIR}/fuzz)
set(SB_FUZZ_FIX ${CMAKE_SOURCE_DIR}/tests/fixtures)
set(SB_FUZZ_FLAGS -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -Wall -Wextra -Wno-missing-field-initializers
  -I${CMAKE_SOURCE_DIR} -DSB_FIXTURES="${SB_FUZZ_FIX}" -DSB_VERSION="${PROJECT_VERSION}")
if(SB_WERROR)
  list(APPEND SB_FUZZ_FLAGS -Werror)
endif()
set(H ${CMAKE_SOURCE_DIR}/harness)
set(SB_FUZZ_JSON ${H}/output/jsonget.c)
set(SB_FUZZ_REPORT ${H}/output/findings.c ${H}/output/fmt.c ${H}/output/reportmodel.c ${H}/output/report.c
  ${H}/output/htmlreport.c ${H}/output/plotdefs.c ${H}/output/report_sides.c ${H}/output/plotdata.c
  ${H}/output/density.c ${H}/output/outdir.c ${H}/output/report_phases.c ${H}/output/listeners_report.c ${H}/cli/stop.c)
set(SB_FUZZ_COMPARE ${SB_FUZZ_JSON} ${H}/output/json.c ${H}/commands/compare.c ${H}/commands/compare_rows.c
  ${H}/commands/compare_stats.c ${H}/commands/compare_out.c ${H}/cli/argsfile.c ${H}/cli/msg.c ${H}/cli/optparse.c)

# sb_fuzz(NAME SEEDS... SOURCES ... [DEFS ...])
function(sb_fuzz name)
  cmake_parse_arguments(F "" "DRIVER" "SEEDS;SOURCES;DEFS" ${ARGN})
  set(bin ${SB_FUZZ_OUT}/${name})
  add_custom_command(OUTPUT ${bin}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${SB_FUZZ_OUT}
    COMMAND ${SB_CLANG} ${SB_FUZZ_FLAGS} ${JANSSON_CFLAGS} ${F_DEFS} -o ${bin} ${F_SOURCES}
      ${JANSSON_LDFLAGS} -lm
    DEPENDS ${F_SOURCES} ${SB_FUZZ_SRC}/fuzz_util.h
    COMMENT "clang libFuzzer target ${name}" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${bin})
  # seeds: copied at configure time under distinct names
  set(seeds ${SB_FUZZ_OUT}/seeds-${name})
  file(MAKE_DIRECTORY ${seeds} ${SB_FUZZ_OUT}/corpus-${name} ${SB_FUZZ_OUT}/artifacts)
  set(i 0)
  foreach(s ${F_SEEDS})
    math(EXPR i "${i} + 1")
    configure_file(${s} ${seeds}/seed-${i} COPYONLY)
  endforeach()
  set(regress ${SB_FUZZ_SRC}/regress/${name})
  set(dirs ${SB_FUZZ_OUT}/corpus-${name} ${seeds})
  if(EXISTS ${regress})
    list(APPEND dirs ${regress})
  endif()
  add_test(NAME fuzz/${name} COMMAND ${bin} -max_total_time=${SB_FUZZ_SECONDS} -timeout=10
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
    -artifact_prefix=${SB_FUZZ_OUT}/artifacts/${name}- ${dirs})
  set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz
    TIMEOUT 300)
endfunction()

file(GLOB_RECURSE SB_FUZZ_SUMMARIES ${SB_FUZZ_FIX}/*summary.json)
file(GLOB SB_FUZZ_BASELINE_FILES ${CMAKE_SOURCE_DIR}/results/baselines/*/args
  ${CMAKE_SOURCE_DIR}/results/baselines/*/compare)
file(GLOB SB_FUZZ_CONFIGS ${SB_FUZZ_FIX}/*/config.json ${CMAKE_SOURCE_DIR}/results/baselines/*/config.json)

sb_fuzz(fuzz_summary DRIVER fuzz_summary.c SEEDS ${SB_FUZZ_SUMMARIES}
  SOURCES ${SB_FUZZ_SRC}/fuzz_summary.c ${SB_FUZZ_COMPARE} ${SB_FUZZ_REPORT})
sb_fuzz(fuzz_config SEEDS ${SB_FUZZ_CONFIGS}
  SOURCES ${SB_FUZZ_SRC}/fuzz_config.c ${SB_FUZZ_JSON} ${SB_FUZZ_REPORT})
sb_fuzz(fuzz_connections_csv SEEDS ${SB_FUZZ_FIX}/run-small/connections.csv
  SOURCES ${SB_FUZZ_SRC}/fuzz_csv.c ${SB_FUZZ_JSON} ${SB_FUZZ_REPORT}
  DEFS -DSB_FUZZ_CSV="connections.csv")
sb_fuzz(fuzz_queue_csv SEEDS ${SB_FUZZ_FIX}/run-small/queue.csv
  SOURCES ${SB_FUZZ_SRC}/fuzz_csv.c ${SB_FUZZ_JSON} ${SB_FUZZ_REPORT}
  DEFS -DSB_FUZZ_CSV="queue.csv")
sb_fuzz(fuzz_args SEEDS ${SB_FUZZ_BASELINE_FILES}
  SOURCES ${SB_FUZZ_SRC}/fuzz_args.c ${SB_FUZZ_COMPARE} ${H}/output/fmt.c)
sb_fuzz(fuzz_wire SEEDS ${SB_FUZZ_FIX}/wire/server.msg ${SB_FUZZ_FIX}/wire/client.msg
  SOURCES ${SB_FUZZ_SRC}/fuzz_wire.c ${H}/run/wire.c ${H}/run/wire_rec.c ${H}/run/ctl.c ${H}/run/child.c
  ${H}/run/hosts_merge.c ${H}/cli/components.c)

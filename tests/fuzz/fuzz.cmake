# fuzz.cmake: fuzz harnesses for the parsers of untrusted bytes. Always: the committed corpus is
# replayed through each harness by a plain driver (fuzz.replay_*). With clang and -DMS_FUZZ=ON:
# real libFuzzer binaries (fuzz_*) and short fuzzing runs as tests (fuzz.run_*).
option(MS_FUZZ "Build libFuzzer binaries (clang only) and register short fuzzing runs" OFF)

set(MS_FUZZ_TARGETS ststxt tlsrpt stspolicy zone)
# Sources each harness exercises, compiled with coverage into the libFuzzer binary (the library
# copy in ms_probes carries no coverage instrumentation).
set(MS_FUZZ_SRCS_ststxt ${CMAKE_SOURCE_DIR}/probes/ststxt.c ${CMAKE_SOURCE_DIR}/probes/txtrecord.c)
set(MS_FUZZ_SRCS_tlsrpt ${CMAKE_SOURCE_DIR}/probes/tlsrpt.c ${CMAKE_SOURCE_DIR}/probes/txtrecord.c)
set(MS_FUZZ_SRCS_stspolicy ${CMAKE_SOURCE_DIR}/probes/stspolicy.c)
set(MS_FUZZ_SRCS_zone ${CMAKE_SOURCE_DIR}/datasets/zone.c ${CMAKE_SOURCE_DIR}/datasets/source.c
                     ${CMAKE_SOURCE_DIR}/datasets/name.c)
# The library each replay driver links (default ms_probes) and what the libFuzzer binary needs
# besides ms_common.
set(MS_FUZZ_LIB_zone ms_datasets)
set(MS_FUZZ_EXTRA_zone idn2 z)

foreach(t ${MS_FUZZ_TARGETS})
  add_executable(replay_${t} fuzz/replay.c fuzz/fuzz_${t}.c)
  if(DEFINED MS_FUZZ_LIB_${t})
    target_link_libraries(replay_${t} PRIVATE ${MS_FUZZ_LIB_${t}})
  else()
    target_link_libraries(replay_${t} PRIVATE ms_probes)
  endif()
  add_test(NAME fuzz.replay_${t}
           COMMAND replay_${t} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${t})
endforeach()

if(MS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "MS_FUZZ needs clang (CC=clang); libFuzzer binaries not built")
  else()
    set(MS_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
    foreach(t ${MS_FUZZ_TARGETS})
      add_executable(fuzz_${t} fuzz/fuzz_${t}.c ${MS_FUZZ_SRCS_${t}})
      target_compile_options(fuzz_${t} PRIVATE ${MS_FUZZ_FLAGS})
      target_link_options(fuzz_${t} PRIVATE ${MS_FUZZ_FLAGS})
      target_link_libraries(fuzz_${t} PRIVATE ms_common ${MS_FUZZ_EXTRA_${t}})
      # New inputs go to a scratch corpus in the build tree; the committed one is only read.
      set(scratch ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/${t})
      file(MAKE_DIRECTORY ${scratch})
      add_test(NAME fuzz.run_${t}
               COMMAND fuzz_${t} -max_total_time=20 -print_final_stats=1
                       ${scratch} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${t})
      set_tests_properties(fuzz.run_${t} PROPERTIES TIMEOUT 120)
    endforeach()
  endif()
endif()

# ctest bench/<name>/error_fails: a benchmark that stops with an error must fail its binary.
#   cmake -DBENCH=<binary> -P expect_failure.cmake
# Runs only the BM_InjectedError benchmark that tests/bench/bench_main.cpp registers when
# KEEPER_BENCH_INJECT_ERROR is set, and requires exit code 1 and the injected message in the
# output (Google Benchmark's own main would exit 0 here).
if(NOT BENCH)
  message(FATAL_ERROR "expect_failure.cmake: BENCH (the benchmark binary) is not set")
endif()
set(marker "smoke-check-${BENCH}")
set(ENV{KEEPER_BENCH_INJECT_ERROR} "${marker}")
execute_process(COMMAND ${BENCH} --benchmark_filter=^BM_InjectedError$ --benchmark_min_time=0
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
message("${out}${err}")
if(NOT code STREQUAL "1")
  message(FATAL_ERROR "${BENCH}: exit code '${code}' with an injected benchmark error, expected 1")
endif()
string(FIND "${out}${err}" "injected by KEEPER_BENCH_INJECT_ERROR: ${marker}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${BENCH}: the injected error message is not in the output")
endif()
string(FIND "${err}" "stopped with an error" listed)
if(listed EQUAL -1)
  message(FATAL_ERROR "${BENCH}: the failed benchmark is not listed on stderr")
endif()

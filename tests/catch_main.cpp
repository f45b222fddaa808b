// Catch2's implementation, compiled once (keeper_catch_runner) and shared by every test
// executable and the daemon latency benchmark. main() is not here: the test executables get a
// generated one that calls keeper_catch_run() (tests/CMakeLists.txt), the benchmark has Google
// Benchmark's and runs its Catch cases from tests/bench/daemon_latency_catch.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int keeper_catch_run(int argc, char* argv[]);

/// Runs the registered test cases with Catch's command line; the process exit code. Catch allows
/// one session per process, so repeated calls (the benchmark's) reuse it.
int keeper_catch_run(int argc, char* argv[]) {
    static Catch::Session session;
    return session.run(argc, argv);
}

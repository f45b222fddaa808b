// Catch2's implementation (no main: Google Benchmark's runs) for the anvil test support the
// daemon latency benchmark uses. Compiled without the project's warning flags (third-party code).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

/// Runs the registered Catch test cases once (the benchmark's setup); the number of failures.
int run_catch_session() {
    static Catch::Session session;  // Catch allows one session per process
    const char* argv[] = {"bench_daemon_latency"};
    return session.run(1, argv);
}

// The anvil test support the daemon latency benchmark uses runs inside Catch test cases; Catch's
// implementation is the tests' shared one (tests/catch_main.cpp, keeper_catch_runner).
int keeper_catch_run(int argc, char* argv[]);  // tests/catch_main.cpp
int run_catch_session();

/// Runs the registered Catch test cases once (the benchmark's setup); the number of failures.
int run_catch_session() {
    char name[] = "bench_daemon_latency";
    char* argv[] = {name, nullptr};
    return keeper_catch_run(1, argv);
}

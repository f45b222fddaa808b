// main() of every benchmark binary in tests/bench (linked as an object, so it takes the place of
// Google Benchmark's benchmark_main): the same command line and output as benchmark_main, but
// the process fails when a benchmark stopped with an error.
//
// Google Benchmark reports a benchmark that called State::SkipWithError() (a failed setup, a
// hedge that never came, a relay that refused) as "ERROR OCCURRED" and still exits 0, so the
// one-iteration ctest smoke (label "bench") would pass over a broken benchmark. Here every run
// goes through a reporter that forwards to the usual display reporter (--benchmark_format is
// honoured, --benchmark_out still writes its file) and remembers the runs that errored. Exit
// codes:
//   0  every benchmark that matched the filter ran without error
//   1  at least one benchmark stopped with an error (each listed on stderr with its message),
//      or no benchmark matched the filter (a misspelt filter is not a pass)
//   2  unrecognised arguments (as benchmark_main)
//
// Test hook: with KEEPER_BENCH_INJECT_ERROR set to a message, one more benchmark,
// BM_InjectedError, is registered; it calls SkipWithError(<message>) in its first iteration.
// tests/bench/expect_failure.cmake runs every binary with it (ctest bench/<name>/error_fails)
// and checks that the error fails the process and is named in its output.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

/// Forwards everything to `inner` and keeps the runs that stopped with an error.
class ErrorTrackingReporter final : public benchmark::BenchmarkReporter {
public:
    explicit ErrorTrackingReporter(benchmark::BenchmarkReporter* inner) : inner_(inner) {}

    bool ReportContext(const Context& context) override { return inner_->ReportContext(context); }

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            ++runs_;
            if (run.error_occurred) errors_.push_back(run.benchmark_name() + ": " + run.error_message);
        }
        inner_->ReportRuns(runs);
    }

    void Finalize() override { inner_->Finalize(); }

    [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }
    [[nodiscard]] std::size_t runs() const noexcept { return runs_; }

private:
    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
    std::vector<std::string> errors_;
    std::size_t runs_{0};
};

void register_injected_error() {
    const char* message = std::getenv("KEEPER_BENCH_INJECT_ERROR");
    if (message == nullptr || *message == '\0') return;
    const std::string text = std::string("injected by KEEPER_BENCH_INJECT_ERROR: ") + message;
    benchmark::RegisterBenchmark("BM_InjectedError", [text](benchmark::State& state) {
        for (auto _ : state) {
            state.SkipWithError(text.c_str());
            break;
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    register_injected_error();
    ErrorTrackingReporter reporter(benchmark::CreateDefaultDisplayReporter());
    const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (matched == 0) {
        std::fprintf(stderr, "bench: no benchmark matches the filter '%s'\n", benchmark::GetBenchmarkFilter().c_str());
        return 1;
    }
    if (!reporter.errors().empty()) {
        std::fprintf(stderr, "bench: %zu benchmark run(s) stopped with an error:\n", reporter.errors().size());
        for (const std::string& e : reporter.errors()) std::fprintf(stderr, "  %s\n", e.c_str());
        return 1;
    }
    return 0;
}

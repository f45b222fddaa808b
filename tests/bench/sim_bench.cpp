// Backtester throughput in hedge steps per second (one step = one path, one time step, one
// policy: price the book, decide, size, charge costs, account). The reference case:
// GBM paths, Black-Scholes delta, a delta-band policy, 2 threads. Path generation and book
// pricing are included in the time: with one policy nothing is shared across policies.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "keeper/sim/backtest.hpp"

namespace {

keeper::sim::Scenario band_scenario(int threads, int policies) {
    using namespace keeper;
    sim::Scenario sc;
    sc.paths = {3000.0, 30.0 / 365.0, 720, sim::Gbm{0.0, 0.7}};  // 30 days, hourly
    sc.pricing_vol = 0.7;
    sc.rate = 0.04;
    sc.carry = 0.04;
    sc.book = {{{pricing::OptionType::kCall, 3000.0, 3300.0, 30.0 / 365.0, 0.7, 0.04, 0.04}, -100.0}};
    sc.costs = {0.0005, 2e7, 0.1, 180000, 15, true, 0.0};
    for (int i = 0; i < policies; ++i)
        sc.policies.push_back({"delta_band", "band", policy::DeltaBand{2.0 + i, policy::BandUnit::kAbsolute}});
    sc.num_paths = 512;
    sc.seed = 1;
    sc.threads = threads;
    return sc;
}

void run(benchmark::State& state, int threads, int policies) {
    const auto sc = band_scenario(threads, policies);
    std::uint64_t steps = 0;
    for (auto _ : state) {
        auto r = keeper::sim::run_backtest(sc);
        benchmark::DoNotOptimize(r);
        steps += r->hedge_steps;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(steps));
}

// Wall-clock time: the point of the second thread is elapsed time.
void BM_backtest_band_1thread(benchmark::State& state) {
    run(state, 1, 1);
}
void BM_backtest_band_2threads(benchmark::State& state) {
    run(state, 2, 1);
}
// Eight band widths on the same paths: the book is priced once per path and shared.
void BM_backtest_8bands_2threads(benchmark::State& state) {
    run(state, 2, 8);
}

// The minimum over repetitions: on a shared VM, noise only ever adds time, so the fastest
// repetition is the best estimate of the code's own cost (reported beside the median).
double min_of(const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
}

}  // namespace

// Time is wall clock (items_per_second too); CPU is the whole process's CPU time, both worker
// threads included, so CPU / Time shows how much of the second core a run actually got.
BENCHMARK(BM_backtest_band_1thread)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK(BM_backtest_band_2threads)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK(BM_backtest_8bands_2threads)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("min", min_of);

// Head-to-submit latency of the keeper daemon on loopback: from the moment the main loop
// receives a new head to the moment a signed hedge transaction is handed to the submitter
// (executor.on_head -> collect: one batched eth_call round trip -> plan -> execute: journal,
// eth_call simulation, eth_estimateGas, fees, nonce, sign, journal the attempt -> submit()).
//
// Setup (once): anvil (automine), the project's stack deployed, a short-options book written,
// the vault's cooldown set to 0 and its tolerance to 0.01 underlying so every oracle move is a
// hedge, the book hedged once (warm-up). Each iteration moves the oracle between 2988 and 3012
// (0.4% from the pool, inside the 1% deviation guard) with one eth_sendTransaction, which mines
// one block; the whole daemon runs in process with a recording submitter that timestamps
// submit() and passes the transaction on to the public submitter. The iteration's sample is
// the decision at a block after the move that signed a transaction (matched by block number
// and tx hash, never "the newest execution").
//
// Between iterations (not timed) the bench waits until that hedge is mined and the loop has
// decided at the chain's newest block with nothing in flight (see Bench::settle for the two
// races this closes). A failed iteration reports, for every block after the move, the oracle
// price the loop saw and the planner's reason and detail.
//
// Reported: manual time = head received -> submit() (per iteration), and counters p50_ms /
// p99_ms over all iterations, plus mined_to_submit_p50_ms: from the driver's
// eth_sendTransaction response (the block is mined) to submit(), which adds the head's trip
// over the websocket.
//
// BM_HeadToRelayAccepted: the same daemon and driver (its own anvil and stack), configured
// with [submit] mode = "private" and one flashbots-kind relay: the local relay of
// tests/support/relay.hpp (a real HTTP server on loopback that checks X-Flashbots-Signature,
// decodes the transaction and holds it privately). The clock runs from the head received by
// the loop to the relay's acceptance of eth_sendPrivateTransaction back on the daemon's event
// loop (the RecordingSubmitter timestamps the return of the configured PrivateRelaySubmitter's
// submit() with status accepted): collect, plan, simulate, estimate, fees, journal, sign,
// JSON-RPC body signed with the reputation key, loopback HTTP, relay verification. Between
// iterations (not timed) the relay's builder includes the held hedge (LocalRelay::mine) and
// the driver waits as above. Counters as above (p50_ms, p99_ms, max_ms, samples).
//
// Run (from the source root, with your build directory):
//   build/<dir>/tests/bench/bench_daemon_latency --benchmark_min_time=5
// Both benchmarks' worlds (two anvils, two daemons) are set up once, before the first runs.
#include <benchmark/benchmark.h>

// The anvil/stack test support reports failures with Catch2 macros: the benchmark body runs as
// one Catch test case (daemon_latency_catch.cpp holds Catch's implementation), so a failed
// setup step is reported by Catch and turned into SkipWithError.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>
#include <map>
#include <mutex>
#include <thread>

#include "daemon_world.hpp"
#include "support/process.hpp"
#include "support/relay.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/daemon/keeper.hpp"

int run_catch_session();  // daemon_latency_catch.cpp

namespace {

using namespace keeper;
using namespace keeper::test;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

/// One decision of the loop, as the driver needs it.
struct Decision {
    std::uint64_t block{0};
    hedge::PlanReason reason{hedge::PlanReason::kInsideBand};
    std::string detail;
    double spot{0.0};               // the oracle price the decision saw
    double in_flight_delta{0.0};    // hedges in flight it counted, underlying units
    std::optional<Hash32> tx_hash;  // set when the decision traded and a transaction was signed
    std::string outcome;            // the execution's detail when it did not submit
    Clock::time_point head_seen;
    bool nothing_in_flight{true};   // no hedge of the vault was sent and not yet final
};

/// Shared between the daemon's loop thread and the driver.
struct Timeline {
    std::mutex mutex;
    std::condition_variable cv;
    std::map<Hash32, Clock::time_point> submitted;  // tx hash -> submit() entry
    std::map<Hash32, Clock::time_point> accepted;   // tx hash -> submit() returned "accepted" on the loop
    std::vector<Decision> decisions;                // in the loop's order
};

/// Timestamps submit() and forwards everything to the configured submitter.
class RecordingSubmitter final : public submit::Submitter {
public:
    RecordingSubmitter(std::unique_ptr<submit::Submitter> inner, Timeline& timeline)
        : inner_(std::move(inner)), timeline_(timeline) {}
    [[nodiscard]] std::string_view name() const noexcept override { return inner_->name(); }
    [[nodiscard]] bool is_private() const noexcept override { return inner_->is_private(); }
    [[nodiscard]] bool sent_privately(const Hash32& h) const override { return inner_->sent_privately(h); }
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override {
        const auto now = Clock::now();
        {
            std::lock_guard lock(timeline_.mutex);
            timeline_.submitted.emplace(request.tx_hash, now);
        }
        submit::SubmitResult result = co_await inner_->submit(request);
        if (result.status == submit::SubmitStatus::kAccepted) {
            const auto back = Clock::now();  // the acceptance is back on the event loop
            std::lock_guard lock(timeline_.mutex);
            timeline_.accepted.emplace(request.tx_hash, back);
        }
        co_return result;
    }
    [[nodiscard]] asio::awaitable<submit::Visibility> visibility(const Hash32& tx_hash,
                                                                 std::uint64_t head_number) override {
        co_return co_await inner_->visibility(tx_hash, head_number);
    }
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override {
        co_return co_await inner_->cancel(tx_hash);
    }
    asio::awaitable<void> on_head(std::uint64_t head_number) override { co_await inner_->on_head(head_number); }

private:
    std::unique_ptr<submit::Submitter> inner_;
    Timeline& timeline_;
};

/// Where the daemon sends its hedges, and so where the clock stops.
enum class Route : std::uint8_t {
    kPublic,   // the public submitter: the clock stops on submit() entry
    kPrivate,  // the local relay through PrivateRelaySubmitter: the clock stops on its acceptance
};

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

/// Everything the iterations share: the chain, the daemon on its own thread, the timeline.
/// Built once (Google Benchmark calls the function several times while sizing the run).
struct Bench {
    Route route;
    DaemonWorld world;
    std::unique_ptr<LocalRelay> relay;  // Route::kPrivate
    Timeline timeline;
    std::unique_ptr<daemon::Daemon> daemon;
    std::thread loop;
    bool up{true};
    std::string oracle_up_calldata;    // feed.setAnswer(3012e8)
    std::string oracle_down_calldata;  // feed.setAnswer(2988e8)
    std::vector<double> head_to_submit;   // ms
    std::vector<double> mined_to_submit;  // ms

    explicit Bench(Route r) : route(r) {
        const AnvilProcess& anvil = world.anvil();
        const Stack& stack = world.stack();
        send_as(anvil, kDeployerAddress, stack.vault, "setRebalanceConfig((uint16,uint16,uint32,uint32,uint96))",
                {"(100,150,300,0,1000000000000)"});
        send_as(anvil, kDeployerAddress, stack.vault, "setDeltaConfig((int96,uint80,uint80))",
                {"(0,10000000000000000,20000000000000000000)"});
        send_as(anvil, kDeployerAddress, stack.vault, "setDeltaBudget(address,uint256)",
                {kKeeperAddress, "1000000000000000000000000"});
        advance_time(anvil, 400);  // a TWAP window of history at the pool's price
        oracle_up_calldata = trim(cast({"calldata", "setAnswer(int256)", "301200000000"}));
        oracle_down_calldata = trim(cast({"calldata", "setAnswer(int256)", "298800000000"}));

        ConfigOptions options;
        options.band = 0.01;
        options.ws_url = anvil.ws_url();
        options.log_level = "warn";
        if (route == Route::kPrivate) {
            RelayOptions relay_options;
            relay_options.chain = [&anvil](const std::string& m, const std::string& p) { return anvil.raw_call(m, p); };
            relay = std::make_unique<LocalRelay>(std::move(relay_options));
            options.private_relay_url = relay->url();
        }
        auto cfg = config::parse_config(world.config_toml(options), config::empty_env(), "bench.toml");
        if (!cfg) FAIL(cfg.error().to_string());
        auto key_bytes = from_hex(kKeeperKey);
        REQUIRE(key_bytes);
        auto key = SecretKey::from_bytes(*key_bytes);
        REQUIRE(key);

        daemon::RunOptions run;
        run.handle_signals = false;
        run.wrap_submitter = [this](std::unique_ptr<submit::Submitter> inner) -> std::unique_ptr<submit::Submitter> {
            return std::make_unique<RecordingSubmitter>(std::move(inner), timeline);
        };
        run.observer = [this](const daemon::DecisionEvent& e) {
            Decision d;
            d.block = e.block_number;
            d.reason = e.plan.reason;
            d.detail = e.plan.detail;
            d.spot = e.plan.spot;
            d.in_flight_delta = e.plan.in_flight_delta;
            d.head_seen = e.head_seen;
            d.nothing_in_flight = e.plan.in_flight_delta == 0.0 && !e.replanned;
            if (e.execution) {
                d.tx_hash = e.execution->tx_hash;
                if (!d.tx_hash) d.outcome = e.execution->detail;
            }
            std::lock_guard lock(timeline.mutex);
            timeline.decisions.push_back(std::move(d));
            timeline.cv.notify_all();
        };
        daemon = std::make_unique<daemon::Daemon>(std::move(*cfg), std::move(*key), std::nullopt, std::move(run));
        loop = std::thread([this] { daemon->run(); });
        try {
            warm_up();
        } catch (...) {
            // A failed setup step (Catch's exception): stop the daemon before the thread is destroyed.
            daemon->stop();
            loop.join();
            throw;
        }
    }

    /// The first head hedges the book as written; that hedge settles before the first iteration.
    void warm_up() {
        const AnvilProcess& anvil = world.anvil();
        std::optional<std::size_t> warm;
        for (int i = 0; i < 50 && !warm; ++i) {
            const std::uint64_t from = block_number(anvil);
            mine(anvil);
            warm = wait_trade_after(from, std::chrono::milliseconds(500));
        }
        REQUIRE(warm);
        Hash32 warm_hash;
        {
            std::lock_guard lock(timeline.mutex);
            warm_hash = *timeline.decisions[*warm].tx_hash;
        }
        std::string error;
        if (!settle(warm_hash, error)) FAIL(error);
    }
    ~Bench() {
        if (loop.joinable()) {
            daemon->stop();
            loop.join();
        }
    }
    Bench(const Bench&) = delete;
    Bench& operator=(const Bench&) = delete;

    /// Where the clock stops for this route (timeline.mutex held).
    const std::map<Hash32, Clock::time_point>& stop_times() const {
        return route == Route::kPrivate ? timeline.accepted : timeline.submitted;
    }

    /// Waits for a decision at a block after `block` that signed a transaction; its index in
    /// timeline.decisions. Caller must not hold the mutex.
    std::optional<std::size_t> wait_trade_after(std::uint64_t block, std::chrono::milliseconds limit) {
        std::unique_lock lock(timeline.mutex);
        std::optional<std::size_t> found;
        timeline.cv.wait_for(lock, limit, [&] {
            for (std::size_t i = 0; i < timeline.decisions.size(); ++i) {
                const Decision& d = timeline.decisions[i];
                if (d.block > block && d.tx_hash && stop_times().count(*d.tx_hash) != 0) {
                    found = i;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    /// Quiescence between iterations: the hedge `tx_hash` is mined and the loop has decided, with
    /// nothing in flight, at the newest block of the chain. Not timed. Two races it closes:
    ///  - the next oracle move mined before the previous hedge (submit() is timestamped on entry,
    ///    before the broadcast): the planner rightly answers in_flight at the move's block;
    ///  - the next oracle move mined while the loop still collects at an earlier head (an extra
    ///    block: the confirmation mined below, a follow-up hedge): anvil answers calls pinned to
    ///    its newest block (by hash or number) from its live state, so while it mines the move's
    ///    block such a read can already see the move (anvil 1.7.1; tests/bench/README.md). The loop
    ///    then hedges the move at the earlier head and, at the move's block, sees that hedge in
    ///    flight ("hedges in flight cover the error"): no decision after the move ever trades.
    ///    Once the loop has decided at the newest block and nothing is in flight, nothing reads
    ///    or mines until the driver moves the oracle.
    bool settle(const Hash32& tx_hash, std::string& error) {
        const std::string hash = to_hex(tx_hash);
        // Private: the relay holds the hedge until its builder includes it (one block).
        if (relay) relay->mine();
        std::uint64_t receipt_block = 0;
        for (int i = 0; i < 200 && receipt_block == 0; ++i) {
            const auto receipt = anvil_rpc(world.anvil(), "eth_getTransactionReceipt", R"([")" + hash + R"("])");
            if (receipt.is_object() && receipt.contains("blockNumber"))
                receipt_block = std::stoull(receipt["blockNumber"].get<std::string>(), nullptr, 16);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (receipt_block == 0) {
            error = "the hedge " + hash + " was not mined within 2 s";
            return false;
        }
        for (int i = 0; i < 20; ++i) {
            // Every block mined so far; nothing else mines while the loop is idle.
            const std::uint64_t newest = std::max(receipt_block, block_number(world.anvil()));
            {
                std::unique_lock lock(timeline.mutex);
                // Idle: a decision at the newest block with nothing in flight (the hedge is final:
                // "inside band" alone can be said while it still waits for its confirmations) and
                // no new trade (a follow-up hedge decided while confirming would be pending).
                const bool idle = timeline.cv.wait_for(lock, std::chrono::milliseconds(500), [&] {
                    return std::any_of(timeline.decisions.begin(), timeline.decisions.end(), [&](const Decision& d) {
                        return d.block >= newest && d.nothing_in_flight &&
                               d.reason != hedge::PlanReason::kInFlight && d.reason != hedge::PlanReason::kTrade;
                    });
                });
                if (idle) return true;
            }
            // A follow-up hedge sent while confirming sits at the relay until its builder runs.
            if (relay) relay->mine();
            mine(world.anvil());  // another head, for the executor to see the receipt confirmed
        }
        error = "the loop still reports a hedge in flight 10 s after " + hash + " was mined" +
                decisions_after(receipt_block - 1);
        return false;
    }

    /// What the loop decided at the blocks after `block`, for the error report.
    std::string decisions_after(std::uint64_t block) {
        std::lock_guard lock(timeline.mutex);
        std::string out;
        for (const Decision& d : timeline.decisions) {
            if (d.block <= block) continue;
            out += "; block " + std::to_string(d.block) + " (oracle " + std::to_string(d.spot) + "): " +
                   std::string(hedge::to_string(d.reason));
            if (!d.detail.empty()) out += " (" + d.detail + ")";
            if (d.reason == hedge::PlanReason::kTrade && !d.tx_hash) out += " not submitted: " + d.outcome;
        }
        return out.empty() ? "; no decision at any later block (no head received?)" : out;
    }

    /// One oracle move (one block) and the hedge it causes; the head-to-submit seconds, or an error.
    std::optional<double> iteration(std::string& error) {
        const std::uint64_t before = block_number(world.anvil());
        const double price = up ? 3012.0 : 2988.0;
        // Automine: eth_sendTransaction answers once the block holding the move is mined.
        anvil_rpc(world.anvil(), "eth_sendTransaction",
                  R"([{"from":")" + std::string(kDeployerAddress) + R"(","to":")" + world.stack().feed +
                      R"(","data":")" + (up ? oracle_up_calldata : oracle_down_calldata) + R"("}])");
        const auto mined = Clock::now();
        up = !up;
        const auto index = wait_trade_after(before, std::chrono::seconds(10));
        if (!index) {
            error = "no hedge submitted within 10 s of the oracle move to " + std::to_string(price) +
                    " (block " + std::to_string(before + 1) + ")" + decisions_after(before > 12 ? before - 12 : 0);
            return std::nullopt;
        }
        std::unique_lock lock(timeline.mutex);
        const Decision& d = timeline.decisions[*index];
        const Clock::time_point sent = stop_times().at(*d.tx_hash);
        const double latency = std::chrono::duration<double>(sent - d.head_seen).count();
        const double from_mined = std::chrono::duration<double>(sent - mined).count();
        const Hash32 tx_hash = *d.tx_hash;
        lock.unlock();
        if (!settle(tx_hash, error)) return std::nullopt;
        head_to_submit.push_back(latency * 1e3);
        mined_to_submit.push_back(from_mined * 1e3);
        return latency;
    }
};

std::unique_ptr<Bench> g_bench;          // public submitter
std::unique_ptr<Bench> g_private_bench;  // the local relay
bool g_setup_tried = false;

TEST_CASE("daemon latency benchmark setup") {
    g_bench = std::make_unique<Bench>(Route::kPublic);
    // Stop the daemons before static destruction: their shutdown logs through spdlog, whose
    // registry (a function-local static made after g_bench) is destroyed before g_bench would be.
    std::atexit([] {
        g_bench.reset();
        g_private_bench.reset();
    });
}

TEST_CASE("daemon private-relay latency benchmark setup") {
    g_private_bench = std::make_unique<Bench>(Route::kPrivate);
}

void setup_once() {
    if (!g_setup_tried) {
        g_setup_tried = true;
        (void)run_catch_session();
    }
}

void measure(benchmark::State& state, Bench* bench) {
    if (bench == nullptr) {
        state.SkipWithError("setup failed (Catch's report above)");
        return;
    }
    for (auto _ : state) {
        std::string error;
        const auto latency = bench->iteration(error);
        if (!latency) {
            state.SkipWithError(error.c_str());
            break;
        }
        state.SetIterationTime(*latency);
    }
    state.counters["p50_ms"] = percentile(bench->head_to_submit, 0.50);
    state.counters["p99_ms"] = percentile(bench->head_to_submit, 0.99);
    state.counters["max_ms"] = percentile(bench->head_to_submit, 1.0);
    state.counters["mined_to_submit_p50_ms"] = percentile(bench->mined_to_submit, 0.50);
    state.counters["samples"] = static_cast<double>(bench->head_to_submit.size());
}

void BM_HeadToSubmit(benchmark::State& state) {
    setup_once();
    measure(state, g_bench.get());
}
BENCHMARK(BM_HeadToSubmit)->UseManualTime()->Unit(benchmark::kMillisecond);

/// New head -> signed private transaction accepted by the local relay, back on the event loop.
void BM_HeadToRelayAccepted(benchmark::State& state) {
    setup_once();
    measure(state, g_private_bench.get());
}
BENCHMARK(BM_HeadToRelayAccepted)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

// The keeper daemon with a HUNG primary RPC (issue #5, "primary RPC killed (failover within 2 s)",
// the variant a killed process does not cover): the primary accepts connections and never
// answers, so no request to it fails quickly. The pool's hedged reads must carry the keeper to
// the secondary within the same 2 s, and writes (the hedge's eth_sendRawTransaction) must reach
// the chain once the primary is benched.
// Recorder, RunningDaemon, first_decision and settle are trimmed copies of keeper_e2e_test.cpp's
// (kept private there); they could move to daemon_world.hpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon_world.hpp"
#include "forwarder.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/daemon/keeper.hpp"

using namespace keeper;
using namespace keeper::test;
using namespace std::chrono_literals;

namespace {

/// Every decision the daemon makes, in order, with when it was made; readable from the test thread.
class Recorder {
public:
    void push(const daemon::DecisionEvent& e) {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
        decided_at_.push_back(std::chrono::steady_clock::now());
        cv_.notify_all();
    }
    std::optional<std::chrono::steady_clock::time_point> decided_at(std::uint64_t block) const {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < events_.size(); ++i)
            if (events_[i].block_number >= block) return decided_at_[i];
        return std::nullopt;
    }
    daemon::DecisionEvent wait_block(std::uint64_t block, std::chrono::milliseconds limit = 20s) {
        std::unique_lock lock(mutex_);
        const daemon::DecisionEvent* found = nullptr;
        cv_.wait_for(lock, limit, [&] {
            for (const auto& e : events_)
                if (e.block_number >= block) {
                    found = &e;
                    return true;
                }
            return false;
        });
        if (found == nullptr) FAIL("no decision at or after block " << block << " within " << limit.count() << " ms");
        return *found;
    }
    bool empty() const {
        std::lock_guard lock(mutex_);
        return events_.empty();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<daemon::DecisionEvent> events_;
    std::vector<std::chrono::steady_clock::time_point> decided_at_;
};

/// The daemon on its own thread, stopped and joined on scope exit.
class RunningDaemon {
public:
    RunningDaemon(const std::string& toml, Recorder& recorder) {
        auto cfg = config::parse_config(toml, config::empty_env(), "test.toml");
        if (!cfg) FAIL("config: " << cfg.error().to_string());
        auto key = SecretKey::from_bytes(from_hex(kKeeperKey).value());
        REQUIRE(key);
        daemon::RunOptions options;
        options.handle_signals = false;
        options.observer = [&recorder](const daemon::DecisionEvent& e) { recorder.push(e); };
        daemon_ = std::make_unique<daemon::Daemon>(std::move(*cfg), std::move(*key), std::nullopt, std::move(options));
        thread_ = std::thread([this] { exit_code_ = daemon_->run(); });
    }
    ~RunningDaemon() { stop(); }
    int stop() {
        if (thread_.joinable()) {
            daemon_->stop();
            thread_.join();
        }
        return exit_code_;
    }

private:
    std::unique_ptr<daemon::Daemon> daemon_;
    std::thread thread_;
    std::atomic<int> exit_code_{-1};
};

std::uint64_t first_decision_block(const AnvilProcess& anvil, Recorder& recorder) {
    for (int i = 0; i < 100 && recorder.empty(); ++i) {
        mine(anvil);
        std::this_thread::sleep_for(200ms);
    }
    REQUIRE_FALSE(recorder.empty());
    return recorder.wait_block(0).block_number;
}

/// The decision for `block`; when it submitted a trade, waits until the trade is mined.
daemon::DecisionEvent settle(const AnvilProcess& anvil, Recorder& recorder, std::uint64_t block) {
    auto d = recorder.wait_block(block);
    if (d.execution && d.execution->outcome == daemon::ExecuteOutcome::kSubmitted) {
        REQUIRE(d.execution->tx_hash);
        const std::string hash = to_hex(*d.execution->tx_hash);
        for (int i = 0; i < 200; ++i) {
            const auto receipt = anvil_rpc(anvil, "eth_getTransactionReceipt", "[\"" + hash + "\"]");
            if (!receipt.is_null()) {
                CHECK(receipt["status"] == "0x1");
                break;
            }
            std::this_thread::sleep_for(100ms);
        }
    }
    return d;
}

}  // namespace

TEST_CASE("primary RPC hung (accepts, never answers): the keeper fails over within 2 s and keeps hedging",
          "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    // "primary" through a forwarder the test switches to hanging, "secondary" direct; heads by
    // HTTP polling through the pool, so every read depends on the failover.
    TcpForwarder primary(anvil.port());
    ConfigOptions options;
    options.endpoints = {{"primary", "http://127.0.0.1:" + std::to_string(primary.port())},
                         {"secondary", anvil.http_url()}};
    options.poll_interval_ms = 200;
    Recorder recorder;
    RunningDaemon daemon(world.config_toml(options), recorder);
    auto d = settle(anvil, recorder, first_decision_block(anvil, recorder));
    REQUIRE(d.plan.reason == hedge::PlanReason::kTrade);
    mine(anvil);
    (void)recorder.wait_block(block_number(anvil));

    primary.set_mode(TcpForwarder::Mode::kHang);
    const auto hung_at = std::chrono::steady_clock::now();
    mine(anvil);
    const std::uint64_t after_hang = block_number(anvil);
    d = recorder.wait_block(after_hang, 15s);
    const auto decided = recorder.decided_at(after_hang);
    REQUIRE(decided);
    const auto failover = std::chrono::duration_cast<std::chrono::milliseconds>(*decided - hung_at);
    INFO("first decision after the hang took " << failover.count() << " ms");
    CHECK(failover < 2s);
    CHECK(d.plan.reason != hedge::PlanReason::kOracleStale);
    CHECK(primary.hung_reads() >= 1);  // the primary was asked, and the keeper did not wait for it

    // And it keeps hedging: a market move is traded through the secondary (the transaction is a
    // write, never hedged: it needs the primary benched, which the lost reads did).
    move_pool_to(anvil, stack, 3300);
    set_oracle_price(anvil, stack, pool_price(anvil, stack));
    advance_time(anvil, 601);
    const auto moved_at = std::chrono::steady_clock::now();
    d = settle(anvil, recorder, block_number(anvil));
    INFO(d.plan.detail);
    CHECK(d.plan.reason == hedge::PlanReason::kTrade);
    REQUIRE(d.execution);
    CHECK(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
    INFO("decided and submitted " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - moved_at).count() << " ms after the move");
    mine(anvil);
    CHECK(rebalanced_events(anvil, stack).size() == 2);
    CHECK(std::abs(chain_delta(anvil, stack) - d.plan.target_delta) <= std::max(options.band, vault_tolerance(anvil, stack)));
    CHECK(daemon.stop() == 0);
}

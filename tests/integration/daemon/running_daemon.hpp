// The whole daemon (daemon::Daemon, as `keeper run` builds it) on a thread of its own, and the
// test thread's view of it: every decision the loop reports through RunOptions::observer, in
// order, with when it was made; plus the waits the anvil tests share (the first decision, a
// decision and its trade mined).
#pragma once

#include <catch2/catch.hpp>

#include <utility>  // before Asio

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon_world.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/daemon/keeper.hpp"
#include "support/anvil.hpp"
#include "support/failure_log.hpp"
#include "support/stack.hpp"

namespace keeper::test {

/// Every decision the daemon makes, in order, with when it was made; readable from the test thread.
class DecisionRecorder {
public:
    void push(const daemon::DecisionEvent& e) {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
        decided_at_.push_back(std::chrono::steady_clock::now());
        cv_.notify_all();
    }
    /// When the first decision at or after `block` was made (the observer ran).
    std::optional<std::chrono::steady_clock::time_point> decided_at(std::uint64_t block) const {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < events_.size(); ++i)
            if (events_[i].block_number >= block) return decided_at_[i];
        return std::nullopt;
    }
    /// The first decision made at or after `block`, waiting up to `limit` for it.
    std::optional<daemon::DecisionEvent> try_wait_block(std::uint64_t block, std::chrono::milliseconds limit) {
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
        if (found == nullptr) return std::nullopt;
        return *found;
    }
    /// The same; the test fails on timeout.
    daemon::DecisionEvent wait_block(std::uint64_t block,
                                     std::chrono::milliseconds limit = std::chrono::milliseconds(20'000)) {
        auto d = try_wait_block(block, limit);
        if (!d) FAIL("no decision at or after block " << block << " within " << limit.count() << " ms");
        return std::move(*d);
    }
    std::vector<daemon::DecisionEvent> all() const {
        std::lock_guard lock(mutex_);
        return events_;
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

inline SecretKey daemon_keeper_key() {
    auto bytes = from_hex(kKeeperKey);
    REQUIRE(bytes);
    auto key = SecretKey::from_bytes(*bytes);
    REQUIRE(key);
    return std::move(*key);
}

/// The daemon on its own thread, stopped and joined on scope exit. `options` may carry a
/// dry run or hooks; the observer, signal handling and the log (a file shown if the test case
/// fails) are set here. With
/// `wait_metrics_port`, the constructor waits until /metrics listens (the config may say ":0")
/// and port() is its port.
class RunningDaemon {
public:
    RunningDaemon(const std::string& toml, DecisionRecorder& recorder, daemon::RunOptions options = {},
                  bool wait_metrics_port = false) {
        auto cfg = config::parse_config(toml, config::empty_env(), "test.toml");
        if (!cfg) FAIL("config: " << cfg.error().to_string());
        // The log goes to a file, shown after Catch's report if the test case fails.
        if (!cfg->log.file) cfg->log.file = log_file_shown_on_failure("daemon log");
        options.log_to_console = false;
        options.handle_signals = false;
        options.observer = [&recorder](const daemon::DecisionEvent& e) { recorder.push(e); };
        std::future<std::uint16_t> port;
        if (wait_metrics_port) {
            options.on_metrics_listening = [this](std::uint16_t p) { port_.set_value(p); };
            port = port_.get_future();
        }
        daemon_ = std::make_unique<daemon::Daemon>(std::move(*cfg), daemon_keeper_key(), std::nullopt,
                                                   std::move(options));
        thread_ = std::thread([this] { exit_code_ = daemon_->run(); });
        if (wait_metrics_port) {
            REQUIRE(port.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
            metrics_port_ = port.get();
            REQUIRE(metrics_port_ != 0);
        }
    }
    ~RunningDaemon() { stop(); }
    RunningDaemon(const RunningDaemon&) = delete;
    RunningDaemon& operator=(const RunningDaemon&) = delete;

    int stop() {
        if (thread_.joinable()) {
            daemon_->stop();
            thread_.join();
        }
        return exit_code_;
    }
    [[nodiscard]] std::uint16_t port() const { return metrics_port_; }

private:
    std::promise<std::uint16_t> port_;
    std::unique_ptr<daemon::Daemon> daemon_;
    std::thread thread_;
    std::atomic<int> exit_code_{-1};
    std::uint16_t metrics_port_{0};
};

/// Mines until the daemon has decided at least once (it may start between blocks); returns
/// that first decision.
inline daemon::DecisionEvent first_decision(const AnvilProcess& anvil, DecisionRecorder& recorder) {
    for (int i = 0; i < 100 && recorder.empty(); ++i) {
        mine(anvil);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (recorder.empty()) FAIL("the daemon made no decision within 20 s");
    return recorder.all().front();
}

/// The decision for `block`; when it submitted a trade, waits (up to `receipt_wait`) until the
/// trade is mined and checks that it succeeded.
inline daemon::DecisionEvent settle(const AnvilProcess& anvil, DecisionRecorder& recorder, std::uint64_t block,
                                    std::chrono::milliseconds receipt_wait = std::chrono::milliseconds(10'000)) {
    auto d = recorder.wait_block(block);
    if (d.execution && d.execution->outcome == daemon::ExecuteOutcome::kSubmitted) {
        REQUIRE(d.execution->tx_hash);
        const std::string hash = to_hex(*d.execution->tx_hash);
        const auto until = std::chrono::steady_clock::now() + receipt_wait;
        while (std::chrono::steady_clock::now() < until) {
            const auto receipt = anvil_rpc(anvil, "eth_getTransactionReceipt", "[\"" + hash + "\"]");
            if (!receipt.is_null()) {
                CHECK(receipt["status"] == "0x1");
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    return d;
}

}  // namespace keeper::test

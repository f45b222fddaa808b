// The keeper's main loop: one pass per new head, readable top to bottom.
//
//     for each head (rpc::HeadStream, in order, reorgs flagged):
//         executor.on_head(head)                 track in-flight txs: receipts, fee bumps, reorgs
//         if executor.halted(): log, count, skip  (deep reorg: a human decides)
//         snapshots = collector.collect(head)    one batched eth_call round trip, pinned to head
//         for each vault snapshot:
//             plan = hedge::plan(snapshot, executor.in_flight(vault), settings, since_last_trade)
//             log the decision (one line), metrics
//             if plan.reason == kTrade: executor.execute(plan, vault, head); log, metrics
//           except a vault with private trades whose window passed (executor.awaiting_replan):
//             for each: plan = hedge::plan(snapshot, in_flight without that intent, ...)
//                       executor.replan(intent, plan, head)  same nonce: the fresh trade, or a cancel
//         missed trades of vaults not collected: executor.release(intent)  (a cancel at the nonce)
//
// Two classes:
//   - Keeper runs that loop over parts it is handed (endpoint pool, head stream, collector,
//     executor, metrics). Tests build it in-process and watch it through the observer hook.
//   - Daemon is `keeper run`: it builds every part from a validated KeeperConfig (journal,
//     endpoint pool with its chain id check, submitter, executor, collector, head stream,
//     metrics and health HTTP server), runs the loop on one event-loop thread, and stops
//     gracefully on SIGINT/SIGTERM (ops::ShutdownSignals; a second signal exits at once):
//     the head stream stops, the step in progress finishes, the journal closes.
//
// Operating it: every series the loop exports is listed in keeper/ops/README.md. Ages ("seconds
// since the last head", "... since the last successful collect") are callback gauges computed
// when Prometheus scrapes, so they grow when heads stop. Alerts (the executor's AlertEvent and
// the MEV relays' MevAlert) are counted by kind (keeper_alerts_total), logged as structured
// "alert" lines with their kind, and the newest ones are listed in /health.
//
// Nothing here ever formats a key, a password or an endpoint URL (which may carry an API key):
// endpoints are named by their configured names, errors come from layers that redact.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "keeper/chain/collector.hpp"
#include "keeper/chain/contracts.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/bytes.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/daemon/executor.hpp"
#include "keeper/hedge/planner.hpp"
#include "keeper/hedge/types.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/ops/http_server.hpp"
#include "keeper/ops/metrics.hpp"
#include "keeper/rpc/heads.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/submitter.hpp"

namespace keeper::daemon {

namespace asio = boost::asio;

struct KeeperSettings {
    std::uint64_t chain_id{0};
    hedge::PlannerSettings planner;
    bool dry_run{false};  // for the logs; the executor enforces it
};

/// One decision, as the observer sees it (tests, the demo's report).
struct DecisionEvent {
    std::uint64_t block_number{0};
    Address vault;
    hedge::HedgePlan plan;
    std::optional<ExecuteResult> execution;  // set when the plan traded
    /// Set when this decision re-planned a private trade whose window passed (`replanned` is
    /// the intent awaiting it); `execution` stays empty then.
    std::optional<ReplanRequest> replanned;
    std::optional<ReplanResult> replan;
    std::chrono::steady_clock::time_point head_seen;  // when the loop received the head
};

/// Counters of the loop itself (the parts keep their own).
struct KeeperStats {
    std::uint64_t heads{0};
    std::uint64_t reorgs{0};
    std::uint64_t collect_failures{0};
    std::uint64_t decisions{0};
    std::uint64_t trades_submitted{0};
    std::uint64_t halted_heads{0};
    std::uint64_t replans{0};  // decisions that re-planned a missed private trade
    std::uint64_t alerts{0};   // alerts seen: the executor's and the relays'
};

/// /health lists at most this many of the newest alerts.
inline constexpr std::size_t kHealthAlerts = 16;

class Keeper {
public:
    using Observer = std::function<void(const DecisionEvent&)>;

    /// Every part must outlive the Keeper. `metrics` may be null (no metrics).
    Keeper(rpc::EndpointPool& pool, rpc::HeadStream& heads, chain::Collector& collector, Executor& executor,
           ops::Registry* metrics, KeeperSettings settings);
    ~Keeper();
    Keeper(const Keeper&) = delete;
    Keeper& operator=(const Keeper&) = delete;

    /// Called on the event-loop thread after each decision (and its execution, if any).
    void set_observer(Observer observer) { observer_ = std::move(observer); }

    /// Static facts (collector) and journal resumption (executor) at the current chain head.
    [[nodiscard]] asio::awaitable<rpc::Result<void>> start();
    /// The main loop, until stop() or the head stream ends. The step in progress always
    /// finishes: a signed transaction is never abandoned between journal and broadcast.
    asio::awaitable<void> run();
    /// Asks run() to return after the current step. Event-loop thread only.
    void stop();

    /// For /health and /ready, computed when called: ok, degraded (an endpoint not healthy, the
    /// last collect failed) or halted, with the reasons; the head's ages (by timestamp and by
    /// arrival) as of now, which ops::render_health judges against [metrics] max_head_age_s;
    /// the newest alerts.
    [[nodiscard]] ops::Health health() const;
    /// An alert from a MEV relay submitter (mev::AlertSink): counted by kind (relay_windows_missed,
    /// or relay_public_fallback when the submitter now falls back to the public mempool), logged
    /// as a structured "alert" line, listed in /health. Event-loop thread.
    void record_relay_alert(const mev::MevAlert& alert);
    /// The newest alerts (at most kHealthAlerts), oldest first.
    [[nodiscard]] std::vector<ops::HealthAlert> recent_alerts() const { return {alerts_.begin(), alerts_.end()}; }
    [[nodiscard]] KeeperStats stats() const noexcept { return stats_; }

private:
    struct Metrics;

    asio::awaitable<void> step(const rpc::HeadEvent& event);
    asio::awaitable<void> decide_and_execute(const hedge::VaultSnapshot& snapshot, const rpc::BlockHeader& head,
                                             std::chrono::steady_clock::time_point head_seen);
    asio::awaitable<void> replan(const hedge::VaultSnapshot& snapshot, const ReplanRequest& request,
                                 const rpc::BlockHeader& head, std::chrono::steady_clock::time_point head_seen);
    void log_replan(const ReplanRequest& request, const ReplanResult& result) const;
    void log_decision(const hedge::VaultSnapshot& snapshot, const hedge::HedgePlan& plan) const;
    void log_execution(const hedge::VaultSnapshot& snapshot, const hedge::HedgePlan& plan,
                       const ExecuteResult& result) const;
    void update_part_metrics();
    /// Picks up the executor's alerts raised since the last call: logs, /health list.
    void collect_executor_alerts();
    void remember_alert(ops::HealthAlert alert);

    rpc::EndpointPool& pool_;
    rpc::HeadStream& heads_;
    chain::Collector& collector_;
    Executor& executor_;
    KeeperSettings settings_;
    std::unique_ptr<Metrics> metrics_;
    Observer observer_;

    bool started_{false};
    bool stopping_{false};
    std::optional<rpc::BlockHeader> last_head_;
    std::optional<std::chrono::steady_clock::time_point> last_head_received_;
    std::optional<std::chrono::steady_clock::time_point> last_collect_ok_;
    std::optional<std::uint64_t> last_decision_unix_;
    bool last_collect_failed_{false};
    std::string last_collect_error_;
    std::map<Address, std::uint64_t> last_trade_at_;  // vault -> block timestamp of its last submitted hedge
    KeeperStats stats_;
    std::uint64_t executor_alerts_seen_{0};  // ExecutorStats::alerts already picked up
    std::deque<ops::HealthAlert> alerts_;    // newest last, at most kHealthAlerts
};

/// `keeper run` options beyond the config file.
struct RunOptions {
    bool dry_run{false};
    /// Test and benchmark hook: wraps the submitter built from the config (e.g. to timestamp
    /// submit()). Null: the configured submitter as is.
    std::function<std::unique_ptr<submit::Submitter>(std::unique_ptr<submit::Submitter>)> wrap_submitter;
    Keeper::Observer observer;
    /// Install SIGINT/SIGTERM handlers (off for in-process tests, which call Daemon::stop()).
    bool handle_signals{true};
    /// Called on the event-loop thread once /metrics, /health and /ready listen, with the bound
    /// port (the chosen one for "host:0"). Null: not called.
    std::function<void(std::uint16_t)> on_metrics_listening;
    /// Log to stderr as well as to [log] file (off for in-process tests, which keep the log in a
    /// file and show it when they fail).
    bool log_to_console{true};
};

/// The whole daemon of `keeper run`, built from a validated configuration.
class Daemon {
public:
    /// `funds_key` signs the hedges; `relay_key` (optional) signs relay authentication headers.
    Daemon(config::KeeperConfig config, SecretKey funds_key, std::optional<SecretKey> relay_key,
           RunOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Runs until SIGINT/SIGTERM, stop(), or a startup failure. Returns the process exit code
    /// (0 after a graceful stop); startup failures are logged and returned as 1.
    int run();
    /// Thread-safe: asks run() to stop gracefully.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace keeper::daemon

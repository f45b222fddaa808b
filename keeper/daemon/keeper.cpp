#include "keeper/daemon/keeper.hpp"
#include "keeper/daemon/submit_config.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "keeper/journal/journal.hpp"
#include "keeper/mev/settings.hpp"
#include "keeper/ops/logging.hpp"
#include "keeper/ops/signals.hpp"
#include "keeper/submit/public_submitter.hpp"

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"

namespace keeper::daemon {

namespace {

std::string address_text(const Address& a) { return to_checksum(a); }

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A stable snake_case token of an outcome, for log fields and metric labels.
std::string_view outcome_token(ExecuteOutcome o) noexcept {
    switch (o) {
        case ExecuteOutcome::kSubmitted: return "submitted";
        case ExecuteOutcome::kDuplicate: return "duplicate";
        case ExecuteOutcome::kSimulationReverted: return "simulation_reverted";
        case ExecuteOutcome::kDryRun: return "dry_run";
        case ExecuteOutcome::kRejected: return "rejected";
        case ExecuteOutcome::kHalted: return "halted";
        case ExecuteOutcome::kError: return "error";
    }
    return "unknown";
}

double wei_to_ether(const U256& wei) {
    // Exact enough for a gauge: split to stay inside double's range without rounding surprises.
    const U256 whole = wei / U256(1'000'000'000'000'000'000ULL);
    const U256 frac = wei % U256(1'000'000'000'000'000'000ULL);
    return static_cast<double>(whole) + static_cast<double>(frac) / 1e18;
}


}  // namespace

// ---- metrics ---------------------------------------------------------------------------------------

/// Every series the loop exports (keeper/ops/README.md lists them). Cumulative counters of the
/// parts (endpoint pool, executor) are mirrored as Prometheus counters by adding what changed
/// since the previous head. Ages are callback gauges, computed at scrape time.
struct Keeper::Metrics {
    explicit Metrics(ops::Registry& r)
        : heads(r.counter("keeper_heads_total", "New heads processed by the main loop.").get()),
          reorgs(r.counter("keeper_reorgs_total", "Heads that arrived as the first block of a new branch.").get()),
          head_number(r.gauge("keeper_head_number", "Number of the last head processed.").get()),
          head_age(r.callback_gauge("keeper_head_age_seconds",
                                    "Wall clock minus the last processed head's timestamp, computed at scrape time "
                                    "(negative when the chain's clock runs ahead).")
                       .get()),
          head_received_age(r.callback_gauge("keeper_last_head_received_age_seconds",
                                             "Seconds since the main loop last received a new head (monotonic "
                                             "clock), computed at scrape time.")
                                .get()),
          collect_age(r.callback_gauge("keeper_last_collect_age_seconds",
                                       "Seconds since the last successful collect round trip (monotonic clock), "
                                       "computed at scrape time.")
                          .get()),
          head_lag(r.gauge("keeper_head_lag_blocks",
                           "Best head any endpoint reported minus the last head processed.")
                       .get()),
          step_seconds(r.histogram("keeper_step_seconds",
                                   "Time from receiving a head to the end of its collect, decide and execute step.",
                                   ops::exponential_buckets(0.001, 2.0, 14))
                           .get()),
          collect_failures(r.counter("keeper_collect_failures_total", "Heads whose collect round trip failed.").get()),
          halted(r.gauge("keeper_halted", "1 while the transaction manager halts trading.").get()),
          halted_heads(r.counter("keeper_halted_heads_total", "Heads skipped because trading was halted.").get()),
          portfolio_delta(r.gauge("keeper_portfolio_delta", "Vault delta from the keeper's Greeks (underlying units).",
                                  {"vault"})),
          chain_delta(r.gauge("keeper_chain_delta", "Vault delta as the lens computes it on chain (underlying units).",
                              {"vault"})),
          target_delta(r.gauge("keeper_target_delta", "Target delta of the vault (underlying units).", {"vault"})),
          delta_error(r.gauge("keeper_delta_error", "Portfolio delta minus target delta (underlying units).", {"vault"})),
          band(r.gauge("keeper_delta_band", "Half-width of the policy's no-trade band (underlying units).", {"vault"})),
          spot(r.gauge("keeper_oracle_price", "Oracle price the decision used (quote per underlying).", {"vault"})),
          keeper_balance(r.gauge("keeper_balance_eth",
                                 "Native balance of the keeper's funds key at the last collected head, ETH.")
                             .get()),
          decisions(r.counter("keeper_decisions_total", "Decisions, by vault and reason.", {"vault", "reason"})),
          executions(r.counter("keeper_executions_total", "Executions of trade decisions, by vault and outcome.",
                               {"vault", "outcome"})),
          traded(r.counter("keeper_traded_underlying_total", "Underlying units of submitted hedges, by side.",
                           {"vault", "side"})),
          gas_cost_bound(r.counter("keeper_gas_cost_bound_eth_total",
                                   "Upper bound of the gas cost of submitted hedges: gas estimate times max fee.",
                                   {"vault"})),
          gas_paid(r.counter("keeper_gas_paid_eth_total",
                             "Gas paid by the keeper's final transactions (trades and cancels): gasUsed times "
                             "effectiveGasPrice of their receipts, ETH.",
                             {"vault"})),
          final_receipts(r.counter("keeper_final_receipts_total",
                                   "Receipts of the keeper's transactions that became final (counted in gas paid).")
                             .get()),
          pool_fee_cost(r.counter("keeper_pool_fee_cost_total",
                                  "Pool fee of submitted hedges: the pool's fee tier times the input amount, in "
                                  "quote units (an underlying input valued at the oracle price).",
                                  {"vault"})),
          intents(r.gauge("keeper_tx_intents", "Journaled hedge intents, by state.", {"state"})),
          tx_events(r.counter("keeper_tx_events_total",
                              "Transaction manager events: sent, bumped, resigned_private, cancelled, replanned, "
                              "replan_released, rebroadcast, gap_fill, nonce_fast_forward, receipt_reorged, alert.",
                              {"event"})),
          alerts(r.counter("keeper_alerts_total",
                           "Alerts by kind: the transaction manager's (dropped, fee_cap_reached, reorged_out, "
                           "nonce_consumed_elsewhere, deep_reorg, chain_ahead, gap_filled, abandoned, unpriceable, "
                           "private_window_missed) and the relays' (relay_windows_missed, relay_public_fallback).",
                           {"kind"})),
          rpc_requests(r.counter("keeper_rpc_requests_total", "HTTP round trips, by endpoint.", {"endpoint"})),
          rpc_failures(r.counter("keeper_rpc_failures_total", "Transport or protocol failures, by endpoint.",
                                 {"endpoint"})),
          rpc_rate_limited(r.counter("keeper_rpc_rate_limited_total", "Rate-limited requests, by endpoint.",
                                     {"endpoint"})),
          rpc_errors(r.counter("keeper_rpc_errors_total", "Error objects returned by the node, by endpoint.",
                               {"endpoint"})),
          rpc_healthy(r.gauge("keeper_rpc_endpoint_healthy", "1 when the endpoint is healthy, else 0.", {"endpoint"})),
          rpc_latency(r.gauge("keeper_rpc_latency_seconds", "Smoothed request latency, by endpoint.", {"endpoint"})),
          rpc_hedged(r.counter("keeper_rpc_hedged_total",
                               "Reads the endpoint had not answered by its hedge delay, sent to another endpoint too.",
                               {"endpoint"})),
          rpc_hedge_wins(r.counter("keeper_rpc_hedge_wins_total",
                                   "Hedged reads of another endpoint that this endpoint answered first.",
                                   {"endpoint"})),
          rpc_state_changes(r.counter("keeper_rpc_state_changes_total",
                                      "Endpoint health transitions (a flapping endpoint shows here).", {"endpoint"})),
          rpc_hedge_delay(r.gauge("keeper_rpc_hedge_delay_seconds",
                                  "Current hedge delay of the endpoint (its RFC 6298 timeout, clamped).",
                                  {"endpoint"})) {}

    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;
    /// The registry may outlive the keeper: its callbacks must not.
    ~Metrics() {
        head_age.reset();
        head_received_age.reset();
        collect_age.reset();
    }

    /// The scrape-time gauges read the keeper's state (event-loop thread, like the scrape).
    void bind(const Keeper& k) {
        head_age.set([&k]() -> std::optional<double> {
            if (!k.last_head_) return std::nullopt;
            return unix_now() - static_cast<double>(k.last_head_->timestamp);
        });
        head_received_age.set([&k] { return seconds_since(k.last_head_received_); });
        collect_age.set([&k] { return seconds_since(k.last_collect_ok_); });
    }

    void on_head(const rpc::BlockHeader& head, bool reorg, std::uint64_t best_head) {
        heads.inc();
        if (reorg) reorgs.inc();
        head_number.set(static_cast<double>(head.number));
        head_lag.set(best_head > head.number ? static_cast<double>(best_head - head.number) : 0.0);
    }

    void on_collect(const std::vector<hedge::VaultSnapshot>& snapshots) {
        // One funds key: every snapshot of a head reads the same balance.
        if (!snapshots.empty()) keeper_balance.set(wei_to_ether(snapshots.front().keeper_balance_wei));
    }

    void on_decision(const hedge::VaultSnapshot& s, const hedge::HedgePlan& plan) {
        const std::string v = to_checksum(s.vault);
        decisions.labels({v, std::string(hedge::to_string(plan.reason))}).inc();
        if (plan.spot <= 0.0) return;  // guards stopped it before the Greeks: nothing priced
        portfolio_delta.labels({v}).set(plan.portfolio_delta);
        chain_delta.labels({v}).set(plan.chain_delta);
        target_delta.labels({v}).set(plan.target_delta);
        delta_error.labels({v}).set(plan.portfolio_delta - plan.target_delta);
        band.labels({v}).set(plan.band);
        spot.labels({v}).set(plan.spot);
    }

    void on_execution(const hedge::VaultSnapshot& s, const hedge::HedgePlan& plan, const ExecuteResult& r) {
        const std::string v = to_checksum(s.vault);
        executions.labels({v, std::string(outcome_token(r.outcome))}).inc();
        if (r.outcome != ExecuteOutcome::kSubmitted) return;
        traded.labels({v, plan.trade_underlying >= 0.0 ? "buy" : "sell"}).inc(std::abs(plan.trade_underlying));
        gas_cost_bound.labels({v}).inc(wei_to_ether(U256(r.gas_estimate) * r.fees.max_fee_per_gas));
        if (plan.trade) pool_fee_cost.labels({v}).inc(pool_fee_quote(s, *plan.trade, plan.spot));
    }

    void on_relay_alert(const std::string& kind) { alerts.labels({kind}).inc(); }

    void update_parts(const std::vector<rpc::EndpointStats>& endpoints, const ExecutorStats& ex) {
        for (const auto& e : endpoints) {
            Mirror& m = endpoint_seen[e.name];
            advance(rpc_requests.labels({e.name}), m.requests, e.requests);
            advance(rpc_failures.labels({e.name}), m.failures, e.failures);
            advance(rpc_rate_limited.labels({e.name}), m.rate_limited, e.rate_limited);
            advance(rpc_errors.labels({e.name}), m.rpc_errors, e.rpc_errors);
            rpc_healthy.labels({e.name}).set(e.state == rpc::EndpointState::kHealthy ? 1.0 : 0.0);
            rpc_latency.labels({e.name}).set(std::chrono::duration<double>(e.avg_latency).count());
            advance(rpc_hedged.labels({e.name}), m.hedged, e.hedged);
            advance(rpc_hedge_wins.labels({e.name}), m.hedge_wins, e.hedge_wins);
            advance(rpc_state_changes.labels({e.name}), m.state_changes, e.state_changes);
            rpc_hedge_delay.labels({e.name}).set(std::chrono::duration<double>(e.hedge_delay).count());
        }
        for (std::size_t i = 0; i < ex.intents_by_state.size(); ++i) {
            intents.labels({std::string(txm::to_string(static_cast<txm::IntentState>(i)))})
                .set(static_cast<double>(ex.intents_by_state[i]));
        }
        advance(tx_events.labels({"sent"}), executor_seen.sent, ex.sent);
        advance(tx_events.labels({"bumped"}), executor_seen.bumped, ex.bumped);
        advance(tx_events.labels({"resigned_private"}), executor_seen.resigned_private, ex.resigned_private);
        advance(tx_events.labels({"cancelled"}), executor_seen.cancelled, ex.cancelled);
        advance(tx_events.labels({"replanned"}), executor_seen.replanned, ex.replanned);
        advance(tx_events.labels({"replan_released"}), executor_seen.replan_released, ex.replan_released);
        advance(tx_events.labels({"rebroadcast"}), executor_seen.rebroadcast, ex.rebroadcast);
        advance(tx_events.labels({"gap_fill"}), executor_seen.gap_fills, ex.gap_fills);
        advance(tx_events.labels({"nonce_fast_forward"}), executor_seen.nonce_fast_forwards, ex.nonce_fast_forwards);
        advance(tx_events.labels({"receipt_reorged"}), executor_seen.receipts_reorged, ex.receipts_reorged);
        advance(tx_events.labels({"alert"}), executor_seen.alerts, ex.alerts);
        for (const auto& [kind, count] : ex.alerts_by_kind)
            advance(alerts.labels({kind}), executor_seen.alerts_by_kind[kind], count);
        for (const auto& [vault, wei] : ex.gas_paid_wei) {
            U256& seen = executor_seen.gas_paid_wei[vault];
            if (wei > seen) gas_paid.labels({to_checksum(vault)}).inc(wei_to_ether(wei - seen));
            seen = wei;
        }
        advance(final_receipts, executor_seen.final_receipts, ex.final_receipts);
        halted.set(ex.halted ? 1.0 : 0.0);
    }

    struct Mirror {
        std::uint64_t requests{0}, failures{0}, rate_limited{0}, rpc_errors{0}, hedged{0}, hedge_wins{0},
            state_changes{0};
    };
    static void advance(ops::Counter& c, std::uint64_t& seen, std::uint64_t now) {
        if (now > seen) c.inc(static_cast<double>(now - seen));
        seen = now;
    }
    static std::optional<double> seconds_since(const std::optional<std::chrono::steady_clock::time_point>& t) {
        if (!t) return std::nullopt;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - *t).count();
    }
    /// Uniswap V3 charges its fee tier on the input token: fee_pips / 1e6 of amount_in. A quote
    /// input (buying underlying) is in quote units already; an underlying input is valued at the
    /// oracle price the plan used.
    static double pool_fee_quote(const hedge::VaultSnapshot& s, const hedge::RebalanceParams& t, double spot) {
        const double fee = static_cast<double>(s.pool.fee_pips) / 1e6;
        const double amount = static_cast<double>(t.amount_in);
        if (t.buy_underlying) return amount / std::pow(10.0, s.quote_decimals) * fee;
        return amount / std::pow(10.0, s.underlying_decimals) * fee * spot;
    }

    ops::Counter& heads;
    ops::Counter& reorgs;
    ops::Gauge& head_number;
    ops::CallbackGauge& head_age;
    ops::CallbackGauge& head_received_age;
    ops::CallbackGauge& collect_age;
    ops::Gauge& head_lag;
    ops::Histogram& step_seconds;
    ops::Counter& collect_failures;
    ops::Gauge& halted;
    ops::Counter& halted_heads;
    ops::Family<ops::Gauge>& portfolio_delta;
    ops::Family<ops::Gauge>& chain_delta;
    ops::Family<ops::Gauge>& target_delta;
    ops::Family<ops::Gauge>& delta_error;
    ops::Family<ops::Gauge>& band;
    ops::Family<ops::Gauge>& spot;
    ops::Gauge& keeper_balance;
    ops::Family<ops::Counter>& decisions;
    ops::Family<ops::Counter>& executions;
    ops::Family<ops::Counter>& traded;
    ops::Family<ops::Counter>& gas_cost_bound;
    ops::Family<ops::Counter>& gas_paid;
    ops::Counter& final_receipts;
    ops::Family<ops::Counter>& pool_fee_cost;
    ops::Family<ops::Gauge>& intents;
    ops::Family<ops::Counter>& tx_events;
    ops::Family<ops::Counter>& alerts;
    ops::Family<ops::Counter>& rpc_requests;
    ops::Family<ops::Counter>& rpc_failures;
    ops::Family<ops::Counter>& rpc_rate_limited;
    ops::Family<ops::Counter>& rpc_errors;
    ops::Family<ops::Gauge>& rpc_healthy;
    ops::Family<ops::Gauge>& rpc_latency;
    ops::Family<ops::Counter>& rpc_hedged;
    ops::Family<ops::Counter>& rpc_hedge_wins;
    ops::Family<ops::Counter>& rpc_state_changes;
    ops::Family<ops::Gauge>& rpc_hedge_delay;
    std::map<std::string, Mirror> endpoint_seen;
    ExecutorStats executor_seen;
};

// ---- Keeper --------------------------------------------------------------------------------------

Keeper::Keeper(rpc::EndpointPool& pool, rpc::HeadStream& heads, chain::Collector& collector, Executor& executor,
               ops::Registry* metrics, KeeperSettings settings)
    : pool_(pool),
      heads_(heads),
      collector_(collector),
      executor_(executor),
      settings_(std::move(settings)),
      metrics_(metrics ? std::make_unique<Metrics>(*metrics) : nullptr) {
    if (metrics_) metrics_->bind(*this);
}

Keeper::~Keeper() = default;

void Keeper::stop() {
    stopping_ = true;
    heads_.stop();
}

asio::awaitable<rpc::Result<void>> Keeper::start() {
    auto started = co_await collector_.start();
    if (!started) co_return Unexpected(std::move(started).error());
    auto head = co_await pool_.call_as(rpc::eth::get_block_by_number(rpc::BlockTag::kLatest),
                                         [](const rpc::Json& j, std::string_view path) { return rpc::decode_block_header(j, path); });
    if (!head) co_return Unexpected(std::move(head).error());
    auto resumed = co_await executor_.start(*head);
    collect_executor_alerts();  // resuming may have alerted (the key used elsewhere, gaps filled)
    if (!resumed) co_return Unexpected(std::move(resumed).error());
    started_ = true;
    spdlog::info("keeper started: chain {} head {} sender {} vaults {}{}", settings_.chain_id, head->number,
                 address_text(executor_.sender()), collector_.vault_count(), settings_.dry_run ? " (dry run: decides and simulates, never signs)" : "");
    co_return rpc::Result<void>{};
}

asio::awaitable<void> Keeper::run() {
    while (!stopping_) {
        auto event = co_await heads_.next();
        if (!event) {
            if (event.error().code != rpc::Errc::kCancelled)
                spdlog::error("head stream ended: {}", event.error().message);
            break;
        }
        co_await step(*event);
    }
    spdlog::info("keeper loop stopped after {} heads", stats_.heads);
}

asio::awaitable<void> Keeper::step(const rpc::HeadEvent& event) {
    const auto head_seen = std::chrono::steady_clock::now();
    const rpc::BlockHeader& head = event.header;
    ++stats_.heads;
    last_head_ = head;
    last_head_received_ = head_seen;
    pool_.observe_head(head.number);
    if (event.reorg) {
        ++stats_.reorgs;
        spdlog::warn("reorg at head {}: depth {} fork {}{}", head.number, event.reorg->depth,
                     event.reorg->fork_number, event.reorg->beyond_history ? " (beyond history)" : "");
    }
    if (metrics_) metrics_->on_head(head, event.reorg.has_value(), pool_.best_head());

    // 1. Track what is already in flight: receipts, confirmations, fee bumps, reorgs.
    co_await executor_.on_head(head);

    // 2. A halted transaction manager means no trading until an operator looks.
    if (executor_.halted()) {
        ++stats_.halted_heads;
        spdlog::error("trading halted by the transaction manager at head {}: no decisions", head.number);
        if (metrics_) metrics_->halted_heads.inc();
        update_part_metrics();
        co_return;
    }

    // 3. Collect: every vault's state at this head, one batched round trip.
    auto snapshots = co_await collector_.collect(head);
    if (!snapshots) {
        ++stats_.collect_failures;
        last_collect_failed_ = true;
        last_collect_error_ = snapshots.error().message;
        spdlog::warn("collect failed at head {}: {}", head.number, snapshots.error().message);
        if (metrics_) metrics_->collect_failures.inc();
        update_part_metrics();
        co_return;
    }
    last_collect_failed_ = false;
    last_collect_error_.clear();
    last_collect_ok_ = std::chrono::steady_clock::now();
    if (metrics_) metrics_->on_collect(*snapshots);

    // 4. Decide and execute, vault by vault. A vault with a private trade whose window passed
    //    re-plans that trade at its held nonce instead of deciding a new one.
    for (const hedge::VaultSnapshot& snapshot : *snapshots) {
        const std::vector<ReplanRequest> missed = executor_.awaiting_replan(snapshot.vault);
        if (missed.empty())
            co_await decide_and_execute(snapshot, head, head_seen);
        else
            for (const ReplanRequest& request : missed) co_await replan(snapshot, request, head, head_seen);
    }
    // A missed trade of a vault no longer collected cannot be re-planned: release its nonce.
    for (const ReplanRequest& request : executor_.awaiting_replan()) {
        const ReplanResult released = co_await executor_.release(request.intent, "vault not collected", head);
        log_replan(request, released);
    }
    update_part_metrics();
    if (metrics_)
        metrics_->step_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - head_seen).count());
}

void Keeper::update_part_metrics() {
    collect_executor_alerts();
    if (metrics_) metrics_->update_parts(pool_.stats(), executor_.stats());
}

void Keeper::collect_executor_alerts() {
    // The executor keeps its newest alerts (oldest first) and a running count: the ones raised
    // since the last call are the last (count - seen) of that list.
    const std::uint64_t total = executor_.stats().alerts;
    if (total <= executor_alerts_seen_) return;
    const std::vector<AlertEvent> recent = executor_.recent_alerts();
    const std::uint64_t fresh = total - executor_alerts_seen_;
    executor_alerts_seen_ = total;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(fresh, recent.size()));
    if (fresh > take) spdlog::warn("{} executor alerts raised since the last head are no longer listed", fresh - take);
    const double now = unix_now();
    for (std::size_t i = recent.size() - take; i < recent.size(); ++i) {
        const AlertEvent& a = recent[i];
        ops::log_event(spdlog::level::warn, "alert",
                       {{"source", "executor"}, {"kind", a.kind}, {"intent", a.intent}, {"detail", a.detail}});
        remember_alert(ops::HealthAlert{"executor", a.kind, a.intent, std::nullopt, a.detail, now});
    }
}

void Keeper::record_relay_alert(const mev::MevAlert& alert) {
    const std::string kind = alert.falling_back_to_public ? "relay_public_fallback" : "relay_windows_missed";
    ops::log_event(spdlog::level::err, "alert",
                   {{"source", "relay"},
                    {"kind", kind},
                    {"nonce", alert.nonce},
                    {"failed_windows", alert.failed_windows},
                    {"public_fallback", alert.falling_back_to_public},
                    {"detail", alert.message}});
    if (metrics_) metrics_->on_relay_alert(kind);
    remember_alert(ops::HealthAlert{"relay", kind, std::nullopt, alert.nonce, alert.message, unix_now()});
}

void Keeper::remember_alert(ops::HealthAlert alert) {
    ++stats_.alerts;
    alerts_.push_back(std::move(alert));
    while (alerts_.size() > kHealthAlerts) alerts_.pop_front();
}

asio::awaitable<void> Keeper::decide_and_execute(const hedge::VaultSnapshot& snapshot, const rpc::BlockHeader& head,
                                                 std::chrono::steady_clock::time_point head_seen) {
    const std::vector<hedge::InFlightHedge> in_flight = executor_.in_flight(snapshot.vault);
    double since_last_trade = std::numeric_limits<double>::infinity();
    if (auto it = last_trade_at_.find(snapshot.vault); it != last_trade_at_.end() && head.timestamp >= it->second)
        since_last_trade = static_cast<double>(head.timestamp - it->second);

    DecisionEvent decision;
    decision.block_number = head.number;
    decision.vault = snapshot.vault;
    decision.head_seen = head_seen;
    decision.plan = hedge::plan(snapshot, in_flight, settings_.planner, since_last_trade, settings_.chain_id);
    ++stats_.decisions;
    last_decision_unix_ = static_cast<std::uint64_t>(unix_now());
    log_decision(snapshot, decision.plan);
    if (metrics_) metrics_->on_decision(snapshot, decision.plan);

    if (decision.plan.reason == hedge::PlanReason::kTrade) {
        ExecuteResult result = co_await executor_.execute(decision.plan, snapshot.vault, head);
        log_execution(snapshot, decision.plan, result);
        if (result.outcome == ExecuteOutcome::kSubmitted) ++stats_.trades_submitted;
        // A dry run counts its simulated hedge as done, so time-based policies pace it as live.
        if (result.outcome == ExecuteOutcome::kSubmitted || result.outcome == ExecuteOutcome::kDryRun)
            last_trade_at_[snapshot.vault] = head.timestamp;
        if (metrics_) metrics_->on_execution(snapshot, decision.plan, result);
        decision.execution = std::move(result);
    }
    if (observer_) observer_(decision);
}

asio::awaitable<void> Keeper::replan(const hedge::VaultSnapshot& snapshot, const ReplanRequest& request,
                                     const rpc::BlockHeader& head, std::chrono::steady_clock::time_point head_seen) {
    // The missed trade no longer counts in flight (it cannot land any more); the others do. A
    // re-plan renews a decision that already passed the policy's pacing and adds no trade
    // (one nonce, one transaction): the time since the last trade does not hold it back.
    const std::vector<hedge::InFlightHedge> in_flight = executor_.in_flight(snapshot.vault, request.intent);
    DecisionEvent decision;
    decision.block_number = head.number;
    decision.vault = snapshot.vault;
    decision.head_seen = head_seen;
    decision.plan = hedge::plan(snapshot, in_flight, settings_.planner, std::numeric_limits<double>::infinity(),
                                settings_.chain_id);
    ++stats_.decisions;
    ++stats_.replans;
    last_decision_unix_ = static_cast<std::uint64_t>(unix_now());
    log_decision(snapshot, decision.plan);
    if (metrics_) metrics_->on_decision(snapshot, decision.plan);
    ReplanResult result = co_await executor_.replan(request.intent, decision.plan, head);
    log_replan(request, result);
    if (result.outcome == ReplanOutcome::kResigned) last_trade_at_[snapshot.vault] = head.timestamp;
    decision.replanned = request;
    decision.replan = std::move(result);
    if (observer_) observer_(decision);
}

void Keeper::log_replan(const ReplanRequest& request, const ReplanResult& result) const {
    ops::log_event(result.outcome == ReplanOutcome::kSkipped ? spdlog::level::warn : spdlog::level::info, "replan",
                   {{"vault", address_text(request.vault)},
                    {"intent", request.intent},
                    {"nonce", request.nonce},
                    {"missed_windows", request.missed_windows},
                    {"outcome", to_string(result.outcome)},
                    {"revision", result.revision},
                    {"tx", result.tx_hash ? to_hex(*result.tx_hash) : std::string("-")},
                    {"max_fee", to_dec(result.fees.max_fee_per_gas)},
                    {"priority_fee", to_dec(result.fees.max_priority_fee_per_gas)},
                    {"detail", result.detail}});
}

void Keeper::log_decision(const hedge::VaultSnapshot& snapshot, const hedge::HedgePlan& plan) const {
    // One line per vault and head, whatever the outcome: "why did it (not) trade" is always answerable.
    std::string trade = "-";
    if (plan.trade) {
        trade = fmt::format("{}:{}:{}:{}", plan.trade->buy_underlying ? "buy" : "sell", to_dec(plan.trade->amount_in),
                            to_dec(plan.trade->min_amount_out), plan.trade->deadline);
    }
    ops::log_event(spdlog::level::info, "decision",
                   {{"vault", address_text(snapshot.vault)},
                    {"block", snapshot.block_number},
                    {"reason", hedge::to_string(plan.reason)},
                    {"spot", plan.spot},
                    {"portfolio_delta", plan.portfolio_delta},
                    {"chain_delta", plan.chain_delta},
                    {"target_delta", plan.target_delta},
                    {"hedge_delta", plan.hedge_delta},
                    {"band", plan.band},
                    {"in_flight_delta", plan.in_flight_delta},
                    {"gamma", plan.gamma},
                    {"trade_underlying", plan.trade_underlying},
                    {"trade", trade},
                    {"detail", plan.detail}});
}

void Keeper::log_execution(const hedge::VaultSnapshot& snapshot, const hedge::HedgePlan& plan,
                           const ExecuteResult& result) const {
    const bool ok = result.outcome == ExecuteOutcome::kSubmitted || result.outcome == ExecuteOutcome::kDryRun ||
                    result.outcome == ExecuteOutcome::kDuplicate;
    ops::log_event(ok ? spdlog::level::info : spdlog::level::warn, "execution",
                   {{"vault", address_text(snapshot.vault)},
                    {"block", snapshot.block_number},
                    {"outcome", outcome_token(result.outcome)},
                    {"key", plan.idempotency_key},
                    {"tx", result.tx_hash ? to_hex(*result.tx_hash) : std::string("-")},
                    {"nonce", result.nonce ? std::to_string(*result.nonce) : std::string("-")},
                    {"gas_estimate", result.gas_estimate},
                    {"max_fee", to_dec(result.fees.max_fee_per_gas)},
                    {"priority_fee", to_dec(result.fees.max_priority_fee_per_gas)},
                    {"detail", result.detail}});
}

ops::Health Keeper::health() const {
    ops::Health h;
    h.ready = started_ && last_head_.has_value() && !stopping_;
    h.last_decision = last_decision_unix_;
    h.alerts.assign(alerts_.begin(), alerts_.end());
    if (stopping_) h.reasons.emplace_back("stopping");
    if (!last_head_) {
        h.status = ops::HealthStatus::kDegraded;
        h.reasons.emplace_back(started_ ? "no head processed yet" : "starting");
        return h;
    }
    // Ages as of now (this runs per request): ops::render_health judges them against the limit.
    h.head = last_head_->number;
    h.head_lag_s = unix_now() - static_cast<double>(last_head_->timestamp);
    if (last_head_received_)
        h.head_received_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_head_received_).count();
    if (executor_.halted()) {
        h.status = ops::HealthStatus::kHalted;
        h.reasons.push_back("trading halted by the transaction manager: " +
                            executor_.halt_reason().value_or(std::string("no reason recorded")));
        return h;
    }
    if (last_collect_failed_) h.reasons.push_back("collect failed: " + last_collect_error_);
    for (const auto& ep : pool_.stats()) {
        if (ep.state != rpc::EndpointState::kHealthy)
            h.reasons.push_back(fmt::format("endpoint {} {}", ep.name, rpc::to_string(ep.state)));
    }
    h.status = h.reasons.empty() ? ops::HealthStatus::kOk : ops::HealthStatus::kDegraded;
    return h;
}

}  // namespace keeper::daemon

// ---- Daemon --------------------------------------------------------------------------------------

namespace keeper::daemon {
namespace {

hedge::PlannerSettings planner_settings(const config::KeeperConfig& c) {
    hedge::PlannerSettings s;
    s.policy = c.policy;
    s.min_trade = c.planner.min_trade;
    s.max_slippage_bps = c.planner.max_slippage_bps;
    s.max_deviation_bps = c.planner.max_deviation_bps;
    s.oracle_max_age = c.planner.oracle_max_age_s;
    s.deadline_seconds = c.planner.deadline_s;
    s.min_keeper_balance_wei = c.planner.min_keeper_balance_wei;
    s.rate = c.planner.rate;
    return s;
}

std::vector<rpc::EndpointConfig> endpoint_configs(const config::KeeperConfig& c) {
    std::vector<rpc::EndpointConfig> out;
    for (const auto& e : c.rpc.endpoints) out.push_back(rpc::EndpointConfig{e.name, e.url});
    return out;
}

std::vector<chain::VaultTarget> vault_targets(const config::KeeperConfig& c) {
    std::vector<chain::VaultTarget> out;
    for (const auto& v : c.vaults) out.push_back(chain::VaultTarget{v.vault, v.lens});
    return out;
}

}  // namespace
}  // namespace keeper::daemon

namespace keeper::daemon {
namespace {

ExecutorSettings executor_settings(const config::KeeperConfig& c) {
    ExecutorSettings s;
    s.chain_id = c.network.chain_id;
    s.machine.confirmations = c.txm.confirmations;
    s.machine.bump_after_blocks = c.txm.bump_after_blocks;
    s.machine.bump.min_percent = c.txm.bump_percent;
    s.machine.bump.min_increment = c.txm.bump_min_increment_wei;
    s.machine.bump.fee_cap = c.txm.fee_cap_wei;
    s.machine.finality = c.txm.finality;
    s.fees.history_blocks = c.fees.history_blocks;
    s.fees.reward_percentile = c.fees.reward_percentile;
    s.fees.priority_fee_min = c.fees.priority_fee_min_wei;
    s.fees.priority_fee_max = c.fees.priority_fee_max_wei;
    s.fees.base_fee_multiplier = c.fees.base_fee_multiplier;
    s.fees.fee_cap = c.txm.fee_cap_wei;
    s.gas_limit_margin_percent = c.txm.gas_limit_margin_percent;
    s.intent_ttl_seconds = c.txm.intent_ttl_s;
    // Private submitters: the same "failures before an alert" as the relays' own counter.
    if (c.submit.max_failures_before_alert > 0) s.private_alert_after_windows = c.submit.max_failures_before_alert;
    s.dry_run = c.dry_run;
    return s;
}

/// The executor's crash hook for the SIGKILL tests: KEEPER_TEST_CRASH_POINT names the instant
/// (after-reserve-nonce, after-journal, after-send, after-broadcast, replan-after-revise,
/// replan-after-journal). Unset in production; an unknown value is an error.
Expected<CrashPoint, std::string> crash_point_from_env() {
    const char* v = std::getenv("KEEPER_TEST_CRASH_POINT");
    if (v == nullptr || *v == '\0') return CrashPoint::kNone;
    const std::string_view s(v);
    if (s == "after-reserve-nonce") return CrashPoint::kAfterReserveNonce;
    if (s == "after-journal") return CrashPoint::kAfterJournal;
    if (s == "after-send") return CrashPoint::kAfterSend;
    if (s == "after-broadcast") return CrashPoint::kAfterBroadcast;
    if (s == "replan-after-revise") return CrashPoint::kAfterReplanRevise;
    if (s == "replan-after-journal") return CrashPoint::kAfterReplanJournal;
    return Unexpected(std::string("$KEEPER_TEST_CRASH_POINT: expected after-reserve-nonce, after-journal, after-send, "
                                  "after-broadcast, replan-after-revise or replan-after-journal"));
}

/// A non-owning Submitter over the shared one, for RunOptions::wrap_submitter.
class SharedSubmitter final : public submit::Submitter {
public:
    explicit SharedSubmitter(std::shared_ptr<submit::Submitter> inner) : inner_(std::move(inner)) {}
    [[nodiscard]] std::string_view name() const noexcept override { return inner_->name(); }
    [[nodiscard]] bool is_private() const noexcept override { return inner_->is_private(); }
    [[nodiscard]] bool sent_privately(const Hash32& tx_hash) const override { return inner_->sent_privately(tx_hash); }
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override {
        co_return co_await inner_->submit(request);
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
    std::shared_ptr<submit::Submitter> inner_;
};


}  // namespace

struct Daemon::Impl {
    config::KeeperConfig config;
    std::optional<SecretKey> funds_key;  // moved into the executor at start
    std::optional<SecretKey> relay_key;  // moved into the MEV submitters at start
    RunOptions options;
    asio::io_context io{1};
    Keeper* keeper{nullptr};  // set while the loop's parts exist (event-loop thread only)
    bool stop_requested{false};

    Impl(config::KeeperConfig c, SecretKey funds, std::optional<SecretKey> relay, RunOptions o)
        : config(std::move(c)), funds_key(std::move(funds)), relay_key(std::move(relay)), options(std::move(o)) {}

    int run();
};

/// Startup in the order an operator reads it in the log, then the loop, then an orderly stop.
/// Every failure before the loop is one error line and exit code 1.
int Daemon::Impl::run() {
    if (options.dry_run) config.dry_run = true;
    auto logging = ops::init_logging(
        ops::LogSettings{config.log.level, config.log.json, config.log.file, options.log_to_console});
    if (!logging) {
        spdlog::error("startup: log: {}", logging.error());
        return 1;
    }
    spdlog::info("keeper starting\n{}", config::describe(config));
    for (const auto& abi : chain::abi_fingerprints()) spdlog::debug("abi {} sha256 {}", abi.name, abi.sha256);

    // Settings of every part, validated before anything touches the disk or the network.
    const hedge::PlannerSettings planner = planner_settings(config);
    if (auto v = hedge::validate(planner); !v) {
        spdlog::error("startup: planner: {}", v.error());
        return 1;
    }
    ExecutorSettings executor_cfg = executor_settings(config);
    auto crash = crash_point_from_env();
    if (!crash) {
        spdlog::error("startup: {}", crash.error());
        return 1;
    }
    executor_cfg.crash_point = *crash;
    if (executor_cfg.crash_point != CrashPoint::kNone) spdlog::warn("test crash hook armed: the executor will _exit");
    if (auto v = validate(executor_cfg); !v) {
        spdlog::error("startup: executor: {}", v.error());
        return 1;
    }

    // 1. The journal: what this keeper signed before, across restarts.
    auto journal = journal::Journal::open(config.journal.path);
    if (!journal) {
        spdlog::error("startup: journal {}: {}", config.journal.path, journal.error().message);
        return 1;
    }

    // 2. The parts, all on one event loop.
    rpc::EndpointPool pool(io.get_executor(), config.network.chain_id, endpoint_configs(config), config.rpc.settings);
    auto public_submitter = std::make_shared<submit::PublicSubmitter>(pool);
    std::shared_ptr<submit::Submitter> configured;
    if (config.submit.mode == config::SubmitMode::kPublic) {
        configured = public_submitter;
    } else {
        mev::SubmitterDeps deps;
        deps.executor = io.get_executor();
        deps.reputation_key = relay_key ? std::make_shared<const SecretKey>(std::move(*relay_key))
                                        : std::make_shared<const SecretKey>(SecretKey::generate());
        relay_key.reset();
        deps.funds_address = address_of(*funds_key);
        deps.public_submitter = public_submitter;
        // Relays alert from inside the loop's step (the submitter runs there): the keeper
        // counts, logs and lists them. Before the loop exists (never, in practice) just log.
        deps.alert = [this](const mev::MevAlert& a) {
            if (keeper != nullptr) {
                keeper->record_relay_alert(a);
                return;
            }
            ops::log_event(spdlog::level::err, "alert",
                           {{"source", "relay"}, {"nonce", a.nonce}, {"failed_windows", a.failed_windows},
                            {"public_fallback", a.falling_back_to_public}, {"detail", a.message}});
        };
        auto made = mev::make_submitter(mev_settings(config), std::move(deps));
        if (!made) {
            spdlog::error("startup: submit: {}", made.error());
            return 1;
        }
        configured = std::move(*made);
    }
    // The hook owns a unique_ptr: hand it a non-owning view of the shared submitter.
    std::unique_ptr<submit::Submitter> wrapped;
    submit::Submitter* submitter = configured.get();
    if (options.wrap_submitter) {
        wrapped = options.wrap_submitter(std::make_unique<SharedSubmitter>(configured));
        submitter = wrapped.get();
    }
    Executor executor(pool, *journal, *submitter, std::move(*funds_key), executor_cfg);
    funds_key.reset();
    chain::Collector collector(pool, executor.sender(), vault_targets(config));
    rpc::HeadStream heads(io.get_executor(), pool, config.rpc.ws_url.value_or(std::string()), "ws",
                          config.rpc.settings.heads, config.rpc.settings.ws);
    ops::Registry registry;
    KeeperSettings keeper_cfg;
    keeper_cfg.chain_id = config.network.chain_id;
    keeper_cfg.planner = planner;
    keeper_cfg.dry_run = config.dry_run;
    Keeper loop(pool, heads, collector, executor, &registry, keeper_cfg);
    if (options.observer) loop.set_observer(options.observer);
    keeper = &loop;

    std::unique_ptr<ops::HttpServer> server;
    if (config.metrics.enabled) {
        ops::HttpServerSettings hs;
        hs.host = config.metrics.host;
        hs.port = config.metrics.port;
        hs.allow_remote = config.metrics.allow_remote;
        hs.max_head_lag_s = config.metrics.max_head_age_s;
        server = std::make_unique<ops::HttpServer>(io.get_executor(), hs, registry, [&loop] { return loop.health(); });
    }

    // 3. Signals: the first SIGINT/SIGTERM stops after the current step; the journal closes
    //    when run() returns. A second one while stopping ends the process at once
    //    (ops::ShutdownSignals; the journal is crash-safe).
    std::optional<ops::ShutdownSignals> signals;
    if (options.handle_signals) {
        signals.emplace(io.get_executor(), [this](int signo) {
            spdlog::info("signal {}: stopping after the current step", signo);
            stop_requested = true;
            if (keeper != nullptr) keeper->stop();
        });
    }

    int exit_code = 0;
    auto body = [&]() -> asio::awaitable<void> {
        // Chain id of every endpoint first: a wrong chain is a configuration error.
        auto started = co_await pool.start();
        if (!started) {
            spdlog::error("startup: rpc: {}", started.error().describe());
            exit_code = 1;
            co_return;
        }
        asio::co_spawn(io, pool.run(), asio::detached);
        asio::co_spawn(io, heads.run(), asio::detached);
        if (server) {
            auto listening = server->start();
            if (!listening) {
                spdlog::error("startup: metrics: {}", listening.error());
                exit_code = 1;
                co_return;
            }
            spdlog::info("metrics and health on {}:{} (/metrics, /health, /ready; head older than {} s: 503)",
                         config.metrics.host, server->port(), config.metrics.max_head_age_s);
            if (options.on_metrics_listening) options.on_metrics_listening(server->port());
        }
        auto ready = co_await loop.start();
        if (!ready) {
            spdlog::error("startup: {}", ready.error().describe());
            exit_code = 1;
            co_return;
        }
        if (stop_requested) co_return;
        co_await loop.run();
    };
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::critical("keeper loop failed: {}", ex.what());
            }
            exit_code = 1;
        }
        // Orderly stop: no new heads, no probes, no HTTP; whatever is pending unwinds.
        keeper = nullptr;
        heads.stop();
        pool.stop();
        if (server) server->stop();
        if (signals) signals->cancel();
    });
    io.run();
    spdlog::info("keeper stopped (exit code {})", exit_code);
    spdlog::default_logger()->flush();
    return exit_code;
}

Daemon::Daemon(config::KeeperConfig config, SecretKey funds_key, std::optional<SecretKey> relay_key,
               RunOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(funds_key), std::move(relay_key), std::move(options))) {}

Daemon::~Daemon() = default;

int Daemon::run() { return impl_->run(); }

void Daemon::stop() {
    asio::post(impl_->io, [impl = impl_.get()] {
        impl->stop_requested = true;
        if (impl->keeper != nullptr) impl->keeper->stop();
    });
}

}  // namespace keeper::daemon

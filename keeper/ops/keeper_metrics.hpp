// The keeper's metric families, registered once, so names, help texts and labels are defined
// in one place (and documented for the dashboards). The daemon updates them; /metrics renders
// them. Labels: vault = checksummed address, endpoint/relay = the configured name (never a
// URL), reason/outcome/event/state/kind = the small fixed vocabularies noted per family.
#pragma once

#include "keeper/ops/metrics.hpp"

namespace keeper::ops {

struct KeeperMetrics {
    explicit KeeperMetrics(Registry& r);

    // Chain following.
    Gauge& head_number;       // keeper_head_number: last head processed
    Gauge& head_lag_seconds;  // keeper_head_lag_seconds: wall clock - that head's timestamp
    Counter& heads;           // keeper_heads_total: heads processed
    Counter& reorgs;          // keeper_reorgs_total: heads that replaced a known block

    // Portfolio vs the policy, per vault (underlying units).
    Family<Gauge>& hedge_error;  // keeper_hedge_error{vault}: hedge - target (the delta left unhedged)
    Family<Gauge>& hedge_band;   // keeper_hedge_band{vault}: the policy's no-trade half-width now
    Family<Gauge>& book_delta;   // keeper_book_delta{vault}: the options book's delta
    Family<Gauge>& spot;         // keeper_spot_price{vault}: oracle price (quote per underlying)

    // Decisions and trades.
    Family<Counter>& decisions;  // keeper_decisions_total{vault,reason}: policy::Reason / hedge::PlanReason names
    Family<Counter>& trades;     // keeper_trades_total{vault,outcome}: submitted, confirmed, reverted, dropped, dry_run
    Family<Counter>& traded;     // keeper_traded_underlying_total{vault}: |size| of confirmed hedges
    Family<Counter>& gas_spent_eth;       // keeper_gas_spent_eth_total{vault}: gas paid by confirmed transactions, ETH
    Family<Counter>& trade_cost;          // keeper_trade_cost_quote_total{vault}: pool fee + price impact, quote units
    Family<Histogram>& decision_latency;  // keeper_head_to_submit_seconds{vault}: head seen -> transaction sent

    // Transactions.
    Family<Gauge>&
        tx_in_state;  // keeper_tx_intents{state}: intents per txm state (pending, broadcast, mined, final, failed)
    Family<Counter>&
        tx_events;  // keeper_tx_events_total{event}: broadcast, bump, cancel, replaced, reverted, final, dropped
    Gauge& halted;  // keeper_halted: 1 while the transaction manager is halted

    // Infrastructure.
    Family<Counter>& rpc_errors;      // keeper_rpc_errors_total{endpoint,kind}: kind = rpc::Errc name
    Family<Gauge>& endpoint_up;       // keeper_rpc_endpoint_up{endpoint}: 1 healthy, 0 benched
    Family<Counter>& relay_failures;  // keeper_relay_failures_total{relay}
    Gauge& keeper_balance_eth;        // keeper_balance_eth: the keeper account's ETH balance
};

}  // namespace keeper::ops

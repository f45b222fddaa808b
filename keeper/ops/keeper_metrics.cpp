#include "keeper/ops/keeper_metrics.hpp"

namespace keeper::ops {

KeeperMetrics::KeeperMetrics(Registry& r)
    : head_number(r.gauge("keeper_head_number", "Number of the last head processed.").get()),
      head_lag_seconds(
          r.gauge("keeper_head_lag_seconds", "Wall-clock seconds since the timestamp of the last head processed.")
              .get()),
      heads(r.counter("keeper_heads_total", "Heads processed.").get()),
      reorgs(r.counter("keeper_reorgs_total", "Heads that replaced an already seen block (reorgs).").get()),
      hedge_error(
          r.gauge("keeper_hedge_error", "Hedge minus target (delta left unhedged), underlying units.", {"vault"})),
      hedge_band(
          r.gauge("keeper_hedge_band", "The policy's current no-trade half-width, underlying units.", {"vault"})),
      book_delta(r.gauge("keeper_book_delta", "Delta of the vault's options book, underlying units.", {"vault"})),
      spot(r.gauge("keeper_spot_price", "Oracle price of the underlying, quote units.", {"vault"})),
      decisions(r.counter("keeper_decisions_total", "Hedging decisions, by reason.", {"vault", "reason"})),
      trades(r.counter("keeper_trades_total", "Hedge transactions, by outcome.", {"vault", "outcome"})),
      traded(
          r.counter("keeper_traded_underlying_total", "Underlying traded by confirmed hedges (absolute).", {"vault"})),
      gas_spent_eth(
          r.counter("keeper_gas_spent_eth_total", "Gas paid by confirmed hedge transactions, ETH.", {"vault"})),
      trade_cost(r.counter("keeper_trade_cost_quote_total",
                           "Pool fees and price impact of confirmed hedges, quote units.", {"vault"})),
      decision_latency(r.histogram("keeper_head_to_submit_seconds",
                                   "Seconds from seeing a head to submitting its hedge transaction.",
                                   {0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16}, {"vault"})),
      tx_in_state(r.gauge("keeper_tx_intents", "Hedge intents per transaction-manager state.", {"state"})),
      tx_events(r.counter("keeper_tx_events_total", "Transaction-manager events.", {"event"})),
      halted(r.gauge("keeper_halted", "1 while the transaction manager is halted.").get()),
      rpc_errors(r.counter("keeper_rpc_errors_total", "JSON-RPC errors, by endpoint and kind.", {"endpoint", "kind"})),
      endpoint_up(r.gauge("keeper_rpc_endpoint_up", "1 when the endpoint is healthy, 0 when benched.", {"endpoint"})),
      relay_failures(r.counter("keeper_relay_failures_total", "Failed submissions, by relay.", {"relay"})),
      keeper_balance_eth(r.gauge("keeper_balance_eth", "ETH balance of the keeper account.").get()) {}

}  // namespace keeper::ops

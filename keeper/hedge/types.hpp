// The vocabulary between collect, decide and execute. Pure data: no I/O.
//
//   collect (keeper/chain):  one batched eth_call round trip per head -> VaultSnapshot
//   decide  (keeper/hedge):  VaultSnapshot + in-flight hedges + policy -> HedgePlan
//   execute (keeper/daemon): HedgePlan -> journaled intent -> simulated, signed, submitted
//
// On-chain values keep their on-chain integer form (U256 / I256, WAD prices, token base
// units) so nothing is rounded before the plan; the planner converts to doubles for the
// Greeks and the policy, and back to integers (rounding against the keeper) for the trade.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::hedge {

/// One option series, as IOptionsVault.openSeries() returns it.
struct SeriesState {
    U256 id{0};
    bool is_call{false};
    U256 strike_wad{0};   // quote per underlying, 1e18 = 1
    std::uint64_t expiry{0};
    U256 vol_wad{0};      // implied vol, 1e18 = 100%
    U256 open_size{0};    // underlying base units sold to holders (the vault is short these)
    bool settled{false};
    bool operator==(const SeriesState&) const = default;
};

/// IOptionsVault.RebalanceConfig
struct RebalanceConfig {
    std::uint32_t max_deviation_bps{0};
    std::uint32_t max_slippage_bps{0};
    std::uint32_t twap_window{0};
    std::uint32_t cooldown{0};
    U256 max_notional{0};  // quote base units
    bool operator==(const RebalanceConfig&) const = default;
};

/// IOptionsVaultLens.RebalanceBounds: what the vault will accept from this keeper right now.
struct RebalanceBounds {
    U256 oracle_price_wad{0};
    U256 pool_price_wad{0};
    U256 twap_price_wad{0};
    I256 delta{0};         // portfolio delta, underlying base units (on-chain computation)
    I256 target_delta{0};
    U256 tolerance{0};
    bool urgent{false};
    std::uint64_t cooldown_ends_at{0};
    U256 budget{0};            // remaining delta budget, underlying base units
    U256 max_quote_in{0};      // largest quote input when buying underlying
    U256 max_underlying_in{0}; // largest underlying input when selling
    RebalanceConfig config;
    bool operator==(const RebalanceBounds&) const = default;
};

/// Uniswap V3 pool state (slot0 + liquidity).
struct PoolState {
    U256 sqrt_price_x96{0};
    std::int32_t tick{0};
    U256 liquidity{0};
    std::uint32_t fee_pips{0};  // 500 = 5 bp
    bool underlying_is_token0{true};
    bool operator==(const PoolState&) const = default;
};

/// Oracle answer as the adapter reports it.
struct OracleState {
    U256 price_wad{0};
    std::uint64_t updated_at{0};
    bool operator==(const OracleState&) const = default;
};

/// Everything the keeper knows about one vault at one block, read in one batched round trip.
struct VaultSnapshot {
    std::uint64_t block_number{0};
    Hash32 block_hash;
    std::uint64_t block_timestamp{0};
    U256 base_fee_per_gas{0};

    Address vault;
    std::uint8_t underlying_decimals{18};
    std::uint8_t quote_decimals{6};
    bool paused{false};
    std::vector<SeriesState> series;     // open (unsettled or unclaimed) series
    U256 vault_underlying{0};            // underlying held by the vault (the hedge)
    U256 vault_quote{0};
    std::optional<RebalanceBounds> bounds;  // empty when the lens reverted (oracle unusable)
    std::string bounds_error;               // the decoded revert when bounds is empty
    OracleState oracle;
    PoolState pool;
    U256 keeper_balance_wei{0};          // gas money of the keeper's funds key
    bool operator==(const VaultSnapshot&) const = default;
};

/// A hedge sent but not yet final: it counts as already done when deciding (no double hedge).
struct InFlightHedge {
    bool buy_underlying{false};
    U256 amount_in{0};
    I256 expected_delta_change{0};  // underlying base units the trade adds to the vault's delta
};

/// Why the planner did or did not trade. Every "no trade" is logged and counted.
enum class PlanReason : std::uint8_t {
    kTrade,
    kInsideBand,        // policy: error within the no-trade band
    kNotDue,            // policy: timer not elapsed
    kNotWorthIt,        // policy: cost above the variance removed
    kInFlight,          // an earlier hedge not yet final already covers it
    kPaused,            // vault paused
    kOracleStale,       // oracle too old (or lens reverted on it)
    kPoolDeviation,     // pool spot or TWAP too far from the oracle
    kCooldown,          // vault cooldown not over and not urgent
    kBudgetExhausted,   // keeper delta budget used up
    kBelowMinimum,      // capped trade smaller than the minimum
    kLowKeeperBalance,  // not enough native token for gas
    kHalted,            // the transaction manager halted trading (deep reorg)
    kInvalidSnapshot,   // snapshot data the planner cannot price (zero price, zero strike, ...)
};
[[nodiscard]] std::string_view to_string(PlanReason r) noexcept;

/// The arguments of IOptionsVault.rebalance(RebalanceParams).
struct RebalanceParams {
    bool buy_underlying{false};
    U256 amount_in{0};
    U256 min_amount_out{0};       // oracle-bounded floor, never 0
    U256 sqrt_price_limit_x96{0}; // 0: the vault's own limit applies
    std::uint64_t deadline{0};    // unix seconds
    bool operator==(const RebalanceParams&) const = default;
};

/// The decision for one vault at one head.
struct HedgePlan {
    PlanReason reason{PlanReason::kInsideBand};
    std::optional<RebalanceParams> trade;  // set iff reason == kTrade
    // What was decided from (for logs, metrics and the demo report), in underlying units / quote per underlying.
    double spot{0.0};
    double book_delta{0.0};      // options' delta (keeper's Greeks), underlying units
    double portfolio_delta{0.0}; // vault_underlying + book_delta
    /// The book delta the policy hedges: book_delta, except under Leland, whose deltas come from
    /// each series' volatility adjusted for the cost of hedging (policy::hedge_vol, with the sign
    /// of the book's gamma), as in the backtester.
    double hedge_delta{0.0};
    double chain_delta{0.0};     // the lens's on-chain figure, for the agreement check
    double target_delta{0.0};
    double band{0.0};            // the policy's half-width at this state (0 when not band-based)
    double gamma{0.0};
    double vega{0.0};
    double theta{0.0};
    double trade_underlying{0.0};  // > 0 buy, < 0 sell
    std::string idempotency_key;   // "<chain>:<vault>:<block>" style: one decision per vault and head
    double in_flight_delta{0.0};   // expected delta change of hedges sent but not final, underlying units
    std::string detail;            // why, in words, for the decision log ("oracle age 4000 s > 3600 s")
};

}  // namespace keeper::hedge

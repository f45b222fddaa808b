// Decide: one vault snapshot + the hedges still in flight + the configured policy -> one HedgePlan.
// Pure: no I/O, no clock (time is the snapshot's block timestamp), errors as values.
//
// plan() goes through these steps in order and stops at the first that says "no trade", with that
// step's PlanReason and a sentence in HedgePlan::detail:
//
//  1. Guards (the daemon checks kHalted itself before calling plan()):
//       paused vault                                              -> kPaused
//       lens reverted (no bounds), oracle older than oracle_max_age -> kOracleStale
//       pool spot or TWAP more than min(keeper, vault) max_deviation_bps from the oracle
//                                                                 -> kPoolDeviation
//       keeper's native balance below min_keeper_balance_wei     -> kLowKeeperBalance
//  2. Greeks of the book with keeper::pricing at the ORACLE price the vault uses (bounds'
//     oracle price): per open series with open_size > 0, time to expiry from the block
//     timestamp (365-day years, zero once expired, as the vault's BlackScholes library), the
//     series' vol and strike, `rate` (0 on chain). The vault is SHORT open_size of each series.
//     Unpriceable data (zero price or strike)                     -> kInvalidSnapshot
//     Deltas are always at the series' vol, never at a policy-adjusted one (Leland): the vault
//     enforces direction and overshoot with its own delta at that vol, and the plan must agree.
//  3. Portfolio delta = vault_underlying + book delta (underlying units); HedgePlan keeps both it
//     and the lens's on-chain figure (chain_delta) for the agreement check. Hedges in flight
//     (sent, not final) count as done: their expected delta change is added, and their moves are
//     taken off the remaining budget.
//  4. policy::decide on HedgeState{hedge = vault_underlying + in flight, target = target_delta -
//     book delta, gamma, notional = sum of open sizes, vol = size-weighted series vol}. No trade
//     -> kInsideBand / kNotDue / kNotWorthIt, or kInFlight when the same decision without the
//     in-flight hedges would have traded.
//  5. The vault's own rules, on the chain's integer figures (plus in-flight changes):
//       |delta - target| <= tolerance (VaultWithinTolerance)       -> kInsideBand (kInFlight)
//       keeper and chain disagree on the direction                  -> kInsideBand
//       a hedge in flight and a vault cooldown > 0 (it would restart the cooldown)
//                                                                   -> kInFlight
//       cooldown not over and not urgent                            -> kCooldown
//       no budget left                                              -> kBudgetExhausted
//  6. policy::apply_limits with ExecutionLimits from the bounds: max_trade = the largest trade
//     that neither overshoots past the target by more than the tolerance nor exceeds the budget
//     (the lens's maxQuoteIn / maxUnderlyingIn, re-derived with in-flight hedges), the notional
//     cap, the remaining budget, for a sell the vault's underlying balance less the sells in
//     flight (a larger swap reverts: Error("STF"); none left -> kBelowMinimum), the cooldown
//     unless urgent, min_trade -> kCooldown / kBudgetExhausted / kBelowMinimum.
//  7. RebalanceParams, every rounding against the keeper so the vault accepts the plan in the
//     snapshot's block (slip = min(keeper, vault) max_slippage_bps, P = oracle price):
//       sell underlying: amount_in = trade (underlying base units, floored);
//                        min_amount_out = ceil(ceil(amount_in * P) * (1 - slip));
//                        price limit P (1 - slip).
//       buy underlying:  amount_in = floor(trade * P / (1 - pool fee)) quote base units, also capped
//                        so that even at P_floor = min(pool spot, P) (1 - slip) the output cannot
//                        overshoot or overspend the budget;
//                        min_amount_out = ceil(ceil(amount_in / P) * (1 - slip));
//                        price limit P (1 + slip).
//       min_amount_out is never 0; the price limit is converted to the pool's sqrtPriceX96 in its
//       token orientation (as VaultMath.sqrtX96FromPrice) and is refused (kPoolDeviation) when
//       the pool is already past it; deadline = block timestamp + deadline_seconds.
//     A trade that rounds to zero or below min_trade -> kBelowMinimum.
//
// The idempotency key is "<chain_id>:<vault 0x-hex lower case>:<block_number>": one decision per
// vault and head.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/hedge/types.hpp"
#include "keeper/policy/policy.hpp"

namespace keeper::hedge {

struct PlannerSettings {
    policy::Policy policy;
    double min_trade{0.0};                 // underlying units; smaller trades are not sent
    std::uint32_t max_slippage_bps{50};    // keeper's own; the tighter of this and the vault's applies
    std::uint32_t max_deviation_bps{100};  // keeper's own; the tighter of this and the vault's applies
    std::uint64_t oracle_max_age{3600};    // seconds
    std::uint64_t deadline_seconds{120};   // rebalance deadline after the snapshot's block timestamp
    U256 min_keeper_balance_wei{0};        // below this the keeper stops (it could not pay gas)
    double rate{0.0};                      // risk-free rate for the Greeks (the vault uses 0)
};

/// Checks every field; the message names the field ("max_slippage_bps: must be in 1..9999").
[[nodiscard]] Expected<void, std::string> validate(const PlannerSettings& settings);

/// Seconds in the pricing year (365 days, as the vault's BlackScholes library).
inline constexpr double kSecondsPerYear = 365.0 * 86400.0;

/// The decision for `snapshot`. `in_flight`: hedges of this vault sent but not final.
/// `seconds_since_last_trade`: since the daemon's last hedge of this vault (infinity if none);
/// it drives the timer-based policies. Precondition: validate(settings) succeeds.
[[nodiscard]] HedgePlan plan(const VaultSnapshot& snapshot, std::span<const InFlightHedge> in_flight,
                             const PlannerSettings& settings, double seconds_since_last_trade, std::uint64_t chain_id);

// ---- the integer conversions plan() uses (exposed for tests and the executor's checks) ----------

/// |a - b| / b in basis points, rounded up (VaultMath.deviationBps). b must be non-zero.
[[nodiscard]] U256 deviation_bps(const U256& a, const U256& b);
/// Quote base units worth `amount` underlying base units at WAD `price` (VaultMath.quoteValue).
[[nodiscard]] U256 quote_value(const U256& amount, const U256& price_wad, std::uint8_t quote_decimals,
                               std::uint8_t underlying_decimals, bool round_up);
/// Underlying base units worth `amount` quote base units at WAD `price` (VaultMath.underlyingValue).
[[nodiscard]] U256 underlying_value(const U256& amount, const U256& price_wad, std::uint8_t quote_decimals,
                                    std::uint8_t underlying_decimals, bool round_up);
/// The pool sqrtPriceX96 at which its price equals WAD `price`, rounded down (VaultMath.sqrtX96FromPrice).
[[nodiscard]] U256 sqrt_x96_from_price(const U256& price_wad, std::uint8_t quote_decimals,
                                       std::uint8_t underlying_decimals, bool underlying_is_token0);
/// WAD price from a pool sqrtPriceX96, rounded down (VaultMath.priceFromSqrtX96).
[[nodiscard]] U256 price_from_sqrt_x96(const U256& sqrt_price_x96, std::uint8_t quote_decimals,
                                       std::uint8_t underlying_decimals, bool underlying_is_token0);

}  // namespace keeper::hedge

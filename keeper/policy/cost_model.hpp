// What a hedge trade costs on an AMM: the pool fee, the price impact of concentrated
// liquidity (Uniswap V3) and gas, all in the quote asset.
//
// Pool conventions: token0 is the underlying (base, amounts x), token1 the quote (amounts y),
// P = quote per base, and within the active tick range the pool is the constant-product curve
// with virtual reserves x = L / sqrtP, y = L sqrtP. So for a trade that stays in the range:
//   buy  dx base:   sqrtP' = L / (L / sqrtP - dx),   quote in before fee  dy = L (sqrtP' - sqrtP)
//   sell dx base:   the fee is taken from the input, dx_net = dx (1 - fee),
//                   1/sqrtP' = 1/sqrtP + dx_net / L,  quote out  dy = L (sqrtP - sqrtP')
// Costs are measured against the mid price P: impact = |dy - dx_net P| (what the curve takes
// beyond the mid), fee = fee * (input value at mid), gas = gas units x gas price x the native
// token's price in quote. A trade that would cross the active range is an error value: the
// caller caps the size (max_trade_in_range) rather than the model guessing the next range's
// liquidity.
#pragma once

#include <cstdint>
#include <string_view>

#include "keeper/core/expected.hpp"

namespace keeper::policy {

/// The active range of a Uniswap V3 pool, in human units (decimals already applied).
struct ConcentratedPool {
    double sqrt_price{0.0};        // sqrt(P), P = quote per base
    double liquidity{0.0};         // L of the active range, in sqrt(base * quote)
    double sqrt_price_lower{0.0};  // bounds of the active range (may be 0 / inf for full range)
    double sqrt_price_upper{0.0};
    double fee{0.0};  // fee tier as a fraction: 0.0005 for the 5 bp pool
};

struct GasCost {
    double gas_per_trade{0.0};       // gas units of one hedge transaction
    double gas_price_gwei{0.0};      // effective gas price (base fee + tip)
    double native_price_quote{0.0};  // price of the gas token in quote units
    /// Quote cost of one transaction.
    [[nodiscard]] constexpr double per_trade() const noexcept {
        return gas_per_trade * gas_price_gwei * 1e-9 * native_price_quote;
    }
};

struct TradeCost {
    double fee{0.0};
    double impact{0.0};
    double gas{0.0};
    double average_price{0.0};  // quote per base actually paid / received, fee included
    [[nodiscard]] constexpr double total() const noexcept { return fee + impact + gas; }
};

enum class CostError : std::uint8_t {
    kInvalidPool,  // non-positive or non-finite price / liquidity, bad range or fee
    kNonFiniteTrade,
    kExceedsActiveRange,  // the trade would move the price out of the active range
};
[[nodiscard]] std::string_view to_string(CostError e) noexcept;

/// Cost of trading `base_amount` of the underlying (> 0 buy, < 0 sell; 0 costs nothing).
[[nodiscard]] Expected<TradeCost, CostError> trade_cost(const ConcentratedPool& pool, const GasCost& gas,
                                                        double base_amount) noexcept;

/// The largest |base_amount| in the given direction (> 0 buy, < 0 sell) that stays inside the
/// active range.
[[nodiscard]] double max_trade_in_range(const ConcentratedPool& pool, double direction) noexcept;

/// Pool state with the given mid price and liquidity, active range [P (1 - w), P (1 + w)].
[[nodiscard]] ConcentratedPool pool_around(double price, double liquidity, double range_half_width,
                                           double fee) noexcept;

}  // namespace keeper::policy

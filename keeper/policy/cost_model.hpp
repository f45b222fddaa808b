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

#include <cmath>
#include <cstdint>
#include <limits>
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

// ---------------------------------------------------------------------------------------------
// Inline definitions: the backtester charges every simulated hedge trade through these.

namespace detail {

[[nodiscard]] inline bool valid_pool(const ConcentratedPool& p) noexcept {
    return std::isfinite(p.sqrt_price) && p.sqrt_price > 0.0 && std::isfinite(p.liquidity) && p.liquidity > 0.0 &&
           p.sqrt_price_lower >= 0.0 && p.sqrt_price_lower <= p.sqrt_price && p.sqrt_price_upper >= p.sqrt_price &&
           p.fee >= 0.0 && p.fee < 1.0;
}

}  // namespace detail

inline Expected<TradeCost, CostError> trade_cost(const ConcentratedPool& pool, const GasCost& gas,
                                                 double base_amount) noexcept {
    if (!detail::valid_pool(pool)) return Unexpected(CostError::kInvalidPool);
    if (!std::isfinite(base_amount)) return Unexpected(CostError::kNonFiniteTrade);
    const double price = pool.sqrt_price * pool.sqrt_price;
    if (base_amount == 0.0) return TradeCost{0.0, 0.0, 0.0, price};
    const double liq = pool.liquidity;
    TradeCost c;
    c.gas = gas.per_trade();
    // The curve's quote amounts in closed form, without the cancellation of sqrtP' - sqrtP:
    //   buy dx:  dy = L dx P / (L - dx sqrtP),  impact = dy - dx P = dx^2 P^1.5 / (L - dx sqrtP)
    //   sell dx: with n = dx (1 - fee), dy = L n P / (L + n sqrtP), impact = n^2 P^1.5 / (L + n sqrtP)
    const double sp = pool.sqrt_price;
    if (base_amount > 0.0) {
        const double dx = base_amount;
        const double room = liq - dx * sp;
        if (!(room > 0.0) || liq * sp / room > pool.sqrt_price_upper) return Unexpected(CostError::kExceedsActiveRange);
        c.impact = dx * dx * price * sp / room;
        const double dy = dx * price + c.impact;
        const double dy_in = dy / (1.0 - pool.fee);  // the fee is added to the quote paid in
        c.fee = dy * pool.fee / (1.0 - pool.fee);
        c.average_price = dy_in / dx;
    } else {
        const double dx = -base_amount;
        const double n = dx * (1.0 - pool.fee);  // the fee is taken from the base paid in
        const double room = liq + n * sp;
        if (liq * sp / room < pool.sqrt_price_lower) return Unexpected(CostError::kExceedsActiveRange);
        c.impact = n * n * price * sp / room;
        const double dy = n * price - c.impact;
        c.fee = dx * pool.fee * price;
        c.average_price = dy / dx;
    }
    return c;
}

inline double max_trade_in_range(const ConcentratedPool& pool, double direction) noexcept {
    if (!detail::valid_pool(pool) || direction == 0.0) return 0.0;
    const double liq = pool.liquidity;
    if (direction > 0.0) {
        // Buying base moves sqrtP up to the upper bound: x(sqrtP) - x(upper).
        const double to = std::isfinite(pool.sqrt_price_upper) ? liq / pool.sqrt_price_upper : 0.0;
        return liq / pool.sqrt_price - to;
    }
    // Selling base (gross of fee) moves sqrtP down to the lower bound.
    if (pool.sqrt_price_lower <= 0.0) return std::numeric_limits<double>::infinity();
    return (liq / pool.sqrt_price_lower - liq / pool.sqrt_price) / (1.0 - pool.fee);
}

}  // namespace keeper::policy

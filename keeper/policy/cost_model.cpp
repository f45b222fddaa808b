#include "keeper/policy/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace keeper::policy {

std::string_view to_string(CostError e) noexcept {
    switch (e) {
        case CostError::kInvalidPool:
            return "invalid pool state";
        case CostError::kNonFiniteTrade:
            return "non-finite trade size";
        case CostError::kExceedsActiveRange:
            return "trade would leave the active liquidity range";
    }
    return "unknown cost error";
}

namespace {

bool valid(const ConcentratedPool& p) noexcept {
    return std::isfinite(p.sqrt_price) && p.sqrt_price > 0.0 && std::isfinite(p.liquidity) && p.liquidity > 0.0 &&
           p.sqrt_price_lower >= 0.0 && p.sqrt_price_lower <= p.sqrt_price && p.sqrt_price_upper >= p.sqrt_price &&
           p.fee >= 0.0 && p.fee < 1.0;
}

}  // namespace

Expected<TradeCost, CostError> trade_cost(const ConcentratedPool& pool, const GasCost& gas,
                                          double base_amount) noexcept {
    if (!valid(pool)) return Unexpected(CostError::kInvalidPool);
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

double max_trade_in_range(const ConcentratedPool& pool, double direction) noexcept {
    if (!valid(pool) || direction == 0.0) return 0.0;
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

ConcentratedPool pool_around(double price, double liquidity, double range_half_width, double fee) noexcept {
    return {std::sqrt(price), liquidity, std::sqrt(price * std::max(0.0, 1.0 - range_half_width)),
            std::sqrt(price * (1.0 + range_half_width)), fee};
}

}  // namespace keeper::policy

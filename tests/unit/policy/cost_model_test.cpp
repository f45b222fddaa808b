// The Uniswap V3 cost model against 40-digit decimal arithmetic (Python's decimal module on the
// same formulas), its small-trade asymptotics, the active-range boundary and gas.
#include <catch2/catch.hpp>

#include <cmath>

#include "keeper/policy/cost_model.hpp"

using namespace keeper::policy;

namespace {
const ConcentratedPool kPool{std::sqrt(2000.0), 1e5, std::sqrt(1000.0), std::sqrt(4000.0), 0.0005};
const GasCost kNoGas{};
}  // namespace

TEST_CASE("buying and selling 10 ETH at P = 2000, L = 1e5, 5 bp", "[cost]") {
    const TradeCost buy = trade_cost(kPool, kNoGas, 10.0).value();
    CHECK(buy.impact == Approx(89.844515990311394084).epsilon(1e-12));
    CHECK(buy.fee == Approx(10.049947231610961178).epsilon(1e-12));
    CHECK(buy.average_price == Approx(2009.9894463221922355).epsilon(1e-14));
    CHECK(buy.gas == 0.0);
    const TradeCost sell = trade_cost(kPool, kNoGas, -10.0).value();
    CHECK(sell.impact == Approx(88.955675776468163479).epsilon(1e-12));
    CHECK(sell.fee == Approx(10.0).epsilon(1e-14));
    CHECK(sell.average_price == Approx(1990.1044324223531837).epsilon(1e-14));
    CHECK(trade_cost(kPool, kNoGas, 0.0).value().total() == 0.0);
}

TEST_CASE("small trades pay impact dx^2 P^1.5 / L", "[cost]") {
    // Half the trade times the price move 2 dx P^1.5 / L.
    for (double dx : {1e-3, 1e-2, 1e-1}) {
        const double want = dx * dx * std::pow(2000.0, 1.5) / 1e5;
        CHECK(trade_cost(kPool, kNoGas, dx).value().impact == Approx(want).epsilon(2 * dx * 1e-3 + 1e-9));
    }
}

TEST_CASE("a trade that would leave the active range is an error", "[cost]") {
    const double up = max_trade_in_range(kPool, +1.0);
    const double down = max_trade_in_range(kPool, -1.0);
    // x(sqrtP) - x(upper) = L (1/sqrt(2000) - 1/sqrt(4000)).
    CHECK(up == Approx(1e5 * (1 / std::sqrt(2000.0) - 1 / std::sqrt(4000.0))).epsilon(1e-14));
    CHECK(trade_cost(kPool, kNoGas, up * (1 - 1e-9)).has_value());
    CHECK(trade_cost(kPool, kNoGas, up * (1 + 1e-9)).error() == CostError::kExceedsActiveRange);
    CHECK(trade_cost(kPool, kNoGas, -down * (1 - 1e-9)).has_value());
    CHECK(trade_cost(kPool, kNoGas, -down * (1 + 1e-9)).error() == CostError::kExceedsActiveRange);
    ConcentratedPool bad = kPool;
    bad.liquidity = 0.0;
    CHECK(trade_cost(bad, kNoGas, 1.0).error() == CostError::kInvalidPool);
    CHECK(trade_cost(kPool, kNoGas, std::nan("")).error() == CostError::kNonFiniteTrade);
    CHECK(to_string(CostError::kExceedsActiveRange) == "trade would leave the active liquidity range");
}

TEST_CASE("gas: 150k gas at 20 gwei with ETH at 2000 costs 6 USDC", "[cost]") {
    const GasCost gas{150000.0, 20.0, 2000.0};
    CHECK(gas.per_trade() == Approx(6.0).epsilon(1e-15));
    const TradeCost c = trade_cost(kPool, gas, 0.5).value();
    CHECK(c.gas == Approx(6.0).epsilon(1e-15));
    CHECK(c.total() == Approx(c.fee + c.impact + 6.0).epsilon(1e-15));
}

TEST_CASE("pool_around centres the active range on the price", "[cost]") {
    const ConcentratedPool p = pool_around(2500.0, 3e4, 0.1, 0.003);
    CHECK(p.sqrt_price * p.sqrt_price == Approx(2500.0).epsilon(1e-15));
    CHECK(p.sqrt_price_lower * p.sqrt_price_lower == Approx(2250.0).epsilon(1e-15));
    CHECK(p.sqrt_price_upper * p.sqrt_price_upper == Approx(2750.0).epsilon(1e-15));
    CHECK(p.fee == 0.003);
}

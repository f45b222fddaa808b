// Uniswap V3 price arithmetic for the demo's market driver (pure: no I/O, errors as values).
//
// A pool stores sqrt(token1 / token0) in Q64.96 ("sqrtPriceX96"), in raw base units. The demo
// thinks in quote per whole underlying (3000.0 = 3000 USDC per WETH), so every conversion
// needs which token is token0 and both decimals (PoolOrientation).
//
// swap_to_price() answers "how much must go in to move the pool from here to that price":
// within one initialized liquidity range (the demo pool is full range, so always) the
// constant-product formulas are exact:
//     price up   (token1 in):  amount1 = L (sT - s) / 2^96                         (rounded up)
//     price down (token0 in):  amount0 = L 2^96 (s - sT) / (s sT)                  (rounded up)
// with the output the same formulas the other way round (rounded down), as the pool's
// SqrtPriceMath computes them. The pool takes its fee from the input before moving the price,
// so the gross input is ceil(net * 1e6 / (1e6 - fee)). The driver swaps with the target as
// sqrtPriceLimitX96 and an input a little above this figure: the pool then stops exactly at
// the target and pulls only what it used.
#pragma once

#include <cstdint>
#include <string>

#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::demo {

/// Which side of the pool is the underlying, and the decimals of both tokens.
struct PoolOrientation {
    bool underlying_is_token0{true};
    unsigned underlying_decimals{18};
    unsigned quote_decimals{6};
};

/// Uniswap's TickMath bounds on sqrtPriceX96 (inclusive min, exclusive max).
inline constexpr U256 kMinSqrtRatio = 0x1000276A3_cppui256;  // 4295128739
inline constexpr U256 kMaxSqrtRatio =
    0xFFFD8963EFD1FC6A506488495D951D5263988D26_cppui256;  // 1461446703485210103287273052203988822378723970342

/// Quote per whole underlying at `sqrt_price_x96` (a double: ~16 significant digits).
[[nodiscard]] double price_from_sqrt_x96(const U256& sqrt_price_x96, const PoolOrientation& o) noexcept;

/// The sqrtPriceX96 of `price` (quote per whole underlying), rounded down. Fails for a price
/// that is not finite and positive or that maps outside the pool's sqrt price range.
[[nodiscard]] Expected<U256, std::string> sqrt_x96_from_price(double price, const PoolOrientation& o);

/// A swap that moves the pool from its current sqrt price to a target.
struct SwapToPrice {
    bool zero_for_one{false};   // token0 in (pool price in token1/token0 goes down)
    bool buy_underlying{false}; // the underlying comes out
    U256 amount_in_net;         // input after the fee: what moves the price
    U256 amount_in;             // gross input, fee included (rounded up)
    U256 amount_out;            // output (rounded down)
    U256 target_sqrt_price_x96; // pass as sqrtPriceLimitX96: the swap stops exactly there
    bool operator==(const SwapToPrice&) const = default;
};

/// The swap from `sqrt_price_x96` to `target_sqrt_price_x96` with in-range liquidity
/// `liquidity` and a fee of `fee_pips` (millionths: 3000 = 0.3 %). Fails when the liquidity is
/// zero, the fee is not below 1e6, a price is outside the pool's range, or the target equals
/// the current price (nothing to do: callers check that first).
[[nodiscard]] Expected<SwapToPrice, std::string> swap_to_price(const U256& sqrt_price_x96, const U256& liquidity,
                                                               const U256& target_sqrt_price_x96,
                                                               std::uint32_t fee_pips, const PoolOrientation& o);

/// A U256 holding the exact value of a finite non-negative double (truncated toward zero).
[[nodiscard]] U256 u256_from_double(double v) noexcept;
/// The nearest double to `v`.
[[nodiscard]] double to_double(const U256& v) noexcept;
/// A signed 256-bit integer as a double.
[[nodiscard]] double to_double(const I256& v) noexcept;

}  // namespace keeper::demo

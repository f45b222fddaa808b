// Swap-size-to-target-price math against literal values computed independently (Python
// integers, following Uniswap V3's SqrtPriceMath rounding), and price <-> sqrtPriceX96.
#include <catch2/catch.hpp>

#include <cmath>

#include "keeper/demo/pool_math.hpp"

using namespace keeper;
using namespace keeper::demo;

namespace {

U256 dec(std::string_view digits) { return parse_u256(digits).value(); }

// The deploy script's pool: WETH (18 decimals) / USDC (6), 0.3 %, full-range liquidity
// 1.1e18, initialized at 3000 USDC per WETH. Here WETH is token0.
const PoolOrientation kWethToken0{true, 18, 6};
const PoolOrientation kUsdcToken0{false, 18, 6};
const U256 kLiquidity{1'100'000'000'000'000'000ULL};
const U256 kAt3000 = dec("4339505179874779489431521");  // floor(sqrt(3000e-12) * 2^96)
const U256 kAt3030 = dec("4361148731495137017740163");
const U256 kAt2970 = dec("4317753137234508670977928");

}  // namespace

TEST_CASE("swap to a higher price: token1 (USDC) in, exact amounts from SqrtPriceMath") {
    const auto s = swap_to_price(kAt3000, kLiquidity, kAt3030, 3000, kWethToken0);
    REQUIRE(s);
    CHECK_FALSE(s->zero_for_one);
    CHECK(s->buy_underlying);                                     // WETH comes out
    CHECK(to_dec(s->amount_in_net) == "300498030333");          // ceil(L (sT - s) / 2^96): 300,498.03 USDC
    CHECK(to_dec(s->amount_in) == "301402237045");              // ceil(net * 1e6 / 997000)
    CHECK(to_dec(s->amount_out) == "99668905255202323503");        // 99.67 WETH, rounded down
    CHECK(to_dec(s->target_sqrt_price_x96) == to_dec(kAt3030));
}

TEST_CASE("swap to a lower price: token0 (WETH) in") {
    const auto s = swap_to_price(kAt3000, kLiquidity, kAt2970, 3000, kWethToken0);
    REQUIRE(s);
    CHECK(s->zero_for_one);
    CHECK_FALSE(s->buy_underlying);  // selling WETH
    CHECK(to_dec(s->amount_in_net) == "101175252127186942728");
    CHECK(to_dec(s->amount_in) == "101479691200789310660");
    CHECK(to_dec(s->amount_out) == "302004314437");
}

TEST_CASE("the same sqrt move with the quote as token0 buys the other side") {
    // Price of token1 in token0 going up means the underlying (token1) gets dearer in quote.
    const auto s = swap_to_price(kAt3000, kLiquidity, kAt3030, 3000, kUsdcToken0);
    REQUIRE(s);
    CHECK_FALSE(s->zero_for_one);
    CHECK_FALSE(s->buy_underlying);  // token1 (the underlying) goes in
}

TEST_CASE("zero fee: the gross input is the net input") {
    const auto s = swap_to_price(kAt3000, kLiquidity, kAt3030, 0, kWethToken0);
    REQUIRE(s);
    CHECK(to_dec(s->amount_in) == to_dec(s->amount_in_net));
}

TEST_CASE("swap_to_price refuses what it cannot do, naming why") {
    CHECK(swap_to_price(kAt3000, U256(0), kAt3030, 3000, kWethToken0).error() ==
          "liquidity is zero: no price can be reached");
    CHECK(swap_to_price(kAt3000, kLiquidity, kAt3000, 3000, kWethToken0).error() ==
          "the pool is already at the target price");
    CHECK(swap_to_price(kAt3000, kLiquidity, kAt3030, 1'000'000, kWethToken0).error() ==
          "fee 1000000 pips is not below 1e6");
    CHECK(swap_to_price(kAt3000, kLiquidity, kMaxSqrtRatio, 3000, kWethToken0).error().find("outside the pool's range") !=
          std::string::npos);
}

TEST_CASE("price <-> sqrtPriceX96 in both orientations") {
    const auto a = sqrt_x96_from_price(3000.0, kWethToken0);
    REQUIRE(a);
    // A double carries ~16 significant digits of the 25-digit value.
    CHECK(std::abs(to_double(*a) / to_double(kAt3000) - 1.0) < 1e-15);
    CHECK(price_from_sqrt_x96(kAt3000, kWethToken0) == Approx(3000.0).epsilon(1e-14));
    CHECK(price_from_sqrt_x96(kAt3030, kWethToken0) == Approx(3030.0).epsilon(1e-14));

    // USDC as token0: raw price = 1e12 / 3000 WETH-wei per USDC unit.
    const U256 usdc0 = dec("1446501726624926496477173928747177");
    const auto b = sqrt_x96_from_price(3000.0, kUsdcToken0);
    REQUIRE(b);
    CHECK(std::abs(to_double(*b) / to_double(usdc0) - 1.0) < 1e-15);
    CHECK(price_from_sqrt_x96(usdc0, kUsdcToken0) == Approx(3000.0).epsilon(1e-14));

    CHECK_FALSE(sqrt_x96_from_price(0.0, kWethToken0));
    CHECK_FALSE(sqrt_x96_from_price(-1.0, kWethToken0));
    CHECK_FALSE(sqrt_x96_from_price(std::nan(""), kWethToken0));
    CHECK(sqrt_x96_from_price(1e-40, kWethToken0).error().find("outside the pool's sqrt price range") !=
          std::string::npos);
}

TEST_CASE("u256_from_double is exact for representable values") {
    // Compared as decimal text (Catch would print U256 through Boost's str()).
    CHECK(to_dec(u256_from_double(0.0)) == "0");
    CHECK(to_dec(u256_from_double(0.9)) == "0");
    CHECK(to_dec(u256_from_double(1.0)) == "1");
    CHECK(to_dec(u256_from_double(12345.75)) == "12345");
    CHECK(to_dec(u256_from_double(std::ldexp(1.0, 100))) == "1267650600228229401496703205376");
    CHECK(to_dec(u256_from_double(1e18)) == "1000000000000000000");
    CHECK(to_dec(u256_from_double(-5.0)) == "0");
}

#include "keeper/demo/pool_math.hpp"

#include <cmath>

namespace keeper::demo {

namespace {

const U512 kQ96 = U512(1) << 96;
constexpr std::uint32_t kPipsDenominator = 1'000'000;

U512 div_up(const U512& a, const U512& b) { return a / b + (a % b != 0 ? 1 : 0); }

// Raw price (token1 base units per token0 base unit) of a human price, and back.
long double raw_from_price(double price, const PoolOrientation& o) {
    const long double scale = std::pow(10.0L, static_cast<long double>(o.quote_decimals) -
                                                  static_cast<long double>(o.underlying_decimals));
    const long double p = static_cast<long double>(price);
    return o.underlying_is_token0 ? p * scale : 1.0L / (p * scale);
}

}  // namespace

U256 u256_from_double(double v) noexcept {
    if (!(v >= 1.0) || !std::isfinite(v)) return U256(0);
    int exp = 0;
    const double mant = std::frexp(v, &exp);  // v = mant * 2^exp, mant in [0.5, 1)
    const auto m53 = static_cast<std::uint64_t>(std::ldexp(mant, 53));
    if (exp >= 53) {
        if (exp - 53 >= 256 - 53) return ~U256(0);  // saturate: beyond 256 bits
        return U256(m53) << (exp - 53);
    }
    return U256(m53 >> (53 - exp));
}

double to_double(const U256& v) noexcept { return v.convert_to<double>(); }
double to_double(const I256& v) noexcept { return v.convert_to<double>(); }

double price_from_sqrt_x96(const U256& sqrt_price_x96, const PoolOrientation& o) noexcept {
    const long double s = static_cast<long double>(to_double(sqrt_price_x96)) / std::ldexp(1.0L, 96);
    const long double raw = s * s;
    const long double scale = std::pow(10.0L, static_cast<long double>(o.underlying_decimals) -
                                                  static_cast<long double>(o.quote_decimals));
    if (raw == 0) return 0.0;
    return static_cast<double>(o.underlying_is_token0 ? raw * scale : scale / raw);
}

Expected<U256, std::string> sqrt_x96_from_price(double price, const PoolOrientation& o) {
    if (!std::isfinite(price) || !(price > 0.0))
        return Unexpected(std::string("price must be finite and positive, got ") + std::to_string(price));
    const long double raw = raw_from_price(price, o);
    const long double s = std::sqrt(raw) * std::ldexp(1.0L, 96);
    if (!std::isfinite(s) || s < to_double(kMinSqrtRatio) || s >= to_double(kMaxSqrtRatio))
        return Unexpected("price " + std::to_string(price) + " is outside the pool's sqrt price range");
    return u256_from_double(static_cast<double>(s));
}

Expected<SwapToPrice, std::string> swap_to_price(const U256& sqrt_price_x96, const U256& liquidity,
                                                 const U256& target_sqrt_price_x96, std::uint32_t fee_pips,
                                                 const PoolOrientation& o) {
    if (liquidity == 0) return Unexpected(std::string("liquidity is zero: no price can be reached"));
    if (fee_pips >= kPipsDenominator) return Unexpected("fee " + std::to_string(fee_pips) + " pips is not below 1e6");
    for (const U256* s : {&sqrt_price_x96, &target_sqrt_price_x96})
        if (*s < kMinSqrtRatio || *s >= kMaxSqrtRatio)
            return Unexpected("sqrt price " + to_dec(*s) + " is outside the pool's range");
    if (sqrt_price_x96 == target_sqrt_price_x96)
        return Unexpected(std::string("the pool is already at the target price"));

    const U512 l(liquidity);
    const U512 s(sqrt_price_x96);
    const U512 t(target_sqrt_price_x96);
    SwapToPrice out;
    out.target_sqrt_price_x96 = target_sqrt_price_x96;
    U512 net;
    U512 received;
    if (t < s) {
        // Price down: token0 in, token1 out (SqrtPriceMath.getAmount0Delta / getAmount1Delta).
        out.zero_for_one = true;
        net = div_up(div_up((l << 96) * (s - t), s), t);
        received = l * (s - t) / kQ96;
    } else {
        out.zero_for_one = false;
        net = div_up(l * (t - s), kQ96);
        received = ((l << 96) * (t - s) / t) / s;
    }
    const U512 gross = div_up(net * kPipsDenominator, U512(kPipsDenominator - fee_pips));
    if (gross > U512(~U256(0))) return Unexpected(std::string("the swap input does not fit in 256 bits"));
    out.amount_in_net = net.convert_to<U256>();
    out.amount_in = gross.convert_to<U256>();
    out.amount_out = received.convert_to<U256>();
    // token0 out when the price goes up; the underlying comes out when it is that token.
    out.buy_underlying = out.zero_for_one != o.underlying_is_token0;
    return out;
}

}  // namespace keeper::demo

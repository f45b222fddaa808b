// Black-Scholes-Merton prices and Greeks for European calls and puts, with a continuously
// compounded rate r and cost of carry b (b = r - q for a dividend/staking yield q, b = 0 for an
// option on a future, b = r for a non-paying asset).
//
//   F = S e^{bT},  s = sigma sqrt(T),  d1 = ln(F/K)/s + s/2,  d2 = d1 - s,  theta = +1 call / -1 put
//   price = theta [ S e^{(b-r)T} Phi(theta d1) - K e^{-rT} Phi(theta d2) ]
//
// Units (those of QuantLib's AnalyticEuropeanEngine, against which every figure is tested):
// delta per unit of spot, gamma per unit of spot squared, vega and volga per unit of
// volatility (1.0 = 100 vol points), theta per year of calendar time (-dV/dt, the value change
// as time passes with spot fixed), rho per unit of rate; vanna = d delta / d sigma.
//
// Pure: no I/O, no allocation, no exceptions. `bs_greeks` validates its input and returns an
// error value; the `_unchecked` and batch forms are the hot paths and assert preconditions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "keeper/core/expected.hpp"

namespace keeper::pricing {

enum class OptionType : std::uint8_t { kCall, kPut };

/// One European option under Black-Scholes-Merton. time in years, rates continuously
/// compounded per year, vol annualised.
struct OptionSpec {
    OptionType type{OptionType::kCall};
    double spot{0.0};
    double strike{0.0};
    double time{0.0};
    double vol{0.0};
    double rate{0.0};
    double carry{0.0};
    bool operator==(const OptionSpec&) const = default;
};

/// Price and sensitivities of one option (per unit of the option, before any position size).
struct Greeks {
    double price{0.0};
    double delta{0.0};
    double gamma{0.0};
    double vega{0.0};
    double theta{0.0};
    double rho{0.0};
    double vanna{0.0};
    double volga{0.0};
};

/// Price and the four Greeks a delta hedger reads on every block (and what QuantLib's
/// AnalyticEuropeanEngine is benchmarked on): the same values, in the same units, as the fields
/// of Greeks, from the same kernel without rho, vanna and volga.
struct CoreGreeks {
    double price{0.0};
    double delta{0.0};
    double gamma{0.0};
    double vega{0.0};
    double theta{0.0};
};

enum class PricingError : std::uint8_t {
    kNonFiniteInput,  // a NaN or infinite field
    kNonPositiveSpot,
    kNonPositiveStrike,
    kNegativeTime,
    kNegativeVolatility,
};
[[nodiscard]] std::string_view to_string(PricingError e) noexcept;

/// Checks the preconditions of the unchecked forms.
[[nodiscard]] Expected<void, PricingError> validate(const OptionSpec& o) noexcept;

/// Validated price and Greeks. Expiry (time == 0) and zero volatility give the discounted
/// forward intrinsic value with a step delta and zero gamma/vega.
[[nodiscard]] Expected<Greeks, PricingError> bs_greeks(const OptionSpec& o) noexcept;

/// Price only (precondition: validate(o) succeeds).
[[nodiscard]] double bs_price_unchecked(const OptionSpec& o) noexcept;

/// Price and all Greeks (precondition: validate(o) succeeds).
[[nodiscard]] Greeks bs_greeks_unchecked(const OptionSpec& o) noexcept;

/// Validated price, delta, gamma, vega and theta (see CoreGreeks).
[[nodiscard]] Expected<CoreGreeks, PricingError> bs_core_greeks(const OptionSpec& o) noexcept;

/// Price, delta, gamma, vega and theta (precondition: validate(o) succeeds). Equal to the
/// corresponding fields of bs_greeks_unchecked(o) to rounding, and cheaper.
[[nodiscard]] CoreGreeks bs_core_greeks_unchecked(const OptionSpec& o) noexcept;

/// Prices a book: out[i] = bs_greeks_unchecked(options[i]). Vectorised (an AVX2 clone is
/// chosen at load time where the CPU has it); results equal the scalar form's to rounding.
/// Precondition: out.size() == options.size(), every option valid.
void bs_greeks_batch(std::span<const OptionSpec> options, std::span<Greeks> out) noexcept;

/// Prices a book, price and four Greeks only: out[i] = bs_core_greeks_unchecked(options[i]) to
/// rounding, vectorised as bs_greeks_batch. Precondition: out.size() == options.size(), every
/// option valid.
void bs_core_greeks_batch(std::span<const OptionSpec> options, std::span<CoreGreeks> out) noexcept;

/// Structure-of-arrays batch input: entry i of every column describes option i; `sign` is +1
/// for a call and -1 for a put. All columns have the same length and no two overlap.
struct OptionColumns {
    std::span<const double> spot, strike, time, vol, rate, carry, sign;
};

/// Structure-of-arrays batch output, one column per Greek, each as long as the input.
struct GreekColumns {
    std::span<double> price, delta, gamma, vega, theta, rho, vanna, volga;
};

/// The batch kernel without the transposition: for callers that keep their book in columns.
/// (To price fixed series at many spots, PreparedSeries in prepared.hpp does less work per
/// evaluation.) Precondition: every option valid.
void bs_greeks_columns(const OptionColumns& in, const GreekColumns& out) noexcept;

}  // namespace keeper::pricing

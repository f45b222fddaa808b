// Black-Scholes-Merton value, delta and gamma of fixed series at many spots.
//
// A Monte Carlo backtest prices the same (strike, time to expiry, vol, rate, carry) pairs on
// every path; only the spot changes. `PreparedSeries` computes everything that does not depend
// on the spot once (sigma sqrt T, 1/(sigma sqrt T), the discount factors, 1/K, bT), so that each
// evaluation is one logarithm, one exponential and two erfcx: about half of the full Greeks
// kernel, and no square root. Results equal bs_greeks_unchecked's to rounding (tested).
//
// Pure: no I/O, no exceptions. Preparation allocates (it owns its columns); evaluation does not.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "keeper/pricing/black_scholes.hpp"

namespace keeper::pricing {

/// Spot-independent terms of a list of series, in structure-of-arrays form.
class PreparedSeries {
public:
    PreparedSeries() = default;
    /// Precondition: validate() succeeds for every option with any positive spot (the spot field
    /// is ignored).
    explicit PreparedSeries(std::span<const OptionSpec> options);

    [[nodiscard]] std::size_t size() const noexcept { return inv_strike_.size(); }

    /// price[i], delta[i], gamma[i] of series i at spot[i]. Every span is size() long; the
    /// outputs must not overlap the input. Vectorised (AVX2 where the CPU has it).
    void value_delta_gamma(std::span<const double> spot, std::span<double> price, std::span<double> delta,
                           std::span<double> gamma) const noexcept;

private:
    // Per series: 1/K, bT, sigma sqrt T, 1/(sigma sqrt T), e^{bT}/K, e^{(b-r)T}, K e^{-rT}, w = +-1.
    std::vector<double> inv_strike_, carry_time_, s_, inv_s_, growth_over_strike_, df_q_, strike_df_, w_;
    std::vector<std::size_t> degenerate_;  // series with sigma sqrt T == 0 (expired or zero vol)
    std::vector<OptionSpec> degenerate_spec_;
};

}  // namespace keeper::pricing

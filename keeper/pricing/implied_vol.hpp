// Implied volatility to machine precision in a bounded number of iterations, in the class of
// P. Jaeckel, "Let's Be Rational" (Wilmott, 2015); our own implementation of its ideas:
//
//  1. Normalise. With x = ln(F/K) and s = sigma sqrt(T), the undiscounted Black price divided
//     by sqrt(F K) is b(x, s) = theta [e^{x/2} Phi(theta(x/s + s/2)) - e^{-x/2} Phi(theta(x/s - s/2))].
//     Put-call parity and the symmetry b_put(x) = b_call(-x) reduce every input to an
//     out-of-the-money call, x <= 0, beta in [0, e^{x/2}).
//  2. b is convex in s below s_c = sqrt(2|x|) and concave above. The tangent at s_c meets 0 at
//     s_l and the upper bound e^{x/2} at s_u, giving four branches for beta:
//       [0, b_l)    lower: asymptotic inverse of ln b ~ -x^2/(2 s^2) + ln(s^3 / (x^2 sqrt(2 pi)))
//       [b_l, b_c)  rational cubic (Delbourgo-Gregory) interpolation of s(beta), s'' = 0 at b_c
//       [b_c, b_u]  rational cubic interpolation of s(beta), s'' = 0 at b_c
//       (b_u, e^{x/2})  upper: inverse of b_max - b ~ (e^{x/2} + e^{-x/2}) Phi(-s/2)
//  3. Householder steps of order four on an objective chosen per branch so that it is close to
//     linear in s: 1/ln b(s) - 1/ln beta (lower), b(s) - beta (middle), ln((b_max - b(s)) /
//     (b_max - beta)) (upper), with analytic derivatives up to the third, safeguarded by a
//     bracket. Two steps reach machine precision on almost all inputs; the cap is
//     kImpliedVolMaxIterations.
//  4. b itself is evaluated without cancellation where it matters: as
//     exp(-(h^2 + t^2)/2)/sqrt(2 pi) [m(h + t) - m(h - t)] with h = x/s, t = s/2 and the Mills ratio
//     m = Phi/phi from erfcx (no underflow: ln b is formed from the parts), by its Taylor series
//     in t for small t, and through the complement b_max - b for large s.
#pragma once

#include <cstdint>
#include <string_view>

#include "keeper/core/expected.hpp"
#include "keeper/pricing/black_scholes.hpp"

namespace keeper::pricing {

inline constexpr int kImpliedVolMaxIterations = 6;

enum class ImpliedVolError : std::uint8_t {
    kNonFiniteInput,
    kNonPositiveForward,
    kNonPositiveStrike,
    kNonPositiveTime,
    kBelowIntrinsic,  // price < discounted intrinsic value: no volatility fits
    kAboveMaximum,    // price >= the price at infinite volatility (the forward, or the strike for a put)
};
[[nodiscard]] std::string_view to_string(ImpliedVolError e) noexcept;

namespace detail {
/// A lower bound on b(x, s_l) / b(x, s_c) for x < 0, as a function of s_c = sqrt(2|x|): the
/// ratio grows from ~0.19 s_c as x -> 0 to ~0.2 for large |x| and is smallest relative to
/// min(0.125 s_c, 0.05) near x = -0.08, where it is 1.19 times that (mpmath, 50 digits, x from
/// -1e-14 to -1000; re-checked by tests/unit/pricing/implied_vol_test.cpp in double). A price
/// below this fraction of b_c is in the lower branch without evaluating b(s_l).
[[nodiscard]] constexpr double lower_branch_fraction(double s_c) noexcept {
    return 0.125 * s_c < 0.05 ? 0.125 * s_c : 0.05;
}
}  // namespace detail

/// Normalised Black price b(x, s) for a call or put: undiscounted price / sqrt(F K).
[[nodiscard]] double normalised_black(double x, double s, OptionType type) noexcept;

/// s = sigma sqrt(T) from the normalised price beta at log-moneyness x = ln(F/K). A price
/// exactly at intrinsic gives 0. `iterations`, if given, receives the Householder steps used.
[[nodiscard]] Expected<double, ImpliedVolError> normalised_implied_vol(double beta, double x, OptionType type,
                                                                       int* iterations = nullptr) noexcept;

/// Black (forward) form: sigma from the undiscounted price of an option on forward F.
[[nodiscard]] Expected<double, ImpliedVolError> implied_vol_black(double undiscounted_price, double forward,
                                                                  double strike, double time, OptionType type) noexcept;

/// Black-Scholes-Merton form: sigma such that bs_price(o with vol = sigma) == price, where
/// price is the (discounted) premium; o.vol is ignored.
[[nodiscard]] Expected<double, ImpliedVolError> implied_vol(const OptionSpec& o, double price) noexcept;

}  // namespace keeper::pricing

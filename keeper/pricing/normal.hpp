// The standard normal distribution to full double precision, in both tails.
//
// Everything here is built on one function, erfcx(x) = exp(x^2) erfc(x) for x >= 0, evaluated
// as q(u) / (4 + x) with q a single degree-24 polynomial in u = 8 / (4 + x) - 1
// (erfcx_table.hpp, fitted in 40-digit arithmetic by tools/gen_erfcx_table.py). One division,
// 24 multiply-adds, no table lookup and no branch: the same inline code serves the scalar path
// and the vectorised batch kernel.
//
// Accuracy (tests/unit/pricing): erfcx relative error < 1.5e-15 on [0, inf); norm_cdf relative
// error < 4e-15 for z in [-37, 8] (the lower tail keeps full relative precision down to
// 1e-300; the upper tail is 1 - tail, so absolute precision there); inverse_norm_cdf
// round-trips to a few ulp.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "keeper/pricing/erfcx_table.hpp"
#include "keeper/pricing/fast_math.hpp"

namespace keeper::pricing {

inline constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934381868;  // 1/sqrt(2 pi)
inline constexpr double kSqrt2Pi = 2.50662827463100050241576528481104525;      // sqrt(2 pi)
inline constexpr double kInvSqrt2 = 0.707106781186547524400844362104849039;    // 1/sqrt(2)
inline constexpr double kSqrtPiOver2 = 1.25331413731550025120788264240552263;  // sqrt(pi/2)
inline constexpr double kLnSqrt2Pi = 0.918938533204672741780329736405617640;   // ln sqrt(2 pi)

namespace detail {

/// Coefficient of u^k in q.
[[nodiscard]] constexpr double erfcx_coefficient(int k) noexcept {
    return kErfcxPoly[kErfcxDegree - k];
}

/// sum_{k=0..n-1} a(first + k) u^k by Estrin's scheme: pairs (a + b u), then pairs of pairs with
/// u^2, u^4, ... `powers` holds u, u^2, u^4, u^8, u^16.
template <int First, int N, class T>
[[nodiscard, gnu::always_inline]] inline T erfcx_estrin(const T* powers) noexcept {
    if constexpr (N == 1) {
        return T{} + erfcx_coefficient(First);
    } else if constexpr (N == 2) {
        return erfcx_coefficient(First) + powers[0] * erfcx_coefficient(First + 1);
    } else {
        constexpr int kHalf = std::bit_floor(static_cast<unsigned>(N - 1));  // the largest power of 2 below N
        constexpr int kLevel = std::countr_zero(static_cast<unsigned>(kHalf));
        return erfcx_estrin<First, kHalf>(powers) + powers[kLevel] * erfcx_estrin<First + kHalf, N - kHalf>(powers);
    }
}

}  // namespace detail

/// erfcx(x) = exp(x^2) erfc(x) for x >= 0 (+inf gives 0, NaN gives NaN). Precondition: x >= 0.
/// T is double, or detail::Pair for two arguments at once (one SSE register).
template <class T>
[[nodiscard, gnu::always_inline]] inline T erfcx_nonnegative(T x) noexcept {
    using namespace detail;
    const T r = 1.0 / (kErfcxMapK + x);
    const T u = 2.0 * kErfcxMapK * r - 1.0;
    // q(u) by Estrin's scheme: a dependency chain of five multiply-adds (the powers of u are
    // formed alongside) where four interleaved Horner chains took eight, for the same number of
    // operations. The single-option paths and the implied-volatility solver wait on it.
    const T u2 = u * u;
    const T u4 = u2 * u2;
    const T u8 = u4 * u4;
    const T powers[5] = {u, u2, u4, u8, u8 * u8};
    return erfcx_estrin<0, kErfcxDegree + 1>(powers) * r;
}

/// Where erfcx_piecewise_in_range applies: a < 11.25 (x = a/sqrt 2 < 7.955, so that the piece
/// index stays below kErfcxPieces after rounding; |d| < 11.25 is all but the far wings).
inline constexpr double kErfcxPiecewiseMaxArg = 11.25;

/// erfcx(a / sqrt 2) for 0 <= a < kErfcxPiecewiseMaxArg (the argument of the normal tail Phi(-a)), for the
/// single-option paths: one of 256 degree-7 polynomials picked by a (scalar_tables.hpp). No
/// division, no branch. Relative error < 1e-15, tested against
/// erfcx_nonnegative and mpmath.
[[nodiscard, gnu::always_inline]] inline double erfcx_piecewise_in_range(double a) noexcept {
    using namespace detail;
    static_assert(kErfcxPieceDegree == 7);
    const double y = a * (kErfcxPiecesPerUnit * kInvSqrt2);  // x = a/sqrt 2, in pieces
    const int i = static_cast<int>(y);                       // the piece [i/32, (i+1)/32) of x
#if defined(__SSE4_1__)
    const double whole = std::floor(y);  // one roundsd, beside the conversion to an index
#else
    const double whole = static_cast<double>(i);
#endif
    const double t = (y - whole) * 2.0 - 1.0;  // in [-1, 1]
    const double* c = kErfcxPiece[i];
    // Estrin's scheme: a chain of three multiply-adds after t.
    const double t2 = t * t;
    const double t4 = t2 * t2;
    const double q0 = (c[0] + t * c[1]) + t2 * (c[2] + t * c[3]);
    const double q1 = (c[4] + t * c[5]) + t2 * (c[6] + t * c[7]);
    return q0 + t4 * q1;
}

/// exp(-a^2 / 2) with a^2 split exactly so that the rounding of a^2 does not cost relative
/// precision in the tails: a = hi + lo with hi the top 26 significant bits of a (its low 27
/// mantissa bits cleared: one AND, where Dekker's split takes three dependent operations), so
/// hi^2 is exact and lo = a - hi too. |a| is capped at 40 first: e^{-800} is already 0 in
/// double, and above about 1e50 the correction polynomial in lo overflows (inf times the 0 of
/// the exponential gave NaN: d1 = 3.6e99 for an option priced at a volatility of 1e-100).
[[nodiscard, gnu::always_inline]] inline double exp_minus_half_square(double a) noexcept {
    constexpr double kBeyondUnderflow = 40.0;
    a = std::min(a < 0.0 ? -a : a, kBeyondUnderflow);  // NaN stays NaN
    const double hi = std::bit_cast<double>(std::bit_cast<std::uint64_t>(a) & 0xfffffffff8000000u);
    const double lo = a - hi;
    const double d = -0.5 * lo * (2.0 * hi + lo);  // the part of -a^2/2 not in -hi^2/2
    return detail::exp(-0.5 * (hi * hi)) * (1.0 + d * (1.0 + d * (0.5 + d * (1.0 / 6.0))));
}

/// Standard normal density.
[[nodiscard]] inline double norm_pdf(double z) noexcept {
    return kInvSqrt2Pi * exp_minus_half_square(z);
}

/// Phi(-a) for a >= 0 given e = exp(-a^2/2): the shared tail used when the density is needed too.
[[nodiscard, gnu::always_inline]] inline double norm_tail_from_density(double a, double e) noexcept {
    return 0.5 * erfcx_nonnegative(a * kInvSqrt2) * e;
}

/// Standard normal cumulative distribution Phi(z).
[[nodiscard]] inline double norm_cdf(double z) noexcept {
    const double a = z < 0.0 ? -z : z;
    const double tail = norm_tail_from_density(a, exp_minus_half_square(a));
    return z < 0.0 ? tail : 1.0 - tail;
}

/// m(z) = Phi(z) / phi(z) for z <= 0 (a Mills ratio), without underflow: sqrt(pi/2) erfcx(-z/sqrt 2).
[[nodiscard, gnu::always_inline]] inline double mills_ratio_nonpositive(double z) noexcept {
    return kSqrtPiOver2 * erfcx_nonnegative(-z * kInvSqrt2);
}

/// erfcx on the whole real line (overflows to +inf below about -26.6).
[[nodiscard]] double erfcx(double x) noexcept;

/// Phi^{-1}(p) for p in (0, 1); -inf at 0, +inf at 1, NaN outside [0, 1]. A rational first
/// guess (Acklam's form) refined by one Halley step on norm_cdf, which makes it accurate to a
/// few ulp; in the upper half it works with 1 - p, so precision there is absolute.
[[nodiscard]] double inverse_norm_cdf(double p) noexcept;

}  // namespace keeper::pricing

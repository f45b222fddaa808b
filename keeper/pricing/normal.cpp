#include "keeper/pricing/normal.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace keeper::pricing {

double erfcx(double x) noexcept {
    if (std::isnan(x)) return x;
    if (x >= 0.0) return erfcx_nonnegative(x);
    // erfcx(-a) = 2 exp(a^2) - erfcx(a); exp(a^2) = 1 / exp(-a^2), with the square split exactly.
    const double a = -x;
    const double e = exp_minus_half_square(a * std::numbers::sqrt2);
    return 2.0 / e - erfcx_nonnegative(a);
}

namespace {

// Acklam's rational approximation of the normal quantile: relative error below 1.2e-9, which
// one Halley step turns into full precision. Central region |p - 1/2| <= 0.47575.
constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                         1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                         -1.328068155288572e+01};
constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
constexpr double kPLow = 0.02425;

// Lower half only: p in (0, 1/2].
double quantile_lower(double p) noexcept {
    double x = 0.0;
    if (p < kPLow) {
        const double q = std::sqrt(-2.0 * std::log(p));
        x = (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
            ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1.0);
    } else {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
            (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1.0);
    }
    // Halley on Phi(x) - p, with the residual relative to the density: Phi(x) = phi(x) m(x).
    // (x <= 0 here, so Phi(x) keeps full relative precision.)
    const double e = exp_minus_half_square(x);
    const double phi = kInvSqrt2Pi * e;
    const double u = (norm_tail_from_density(-x, e) - p) / phi;
    return x - u / (1.0 + 0.5 * x * u);
}

}  // namespace

double inverse_norm_cdf(double p) noexcept {
    if (!(p >= 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return p <= 0.5 ? quantile_lower(p) : -quantile_lower(1.0 - p);
}

}  // namespace keeper::pricing

#include "keeper/pricing/implied_vol.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "keeper/pricing/normal.hpp"

namespace keeper::pricing {

std::string_view to_string(ImpliedVolError e) noexcept {
    switch (e) {
        case ImpliedVolError::kNonFiniteInput:
            return "non-finite input";
        case ImpliedVolError::kNonPositiveForward:
            return "forward must be positive";
        case ImpliedVolError::kNonPositiveStrike:
            return "strike must be positive";
        case ImpliedVolError::kNonPositiveTime:
            return "time to expiry must be positive";
        case ImpliedVolError::kBelowIntrinsic:
            return "price below intrinsic value";
        case ImpliedVolError::kAboveMaximum:
            return "price at or above the infinite-volatility limit";
    }
    return "unknown implied volatility error";
}

namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Below this t = s/2 the bracket m(h+t) - m(h-t) comes from its Taylor series in t: the direct
// difference loses a factor ~1/t of relative precision in b, which costs the implied
// volatility about 0.6 eps / t relative. (A threshold of 0.01 measured no faster and four
// times less accurate.)
constexpr double kTaylorT = 0.05;
constexpr double kSqrtPiOver2Inverse = 0.797884560802865355879892119868763737;  // sqrt(2/pi)

// The solver's exponentials and logarithms are the inline kernels of fast_math.hpp (< 2 ulp,
// and no call that spills every register); exp falls back to libm where the result would be
// subnormal, which the kernel flushes to zero. b_max = exp(x/2) is computed once by each entry
// point, compared against the price there and passed down, so the solver uses that same number.
[[gnu::always_inline]] inline double fast_exp(double v) noexcept {
    return v > -700.0 ? detail::exp_table(v) : std::exp(v);
}

// All functions below take the reduced problem: an out-of-the-money call, x <= 0, s > 0,
// h = x/s, t = s/2, P = b'(s) = exp(-(h^2 + t^2)/2) / sqrt(2 pi).

// m(z) = Phi(z)/phi(z) for one z <= 0: the table polynomials of erfcx_piecewise_in_range where
// |z| < 11.25, else the single polynomial.
[[gnu::always_inline]] inline double mills_ratio(double z) noexcept {
    if (-z < kErfcxPiecewiseMaxArg) [[likely]]
        return kSqrtPiOver2 * erfcx_piecewise_in_range(-z);
    return mills_ratio_nonpositive(z);
}

// m(h+t) - m(h-t) = 2 sum_{k odd} t^k m^(k)(h) / k!, with m' = 1 + h m and
// m^(n+1) = h m^(n) + n m^(n-1). Eleven terms: truncation < 1e-17 relative for t < 0.05.
[[gnu::always_inline]] inline double bracket_taylor(double h, double t) noexcept {
    double m[12];
    m[0] = mills_ratio(h);
    m[1] = 1.0 + h * m[0];
    for (int n = 1; n < 11; ++n) m[n + 1] = h * m[n] + n * m[n - 1];
    // The terms in the order the recurrence delivers them (the largest first), so that the sum
    // waits one multiply-add, not five, after the last derivative.
    const double t2 = t * t;
    const double t4 = t2 * t2;
    const double t6 = t4 * t2;
    const double t8 = t4 * t4;
    const double t10 = t8 * t2;
    double series = m[1] + (t2 * (1.0 / 6.0)) * m[3];
    series += (t4 * (1.0 / 120.0)) * m[5];
    series += (t6 * (1.0 / 5040.0)) * m[7];
    series += (t8 * (1.0 / 362880.0)) * m[9];
    series += (t10 * (1.0 / 39916800.0)) * m[11];
    return 2.0 * t * series;
}

// The Mills ratios m(z0), m(z1) (z0, z1 <= 0). Where both |z| < 11.25 (all but the far
// wings), two table polynomials (erfcx_piecewise_in_range: no division); beyond, the two erfcx
// of the single polynomial as one pair in an SSE register.
[[gnu::always_inline]] inline detail::Pair mills_ratio_pair(double z0, double z1) noexcept {
    if (-z0 < kErfcxPiecewiseMaxArg && -z1 < kErfcxPiecewiseMaxArg) [[likely]]
        return kSqrtPiOver2 * detail::Pair{erfcx_piecewise_in_range(-z0), erfcx_piecewise_in_range(-z1)};
    return kSqrtPiOver2 * erfcx_nonnegative(detail::Pair{z0, z1} * -kInvSqrt2);
}

// m(-(h+t)) + m(h-t) for h + t >= 0: (b_max - b) / P.
[[gnu::always_inline]] inline double complement_ratio(double h, double t) noexcept {
    const detail::Pair m = mills_ratio_pair(-(h + t), h - t);
    return m[0] + m[1];
}

// Below s_c (h + t <= 0), b(x, s) = P * bracket with P = b'(s) carried as its logarithm so
// that nothing underflows, and bracket = m(h+t) - m(h-t) from its Taylor series for small t or
// as the difference of Mills ratios. Above s_c, b is not small and comes from the complement,
// b = b_max - P (m(-(h+t)) + m(h-t)).
struct Parts {
    double log_vega;  // ln b'(s)
    double bracket;   // b / b'(s), below s_c
    double b;         // b itself, above s_c (NaN below)
};

[[gnu::always_inline]] inline Parts parts(double x, double s, double b_max) noexcept {
    const double h = x / s;
    const double t = 0.5 * s;
    const double log_vega = -0.5 * (h * h + t * t) - kLnSqrt2Pi;
    constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
    if (t < kTaylorT) return {log_vega, bracket_taylor(h, t), kNan};
    if (h + t <= 0.0) {
        const detail::Pair m = mills_ratio_pair(h + t, h - t);
        return {log_vega, m[0] - m[1], kNan};
    }
    return {log_vega, kNan, b_max - fast_exp(log_vega) * complement_ratio(h, t)};
}

// The middle branch's objective needs b and b'.
struct Middle {
    double b;
    double vega;
};

[[gnu::always_inline]] inline Middle evaluate_middle(double x, double s, double b_max) noexcept {
    const Parts p = parts(x, s, b_max);
    const double vega = fast_exp(p.log_vega);
    return {std::isnan(p.b) ? vega * p.bracket : p.b, vega};
}

// The lower branch's needs ln b and b/b' = bracket, neither of which underflows. (Its step
// is formed without b'/b: see solve.)
struct Lower {
    double log_b;
    double b_over_vega;
};

[[gnu::always_inline]] inline Lower evaluate_lower(double x, double s, double b_max) noexcept {
    const Parts p = parts(x, s, b_max);
    if (!std::isnan(p.b)) {
        const double vega = fast_exp(p.log_vega);
        return {detail::log(p.b), p.b / vega};
    }
    return {p.log_vega + detail::log(p.bracket), p.bracket};
}

struct Upper {
    double log_c;        // ln(b_max - b)
    double vega_over_c;  // b' / (b_max - b)
    double c_over_vega;  // its reciprocal
};

[[gnu::always_inline]] inline Upper evaluate_upper(double x, double s, double b_max) noexcept {
    const double h = x / s;
    const double t = 0.5 * s;
    const double log_vega = -0.5 * (h * h + t * t) - kLnSqrt2Pi;
    if (h + t >= 0.0) {
        const double r = complement_ratio(h, t);
        return {log_vega + detail::log(r), 1.0 / r, r};
    }
    const Middle m = evaluate_middle(x, s, b_max);
    const double c = b_max - m.b;
    return {detail::log(c), m.vega / c, c / m.vega};
}

// Delbourgo-Gregory rational cubic through (xl, yl), (xr, yr) with slopes dl, dr and control
// parameter r (r = 3: the cubic Hermite; r -> inf: the straight line).
[[gnu::always_inline]] inline double rational_cubic(double xq, double xl, double xr, double yl, double yr, double dl,
                                                    double dr, double r) noexcept {
    const double w = xr - xl;
    const double u = (xq - xl) / w;
    const double v = 1.0 - u;
    const double num = yr * u * u * u + (r * yr - w * dr) * u * u * v + (r * yl + w * dl) * u * v * v + yl * v * v * v;
    return num / (1.0 + (r - 3.0) * u * v);
}

// Keeps the interpolant monotone (Delbourgo-Gregory: r >= (dl + dr) / slope) and finite.
[[gnu::always_inline]] inline double control_parameter(double r, double dl, double dr, double slope) noexcept {
    const double r_min = (dl + dr) / slope;
    if (!std::isfinite(r)) r = 1e6;
    return std::min(std::max(r, r_min), 1e6);
}

enum class Branch : std::uint8_t { kLower, kMiddle, kUpper };

// The leading term of the asymptotic inverse, then one fixed-point step on the rest of
// ln b ~ -x^2/(2 s^2) + ln(s^3/(x^2 sqrt(2 pi))) - s^2/8. (Two more steps, each a log, a square
// root and a division on the dependency chain, cost more than the Householder steps they save:
// 1.86 steps on average over the unit-test grid with three, 1.94 with one, and the benchmark
// grid ~8% faster.)
[[gnu::always_inline]] inline double lower_guess(double x, double ln_beta, double s_l) noexcept {
    const double ax = -x;
    const double s0 = ax / std::sqrt(-2.0 * ln_beta);
    const double q = detail::log(s0 * s0 * s0 / (ax * ax * kSqrt2Pi)) - 0.125 * s0 * s0 - ln_beta;
    const double s = q > 0.0 ? ax / std::sqrt(2.0 * q) : s0;
    return std::min(s, s_l);
}

// The solver is cloned for x86-64-v3 (AVX2 + FMA; the helpers above are inlined into each
// clone, so the erfcx polynomials run as fused multiply-adds) and picked at load time.
// b_max = exp(x/2) is the caller's (the number it compared beta against).
[[gnu::target_clones("default", "arch=x86-64-v3")]] double solve(double x, double beta, double b_max,
                                                                 int* iterations) noexcept {
    const double s_c = std::sqrt(-2.0 * x);
    const double v_c = kInvSqrt2Pi * b_max;  // b'(s_c): h + t = 0 and h^2 + t^2 = |x| there
    // At s_c, h = -t: b'(s_c) = v_c and the bracket is m(0) - m(-s_c) = sqrt(pi/2) (1 -
    // erfcx(s_c/sqrt 2)), so b_c = b_max (1 - erfcx(s_c/sqrt 2)) / 2 costs one erfcx. Below the
    // Taylor threshold the general evaluation keeps its accuracy.
    const double b_c = x == 0.0                ? 0.0
                       : s_c >= 2.0 * kTaylorT ? 0.5 * b_max * (1.0 - kSqrtPiOver2Inverse * mills_ratio(-s_c))
                                               : evaluate_middle(x, s_c, b_max).b;
    Branch branch = Branch::kMiddle;
    double s = 0.0;
    double lo = 0.0;
    double hi = kInf;
    if (beta < b_c) {
        const double s_l = s_c - b_c / v_c;
        // b_l = b(s_l) is at least lower_branch_fraction(s_c) b_c, so a price below that is in
        // the lower branch without the evaluation at s_l: 1,730 of the 1,840 lower-branch inputs
        // of the benchmark grid (2,745 in all). The guess, the bracket and every step after it
        // are the same as with b_l evaluated, so the results are bit for bit the same.
        const bool surely_lower = beta < detail::lower_branch_fraction(s_c) * b_c;
        Middle at_l{0.0, 0.0};
        if (!surely_lower) at_l = evaluate_middle(x, s_l, b_max);
        const double b_l = at_l.b;
        if (surely_lower || beta < b_l) {
            branch = Branch::kLower;
            s = lower_guess(x, detail::log(beta), s_l);
            hi = s_l;
        } else {
            const double dl = 1.0 / at_l.vega;
            const double dr = 1.0 / v_c;
            const double slope = (s_c - s_l) / (b_c - b_l);
            const double r = control_parameter((dr - dl) / (dr - slope), dl, dr, slope);
            s = rational_cubic(beta, b_l, b_c, s_l, s_c, dl, dr, r);
            lo = s_l;
            hi = s_c;
        }
    } else {
        const double s_u = s_c + (b_max - b_c) / v_c;
        const Middle at_u = evaluate_middle(x, s_u, b_max);
        const double b_u = at_u.b;
        if (beta <= b_u) {
            const double dl = 1.0 / v_c;
            const double dr = 1.0 / at_u.vega;
            const double slope = (s_u - s_c) / (b_u - b_c);
            const double r = control_parameter((dr - dl) / (slope - dl), dl, dr, slope);
            s = rational_cubic(beta, b_c, b_u, s_c, s_u, dl, dr, r);
            lo = s_c;
            hi = s_u;
        } else {
            branch = Branch::kUpper;
            const double c = b_max - beta;
            s = std::max(-2.0 * inverse_norm_cdf(c / (b_max + 1.0 / b_max)), s_u);
            lo = s_u;
        }
    }

    const double ln_beta = branch == Branch::kLower ? detail::log(beta) : 0.0;
    const double ln_c_target = branch == Branch::kUpper ? detail::log(b_max - beta) : 0.0;
    const double inv_ln_beta = 1.0 / ln_beta;  // (infinite outside the lower branch, unused there)
    int it = 0;
    while (it < kImpliedVolMaxIterations) {
        ++it;
        // Objective g, Newton step nu = -g/g', and h2 = g''/g', h3 = g'''/g' from
        // b''/b' = a1 = x^2/s^3 - s/4 and b'''/b' = a1^2 - 3x^2/s^4 - 1/4.
        // (Reciprocals are formed once: divisions dominate the latency of this loop.)
        const double inv_s = 1.0 / s;
        const double x2_s3 = x * x * inv_s * inv_s * inv_s;
        const double a1 = x2_s3 - 0.25 * s;
        const double a2 = a1 * a1 - 3.0 * x2_s3 * inv_s - 0.25;
        double nu = 0.0;
        double h2_nu = 0.0;   // h2 nu
        double h3_nu2 = 0.0;  // h3 nu^2
        bool below = false;   // b(s) < beta
        double noise = 0.0;   // what a few ulp of error in b(s) move the Newton step by
        if (branch == Branch::kLower) {
            // g = 1/ln b - 1/ln beta. With L = ln b (ln_b below), rho = b'/b:
            // g' = -rho/L^2, h2 = a1 - rho (L+2)/L, h3 = a2 - 3 a1 rho (L+2)/L + rho^2 (2L^2+6L+6)/L^2.
            // With q = rho nu / L = (ln beta - L) / ln beta (so rho nu = L q) no term needs 1/L,
            // which keeps a division off the chain: h2 nu = a1 nu - L q - 2 q and
            // h3 nu^2 = a2 nu^2 - 3 a1 nu (L q + 2 q) + 2 (L q)^2 + 6 (L q) q + 6 q^2.
            const Lower e = evaluate_lower(x, s, b_max);
            const double ln_b = e.log_b;
            below = ln_b < ln_beta;
            const double inv_rho = e.b_over_vega;
            const double q = (ln_beta - ln_b) * inv_ln_beta;
            const double rho_nu = ln_b * q;
            nu = rho_nu * inv_rho;
            const double a1_nu = a1 * nu;
            h2_nu = a1_nu - rho_nu - 2.0 * q;
            h3_nu2 = a2 * nu * nu - 3.0 * a1_nu * (rho_nu + 2.0 * q) + rho_nu * (2.0 * rho_nu + 6.0 * q) + 6.0 * q * q;
            noise = 4.0 * kEpsilon * inv_rho;
        } else if (branch == Branch::kMiddle) {
            const Middle e = evaluate_middle(x, s, b_max);
            below = e.b < beta;
            const double inv_vega = 1.0 / e.vega;
            nu = (beta - e.b) * inv_vega;
            noise = 4.0 * kEpsilon * beta * inv_vega;
            h2_nu = a1 * nu;
            h3_nu2 = a2 * nu * nu;
        } else {
            // g = ln(b_max - b) - ln(b_max - beta). With q = b'/(b_max - b):
            // g' = -q, h2 = a1 + q, h3 = a2 + 3 a1 q + 2 q^2.
            const Upper e = evaluate_upper(x, s, b_max);
            const double q = e.vega_over_c;
            below = e.log_c > ln_c_target;
            const double inv_q = e.c_over_vega;
            nu = (e.log_c - ln_c_target) * inv_q;
            h2_nu = (a1 + q) * nu;
            h3_nu2 = (a2 + 3.0 * a1 * q + 2.0 * q * q) * nu * nu;
            noise = 4.0 * kEpsilon * inv_q;
        }
        if (below) {
            lo = std::max(lo, s);
        } else {
            hi = std::min(hi, s);
        }
        const double step = nu * (1.0 + 0.5 * h2_nu) / (1.0 + h2_nu + h3_nu2 * (1.0 / 6.0));
        double next = s + step;
        if (!(std::isfinite(next) && next >= lo && next <= hi)) {
            next = std::isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * std::max(s, lo);
        }
        // Done when the step is within the noise of b(s), or so small that the fourth-order
        // step just taken left an error of order (1e-6)^4 relative.
        const double moved = std::abs(next - s);
        const bool converged = moved <= noise + 2.0 * kEpsilon * next || moved <= 1e-4 * next;
        s = next;
        if (converged) break;
    }
    if (iterations != nullptr) *iterations = it;
    return s;
}

}  // namespace

double normalised_black(double x, double s, OptionType type) noexcept {
    const double theta = type == OptionType::kCall ? 1.0 : -1.0;
    const double xr = -std::abs(x);
    const double intrinsic = theta * x > 0.0 ? 2.0 * std::sinh(0.5 * std::abs(x)) : 0.0;
    if (!(s > 0.0)) return intrinsic;
    return intrinsic + evaluate_middle(xr, s, std::exp(0.5 * xr)).b;
}

Expected<double, ImpliedVolError> normalised_implied_vol(double beta, double x, OptionType type,
                                                         int* iterations) noexcept {
    if (iterations != nullptr) *iterations = 0;
    if (!std::isfinite(beta) || !std::isfinite(x)) return Unexpected(ImpliedVolError::kNonFiniteInput);
    const double theta = type == OptionType::kCall ? 1.0 : -1.0;
    // In the money: subtract the intrinsic value; parity turns it into the other type out of
    // the money, and b_put(x) = b_call(-x), so every case becomes a call at -|x|.
    if (theta * x > 0.0) beta -= 2.0 * std::sinh(0.5 * std::abs(x));
    const double xr = -std::abs(x);
    if (beta < 0.0) return Unexpected(ImpliedVolError::kBelowIntrinsic);
    const double b_max = std::exp(0.5 * xr);
    if (beta >= b_max) return Unexpected(ImpliedVolError::kAboveMaximum);
    if (beta == 0.0) return 0.0;
    return solve(xr, beta, b_max, iterations);
}

Expected<double, ImpliedVolError> implied_vol_black(double undiscounted_price, double forward, double strike,
                                                    double time, OptionType type) noexcept {
    if (!std::isfinite(undiscounted_price) || !std::isfinite(forward) || !std::isfinite(strike) || !std::isfinite(time))
        return Unexpected(ImpliedVolError::kNonFiniteInput);
    if (!(forward > 0.0)) return Unexpected(ImpliedVolError::kNonPositiveForward);
    if (!(strike > 0.0)) return Unexpected(ImpliedVolError::kNonPositiveStrike);
    if (!(time > 0.0)) return Unexpected(ImpliedVolError::kNonPositiveTime);
    // Reduce in price space, where the intrinsic value F - K is exact: the time value of either
    // type is the out-of-the-money option's price, bounded by min(F, K).
    const double theta = type == OptionType::kCall ? 1.0 : -1.0;
    const double intrinsic = std::max(theta * (forward - strike), 0.0);
    const double time_value = undiscounted_price - intrinsic;
    if (time_value < 0.0) return Unexpected(ImpliedVolError::kBelowIntrinsic);
    if (time_value >= std::min(forward, strike)) return Unexpected(ImpliedVolError::kAboveMaximum);
    if (time_value == 0.0) return 0.0;
    // The inline log and exp of fast_math.hpp (< 2 ulp; libm's are calls on the dependency
    // chain). b_max is the number beta is compared against here and the solver's b_max.
    const double xr = -std::abs(detail::log(forward / strike));
    const double beta = time_value / std::sqrt(forward * strike);
    const double b_max = detail::exp_table(0.5 * xr);
    if (beta >= b_max) return Unexpected(ImpliedVolError::kAboveMaximum);  // by rounding only
    return solve(xr, beta, b_max, nullptr) / std::sqrt(time);
}

Expected<double, ImpliedVolError> implied_vol(const OptionSpec& o, double price) noexcept {
    if (!std::isfinite(o.rate) || !std::isfinite(o.carry) || !std::isfinite(o.time) || !std::isfinite(price))
        return Unexpected(ImpliedVolError::kNonFiniteInput);
    const double forward = o.spot * std::exp(o.carry * o.time);
    const double undiscounted = price * std::exp(o.rate * o.time);
    return implied_vol_black(undiscounted, forward, o.strike, o.time, o.type);
}

}  // namespace keeper::pricing

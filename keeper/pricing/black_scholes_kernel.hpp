// Private to keeper/pricing: the branch-free Black-Scholes-Merton kernel and its
// structure-of-arrays batch loop, shared by black_scholes.cpp (baseline x86-64) and
// black_scholes_avx2.cpp (the same loop compiled for AVX2+FMA, chosen at run time).
//
// Everything here has internal linkage (an unnamed namespace) on purpose: each translation unit
// gets its own copy compiled for its own instruction set, so the linker can never hand the
// AVX2 build of a function to code that runs on a CPU without AVX2. The helpers it inlines from
// normal.hpp and fast_math.hpp are always_inline for the same reason.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <emmintrin.h>

#include "keeper/pricing/black_scholes.hpp"
#include "keeper/pricing/fast_math.hpp"
#include "keeper/pricing/normal.hpp"

namespace keeper::pricing::detail {

/// Column pointers of a batch (n entries each).
struct InColumns {
    const double *spot, *strike, *time, *vol, *rate, *carry, *w;
};
struct OutColumns {
    double *price, *delta, *gamma, *vega, *theta, *rho, *vanna, *volga;
};

struct Inputs;

/// Columns of PreparedSeries (prepared.hpp) and the spot, then the three outputs.
struct PreparedColumns {
    const double *inv_strike, *carry_time, *s, *inv_s, *growth_over_strike, *df_q, *strike_df, *w;
};
struct ValueDeltaGammaColumns {
    double *price, *delta, *gamma;
};
void value_delta_gamma_avx2(const PreparedColumns& in, const double* spot, const ValueDeltaGammaColumns& out,
                            std::size_t n) noexcept;

/// Column pointers of a price + four Greeks batch.
struct CoreOutColumns {
    double *price, *delta, *gamma, *vega, *theta;
};

/// The batch loops and the single-option entry points for AVX2+FMA CPUs (black_scholes_avx2.cpp).
void kernel_block_avx2(const InColumns& in, const OutColumns& out, std::size_t n) noexcept;
void kernel_block_core_avx2(const InColumns& in, const CoreOutColumns& out, std::size_t n) noexcept;
Greeks greeks_one_avx2(const OptionSpec& o) noexcept;
/// The same entry points compiled for baseline x86-64 (black_scholes.cpp): what the ifuncs bind
/// on a CPU without AVX2+FMA. Declared here so that tests compare the two builds on any CPU.
Greeks greeks_one_baseline(const OptionSpec& o) noexcept;
CoreGreeks core_greeks_one_baseline(const OptionSpec& o) noexcept;
CoreGreeks core_greeks_one_avx2(const OptionSpec& o) noexcept;
/// A whole book: out[i] = the kernel's Greeks of options[i]; returns whether any entry may be
/// degenerate (the caller then overwrites those).
bool batch_options_avx2(const OptionSpec* options, Greeks* out, std::size_t n) noexcept;
bool batch_options_core_avx2(const OptionSpec* options, CoreGreeks* out, std::size_t n) noexcept;

/// sigma sqrt(T) == 0: the discounted forward intrinsic value, a step delta, no convexity
/// (black_scholes.cpp; out of line, cold).
Greeks degenerate_greeks(const OptionSpec& o) noexcept;

/// sigma sqrt(T) == 0 (expired, zero volatility, or a product that underflows). The common
/// case is decided by two compares; the square root is taken only for tiny inputs.
[[gnu::always_inline]] inline bool is_degenerate(double vol, double time) noexcept {
    if (vol >= 1e-150 && time >= 1e-150) [[likely]]
        return false;
    return !(vol * std::sqrt(time) > 0.0);
}

// The kernel works on plain doubles so that the batch loop below vectorises. `w` is +1 for a
// call and -1 for a put. Lanes with sigma sqrt(T) == 0 produce garbage and are overwritten
// by `degenerate` (rare: expired or zero-vol series).
struct Inputs {
    double spot, strike, time, vol, rate, carry, w;
};

namespace {

// Six divisions, three exponentials, one logarithm and two erfcx per option: phi(d2) comes from
// phi(d1) F/K (exact: d2^2 = d1^2 - 2 ln(F/K)), and 1/vol = sqrt(T)/s, vol/sqrt(T) = vol^2/s.
// Out is Greeks (all of them) or CoreGreeks (price, delta, gamma, vega, theta: the same
// operations, without rho, vanna and volga). This is the vectorised loops' form (one option per
// lane): branch-free, no table (a lookup there would be a gather, which measured slower).
template <class Out>
[[gnu::always_inline]] inline Out kernel(Inputs in) noexcept {
    const double sqrt_t = std::sqrt(in.time);
    const double s_raw = in.vol * sqrt_t;
    // Degenerate lanes (s = 0, overwritten by the caller) divide by 1 instead.
    const double s = s_raw > 0.0 ? s_raw : 1.0;
    const double inv_s = 1.0 / s;
    const double df_r = detail::exp(-in.rate * in.time);
    const double growth = detail::exp(in.carry * in.time);  // F / S
    const double df_q = df_r * growth;
    const double moneyness = in.spot / in.strike;
    const double x = detail::log_polynomial(moneyness) + in.carry * in.time;  // ln(F/K)
    const double d1 = x * inv_s + 0.5 * s;
    const double d2 = d1 - s;
    const double a1 = d1 < 0.0 ? -d1 : d1;
    const double a2 = d2 < 0.0 ? -d2 : d2;
    const double e1 = exp_minus_half_square(a1);
    const double e2 = e1 * (moneyness * growth);          // exp(-d2^2/2) = exp(-d1^2/2) F/K
    const double tail1 = norm_tail_from_density(a1, e1);  // Phi(-|d1|)
    const double tail2 = norm_tail_from_density(a2, e2);  // Phi(-|d2|)
    const double n1 = kInvSqrt2Pi * e1;
    const double cdf1 = in.w * d1 < 0.0 ? tail1 : 1.0 - tail1;  // Phi(w d1)
    const double cdf2 = in.w * d2 < 0.0 ? tail2 : 1.0 - tail2;  // Phi(w d2)
    const double sq = in.spot * df_q;
    const double kr = in.strike * df_r;
    const double sq_n1 = sq * n1;
    Out g;
    g.price = in.w * (sq * cdf1 - kr * cdf2);
    g.delta = in.w * df_q * cdf1;
    g.gamma = df_q * n1 * inv_s / in.spot;
    g.vega = sq_n1 * sqrt_t;
    g.theta = -0.5 * sq_n1 * in.vol * in.vol * inv_s + in.w * ((in.rate - in.carry) * sq * cdf1 - in.rate * kr * cdf2);
    if constexpr (std::is_same_v<Out, Greeks>) {
        g.rho = in.w * in.strike * in.time * df_r * cdf2;
        g.vanna = -df_q * n1 * d2 * sqrt_t * inv_s;
        g.volga = g.vega * d1 * d2 * sqrt_t * inv_s;
    }
    return g;
}

inline constexpr double kTop26Bits = std::bit_cast<double>(std::uint64_t{0xfffffffff8000000u});

// v < 0 ? a : b without a branch or a round trip through an integer register (an SSE2 compare
// mask; the AVX2 build fuses the three logic operations into one blend).
[[gnu::always_inline]] inline double select_if_negative(double v, double a, double b) noexcept {
    const __m128d mask = _mm_cmplt_sd(_mm_set_sd(v), _mm_setzero_pd());
    return _mm_cvtsd_f64(_mm_or_pd(_mm_and_pd(mask, _mm_set_sd(a)), _mm_andnot_pd(mask, _mm_set_sd(b))));
}

// One option outside kernel_single's fast range: the loop kernel, which handles every valid
// input (precondition: sigma sqrt(T) > 0).
template <class Out>
[[gnu::noinline, gnu::cold]] Out kernel_single_general(const OptionSpec& o) noexcept {
    return kernel<Out>({o.spot, o.strike, o.time, o.vol, o.rate, o.carry, o.type == OptionType::kCall ? 1.0 : -1.0});
}

// One option (bs_greeks_unchecked, bs_core_greeks_unchecked; precondition: sigma sqrt(T) > 0).
// The formulas of `kernel`, arranged for a caller that waits on the dependency chain
// (S/K -> log -> d1 -> exp, erfcx -> Phi -> price) and whose instruction count bounds how far
// consecutive calls overlap in the out-of-order window:
//  * one range check up front and one after d1 replace every clamp and select of exp and log:
//    |rT|, |bT| <= 700, S/K normal, |d1|, |d2| < 11.25 (else kernel_single_general, which
//    takes any input);
//  * the two discount factors as one pair exponential (exp_pair_in_range);
//  * table-driven log and e^{-d1^2/2} (a chain of three multiply-adds each), the latter with
//    d1^2 split exactly and the low part folded into the reduced argument;
//  * the two erfcx from 256 short polynomials picked by the argument (erfcx_piecewise below 8:
//    no division).
template <class Out>
[[gnu::always_inline]] inline Out kernel_single(const OptionSpec& o) noexcept {
    constexpr double kMaxExponent = 700.0;
    const double w = o.type == OptionType::kCall ? 1.0 : -1.0;
    const double rate_time = o.rate * o.time;
    const double carry_time = o.carry * o.time;
    const double moneyness = o.spot / o.strike;
    const bool in_range = std::abs(rate_time) <= kMaxExponent && std::abs(carry_time) <= kMaxExponent &&
                          moneyness >= std::numeric_limits<double>::min() &&
                          moneyness <= std::numeric_limits<double>::max();
    if (!in_range) [[unlikely]]
        return kernel_single_general<Out>(o);
    const double sqrt_t = std::sqrt(o.time);
    const double s = o.vol * sqrt_t;
    const double inv_s = 1.0 / s;
    // Off the dependency chain: formed while the chain waits on log(S/K).
    const double inv_s_over_spot = inv_s / o.spot;
    const double half_var_rate = 0.5 * o.vol * o.vol * inv_s;  // sigma / (2 sqrt T)
    const Pair discount = exp_pair_in_range(Pair{-rate_time, carry_time});
    const double df_r = discount[0];
    const double growth = discount[1];  // F / S
    const double df_q = df_r * growth;
    // d1 = ln(F/K)/s + s/2 = tail/s + (head/s + (bT/s + s/2)), ln(S/K) = head + tail: all but
    // the last multiply-add are formed while the chain waits on the logarithm's series.
    const LogParts ln_moneyness = log_normal_range_parts(moneyness);
    const double d1 = ln_moneyness.tail * inv_s + (ln_moneyness.head * inv_s + (carry_time * inv_s + 0.5 * s));
    const double d2 = d1 - s;
    const double a1 = std::abs(d1);
    const double a2 = std::abs(d2);
    if (!(std::max(a1, a2) < kErfcxPiecewiseMaxArg)) [[unlikely]]
        return kernel_single_general<Out>(o);
    // e1 = exp(-a1^2/2): a1 = hi + lo with hi its top 26 bits (one AND, in an SSE register), so
    // a1^2 = hi^2 + lo (2 hi + lo) with hi^2 exact (|lo (2 hi + lo)| < 1e-6 here).
    const double hi = _mm_cvtsd_f64(_mm_and_pd(_mm_set_sd(a1), _mm_set_sd(kTop26Bits)));
    const double lo = a1 - hi;
    const double e1 = exp_minus_half_in_range(hi * hi, -0.5 * lo * (hi + hi + lo));
    const double half_e1 = 0.5 * e1;
    const double half_e2 = half_e1 * (moneyness * growth);        // exp(-d2^2/2) = exp(-d1^2/2) F/K
    const double tail1 = erfcx_piecewise_in_range(a1) * half_e1;  // Phi(-|d1|)
    const double tail2 = erfcx_piecewise_in_range(a2) * half_e2;  // Phi(-|d2|)
    const double n1 = kInvSqrt2Pi * e1;
    const double cdf1 = select_if_negative(w * d1, tail1, 1.0 - tail1);  // Phi(w d1)
    const double cdf2 = select_if_negative(w * d2, tail2, 1.0 - tail2);  // Phi(w d2)
    const double sq = o.spot * df_q;
    const double kr = o.strike * df_r;
    const double w_sq = w * sq;
    const double w_kr = w * kr;
    const double sq_n1 = sq * n1;
    Out g;
    g.price = w_sq * cdf1 - w_kr * cdf2;
    g.delta = w * df_q * cdf1;
    g.gamma = df_q * n1 * inv_s_over_spot;
    g.vega = sq_n1 * sqrt_t;
    g.theta = -sq_n1 * half_var_rate + ((o.rate - o.carry) * w_sq * cdf1 - o.rate * w_kr * cdf2);
    if constexpr (std::is_same_v<Out, Greeks>) {
        g.rho = w_kr * o.time * cdf2;
        g.vanna = -df_q * n1 * d2 * sqrt_t * inv_s;
        g.volga = g.vega * d1 * d2 * sqrt_t * inv_s;
    }
    return g;
}

// The single-option entry points' body, compiled once per instruction set.
template <class Out>
[[gnu::always_inline]] inline Out greeks_one(const OptionSpec& o) noexcept {
    assert(validate(o).has_value());
    if (is_degenerate(o.vol, o.time)) [[unlikely]] {
        const Greeks g = degenerate_greeks(o);
        if constexpr (std::is_same_v<Out, Greeks>) {
            return g;
        } else {
            return {g.price, g.delta, g.gamma, g.vega, g.theta};
        }
    }
    return kernel_single<Out>(o);
}

// Restrict-qualified parameters (GCC keeps their no-alias promise through inlining, unlike
// that of restrict locals): the caller guarantees that no column overlaps another.
[[gnu::always_inline]] inline void kernel_columns(const double* __restrict spot, const double* __restrict strike,
                                                  const double* __restrict time, const double* __restrict vol,
                                                  const double* __restrict rate, const double* __restrict carry,
                                                  const double* __restrict w, double* __restrict price,
                                                  double* __restrict delta, double* __restrict gamma,
                                                  double* __restrict vega, double* __restrict theta,
                                                  double* __restrict rho, double* __restrict vanna,
                                                  double* __restrict volga, std::size_t n) noexcept {
#pragma GCC unroll 2  // two independent iterations in flight: the kernel is latency-bound
    for (std::size_t i = 0; i < n; ++i) {
        const Greeks g = kernel<Greeks>({spot[i], strike[i], time[i], vol[i], rate[i], carry[i], w[i]});
        price[i] = g.price;
        delta[i] = g.delta;
        gamma[i] = g.gamma;
        vega[i] = g.vega;
        theta[i] = g.theta;
        rho[i] = g.rho;
        vanna[i] = g.vanna;
        volga[i] = g.volga;
    }
}

[[gnu::always_inline]] inline void kernel_columns_core(const double* __restrict spot, const double* __restrict strike,
                                                       const double* __restrict time, const double* __restrict vol,
                                                       const double* __restrict rate, const double* __restrict carry,
                                                       const double* __restrict w, double* __restrict price,
                                                       double* __restrict delta, double* __restrict gamma,
                                                       double* __restrict vega, double* __restrict theta,
                                                       std::size_t n) noexcept {
#pragma GCC unroll 2
    for (std::size_t i = 0; i < n; ++i) {
        const CoreGreeks g = kernel<CoreGreeks>({spot[i], strike[i], time[i], vol[i], rate[i], carry[i], w[i]});
        price[i] = g.price;
        delta[i] = g.delta;
        gamma[i] = g.gamma;
        vega[i] = g.vega;
        theta[i] = g.theta;
    }
}

// Value, delta and gamma from the spot-independent terms: the kernel above without its square
// root, two of its exponentials and four of its divisions (S/K becomes S * (1/K)).
[[gnu::always_inline]] inline void value_delta_gamma_one(double spot, double inv_strike, double carry_time, double s,
                                                         double inv_s, double growth_over_strike, double df_q,
                                                         double strike_df, double w, double& price, double& delta,
                                                         double& gamma) noexcept {
    const double moneyness = spot * inv_strike;
    const double x = detail::log_polynomial(moneyness) + carry_time;  // ln(F/K) (vectorised: no table)
    const double d1 = x * inv_s + 0.5 * s;
    const double d2 = d1 - s;
    const double a1 = d1 < 0.0 ? -d1 : d1;
    const double a2 = d2 < 0.0 ? -d2 : d2;
    const double e1 = exp_minus_half_square(a1);
    const double e2 = e1 * (spot * growth_over_strike);  // exp(-d2^2/2) = exp(-d1^2/2) F/K
    const double tail1 = norm_tail_from_density(a1, e1);
    const double tail2 = norm_tail_from_density(a2, e2);
    const double cdf1 = w * d1 < 0.0 ? tail1 : 1.0 - tail1;
    const double cdf2 = w * d2 < 0.0 ? tail2 : 1.0 - tail2;
    const double sq = spot * df_q;
    price = w * (sq * cdf1 - strike_df * cdf2);
    delta = w * df_q * cdf1;
    gamma = df_q * (kInvSqrt2Pi * e1) * inv_s / spot;
}

[[gnu::always_inline]] inline void value_delta_gamma_columns(
    const double* __restrict spot, const double* __restrict inv_strike, const double* __restrict carry_time,
    const double* __restrict s, const double* __restrict inv_s, const double* __restrict growth_over_strike,
    const double* __restrict df_q, const double* __restrict strike_df, const double* __restrict w,
    double* __restrict price, double* __restrict delta, double* __restrict gamma, std::size_t n) noexcept {
#pragma GCC unroll 2
    for (std::size_t i = 0; i < n; ++i)
        value_delta_gamma_one(spot[i], inv_strike[i], carry_time[i], s[i], inv_s[i], growth_over_strike[i], df_q[i],
                              strike_df[i], w[i], price[i], delta[i], gamma[i]);
}

[[gnu::always_inline]] inline void value_delta_gamma_loop(const PreparedColumns& in, const double* spot,
                                                          const ValueDeltaGammaColumns& out, std::size_t n) noexcept {
    value_delta_gamma_columns(spot, in.inv_strike, in.carry_time, in.s, in.inv_s, in.growth_over_strike, in.df_q,
                              in.strike_df, in.w, out.price, out.delta, out.gamma, n);
}

[[gnu::always_inline]] inline void kernel_loop(const InColumns& in, const OutColumns& out, std::size_t n) noexcept {
    kernel_columns(in.spot, in.strike, in.time, in.vol, in.rate, in.carry, in.w, out.price, out.delta, out.gamma,
                   out.vega, out.theta, out.rho, out.vanna, out.volga, n);
}

[[gnu::always_inline]] inline void kernel_loop_core(const InColumns& in, const CoreOutColumns& out,
                                                    std::size_t n) noexcept {
    kernel_columns_core(in.spot, in.strike, in.time, in.vol, in.rate, in.carry, in.w, out.price, out.delta, out.gamma,
                        out.vega, out.theta, n);
}

}  // namespace
}  // namespace keeper::pricing::detail

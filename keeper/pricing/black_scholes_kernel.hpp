// Private to keeper/pricing: the branch-free Black-Scholes-Merton kernel and its
// structure-of-arrays batch loop, shared by black_scholes.cpp (baseline x86-64) and
// black_scholes_avx2.cpp (the same loop compiled for AVX2+FMA, chosen at run time).
//
// Everything here has internal linkage (an unnamed namespace) on purpose: each translation unit
// gets its own copy compiled for its own instruction set, so the linker can never hand the
// AVX2 build of a function to code that runs on a CPU without AVX2. The helpers it inlines from
// normal.hpp and fast_math.hpp are always_inline for the same reason.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

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

/// The batch loops and the single-option kernels for AVX2+FMA CPUs (black_scholes_avx2.cpp).
void kernel_block_avx2(const InColumns& in, const OutColumns& out, std::size_t n) noexcept;
void kernel_block_core_avx2(const InColumns& in, const CoreOutColumns& out, std::size_t n) noexcept;
Greeks kernel_one_avx2(const Inputs& in) noexcept;
CoreGreeks kernel_one_core_avx2(const Inputs& in) noexcept;

// The kernel works on plain doubles so that the batch loop below vectorises. `w` is +1 for a
// call and -1 for a put. Lanes with sigma sqrt(T) == 0 produce garbage and are overwritten
// by `degenerate` (rare: expired or zero-vol series).
struct Inputs {
    double spot, strike, time, vol, rate, carry, w;
};

namespace {

// Which path the kernel is compiled for. A single option (kSingle) waits on its dependency
// chain: it takes the table-driven detail::log (the shortest chain) and evaluates its two
// erfcx (of |d1| and |d2|) as a pair in one SSE register: a shorter chain and fewer
// instructions, so that consecutive calls overlap more. (The two discount factors as a pair
// measured slower: the clamps of exp become vector blends.) A vectorised loop (kLoop) runs one option per lane: a
// table lookup there would be a gather, which measured slower than the branch-free polynomial.
enum class Path : std::uint8_t { kSingle, kLoop };

// Six divisions, three exponentials, one logarithm and two erfcx per option: phi(d2) comes from
// phi(d1) F/K (exact: d2^2 = d1^2 - 2 ln(F/K)), and 1/vol = sqrt(T)/s, vol/sqrt(T) = vol^2/s.
// Out is Greeks (all of them) or CoreGreeks (price, delta, gamma, vega, theta: the same
// operations, without rho, vanna and volga).
template <class Out, Path kPath>
[[gnu::always_inline]] inline Out kernel(Inputs in) noexcept {
    const double sqrt_t = std::sqrt(in.time);
    const double s_raw = in.vol * sqrt_t;
    // A loop's degenerate lanes (s = 0, overwritten by the caller) divide by 1 instead; a single
    // option is never degenerate here.
    const double s = kPath == Path::kSingle || s_raw > 0.0 ? s_raw : 1.0;
    const double inv_s = 1.0 / s;
    const double df_r = detail::exp(-in.rate * in.time);
    const double growth = detail::exp(in.carry * in.time);  // F / S
    const double df_q = df_r * growth;
    const double moneyness = in.spot / in.strike;
    const double ln_moneyness = kPath == Path::kSingle ? detail::log(moneyness) : detail::log_polynomial(moneyness);
    const double x = ln_moneyness + in.carry * in.time;  // ln(F/K)
    const double d1 = x * inv_s + 0.5 * s;
    const double d2 = d1 - s;
    const double a1 = d1 < 0.0 ? -d1 : d1;
    const double a2 = d2 < 0.0 ? -d2 : d2;
    const double e1 = exp_minus_half_square(a1);
    const double e2 = e1 * (moneyness * growth);  // exp(-d2^2/2) = exp(-d1^2/2) F/K
    double tail1 = 0.0;                           // Phi(-|d1|)
    double tail2 = 0.0;                           // Phi(-|d2|)
    if constexpr (kPath == Path::kSingle) {
        const Pair tails = 0.5 * erfcx_nonnegative(Pair{a1, a2} * kInvSqrt2) * Pair{e1, e2};
        tail1 = tails[0];
        tail2 = tails[1];
    } else {
        tail1 = norm_tail_from_density(a1, e1);
        tail2 = norm_tail_from_density(a2, e2);
    }
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
        const Greeks g = kernel<Greeks, Path::kLoop>({spot[i], strike[i], time[i], vol[i], rate[i], carry[i], w[i]});
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
        const CoreGreeks g =
            kernel<CoreGreeks, Path::kLoop>({spot[i], strike[i], time[i], vol[i], rate[i], carry[i], w[i]});
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

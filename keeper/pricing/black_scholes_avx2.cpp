// The batch Greeks loops and the single-option entry points compiled for AVX2+FMA (see
// CMakeLists.txt); called only after black_scholes.cpp has checked the CPU's feature bits.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "keeper/pricing/black_scholes_kernel.hpp"

namespace keeper::pricing::detail {

namespace {

// The AVX2 transpositions read an OptionSpec as the four doubles at offset 0 (the type and its
// padding, spot, strike, time) and the four at offset 24 (time, vol, rate, carry), and write a
// CoreGreeks / Greeks as its consecutive doubles.
static_assert(sizeof(OptionSpec) == 56 && offsetof(OptionSpec, spot) == 8 && offsetof(OptionSpec, time) == 24 &&
              offsetof(OptionSpec, carry) == 48);
static_assert(static_cast<int>(OptionType::kCall) == 0);
static_assert(sizeof(CoreGreeks) == 40 && sizeof(Greeks) == 64);

// Rows r0..r3 of a 4x4 block of doubles become its columns.
[[gnu::always_inline]] inline void transpose4(__m256d& r0, __m256d& r1, __m256d& r2, __m256d& r3) noexcept {
    const __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
    const __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
    const __m256d t2 = _mm256_unpacklo_pd(r2, r3);
    const __m256d t3 = _mm256_unpackhi_pd(r2, r3);
    r0 = _mm256_permute2f128_pd(t0, t2, 0x20);
    r1 = _mm256_permute2f128_pd(t1, t3, 0x20);
    r2 = _mm256_permute2f128_pd(t0, t2, 0x31);
    r3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// ---- The Greeks of four in-range options (hand-written AVX2+FMA) ----
//
// The hot path of bs_greeks_batch and bs_core_greeks_batch: four options per call, straight
// from the transposed rows to the transposed results (no structure-of-arrays round trip through
// the stack), and, like the single-option kernel, one range check instead of clamps and selects: where all four lanes
// have sigma, T >= 1e-150, |rT|, |bT| <= 700, S/K a normal double and |d1|, |d2| < 37.5
// (e^{-d^2/2} >= e^{-703}, a normal double), no exp or log below needs a clamp, and the
// degenerate-s select is gone; a block of four that fails the check goes to the general kernel
// (any valid input). The formulas are those of `kernel` (black_scholes_kernel.hpp) with:
//  * the exact split of d1^2 folded into the reduced argument of e^{-d1^2/2} (no correction
//    polynomial), as exp_minus_half_in_range does;
//  * the call/put sign applied by flipping sign bits, not by multiplying by w;
//  * gamma = (df_q n1) (1/s / S), the division off the dependency chain.
using V = __m256d;
using VI = __m256i;

[[gnu::always_inline]] inline V bits_to_v(VI x) noexcept {
    return _mm256_castsi256_pd(x);
}
[[gnu::always_inline]] inline VI v_to_bits(V x) noexcept {
    return _mm256_castpd_si256(x);
}
[[gnu::always_inline]] inline V splat(double x) noexcept {
    return _mm256_set1_pd(x);
}

// e^(x + dx) for x in [-708, 708], |dx| < 1e-3 (no clamp): `exp`'s reduction and degree-13
// Taylor polynomial (Estrin), with dx entering the reduced argument.
[[gnu::always_inline]] inline V exp4_in_range(V x, V dx) noexcept {
    const V shift = splat(kRoundShift);
    const V shifted = _mm256_fmadd_pd(x, splat(kLog2e), shift);
    const V n = _mm256_sub_pd(shifted, shift);
    const V r = _mm256_add_pd(_mm256_fnmadd_pd(n, splat(kLn2Hi), x), _mm256_fnmadd_pd(n, splat(kLn2Lo), dx));
    const V r2 = _mm256_mul_pd(r, r);
    const V r4 = _mm256_mul_pd(r2, r2);
    const V r8 = _mm256_mul_pd(r4, r4);
    const V p01 = _mm256_add_pd(splat(1.0), r);
    const V p23 = _mm256_fmadd_pd(r, splat(1.0 / 6.0), splat(0.5));
    const V p45 = _mm256_fmadd_pd(r, splat(1.0 / 120.0), splat(1.0 / 24.0));
    const V p67 = _mm256_fmadd_pd(r, splat(1.0 / 5040.0), splat(1.0 / 720.0));
    const V p89 = _mm256_fmadd_pd(r, splat(1.0 / 362880.0), splat(1.0 / 40320.0));
    const V p1011 = _mm256_fmadd_pd(r, splat(1.0 / 39916800.0), splat(1.0 / 3628800.0));
    const V p1213 = _mm256_fmadd_pd(r, splat(1.0 / 6227020800.0), splat(1.0 / 479001600.0));
    const V q0 = _mm256_fmadd_pd(r2, p23, p01);
    const V q1 = _mm256_fmadd_pd(r2, p67, p45);
    const V q2 = _mm256_fmadd_pd(r2, p1011, p89);
    const V q3 = _mm256_fmadd_pd(r4, p1213, q2);
    const V p = _mm256_fmadd_pd(r8, q3, _mm256_fmadd_pd(r4, q1, q0));
    const VI scale = _mm256_slli_epi64(_mm256_add_epi64(v_to_bits(shifted), _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, bits_to_v(scale));
}

// ln x for positive, normal, finite x (no select): log_polynomial's reduction and atanh series.
[[gnu::always_inline]] inline V log4_in_range(V x) noexcept {
    const VI bits = v_to_bits(x);
    const VI eb = _mm256_srli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(0x00095f619980c433)), 52);
    const V k = _mm256_sub_pd(bits_to_v(_mm256_or_si256(eb, _mm256_set1_epi64x(0x4330000000000000))),
                              splat(4503599627370496.0 + 1023.0));
    const V m =
        bits_to_v(_mm256_sub_epi64(bits, _mm256_slli_epi64(_mm256_sub_epi64(eb, _mm256_set1_epi64x(1023)), 52)));
    const V f = _mm256_sub_pd(m, splat(1.0));
    const V s = _mm256_div_pd(f, _mm256_add_pd(splat(2.0), f));
    const V z = _mm256_mul_pd(s, s);
    const V z2 = _mm256_mul_pd(z, z);
    const V z4 = _mm256_mul_pd(z2, z2);
    const V z8 = _mm256_mul_pd(z4, z4);
    const V c01 = _mm256_fmadd_pd(z, splat(2.0 / 5.0), splat(2.0 / 3.0));
    const V c23 = _mm256_fmadd_pd(z, splat(2.0 / 9.0), splat(2.0 / 7.0));
    const V c45 = _mm256_fmadd_pd(z, splat(2.0 / 13.0), splat(2.0 / 11.0));
    const V c67 = _mm256_fmadd_pd(z, splat(2.0 / 17.0), splat(2.0 / 15.0));
    const V c89 = _mm256_fmadd_pd(z, splat(2.0 / 21.0), splat(2.0 / 19.0));
    const V lo = _mm256_fmadd_pd(z4, _mm256_fmadd_pd(z2, c67, c45), _mm256_fmadd_pd(z2, c23, c01));
    const V hi = _mm256_fmadd_pd(z2, splat(2.0 / 23.0), c89);
    const V rz = _mm256_mul_pd(z, _mm256_fmadd_pd(z8, hi, lo));
    const V lnm = _mm256_fnmadd_pd(s, _mm256_sub_pd(f, rz), f);
    return _mm256_fmadd_pd(k, splat(kLn2Hi), _mm256_fmadd_pd(k, splat(kLn2Lo), lnm));
}

// erfcx(x) for x >= 0: erfcx_nonnegative's single degree-24 polynomial, Estrin's scheme.
[[gnu::always_inline]] inline V erfcx4(V x) noexcept {
    const V r = _mm256_div_pd(splat(1.0), _mm256_add_pd(splat(kErfcxMapK), x));
    const V u = _mm256_fmsub_pd(splat(2.0 * kErfcxMapK), r, splat(1.0));
    const V u2 = _mm256_mul_pd(u, u);
    const V u4 = _mm256_mul_pd(u2, u2);
    const V u8 = _mm256_mul_pd(u4, u4);
    const V powers[5] = {u, u2, u4, u8, _mm256_mul_pd(u8, u8)};
    return _mm256_mul_pd(erfcx_estrin<0, kErfcxDegree + 1>(powers), r);
}

// From ln(F/K), sigma sqrt(T), its inverse and F/K: d1, d2, the density term e^{-d1^2/2} and
// the two normal tails Phi(-|d1|), Phi(-|d2|); `ok` loses the lanes with |d1| or |d2| >= 37.5
// (e^{-d^2/2} >= e^{-703}, a normal double, inside). Shared by the Greeks batch and the
// prepared value/delta/gamma kernel.
struct Tails4 {
    V d1, d2, e1, tail1, tail2;
};
[[gnu::always_inline]] inline Tails4 tails4_in_range(V x, V s, V inv_s, V forward_over_strike, V& ok) noexcept {
    const V sign_bit = splat(-0.0);
    Tails4 t;
    t.d1 = _mm256_fmadd_pd(x, inv_s, _mm256_mul_pd(splat(0.5), s));
    t.d2 = _mm256_sub_pd(t.d1, s);
    const V a1 = _mm256_andnot_pd(sign_bit, t.d1);
    const V a2 = _mm256_andnot_pd(sign_bit, t.d2);
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(_mm256_max_pd(a1, a2), splat(37.5), _CMP_LT_OQ));
    // e1 = exp(-a1^2/2): a1 = hi + lo with hi its top 26 bits, hi^2 exact, the rest into the
    // reduced argument.
    const V hi = _mm256_and_pd(a1, bits_to_v(_mm256_set1_epi64x(static_cast<long long>(0xfffffffff8000000u))));
    const V lo = _mm256_sub_pd(a1, hi);
    t.e1 = exp4_in_range(_mm256_mul_pd(splat(-0.5), _mm256_mul_pd(hi, hi)),
                         _mm256_mul_pd(_mm256_mul_pd(splat(-0.5), lo), _mm256_add_pd(_mm256_add_pd(hi, hi), lo)));
    const V half_e1 = _mm256_mul_pd(splat(0.5), t.e1);
    const V half_e2 = _mm256_mul_pd(half_e1, forward_over_strike);  // e^{-d2^2/2} = e^{-d1^2/2} F/K
    t.tail1 = _mm256_mul_pd(erfcx4(_mm256_mul_pd(a1, splat(kInvSqrt2))), half_e1);
    t.tail2 = _mm256_mul_pd(erfcx4(_mm256_mul_pd(a2, splat(kInvSqrt2))), half_e2);
    return t;
}

struct Greeks4 {
    V price, delta, gamma, vega, theta, rho, vanna, volga;
};

// Four options' price and Greeks (rho, vanna and volga only if kFull); returns false if any lane
// is outside the fast range (the results are then unspecified and the caller uses the general
// kernel). `put_sign` has the sign bit set in the lanes of puts.
template <bool kFull>
[[gnu::always_inline]] inline bool greeks4_in_range(V spot, V strike, V time, V vol, V rate, V carry, V put_sign,
                                                    Greeks4& g) noexcept {
    const V sign_bit = splat(-0.0);
    const V rate_time = _mm256_mul_pd(rate, time);
    const V carry_time = _mm256_mul_pd(carry, time);
    const V moneyness = _mm256_div_pd(spot, strike);
    // Range: sigma, T >= 1e-150 (else possibly degenerate), |rT|, |bT| <= 700, S/K normal.
    V ok = _mm256_and_pd(_mm256_cmp_pd(vol, splat(1e-150), _CMP_GE_OQ), _mm256_cmp_pd(time, splat(1e-150), _CMP_GE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(_mm256_andnot_pd(sign_bit, rate_time), splat(700.0), _CMP_LE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(_mm256_andnot_pd(sign_bit, carry_time), splat(700.0), _CMP_LE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(moneyness, splat(std::numeric_limits<double>::min()), _CMP_GE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(moneyness, splat(std::numeric_limits<double>::max()), _CMP_LE_OQ));

    const V sqrt_t = _mm256_sqrt_pd(time);
    const V s = _mm256_mul_pd(vol, sqrt_t);
    const V inv_s = _mm256_div_pd(splat(1.0), s);
    const V inv_s_over_spot = _mm256_div_pd(inv_s, spot);
    const V half_var_over_s = _mm256_mul_pd(_mm256_mul_pd(splat(0.5), _mm256_mul_pd(vol, vol)), inv_s);
    const V zero = _mm256_setzero_pd();
    const V df_r = exp4_in_range(_mm256_sub_pd(zero, rate_time), zero);
    const V growth = exp4_in_range(carry_time, zero);  // F / S
    const V df_q = _mm256_mul_pd(df_r, growth);
    const V x = _mm256_add_pd(log4_in_range(moneyness), carry_time);  // ln(F/K)
    const Tails4 t = tails4_in_range(x, s, inv_s, _mm256_mul_pd(moneyness, growth), ok);
    const V d1 = t.d1, d2 = t.d2, e1 = t.e1, tail1 = t.tail1, tail2 = t.tail2;
    const V n1 = _mm256_mul_pd(splat(kInvSqrt2Pi), e1);
    // Phi(w d) = w d < 0 ? tail : 1 - tail, the sign of w d being sign(d) xor put.
    const V one = splat(1.0);
    const V cdf1 = _mm256_blendv_pd(_mm256_sub_pd(one, tail1), tail1, _mm256_xor_pd(d1, put_sign));
    const V cdf2 = _mm256_blendv_pd(_mm256_sub_pd(one, tail2), tail2, _mm256_xor_pd(d2, put_sign));
    const V sq = _mm256_mul_pd(spot, df_q);
    const V kr = _mm256_mul_pd(strike, df_r);
    const V sq_n1 = _mm256_mul_pd(sq, n1);
    g.price = _mm256_xor_pd(_mm256_fmsub_pd(sq, cdf1, _mm256_mul_pd(kr, cdf2)), put_sign);
    g.delta = _mm256_xor_pd(_mm256_mul_pd(df_q, cdf1), put_sign);
    g.gamma = _mm256_mul_pd(_mm256_mul_pd(df_q, n1), inv_s_over_spot);
    g.vega = _mm256_mul_pd(sq_n1, sqrt_t);
    const V carry_part = _mm256_mul_pd(_mm256_mul_pd(_mm256_sub_pd(rate, carry), sq), cdf1);
    const V rate_part = _mm256_mul_pd(_mm256_mul_pd(rate, kr), cdf2);
    g.theta = _mm256_fnmadd_pd(sq_n1, half_var_over_s, _mm256_xor_pd(_mm256_sub_pd(carry_part, rate_part), put_sign));
    if constexpr (kFull) {
        const V sqrt_t_over_s = _mm256_mul_pd(sqrt_t, inv_s);  // 1 / sigma
        g.rho = _mm256_xor_pd(_mm256_mul_pd(_mm256_mul_pd(kr, time), cdf2), put_sign);
        g.vanna = _mm256_xor_pd(_mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(df_q, n1), d2), sqrt_t_over_s), sign_bit);
        g.volga = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(g.vega, d1), d2), sqrt_t_over_s);
    }
    return _mm256_movemask_pd(ok) == 0xf;
}

// Four options' inputs as columns (two 4x4 transposes of unaligned loads of their rows).
struct Rows4 {
    V spot, strike, time, vol, rate, carry;
    V put_sign;  // the sign bit set in the lanes of puts
};

[[gnu::always_inline]] inline Rows4 load_rows4(const OptionSpec* options) noexcept {
    const char* p = reinterpret_cast<const char*>(options);
    const auto load = [p](std::size_t k, std::size_t offset) noexcept {
        return _mm256_loadu_pd(reinterpret_cast<const double*>(p + k * sizeof(OptionSpec) + offset));
    };
    Rows4 r;
    V head = load(0, 0);  // type (and padding), spot, strike, time
    r.spot = load(1, 0);
    r.strike = load(2, 0);
    r.time = load(3, 0);
    transpose4(head, r.spot, r.strike, r.time);
    V unused = load(0, 24);  // time, vol, rate, carry
    r.vol = load(1, 24);
    r.rate = load(2, 24);
    r.carry = load(3, 24);
    transpose4(unused, r.vol, r.rate, r.carry);
    const VI type = _mm256_and_si256(v_to_bits(head), _mm256_set1_epi64x(0xff));  // kCall == 0
    const V is_call = bits_to_v(_mm256_cmpeq_epi64(type, _mm256_setzero_si256()));
    r.put_sign = _mm256_andnot_pd(is_call, splat(-0.0));
    return r;
}

template <bool kFull>
[[gnu::always_inline]] inline bool greeks4_in_range(const Rows4& r, Greeks4& g) noexcept {
    return greeks4_in_range<kFull>(r.spot, r.strike, r.time, r.vol, r.rate, r.carry, r.put_sign, g);
}

// Four options' results to their rows (Greeks: two 4x4 transposes; CoreGreeks: one, and theta
// by scalar stores).
template <class Out>
[[gnu::always_inline]] inline void store_rows4(Out* out, Greeks4& g) noexcept {
    transpose4(g.price, g.delta, g.gamma, g.vega);  // now option k's price, delta, gamma, vega
    _mm256_storeu_pd(&out[0].price, g.price);
    _mm256_storeu_pd(&out[1].price, g.delta);
    _mm256_storeu_pd(&out[2].price, g.gamma);
    _mm256_storeu_pd(&out[3].price, g.vega);
    if constexpr (std::is_same_v<Out, Greeks>) {
        transpose4(g.theta, g.rho, g.vanna, g.volga);  // theta, rho, vanna, volga
        _mm256_storeu_pd(&out[0].theta, g.theta);
        _mm256_storeu_pd(&out[1].theta, g.rho);
        _mm256_storeu_pd(&out[2].theta, g.vanna);
        _mm256_storeu_pd(&out[3].theta, g.volga);
    } else {
        alignas(32) double theta[4];
        _mm256_store_pd(theta, g.theta);
        for (std::size_t k = 0; k < 4; ++k) out[k].theta = theta[k];
    }
}

// bs_greeks_batch and bs_core_greeks_batch for AVX2: four options at a time from their rows to
// their rows; the general kernel for blocks of four outside the fast range and for the last
// n mod 4. Returns whether any entry may be degenerate (the caller then overwrites those).
// (Two blocks of four in flight per iteration measured 45% slower: sixteen ymm registers do not
// hold both, and the spills cost more than the overlap gains; the out-of-order core already
// overlaps consecutive blocks.)
template <class Out>
bool batch_options_fast(const OptionSpec* options, Out* out, std::size_t n) noexcept {
    constexpr bool kFull = std::is_same_v<Out, Greeks>;
    bool maybe_degenerate = false;
    const auto general = [&](std::size_t i) noexcept {
        const OptionSpec& o = options[i];
        maybe_degenerate |= !(o.vol >= 1e-150) || !(o.time >= 1e-150);
        out[i] =
            kernel<Out>({o.spot, o.strike, o.time, o.vol, o.rate, o.carry, o.type == OptionType::kCall ? 1.0 : -1.0});
    };
    const auto general4 = [&](std::size_t i) noexcept {
        for (std::size_t k = 0; k < 4; ++k) general(i + k);
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        Greeks4 g;
        if (greeks4_in_range<kFull>(load_rows4(options + i), g)) [[likely]] {
            store_rows4(out + i, g);
        } else {
            general4(i);
        }
    }
    for (; i < n; ++i) general(i);
    return maybe_degenerate;
}

// ---- Value, delta and gamma of four prepared series (PreparedSeries::value_delta_gamma) ----
//
// greeks4_in_range without its spot-independent half (the square root, the discount
// exponentials and three of its divisions are the prepared columns) and with one range check:
// where all four lanes have S/K a normal double and |d1|, |d2| < 37.5, nothing below needs a
// clamp; a block that fails it goes to value_delta_gamma_one (any input). The backtester prices
// its book here at every step of every path.
[[gnu::always_inline]] inline bool value_delta_gamma4_in_range(const PreparedColumns& in, const double* spot,
                                                               std::size_t i, V& price, V& delta, V& gamma) noexcept {
    const V s_spot = _mm256_loadu_pd(spot + i);
    const V s = _mm256_loadu_pd(in.s + i);
    const V inv_s = _mm256_loadu_pd(in.inv_s + i);
    const V w = _mm256_loadu_pd(in.w + i);
    const V df_q = _mm256_loadu_pd(in.df_q + i);
    const V moneyness = _mm256_mul_pd(s_spot, _mm256_loadu_pd(in.inv_strike + i));
    V ok = _mm256_and_pd(_mm256_cmp_pd(moneyness, splat(std::numeric_limits<double>::min()), _CMP_GE_OQ),
                         _mm256_cmp_pd(moneyness, splat(std::numeric_limits<double>::max()), _CMP_LE_OQ));
    const V inv_s_over_spot = _mm256_div_pd(inv_s, s_spot);                                   // off the chain
    const V x = _mm256_add_pd(log4_in_range(moneyness), _mm256_loadu_pd(in.carry_time + i));  // ln(F/K)
    const Tails4 t =
        tails4_in_range(x, s, inv_s, _mm256_mul_pd(s_spot, _mm256_loadu_pd(in.growth_over_strike + i)), ok);
    const V d1 = t.d1, d2 = t.d2, e1 = t.e1, tail1 = t.tail1, tail2 = t.tail2;
    // Phi(w d) = w d < 0 ? tail : 1 - tail, chosen by the sign bit of w d.
    const V one = splat(1.0);
    const V cdf1 = _mm256_blendv_pd(_mm256_sub_pd(one, tail1), tail1, _mm256_mul_pd(w, d1));
    const V cdf2 = _mm256_blendv_pd(_mm256_sub_pd(one, tail2), tail2, _mm256_mul_pd(w, d2));
    const V sq = _mm256_mul_pd(s_spot, df_q);
    price = _mm256_mul_pd(w, _mm256_fmsub_pd(sq, cdf1, _mm256_mul_pd(_mm256_loadu_pd(in.strike_df + i), cdf2)));
    delta = _mm256_mul_pd(_mm256_mul_pd(w, df_q), cdf1);
    gamma = _mm256_mul_pd(_mm256_mul_pd(df_q, _mm256_mul_pd(splat(kInvSqrt2Pi), e1)), inv_s_over_spot);
    return _mm256_movemask_pd(ok) == 0xf;
}

}  // namespace

bool batch_options_avx2(const OptionSpec* options, Greeks* out, std::size_t n) noexcept {
    return batch_options_fast(options, out, n);
}

bool batch_options_core_avx2(const OptionSpec* options, CoreGreeks* out, std::size_t n) noexcept {
    return batch_options_fast(options, out, n);
}

void kernel_block_avx2(const InColumns& in, const OutColumns& out, std::size_t n) noexcept {
    kernel_loop(in, out, n);
}

void value_delta_gamma_avx2(const PreparedColumns& in, const double* spot, const ValueDeltaGammaColumns& out,
                            std::size_t n) noexcept {
    const auto one = [&](std::size_t i) noexcept {
        value_delta_gamma_one(spot[i], in.inv_strike[i], in.carry_time[i], in.s[i], in.inv_s[i],
                              in.growth_over_strike[i], in.df_q[i], in.strike_df[i], in.w[i], out.price[i],
                              out.delta[i], out.gamma[i]);
    };
    // Two blocks of four per iteration: their chains (log -> d1 -> exp, erfcx) are independent,
    // and next to each other in the instruction stream the out-of-order window overlaps them,
    // where it overlaps consecutive iterations much less (measured 1.2x faster than one block
    // per iteration; three blocks spill and are slower than two).
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        V price0, delta0, gamma0, price1, delta1, gamma1;
        const bool ok0 = value_delta_gamma4_in_range(in, spot, i, price0, delta0, gamma0);
        const bool ok1 = value_delta_gamma4_in_range(in, spot, i + 4, price1, delta1, gamma1);
        if (ok0 && ok1) [[likely]] {
            _mm256_storeu_pd(out.price + i, price0);
            _mm256_storeu_pd(out.delta + i, delta0);
            _mm256_storeu_pd(out.gamma + i, gamma0);
            _mm256_storeu_pd(out.price + i + 4, price1);
            _mm256_storeu_pd(out.delta + i + 4, delta1);
            _mm256_storeu_pd(out.gamma + i + 4, gamma1);
        } else {
            for (std::size_t k = 0; k < 8; ++k) one(i + k);
        }
    }
    for (; i + 4 <= n; i += 4) {
        V price, delta, gamma;
        if (value_delta_gamma4_in_range(in, spot, i, price, delta, gamma)) [[likely]] {
            _mm256_storeu_pd(out.price + i, price);
            _mm256_storeu_pd(out.delta + i, delta);
            _mm256_storeu_pd(out.gamma + i, gamma);
        } else {
            for (std::size_t k = 0; k < 4; ++k) one(i + k);
        }
    }
    for (; i < n; ++i) one(i);
}

void kernel_block_core_avx2(const InColumns& in, const CoreOutColumns& out, std::size_t n) noexcept {
    kernel_loop_core(in, out, n);
}

Greeks greeks_one_avx2(const OptionSpec& o) noexcept {
    return greeks_one<Greeks>(o);
}

CoreGreeks core_greeks_one_avx2(const OptionSpec& o) noexcept {
    return greeks_one<CoreGreeks>(o);
}

}  // namespace keeper::pricing::detail

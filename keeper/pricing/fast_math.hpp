// Branch-free exp and log for the pricing kernels.
//
// glibc's exp/log are correctly rounded in practice but opaque calls the compiler cannot
// vectorise without -ffast-math. These kernels use only +, *, compares, selects and 64-bit
// integer shifts on the bit pattern, so the batched loops in black_scholes.cpp vectorise
// (AVX2 clone). `log` reads a 128-entry table (the shortest dependency chain, for the
// single-option paths and the implied-volatility solver); `log_polynomial` has none (for the
// vectorised loops, where a lookup would be a gather). `exp_table` and
// `exp_minus_half_in_range` read a 64-entry table of 2^(j/64) (scalar_tables.hpp) and
// `exp_pair_in_range` evaluates two exponentials in one SSE register: the single-option Greeks
// and the implied-volatility solver. The `_in_range` forms have no clamp or select: their callers
// check the range once. Accuracy: < 2 ulp on the ranges the pricer uses (tests/unit/pricing/
// fast_math_test.cpp); exp flushes results below DBL_MIN to zero; both propagate NaN.
// An implementation detail of normal.hpp (namespace detail): not part of the public API.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

#include "keeper/pricing/log_table.hpp"
#include "keeper/pricing/scalar_tables.hpp"

namespace keeper::pricing::detail {

inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 with its low 32 bits zero
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
inline constexpr double kLog2e = 1.44269504088896338700e+00;
inline constexpr double kRoundShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer

/// Two doubles in one SSE register (a GCC vector type): the single-option Greeks kernel and the
/// implied-volatility solver evaluate their two erfcx (of d1 and d2; of two Mills ratios) as one.
typedef double Pair __attribute__((vector_size(16)));

/// The body `exp` and `exp_pair_in_range` share, for a double or a Pair: reduces x = n ln2 + r
/// with |r| <= ln2/2 (n is left, plus the rounding shift, in `shifted`, ready for the exponent
/// bits) and returns the degree-13 Taylor polynomial of e^r. Estrin's scheme (powers r^2, r^4,
/// r^8): a dependency chain of five multiply-adds instead of Horner's fourteen, which is what
/// bounds the vectorised kernels' speed.
template <typename T>
[[nodiscard, gnu::always_inline]] inline T exp_reduced(T x, T& shifted) noexcept {
    shifted = x * kLog2e + kRoundShift;
    const T n = shifted - kRoundShift;
    const T r = (x - n * kLn2Hi) - n * kLn2Lo;
    const T r2 = r * r;
    const T r4 = r2 * r2;
    const T r8 = r4 * r4;
    const T p01 = 1.0 + r;
    const T p23 = 0.5 + r * (1.0 / 6.0);
    const T p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    const T p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    const T p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    const T p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    const T p1213 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    const T q0 = p01 + r2 * p23;
    const T q1 = p45 + r2 * p67;
    const T q2 = p89 + r2 * p1011;
    return (q0 + r4 * q1) + r8 * (q2 + r4 * p1213);
}

/// e^x. Range reduction x = n ln2 + r, |r| <= ln2/2, then the degree-13 Taylor polynomial
/// (truncation < 5e-18 relative) and scaling by 2^n built directly in the exponent bits.
[[nodiscard, gnu::always_inline]] inline double exp(double x) noexcept {
    const double xc = x > 709.0 ? 709.0 : (x < -708.0 ? -708.0 : x);  // NaN passes through
    double shifted;
    const double p = exp_reduced(xc, shifted);
    const std::uint64_t scale_bits = (std::bit_cast<std::uint64_t>(shifted) + 1023u) << 52;
    const double v = p * std::bit_cast<double>(scale_bits);
    return x < -708.0 ? 0.0 : (x > 709.0 ? std::numeric_limits<double>::infinity() : v);
}

/// Two doubles of integers (the bit patterns of a Pair).
typedef std::int64_t PairBits __attribute__((vector_size(16)));

/// e^x for both lanes of a Pair, for arguments in [-708, 708] only (no clamp, no select: the
/// single-option kernel checks its range once for all its exponentials). `exp`'s reduction and
/// degree-13 polynomial, in one SSE register; the same results as `exp` bit for bit where no
/// multiply-add is fused, < 1 ulp either way.
[[nodiscard, gnu::always_inline]] inline Pair exp_pair_in_range(Pair x) noexcept {
    Pair shifted;
    const Pair p = exp_reduced(x, shifted);
    const PairBits scale = (std::bit_cast<PairBits>(shifted) + 1023) << 52;
    return p * std::bit_cast<Pair>(scale);
}

/// e^x with the 64-entry table of exp_minus_half_in_range (a chain of three multiply-adds after
/// the reduction where `exp` has five), for the implied-volatility solver. The same range and
/// limits as `exp` (flushes below e^-708 to zero, NaN passes through); < 1.5 ulp.
[[nodiscard, gnu::always_inline]] inline double exp_table(double x) noexcept {
    constexpr double kScale = 64.0 * kLog2e;
    constexpr double kStepHi = kLn2Hi / 64.0;
    constexpr double kStepLo = kLn2Lo / 64.0;
    const double xc = x > 709.0 ? 709.0 : (x < -708.0 ? -708.0 : x);
    const double shifted = xc * kScale + kRoundShift;
    const double n = shifted - kRoundShift;
    const double r = (xc - n * kStepHi) - n * kStepLo;
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(shifted);
    const double scale =
        std::bit_cast<double>(kExp2Table[bits & ((1u << kExp2TableBits) - 1u)] + ((bits >> kExp2TableBits) << 52));
    const double r2 = r * r;
    const double q = (0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0 + r * (1.0 / 120.0));
    const double v = (scale + scale * r) + (r2 * scale) * q;
    return x < -708.0 ? 0.0 : (x > 709.0 ? std::numeric_limits<double>::infinity() : v);
}

/// e^(-h/2 + dx) for h = hi^2 in [0, 1416] and |dx| < 1e-3 (no clamp, no select), for the
/// single-option kernel's e^{-d^2/2} with d^2 split exactly (hi^2 exact, dx the rest). A 64-entry
/// table: -h/2 = (64 k + j) ln2/64 + r, |r| <= ln2/128, e^x = 2^k 2^(j/64) e^(r + dx), with 2^k
/// added to the exponent field of the table's 2^(j/64) and e^r its degree-5 Taylor polynomial
/// (truncation < 4e-17 relative): a chain of three multiply-adds after the reduction, where `exp`
/// has five, and dx enters the reduced argument, so it costs no correction term. < 1.5 ulp.
[[nodiscard, gnu::always_inline]] inline double exp_minus_half_in_range(double h, double dx) noexcept {
    constexpr double kScale = -0.5 * 64.0 * kLog2e;
    constexpr double kStepHi = kLn2Hi / 64.0;  // exact: n * kStepHi is exact for |n| < 2^21
    constexpr double kStepLo = kLn2Lo / 64.0;
    const double x = -0.5 * h;  // exact
    const double shifted = h * kScale + kRoundShift;
    const double n = shifted - kRoundShift;
    const double r = (x - n * kStepHi) + (dx - n * kStepLo);
    // bits(shifted) = bits(1.5 * 2^52) + n: the low six bits are j = n mod 64, and the rest,
    // shifted down by six and up into the exponent field, leave k * 2^52 modulo 2^64.
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(shifted);
    const double scale =
        std::bit_cast<double>(kExp2Table[bits & ((1u << kExp2TableBits) - 1u)] + ((bits >> kExp2TableBits) << 52));
    const double r2 = r * r;
    const double q = (0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0 + r * (1.0 / 120.0));
    return (scale + scale * r) + (r2 * scale) * q;  // scale (1 + r + r^2 q)
}

/// ln x for x > 0, table-driven (the short dependency chain is what the scalar Greeks wait on):
/// x = 2^k z with z in [0.6875, 1.375), c_i the centre of the subinterval of z picked by the top
/// seven mantissa bits (log_table.hpp, 128 entries), r = z / c_i - 1 = z * (1/c_i) - 1 (|r| <
/// 2^-7; exact near x = 1, where c_i = 1), and ln x = k ln 2 + ln c_i + ln(1 + r) with the
/// degree-8 series of ln(1 + r). No division; < 2 ulp.
[[nodiscard, gnu::always_inline]] inline double log(double x) noexcept {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const bool subnormal = x < std::numeric_limits<double>::min();
    const double xs = subnormal ? x * 18014398509481984.0 : x;  // 2^54 brings subnormals up
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(xs);
    // u = bits(x) - bits(0.6875) + bits(1): its exponent field is k + 1023, and its top seven
    // mantissa bits are those of bits(z) - bits(0.6875), the table index.
    const std::uint64_t u = bits + 0x000a000000000000u;
    const std::uint64_t eb = u >> 52;
    const LogTableEntry& e = kLogTable[(u >> (52 - kLogTableBits)) & ((1u << kLogTableBits) - 1u)];
    const double z = std::bit_cast<double>(bits - (u & 0xfff0000000000000u) + 0x3ff0000000000000u);
    const double k =
        std::bit_cast<double>(0x4330000000000000u | eb) - 4503599627370496.0 - 1023.0 - (subnormal ? 54.0 : 0.0);
#if defined(__FMA__)
    const double r = __builtin_fma(z, e.invc, -1.0);
#else
    // z = z_hi + z_lo with z_hi of 32 bits: z_hi * invc (21 bits) is exact, and so is its
    // difference from 1 (Sterbenz), which leaves r with one rounding, as a fused multiply-add.
    const double z_hi = std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) & 0xffffffffe0000000u);
    const double r = (z_hi * e.invc - 1.0) + (z - z_hi) * e.invc;
#endif
    // ln(1 + r) = r + r^2 P(r), P by Estrin's scheme.
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double p01 = -0.5 + r * (1.0 / 3.0);
    const double p23 = -0.25 + r * 0.2;
    const double p45 = -1.0 / 6.0 + r * (1.0 / 7.0);
    const double p = (p01 + r2 * p23) + r4 * (p45 - r2 * 0.125);
    const double v = (k * kLn2Hi + e.logc) + (r + (k * kLn2Lo + r2 * p));
    return x > 0.0 ? (x < kInf ? v : x) : (x == 0.0 ? -kInf : std::numeric_limits<double>::quiet_NaN());
}

/// ln x = head + tail for a positive, normal, finite x only (no select: the single-option kernel
/// checks its argument's range together with its other preconditions). `log`'s table reduction;
/// head = k ln2_hi + ln c is known as soon as the table entry is read, tail (the series) later,
/// so a caller that scales ln x (d1 = ln(F/K) / (sigma sqrt T) + ...) can fold head in early
/// and wait one multiply-add after the tail. head + tail rounded is `log(x)`.
struct LogParts {
    double head;
    double tail;
};
[[nodiscard, gnu::always_inline]] inline LogParts log_normal_range_parts(double x) noexcept {
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
    const std::uint64_t u = bits + 0x000a000000000000u;
    const std::uint64_t eb = u >> 52;
    const LogTableEntry& e = kLogTable[(u >> (52 - kLogTableBits)) & ((1u << kLogTableBits) - 1u)];
    const double z = std::bit_cast<double>(bits - (u & 0xfff0000000000000u) + 0x3ff0000000000000u);
    const double k = std::bit_cast<double>(0x4330000000000000u | eb) - (4503599627370496.0 + 1023.0);
#if defined(__FMA__)
    const double r = __builtin_fma(z, e.invc, -1.0);
#else
    const double z_hi = std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) & 0xffffffffe0000000u);
    const double r = (z_hi * e.invc - 1.0) + (z - z_hi) * e.invc;
#endif
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double p01 = -0.5 + r * (1.0 / 3.0);
    const double p23 = -0.25 + r * 0.2;
    const double p45 = -1.0 / 6.0 + r * (1.0 / 7.0);
    const double p = (p01 + r2 * p23) + r4 * (p45 - r2 * 0.125);
    return {k * kLn2Hi + e.logc, r + (k * kLn2Lo + r2 * p)};
}

/// `log` for a positive, normal, finite x only (log_normal_range_parts, summed).
[[nodiscard, gnu::always_inline]] inline double log_normal_range(double x) noexcept {
    const LogParts p = log_normal_range_parts(x);
    return p.head + p.tail;
}

/// ln x for x > 0 without a table, for the vectorised loops (where a table lookup becomes a
/// slow gather). x = 2^k m with m in [sqrt(1/2), sqrt 2), f = m - 1, s = f / (2 + f):
/// ln m = f - s (f - R(s^2)) with R the atanh series (11 terms, truncation < 1e-18). < 2 ulp.
[[nodiscard, gnu::always_inline]] inline double log_polynomial(double x) noexcept {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const bool subnormal = x < std::numeric_limits<double>::min();
    const double xs = subnormal ? x * 18014398509481984.0 : x;  // 2^54 brings subnormals up
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(xs);
    // Biased exponent of x * sqrt(2) (rounded down), so that m lands in [sqrt(1/2), sqrt 2).
    const std::uint64_t eb = (bits + 0x00095f619980c433u) >> 52;
    const double k =
        std::bit_cast<double>(0x4330000000000000u | eb) - 4503599627370496.0 - 1023.0 - (subnormal ? 54.0 : 0.0);
    const double m = std::bit_cast<double>(bits - ((eb - 1023u) << 52));
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    // R(z) = sum_{j=1..11} 2 z^j / (2j + 1), by Estrin's scheme in z, z^2, z^4, z^8.
    const double z2 = z * z;
    const double z4 = z2 * z2;
    const double z8 = z4 * z4;
    const double c01 = 2.0 / 3.0 + z * (2.0 / 5.0);
    const double c23 = 2.0 / 7.0 + z * (2.0 / 9.0);
    const double c45 = 2.0 / 11.0 + z * (2.0 / 13.0);
    const double c67 = 2.0 / 15.0 + z * (2.0 / 17.0);
    const double c89 = 2.0 / 19.0 + z * (2.0 / 21.0);
    const double c10 = 2.0 / 23.0;
    const double rz = z * ((c01 + z2 * c23) + z4 * (c45 + z2 * c67) + z8 * (c89 + z2 * c10));
    const double lnm = f - s * (f - rz);
    const double v = k * kLn2Hi + (lnm + k * kLn2Lo);
    return x > 0.0 ? (x < kInf ? v : x) : (x == 0.0 ? -kInf : std::numeric_limits<double>::quiet_NaN());
}

}  // namespace keeper::pricing::detail

// The single-option kernels' building blocks (fast_math.hpp, normal.hpp): the table-driven
// exponentials, the pair exponential and the range-restricted logarithm against long double
// libm, and the piecewise erfcx against the single-polynomial erfcx and 30-digit mpmath values.
// Then the single-option fast path against its general fallback on both sides of every range
// check (|d| = 11.25, |rT| = 700, extreme moneyness).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <random>
#include <vector>

#include "keeper/pricing/black_scholes.hpp"
#include "keeper/pricing/fast_math.hpp"
#include "keeper/pricing/normal.hpp"

using namespace keeper::pricing;

namespace {

// |got - want| in units of the last place of want (want is a long double reference).
double ulps(double got, long double want) {
    const double w = static_cast<double>(want);
    if (w == 0.0) return got == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
    const double ulp = std::ldexp(1.0, std::ilogb(w) - 52);
    return static_cast<double>(std::abs(static_cast<long double>(got) - want)) / ulp;
}

double rel(double a, double b) {
    return std::abs(a - b) / std::abs(b);
}

bool close(double ours, double ref, double tol, double floor) {
    return std::abs(ours - ref) <= tol * std::abs(ref) + floor;
}

}  // namespace

TEST_CASE("the table-driven exponentials are within 2 ulp of long double libm", "[fast_math]") {
    std::mt19937_64 rng(17);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double worst_table = 0.0;
    double worst_half = 0.0;
    double worst_pair = 0.0;
    for (int i = 0; i < 200000; ++i) {
        const double x = i % 2 == 0 ? -708.0 + 1416.0 * u(rng) : 40.0 * u(rng) - 20.0;
        worst_table = std::max(worst_table, ulps(detail::exp_table(x), std::exp(static_cast<long double>(x))));
        // e^(-h/2 + dx): h = hi^2 as the Greeks kernel forms it, dx up to 1e-6.
        const double hi = std::ldexp(std::floor(std::ldexp(37.6 * u(rng), 20)), -20);  // 26 significant bits at most
        const double h = hi * hi;                                                      // exact
        const double dx = 1e-6 * (2.0 * u(rng) - 1.0);
        const long double want_half = std::exp(-0.5L * static_cast<long double>(h) + static_cast<long double>(dx));
        worst_half = std::max(worst_half, ulps(detail::exp_minus_half_in_range(h, dx), want_half));
        const double y = -708.0 + 1416.0 * u(rng);
        const detail::Pair p = detail::exp_pair_in_range(detail::Pair{x, y});
        worst_pair = std::max(worst_pair, ulps(p[0], std::exp(static_cast<long double>(x))));
        worst_pair = std::max(worst_pair, ulps(p[1], std::exp(static_cast<long double>(y))));
    }
    INFO("worst exp_table " << worst_table << ", exp_minus_half_in_range " << worst_half << ", exp_pair_in_range "
                            << worst_pair << " ulp");
    CHECK(worst_table <= 2.0);
    CHECK(worst_half <= 2.0);
    CHECK(worst_pair <= 2.5);  // the degree-13 polynomial without fused multiply-adds
    // exp_table keeps `exp`'s limits.
    CHECK(detail::exp_table(0.0) == 1.0);
    CHECK(detail::exp_table(-800.0) == 0.0);
    CHECK(detail::exp_table(800.0) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(detail::exp_table(std::numeric_limits<double>::quiet_NaN())));
    CHECK(detail::exp_minus_half_in_range(0.0, 0.0) == 1.0);
}

TEST_CASE("the range-restricted logarithm equals the table logarithm on normal arguments", "[fast_math]") {
    std::mt19937_64 rng(19);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double worst = 0.0;
    for (int i = 0; i < 200000; ++i) {
        const double x = i % 2 == 0 ? std::exp(-700.0 + 1400.0 * u(rng))
                                    : 1.0 + std::ldexp(2.0 * u(rng) - 1.0, -static_cast<int>(1 + 50 * u(rng)));
        CHECK(detail::log_normal_range(x) == detail::log(x));
        worst = std::max(worst, ulps(detail::log_normal_range(x), std::log(static_cast<long double>(x))));
    }
    INFO("worst " << worst << " ulp");
    CHECK(worst <= 2.0);
    CHECK(detail::log_normal_range(std::numeric_limits<double>::min()) ==
          detail::log(std::numeric_limits<double>::min()));
    CHECK(detail::log_normal_range(std::numeric_limits<double>::max()) ==
          detail::log(std::numeric_limits<double>::max()));
}

TEST_CASE("the piecewise erfcx agrees with the single polynomial and with mpmath", "[fast_math][normal]") {
    // erfcx_piecewise_in_range(a) = erfcx(a / sqrt 2) for 0 <= a < 11.25.
    const double end = kErfcxPiecewiseMaxArg;
    std::mt19937_64 rng(23);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double worst = 0.0;
    for (int i = 0; i < 200000; ++i) {
        // Uniform over the range, and the ends of every piece.
        constexpr double kPieces = detail::kErfcxPieces;
        constexpr double kPerUnit = detail::kErfcxPiecesPerUnit;
        const double a = i % 2 == 0 ? end * u(rng)
                                    : std::min(std::nextafter(end, 0.0),
                                               (std::floor(kPieces * u(rng)) + (i % 4 == 1 ? 0.0 : 1.0 - 1e-15)) *
                                                   std::sqrt(2.0) / kPerUnit);
        REQUIRE(static_cast<int>(a * (kPerUnit / std::sqrt(2.0))) < detail::kErfcxPieces);
        worst = std::max(worst, rel(erfcx_piecewise_in_range(a), erfcx_nonnegative(a / std::sqrt(2.0))));
    }
    INFO("worst relative difference " << worst);
    CHECK(worst < 2e-15);  // the two approximations' errors added (erfcx_nonnegative's < 1.5e-15)
    // 30-digit values (mpmath: erfc(x) exp(x^2)) at x = a / sqrt 2.
    const struct {
        double x, want;
    } cases[] = {
        {0.0, 1.0},
        {0.1, 0.89645697996912663741},
        {0.5, 0.61569034419292587487},
        {1.0, 0.42758357615580700441},
        {2.5, 0.21080636406114358065},
        {5.0, 0.11070463773306862637},
    };
    for (const auto& c : cases) {
        INFO("x = " << c.x);
        CHECK(rel(erfcx_piecewise_in_range(c.x * std::sqrt(2.0)), c.want) < 2e-15);
    }
}

TEST_CASE("the single-option fast path agrees with its general fallback across every range check", "[bs][single]") {
    // bs_greeks_batch runs the vectorised kernel (its in-range four-lane form here: all |d| < 37.5,
    // tested against the general loop kernel below); bs_greeks_unchecked takes the fast path
    // inside its range and the general kernel outside it.
    std::vector<OptionSpec> options;
    std::mt19937_64 rng(29);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < 4000; ++i) {
        OptionSpec o;
        o.type = i % 2 == 0 ? OptionType::kCall : OptionType::kPut;
        o.spot = 100.0;
        o.time = 0.05 + 2.0 * u(rng);
        o.vol = 0.1 + 0.5 * u(rng);
        o.rate = 0.03;
        o.carry = 0.01;
        // d1 (or d2) from -13 to 13: both sides of 11.25 in either wing.
        const double s = o.vol * std::sqrt(o.time);
        const double d1 = -13.0 + 26.0 * u(rng);
        o.strike = o.spot * std::exp(o.carry * o.time - (d1 - 0.5 * s) * s);
        options.push_back(o);
    }
    // Exponents at and beyond 700, and moneyness beyond the normal range of doubles.
    options.push_back({OptionType::kCall, 100.0, 90.0, 100.0, 0.2, 6.999, 6.999});
    options.push_back({OptionType::kPut, 100.0, 90.0, 100.0, 0.2, 7.001, 7.001});
    options.push_back({OptionType::kPut, 100.0, 90.0, 100.0, 0.2, -7.001, -6.0});
    options.push_back({OptionType::kCall, 1e-300, 1e10, 1.0, 50.0, 0.0, 0.0});
    options.push_back({OptionType::kPut, 1e300, 1e-7, 1.0, 50.0, 0.0, 0.0});
    std::vector<Greeks> batch(options.size());
    bs_greeks_batch(options, batch);
    int inside = 0;
    for (std::size_t i = 0; i < options.size(); ++i) {
        const OptionSpec& o = options[i];
        const Greeks one = bs_greeks_unchecked(o);
        const CoreGreeks core = bs_core_greeks_unchecked(o);
        const Greeks& b = batch[i];
        const double s = o.vol * std::sqrt(o.time);
        const double d1 = (std::log(o.spot / o.strike) + o.carry * o.time) / s + 0.5 * s;
        if (std::max(std::abs(d1), std::abs(d1 - s)) < kErfcxPiecewiseMaxArg) ++inside;
        INFO("i = " << i << " d1 = " << d1 << " K = " << o.strike << " T = " << o.time);
        const double scale = o.spot + o.strike;
        CHECK(close(one.price, b.price, 1e-13, 1e-15 * scale));
        CHECK(close(one.delta, b.delta, 1e-13, 1e-16));
        CHECK(close(one.gamma, b.gamma, 1e-12, 1e-300));
        CHECK(close(one.vega, b.vega, 1e-12, 1e-300));
        CHECK(close(one.theta, b.theta, 1e-13, 1e-15 * scale));
        CHECK(close(one.rho, b.rho, 1e-13, 1e-15 * scale * o.time));
        CHECK(close(one.vanna, b.vanna, 1e-12, 1e-300));
        CHECK(close(one.volga, b.volga, 1e-12, 1e-300));
        CHECK(core.price == one.price);
        CHECK(core.delta == one.delta);
        CHECK(core.gamma == one.gamma);
        CHECK(core.vega == one.vega);
        CHECK(core.theta == one.theta);
        CHECK(std::isfinite(one.price));
    }
    CHECK(inside > 2000);                                    // most take the fast path
    CHECK(inside < static_cast<int>(options.size()) - 400);  // and many the fallback
}

TEST_CASE("the batches' fast blocks agree with the general kernel across every range check", "[bs][core][batch]") {
    // bs_greeks_batch and bs_core_greeks_batch (AVX2) price blocks of four whose entries are all
    // inside their range (|d1|, |d2| < 37.5, |rT|, |bT| <= 700, S/K normal, sigma, T >= 1e-150)
    // without clamps, and send any other block of four to the general kernel, which
    // bs_greeks_columns runs for every entry. d1 from -40 to 40 puts entries on both sides of
    // 37.5, so both kinds of block occur.
    std::vector<OptionSpec> options;
    std::mt19937_64 rng(31);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < 4000; ++i) {
        OptionSpec o;
        o.type = u(rng) < 0.5 ? OptionType::kCall : OptionType::kPut;
        o.spot = 100.0;
        o.time = 0.01 + 3.0 * u(rng);
        o.vol = 0.05 + 1.5 * u(rng);
        o.rate = -0.02 + 0.1 * u(rng);
        o.carry = -0.05 + 0.1 * u(rng);
        const double s = o.vol * std::sqrt(o.time);
        const double d1 = -40.0 + 80.0 * u(rng);
        o.strike = o.spot * std::exp(o.carry * o.time - (d1 - 0.5 * s) * s);
        options.push_back(o);
    }
    // Exponents at and beyond 700, moneyness beyond the normal doubles, degenerate entries, all
    // at positions that fall inside blocks of four with in-range neighbours.
    options[101] = {OptionType::kCall, 100.0, 90.0, 100.0, 0.2, 6.999, 6.999};
    options[205] = {OptionType::kPut, 100.0, 90.0, 100.0, 0.2, 7.001, 7.001};
    options[306] = {OptionType::kPut, 100.0, 90.0, 100.0, 0.2, -7.001, -6.0};
    options[407] = {OptionType::kCall, 1e-300, 1e10, 1.0, 50.0, 0.0, 0.0};
    options[509] = {OptionType::kPut, 1e300, 1e-7, 1.0, 50.0, 0.0, 0.0};
    options[610].time = 0.0;
    options[711].vol = 0.0;
    options.resize(options.size() - 1);  // not a multiple of four: a general tail as well
    const std::size_t n = options.size();
    std::vector<CoreGreeks> core(n);
    std::vector<Greeks> full(n);
    bs_core_greeks_batch(options, core);
    bs_greeks_batch(options, full);
    std::vector<double> in[7], ref[8];
    for (auto& c : in) c.resize(n);
    for (auto& c : ref) c.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const OptionSpec& o = options[i];
        in[0][i] = o.spot;
        in[1][i] = o.strike;
        in[2][i] = o.time;
        in[3][i] = o.vol;
        in[4][i] = o.rate;
        in[5][i] = o.carry;
        in[6][i] = o.type == OptionType::kCall ? 1.0 : -1.0;
    }
    bs_greeks_columns({in[0], in[1], in[2], in[3], in[4], in[5], in[6]},
                      {ref[0], ref[1], ref[2], ref[3], ref[4], ref[5], ref[6], ref[7]});
    int fast_blocks = 0;
    int general_blocks = 0;
    for (std::size_t base = 0; base + 4 <= options.size(); base += 4) {
        bool in_range = true;
        for (std::size_t k = base; k < base + 4; ++k) {
            const OptionSpec& o = options[k];
            const double s = o.vol * std::sqrt(o.time);
            const double d1 = (std::log(o.spot / o.strike) + o.carry * o.time) / s + 0.5 * s;
            in_range = in_range && s > 0.0 && std::max(std::abs(d1), std::abs(d1 - s)) < 37.0 &&
                       std::abs(o.rate * o.time) <= 700.0 && std::abs(o.carry * o.time) <= 700.0;
        }
        ++(in_range ? fast_blocks : general_blocks);
    }
    for (std::size_t i = 0; i < options.size(); ++i) {
        const OptionSpec& o = options[i];
        const Greeks& g = full[i];
        const CoreGreeks& c = core[i];
        INFO("i = " << i << std::setprecision(17) << " S=" << o.spot << " K=" << o.strike << " T=" << o.time
                    << " vol=" << o.vol << " r=" << o.rate << " b=" << o.carry);
        const double scale = o.spot + o.strike;
        CHECK(close(g.price, ref[0][i], 1e-13, 1e-15 * scale));
        CHECK(close(g.delta, ref[1][i], 1e-13, 1e-16));
        CHECK(close(g.gamma, ref[2][i], 1e-12, 1e-300));
        CHECK(close(g.vega, ref[3][i], 1e-12, 1e-300));
        CHECK(close(g.theta, ref[4][i], 1e-13, 1e-15 * scale));
        CHECK(close(g.rho, ref[5][i], 1e-13, 1e-15 * scale * o.time));
        CHECK(close(g.vanna, ref[6][i], 1e-12, 1e-300));
        CHECK(close(g.volga, ref[7][i], 1e-12, 1e-300));
        // The price + four Greeks: the same operations as the full batch, to rounding.
        CHECK(close(c.price, g.price, 1e-15, 1e-16 * scale));
        CHECK(close(c.delta, g.delta, 1e-15, 1e-17));
        CHECK(close(c.gamma, g.gamma, 1e-15, 0.0));
        CHECK(close(c.vega, g.vega, 1e-15, 0.0));
        CHECK(close(c.theta, g.theta, 1e-15, 1e-16 * scale));
        CHECK(std::isfinite(c.price));
        if (o.time > 0.0 && o.vol > 1e-150) continue;
        // Degenerate entries: the same limit as the scalar entry point.
        const CoreGreeks one = bs_core_greeks_unchecked(o);
        CHECK(c.price == one.price);
        CHECK(c.delta == one.delta);
    }
    CHECK(fast_blocks > 500);     // many blocks take the fast path
    CHECK(general_blocks > 100);  // and many the fallback
}

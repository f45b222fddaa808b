// The normal distribution against 30-digit values from mpmath (erfc(x) exp(x^2), ncdf, the
// quantile by root finding).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "keeper/pricing/normal.hpp"

using namespace keeper::pricing;

namespace {
double rel(double a, double b) {
    return b == 0.0 ? std::abs(a) : std::abs(a - b) / std::abs(b);
}
}  // namespace

TEST_CASE("erfcx matches 30-digit reference values", "[normal]") {
    const struct {
        double x, want;
    } cases[] = {
        {0.0, 1.0},
        {0.1, 0.89645697996912663741},
        {0.5, 0.61569034419292587487},
        {1.0, 0.42758357615580700441},
        {2.5, 0.21080636406114358065},
        {5.0, 0.11070463773306862637},
        {10.0, 0.056140992743822585858},
        {30.0, 0.018795888861416751497},
        {100.0, 0.0056416137829894329036},
        {1e4, 0.000056418958072680841152},
    };
    for (const auto& c : cases) {
        INFO("x = " << c.x);
        CHECK(rel(erfcx(c.x), c.want) < 2e-15);
    }
    CHECK(erfcx(std::numeric_limits<double>::infinity()) < 1e-18);
    CHECK(std::isnan(erfcx(std::numeric_limits<double>::quiet_NaN())));
    // Negative arguments: erfcx(-a) = 2 exp(a^2) - erfcx(a).
    CHECK(rel(erfcx(-1.0), 2.0 * std::exp(1.0) - 0.42758357615580700441) < 4e-15);
}

TEST_CASE("erfcx is strictly decreasing and matches its asymptotic series far out", "[normal]") {
    double previous = erfcx(0.0);
    for (double x = 1e-3; x < 1e6; x *= 1.01) {
        const double v = erfcx(x);
        INFO("x = " << x);
        REQUIRE(v < previous);
        previous = v;
    }
    // x >= 1e3: erfcx(x) = (1 - 1/(2x^2) + 3/(4x^4)) / (x sqrt(pi)) to better than 1e-16.
    for (double x = 1e3; x < 1e12; x *= 3.7) {
        const double series = (1.0 - 0.5 / (x * x) + 0.75 / (x * x * x * x)) / (x * 1.7724538509055160273);
        CHECK(rel(erfcx(x), series) < 2e-15);
    }
}

TEST_CASE("norm_cdf keeps relative precision deep in the lower tail", "[normal]") {
    const struct {
        double z, want;
    } cases[] = {
        {-37.0, 5.7255712225245768227e-300}, {-30.0, 4.9067139271481870595e-198}, {-20.0, 2.7536241186062336951e-89},
        {-10.0, 7.619853024160526066e-24},   {-5.0, 2.8665157187919391167e-7},    {-2.0, 0.0227501319481792072},
        {-1.0, 0.15865525393145705141},      {-0.5, 0.30853753872598689636},      {0.0, 0.5},
        {0.3, 0.61791142218895263307},       {1.0, 0.84134474606854294859},       {2.0, 0.9772498680518207928},
        {5.0, 0.99999971334842812081},
    };
    for (const auto& c : cases) {
        INFO("z = " << c.z);
        CHECK(rel(norm_cdf(c.z), c.want) < 4e-15);
    }
    CHECK(norm_cdf(-40.0) == 0.0);  // below DBL_MIN: flushed to zero, never garbage
    CHECK(norm_cdf(40.0) == 1.0);
    CHECK(rel(norm_pdf(1.5), 0.12951759566589174) < 2e-15);
}

TEST_CASE("norm_pdf and norm_cdf far out: 0 and 1, never NaN", "[normal]") {
    for (const double z : {40.0, 1e10, 1e50, 1e100, 1e300, std::numeric_limits<double>::max()}) {
        INFO("z " << z);
        CHECK(norm_pdf(z) == 0.0);
        CHECK(norm_pdf(-z) == 0.0);
        CHECK(norm_cdf(z) == 1.0);
        CHECK(norm_cdf(-z) == 0.0);
    }
    CHECK(std::isnan(norm_cdf(std::numeric_limits<double>::quiet_NaN())));
    CHECK(std::isnan(norm_pdf(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("inverse_norm_cdf matches reference quantiles and round-trips", "[normal]") {
    CHECK(rel(inverse_norm_cdf(1e-300), -37.047096299361199237) < 4e-15);
    CHECK(rel(inverse_norm_cdf(1e-20), -9.2623400897984075737) < 4e-15);
    CHECK(rel(inverse_norm_cdf(1e-10), -6.3613409024040562047) < 4e-15);
    CHECK(rel(inverse_norm_cdf(0.025), -1.9599639845400542355) < 4e-15);
    CHECK(rel(inverse_norm_cdf(0.3), -0.52440051270804078404) < 4e-15);
    CHECK(std::abs(inverse_norm_cdf(0.5)) < 1e-15);  // absolute: Phi(0) is 0.5 to an ulp or two
    CHECK(rel(inverse_norm_cdf(0.9), 1.281551565544600467) < 4e-15);
    CHECK(rel(inverse_norm_cdf(0.999999), 4.7534243088228989482) < 1e-10);  // 1 - p carries the error
    CHECK(inverse_norm_cdf(0.0) == -std::numeric_limits<double>::infinity());
    CHECK(inverse_norm_cdf(1.0) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(inverse_norm_cdf(-0.1)));
    CHECK(std::isnan(inverse_norm_cdf(std::numeric_limits<double>::quiet_NaN())));
    double worst = 0.0;
    for (double z = -37.0; z <= 0.0; z += 0.01)
        worst = std::max(worst, rel(norm_cdf(inverse_norm_cdf(norm_cdf(z))), norm_cdf(z)));
    CHECK(worst < 2e-14);
}

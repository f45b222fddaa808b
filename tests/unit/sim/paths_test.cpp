// Path generators: determinism per (seed, path), and the first two moments of each model
// against their closed forms (tolerances of several standard errors).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "keeper/pricing/normal.hpp"
#include "keeper/sim/rng.hpp"

#include "keeper/sim/paths.hpp"

using namespace keeper::sim;

namespace {
struct Moments {
    double mean_log{0.0}, var_log{0.0}, mean_ratio{0.0};
};

Moments terminal_moments(const PathSpec& spec, int n) {
    std::vector<double> spot(static_cast<std::size_t>(spec.steps + 1));
    std::vector<double> normals(2 * static_cast<std::size_t>(spec.steps));
    double s1 = 0.0, s2 = 0.0, r = 0.0;
    for (int i = 0; i < n; ++i) {
        simulate_path(spec, 7, static_cast<std::uint64_t>(i), spot, normals);
        const double x = std::log(spot.back() / spec.s0);
        s1 += x;
        s2 += x * x;
        r += spot.back() / spec.s0;
    }
    Moments m;
    m.mean_log = s1 / n;
    m.var_log = s2 / n - m.mean_log * m.mean_log;
    m.mean_ratio = r / n;
    return m;
}
}  // namespace

TEST_CASE("ziggurat normals: moments, tails and the distribution against Phi", "[rng]") {
    Rng rng(3, 0);
    const int n = 2'000'000;
    // 40 equiprobable bins under Phi (edges by the inverse CDF): a chi-square test.
    std::vector<double> edges;
    for (int k = 1; k < 40; ++k) edges.push_back(keeper::pricing::inverse_norm_cdf(k / 40.0));
    std::vector<int> counts(40, 0);
    double s1 = 0.0, s2 = 0.0, s4 = 0.0;
    int tail = 0;
    for (int i = 0; i < n; ++i) {
        const double z = rng.normal();
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
        if (std::abs(z) > 3.6541528853610088) ++tail;
        ++counts[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), z) - edges.begin())];
    }
    CHECK(std::abs(s1 / n) < 4.0 / std::sqrt(n));
    CHECK(std::abs(s2 / n - 1.0) < 4.0 * std::sqrt(2.0 / n));
    CHECK(std::abs(s4 / n - 3.0) < 4.0 * std::sqrt(96.0 / n));
    // P(|Z| > R) = 2 Phi(-R) = 2.5806e-4: the tail algorithm is exercised and right.
    const double p_tail = 2.0 * keeper::pricing::norm_cdf(-3.6541528853610088);
    CHECK(std::abs(tail - n * p_tail) < 4.0 * std::sqrt(n * p_tail));
    double chi2 = 0.0;
    for (int c : counts) chi2 += (c - n / 40.0) * (c - n / 40.0) / (n / 40.0);
    CHECK(chi2 < 80.0);  // 39 degrees of freedom: the 99.99th percentile is about 80
}

TEST_CASE("fill_normals draws what normal() draws, and the stream continues after it", "[rng]") {
    // 100,000 draws reach the tail and wedge branches (about 1% of draws) many times.
    Rng filled(11, 4), one_by_one(11, 4);
    std::vector<double> block(100'000);
    filled.fill_normals(block);
    bool same = true;
    for (double z : block) same = same && z == one_by_one.normal();
    CHECK(same);
    CHECK(filled.normal() == one_by_one.normal());
    CHECK(filled.next() == one_by_one.next());
}

TEST_CASE("GBM: the path is s0 exp of the running sum of (mu - sigma^2/2) dt + sigma sqrt(dt) z", "[paths]") {
    // The same recurrence written out with std::exp, whatever clone (x86-64-v3 or baseline) of
    // the generator's exp loop runs: the fast exp is within a few ulp of libm's.
    const PathSpec spec{2500.0, 30.0 / 365.0, 720, Gbm{0.05, 0.8}};
    std::vector<double> spot(721), scratch(1440);
    simulate_path(spec, 9, 3, spot, scratch);
    Rng rng(9, 3);
    const double dt = spec.horizon / spec.steps;
    const double drift = (0.05 - 0.5 * 0.8 * 0.8) * dt;
    const double diffusion = 0.8 * std::sqrt(dt);
    double x = 0.0;
    double worst = 0.0;
    for (std::size_t i = 1; i <= 720; ++i) {
        x += drift + diffusion * rng.normal();
        worst = std::max(worst, std::abs(spot[i] / (2500.0 * std::exp(x)) - 1.0));
    }
    CHECK(spot[0] == 2500.0);
    CHECK(worst < 1e-15);
}

TEST_CASE("a path depends only on (seed, index)", "[paths]") {
    const PathSpec spec{100.0, 1.0, 50, Heston{}};
    std::vector<double> a(51), b(51), c(51), scratch(100);
    simulate_path(spec, 1, 5, a, scratch);
    simulate_path(spec, 1, 6, c, scratch);
    simulate_path(spec, 1, 5, b, scratch);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(a[0] == 100.0);
}

TEST_CASE("GBM: log-return mean (mu - sigma^2/2) T and variance sigma^2 T", "[paths]") {
    const PathSpec spec{100.0, 0.5, 20, Gbm{0.1, 0.6}};
    const int n = 40000;
    const Moments m = terminal_moments(spec, n);
    const double var = 0.36 * 0.5;
    CHECK(std::abs(m.mean_log - (0.1 - 0.18) * 0.5) < 4 * std::sqrt(var / n));
    CHECK(std::abs(m.var_log / var - 1.0) < 4 * std::sqrt(2.0 / n));
    CHECK(std::abs(m.mean_ratio - std::exp(0.05)) < 4 * std::sqrt((std::exp(var) - 1) * std::exp(0.1) / n));
}

TEST_CASE("Merton: compensated drift keeps E[S_T] = S_0 e^{mu T}, jumps add variance", "[paths]") {
    const Merton m{0.05, 0.3, 3.0, -0.05, 0.1};
    const PathSpec spec{100.0, 1.0, 100, m};
    const int n = 40000;
    const Moments got = terminal_moments(spec, n);
    const double var = 0.09 + 3.0 * (0.05 * 0.05 + 0.01);  // sigma^2 T + lambda T E[J^2]
    CHECK(std::abs(got.var_log / var - 1.0) < 0.05);
    CHECK(std::abs(got.mean_ratio / std::exp(0.05) - 1.0) < 4 * std::sqrt((std::exp(var) - 1) / n));
}

TEST_CASE("Heston (full truncation): E[S_T] = S_0 e^{mu T}, E[integrated variance] matches", "[paths]") {
    const Heston h{0.03, 0.09, 1.5, 0.04, 0.6, -0.7};  // Feller fails: 2 kappa theta < xi^2
    const PathSpec spec{100.0, 1.0, 200, h};
    const int n = 40000;
    const Moments got = terminal_moments(spec, n);
    // E[int_0^T v dt] = theta T + (v0 - theta)(1 - e^{-kappa T}) / kappa; E[ln S_T/S_0] = mu T - that / 2.
    const double iv = 0.04 + 0.05 * (1 - std::exp(-1.5)) / 1.5;
    CHECK(std::abs(got.mean_log - (0.03 - 0.5 * iv)) < 0.01);
    CHECK(std::abs(got.mean_ratio / std::exp(0.03) - 1.0) < 0.01);
}

TEST_CASE("invalid specifications are error values", "[paths]") {
    CHECK(validate(PathSpec{0.0, 1.0, 10, Gbm{}}).error() == PathError::kNonPositiveSpot);
    CHECK(validate(PathSpec{1.0, 0.0, 10, Gbm{}}).error() == PathError::kNonPositiveHorizon);
    CHECK(validate(PathSpec{1.0, 1.0, 0, Gbm{}}).error() == PathError::kNoSteps);
    CHECK(validate(PathSpec{1.0, 1.0, 10, Heston{0.0, 0.04, 1.0, 0.04, 0.5, -1.5}}).error() ==
          PathError::kInvalidModel);
    CHECK(name(PathModel{Merton{}}) == "merton");
}

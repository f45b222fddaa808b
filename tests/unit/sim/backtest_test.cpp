// The backtester: Hull's discrete delta-hedging experiment (the textbook table and the
// sqrt(pi/4) vega sigma / sqrt(N) law), determinism across thread counts, cost accounting, the
// policies' trade counts, and the report renderers.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "keeper/policy/policy.hpp"
#include "keeper/pricing/black_scholes.hpp"
#include "keeper/sim/backtest.hpp"
#include "keeper/sim/paths.hpp"
#include "keeper/sim/report.hpp"

using namespace keeper;
using namespace keeper::sim;

namespace {

constexpr double kWeek = 1.0 / 52.0;

// Hull, Options, Futures and Other Derivatives: write a 20-week call, S0 = 49, K = 50, r = 5%,
// sigma = 20%, real-world mu = 13%, and delta-hedge it every 5, 4, 2, 1, 0.5, 0.25 weeks.
Scenario hull(int paths) {
    Scenario sc;
    sc.paths = {49.0, 20 * kWeek, 80, Gbm{0.13, 0.20}};
    sc.pricing_vol = 0.20;
    sc.rate = 0.05;
    sc.carry = 0.05;
    sc.book = {{{pricing::OptionType::kCall, 49.0, 50.0, 20 * kWeek, 0.2, 0.05, 0.05}, -1.0}};
    const std::pair<const char*, double> intervals[] = {{"5w", 5.0}, {"4w", 4.0},   {"2w", 2.0},
                                                        {"1w", 1.0}, {"0.5w", 0.5}, {"0.25w", 0.25}};
    for (const auto& [label, weeks] : intervals)
        sc.policies.push_back({"time", label, policy::TimeBased{weeks * kWeek}});
    sc.num_paths = paths;
    sc.seed = 2024;
    return sc;
}

/// The backtester's accounting for path 0 of `sc`, written out with bs_greeks: no costs, no
/// limits, a full re-hedge at every step to the hedge ratios at the volatility `vol_at` picks
/// from the book's gamma at the pricing vol. Counts the steps whose book gamma was short and
/// long in `short_steps` and `long_steps`.
double reference_pnl(const Scenario& sc, const std::function<double(double)>& vol_at, int& short_steps,
                     int& long_steps) {
    const int steps = sc.paths.steps;
    const double dt = sc.paths.horizon / steps;
    std::vector<double> spot(static_cast<std::size_t>(steps) + 1);
    std::vector<double> normals(2 * static_cast<std::size_t>(steps));
    simulate_path(sc.paths, sc.seed, 0, spot, normals);
    const auto at = [&](int t) { return spot[static_cast<std::size_t>(t)]; };
    // value, delta, gamma of the options alive at step t (expiring after it), at `vol`.
    const auto book_at = [&](int t, double vol) {
        pricing::Greeks sum;
        for (const pricing::Position& p : sc.book) {
            const int expiry = static_cast<int>(std::round(p.option.time / dt));
            if (expiry <= t) continue;
            const pricing::Greeks g = pricing::bs_greeks_unchecked(
                {p.option.type, at(t), p.option.strike, (expiry - t) * dt, vol, sc.rate, sc.carry});
            sum.price += p.quantity * g.price;
            sum.delta += p.quantity * g.delta;
            sum.gamma += p.quantity * g.gamma;
        }
        return sum;
    };
    const auto settle = [&](int t) {
        double cash = 0.0;
        for (const pricing::Position& p : sc.book)
            if (static_cast<int>(std::round(p.option.time / dt)) == t)
                cash +=
                    p.quantity * (p.option.type == pricing::OptionType::kCall ? std::max(at(t) - p.option.strike, 0.0)
                                                                              : std::max(p.option.strike - at(t), 0.0));
        return cash;
    };
    const double growth = std::exp(sc.rate * dt);
    double hedge = 0.0;
    double cash = -book_at(0, sc.pricing_vol).price;
    short_steps = long_steps = 0;
    for (int t = 0; t < steps; ++t) {
        cash += settle(t);
        const double gamma = book_at(t, sc.pricing_vol).gamma;
        short_steps += gamma < 0.0 ? 1 : 0;
        long_steps += gamma > 0.0 ? 1 : 0;
        const double trade = -book_at(t, vol_at(gamma)).delta - hedge;
        hedge += trade;
        cash -= trade * at(t);
        cash *= growth;
    }
    cash += settle(steps);
    double discount = 1.0;
    for (int t = 0; t < steps; ++t) discount /= growth;
    return (book_at(steps, sc.pricing_vol).price + hedge * at(steps) + cash) * discount;
}

}  // namespace

TEST_CASE("Hull's delta-hedging table comes out of the engine", "[backtest][hull]") {
    const BacktestReport r = run_backtest(hull(20000)).value();
    CHECK(r.book_value == Approx(-2.4005).epsilon(1e-4));  // short one call worth 2.40
    // Hull's Table (Options, Futures and Other Derivatives): 0.42 0.34 0.26 0.19 0.14 0.09.
    const double hull_table[] = {0.42, 0.34, 0.26, 0.19, 0.14, 0.09};
    const double rebalances[] = {4, 5, 10, 20, 40, 80};
    const pricing::Greeks g =
        pricing::bs_greeks_unchecked({pricing::OptionType::kCall, 49.0, 50.0, 20 * kWeek, 0.2, 0.05, 0.05});
    for (std::size_t i = 0; i < 6; ++i) {
        const PolicyResult& p = r.results[i];
        const double theory = std::sqrt(std::numbers::pi / 4) * g.vega * 0.2 / std::sqrt(rebalances[i]) / g.price;
        INFO(p.label << ": sd/V0 " << p.performance << ", Hull " << hull_table[i]
                     << ", sqrt(pi/4) vega sigma / sqrt N / V0 " << theory << ", trades " << p.mean_trades);
        CHECK(p.performance == Approx(hull_table[i]).margin(0.035));
        CHECK(p.performance == Approx(theory).epsilon(0.12));
        // A trade of exactly zero (delta pinned at 0 or 1 deep out of or in the money) is no trade.
        CHECK(p.mean_trades <= rebalances[i]);
        CHECK(p.mean_trades >= 0.99 * rebalances[i]);
        CHECK(std::abs(p.mean_pnl) < 4 * p.sd_pnl / std::sqrt(20000.0) + 0.01);  // unbiased
        CHECK(p.mean_cost() == 0.0);
    }
    // The error shrinks like 1/sqrt(N): halving the interval divides it by ~sqrt 2.
    CHECK(r.results[5].performance / r.results[4].performance == Approx(1 / std::sqrt(2.0)).epsilon(0.05));
}

TEST_CASE("results do not depend on the number of threads", "[backtest]") {
    Scenario sc = hull(300);
    sc.threads = 1;
    const BacktestReport one = run_backtest(sc).value();
    sc.threads = 2;
    const BacktestReport two = run_backtest(sc).value();
    for (std::size_t i = 0; i < one.results.size(); ++i) {
        CHECK(one.results[i].mean_pnl == two.results[i].mean_pnl);
        CHECK(one.results[i].sd_pnl == two.results[i].sd_pnl);
        CHECK(one.results[i].tracking_sd == two.results[i].tracking_sd);
    }
}

TEST_CASE("a single-expiry book takes the direct pricing path with the general path's bits", "[backtest]") {
    // One option: every step has one entry, priced straight from the path. Adding a call of
    // quantity zero that outlives the horizon gives two entries per step and the general
    // accumulation; it adds exactly +0.0 to every sum, so every result must be the same bits.
    Scenario one = hull(300);
    one.costs = {0.0005, 200.0, 0.5, 150000.0, 20.0, false, 49.0};
    one.policies.push_back({"delta_band", "0.05", policy::DeltaBand{0.05}});
    one.policies.push_back({"gamma_band", "k=1", policy::GammaBand{1.0, kWeek, 0.0}});
    one.policies.push_back({"leland", "1w", policy::Leland{kWeek, 0.001}});
    Scenario two = one;
    two.book.push_back({{pricing::OptionType::kCall, 49.0, 55.0, 40 * kWeek, 0.2, 0.05, 0.05}, 0.0});
    const BacktestReport a = run_backtest(one).value();
    const BacktestReport b = run_backtest(two).value();
    CHECK(a.book_value == b.book_value);
    REQUIRE(a.results.size() == b.results.size());
    for (std::size_t i = 0; i < a.results.size(); ++i) {
        INFO(a.results[i].label);
        CHECK(a.results[i].mean_pnl == b.results[i].mean_pnl);
        CHECK(a.results[i].sd_pnl == b.results[i].sd_pnl);
        CHECK(a.results[i].cvar95 == b.results[i].cvar95);
        CHECK(a.results[i].mean_fee == b.results[i].mean_fee);
        CHECK(a.results[i].mean_impact == b.results[i].mean_impact);
        CHECK(a.results[i].mean_gas == b.results[i].mean_gas);
        CHECK(a.results[i].mean_trades == b.results[i].mean_trades);
        CHECK(a.results[i].tracking_sd == b.results[i].tracking_sd);
    }
}

TEST_CASE("costs are charged and split into fee, impact and gas", "[backtest][costs]") {
    Scenario sc = hull(500);
    sc.costs = {0.003, 0.0, 0.2, 100000.0, 10.0, false, 3000.0};  // 30 bp, no impact, 3 per trade gas
    sc.policies = {{"time", "weekly", policy::TimeBased{kWeek}}};
    const BacktestReport costly = run_backtest(sc).value();
    sc.costs = {};
    const BacktestReport free = run_backtest(sc).value();
    const PolicyResult& c = costly.results[0];
    CHECK(c.mean_gas > 0.0);
    CHECK(c.mean_fee > 0.0);
    CHECK(c.mean_impact == 0.0);
    // Same paths, same trades: P&L is lower by exactly the (discounted) costs.
    CHECK(free.results[0].mean_pnl - c.mean_pnl == Approx(c.mean_cost()).epsilon(1e-9));
    // 20 weekly trades at 3 quote of gas each, discounted over 20 weeks at 5%.
    CHECK(c.mean_gas == Approx(20 * 3.0).epsilon(0.01));
    // Concentrated liquidity: impact appears.
    sc.costs = {0.0005, 50.0, 0.5, 0.0, 0.0, true, 0.0};
    CHECK(run_backtest(sc).value().results[0].mean_impact > 0.0);
}

TEST_CASE("every policy runs, bands trade less than a tight timer", "[backtest][policies]") {
    Scenario sc = hull(400);
    sc.costs = {0.0005, 200.0, 0.5, 150000.0, 20.0, false, 49.0};
    sc.policies = {
        {"time", "0.25w", policy::TimeBased{0.25 * kWeek}},
        {"delta_band", "0.05", policy::DeltaBand{0.05}},
        {"gamma_band", "k=1", policy::GammaBand{1.0, kWeek, 0.0}},
        {"whalley_wilmott", "g=1", policy::WhalleyWilmott{1.0, 0.0005}},
        {"leland", "1w", policy::Leland{kWeek, 0.001}},
        {"fixed_cost", "g=1", policy::FixedCostAware{1.0, kWeek, 0.02, 0.0005, 0.0}},
    };
    const BacktestReport r = run_backtest(sc).value();
    REQUIRE(r.results.size() == 6);
    for (const PolicyResult& p : r.results) {
        INFO(p.label);
        CHECK(std::isfinite(p.mean_pnl));
        CHECK(p.sd_pnl > 0.0);
        CHECK(p.cvar95 <= p.mean_pnl);
        CHECK(p.mean_trades >= 1.0);
        CHECK(p.tracking_sd.size() == 81);
        CHECK(p.tracking_sd.front() < 1e-12);
    }
    CHECK(r.results[1].mean_trades < r.results[0].mean_trades);
    CHECK(r.results[4].mean_trades <= 20.0);
    CHECK(r.results[4].mean_trades >= 19.0);
}

TEST_CASE("execution limits bind in the simulation", "[backtest][limits]") {
    Scenario sc = hull(200);
    sc.policies = {{"time", "weekly", policy::TimeBased{kWeek}}};
    sc.limits.max_trade = 0.05;
    const BacktestReport capped = run_backtest(sc).value();
    sc.limits = {};
    const BacktestReport free = run_backtest(sc).value();
    CHECK(capped.results[0].sd_pnl > free.results[0].sd_pnl);  // the hedge lags the target
}

TEST_CASE("bad scenarios are error values", "[backtest]") {
    Scenario sc = hull(10);
    sc.policies.clear();
    CHECK(run_backtest(sc).error() == BacktestError::kNoPolicies);
    sc = hull(10);
    sc.policies[0].policy = policy::TimeBased{-1.0};
    CHECK(run_backtest(sc).error() == BacktestError::kInvalidPolicy);
    sc = hull(10);
    sc.book[0].option.strike = 0.0;
    CHECK(run_backtest(sc).error() == BacktestError::kInvalidBook);
    sc = hull(10);
    sc.costs.fee = 1.5;
    CHECK(run_backtest(sc).error() == BacktestError::kInvalidCosts);
    sc = hull(0);
    CHECK(run_backtest(sc).error() == BacktestError::kNoPaths);
    CHECK(to_string(BacktestError::kNoPaths) == "num_paths must be at least 1");
}

TEST_CASE("reports: table, CSV and a self-contained HTML page", "[report]") {
    const BacktestReport r = run_backtest(hull(100)).value();
    const std::string csv = format_csv(r);
    CHECK(csv.starts_with("family,policy,mean_pnl,sd_pnl,cvar95,mean_fee,mean_impact,mean_gas,mean_cost,"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 7);
    const std::string table = format_table(r);
    CHECK(table.find("0.25w") != std::string::npos);
    const std::string html = format_html(r, "Hull <test>", "S0 = 49 & K = 50");
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("Hull &lt;test&gt;") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no external resources
}

TEST_CASE("Leland takes its sign from the book's gamma at every step, as the live planner does", "[backtest][leland]") {
    // Long a 10-week at-the-money call, short a 20-week one: long gamma while the short-dated
    // call lives (near the money its gamma is the larger), short gamma after it expires.
    Scenario sc;
    sc.paths = {49.0, 20 * kWeek, 80, Gbm{0.13, 0.20}};
    sc.pricing_vol = 0.20;
    sc.rate = 0.05;
    sc.carry = 0.05;
    sc.book = {{{pricing::OptionType::kCall, 49.0, 49.0, 10 * kWeek, 0.2, 0.05, 0.05}, 1.0},
               {{pricing::OptionType::kCall, 49.0, 49.0, 20 * kWeek, 0.2, 0.05, 0.05}, -1.0}};
    const policy::Leland leland{0.25 * kWeek, 0.01};  // every step; k = 1%: sigma_L 0.25 short, 0.13 long
    sc.policies = {{"leland", "0.25w", leland}};
    sc.num_paths = 1;
    sc.seed = 7;
    sc.threads = 1;
    const double engine = run_backtest(sc).value().results[0].mean_pnl;

    int short_steps = 0;
    int long_steps = 0;
    const double per_step = reference_pnl(
        sc, [&](double gamma) { return policy::hedge_vol(leland, sc.pricing_vol, gamma); }, short_steps, long_steps);
    CHECK(short_steps > 10);  // the path has both signs
    CHECK(long_steps > 10);
    CHECK(engine == Approx(per_step).epsilon(1e-9));

    // The sign fixed at the start (long gamma: sigma_L below the pricing vol for every step) is a
    // different hedge, far outside that tolerance.
    const double start_sign = reference_pnl(
        sc, [&](double) { return policy::hedge_vol(leland, sc.pricing_vol, 1.0); }, short_steps, long_steps);
    CHECK(std::abs(start_sign - per_step) > 1e-3 * std::abs(per_step));

    // One-sided books keep one column: the same result as before for a short-only book.
    sc.book.erase(sc.book.begin());
    const double short_only = run_backtest(sc).value().results[0].mean_pnl;
    const double short_ref = reference_pnl(
        sc, [&](double gamma) { return policy::hedge_vol(leland, sc.pricing_vol, gamma); }, short_steps, long_steps);
    CHECK(long_steps == 0);
    CHECK(short_only == Approx(short_ref).epsilon(1e-9));
}

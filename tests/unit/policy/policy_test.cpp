// Each policy's decision on hand-made states, the closed forms behind them (Whalley-Wilmott
// band, Leland volatility, the fixed-cost threshold) and the on-chain limits.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <variant>

#include "keeper/policy/policy.hpp"

using namespace keeper::policy;

namespace {
HedgeState state(double hedge, double target) {
    HedgeState s;
    s.spot = 2000.0;
    s.vol = 0.7;
    s.hedge = hedge;
    s.target = target;
    s.gamma = -0.01;
    s.notional = 100.0;
    s.since_trade = 1.0 / 365.0;
    return s;
}
}  // namespace

TEST_CASE("time-based: full rebalance once the interval has passed", "[policy]") {
    const Policy p = TimeBased{1.0 / 24 / 365};  // hourly
    HedgeState s = state(10.0, 12.5);
    CHECK(decide(p, s).trade == 2.5);
    s.since_trade = 0.5 / 24 / 365;
    CHECK(decide(p, s).reason == Reason::kNotDue);
    CHECK(decide(p, s).trade == 0.0);
    CHECK(name(p) == "time");
}

TEST_CASE("delta band: absolute, fraction of notional, to centre or edge", "[policy]") {
    CHECK(decide(DeltaBand{1.0}, state(10.0, 10.9)).reason == Reason::kInsideBand);
    CHECK(decide(DeltaBand{1.0}, state(10.0, 11.5)).trade == 1.5);
    CHECK(decide(DeltaBand{1.0, BandUnit::kAbsolute, RehedgeTo::kEdge}, state(10.0, 11.5)).trade == Approx(0.5));
    CHECK(decide(DeltaBand{1.0, BandUnit::kAbsolute, RehedgeTo::kEdge}, state(10.0, 8.0)).trade == Approx(-1.0));
    // 2% of a 100-unit book is a 2-unit band.
    CHECK(decide(DeltaBand{0.02, BandUnit::kFractionOfNotional}, state(10.0, 11.5)).reason == Reason::kInsideBand);
    CHECK(decide(DeltaBand{0.02, BandUnit::kFractionOfNotional}, state(10.0, 12.5)).trade == 2.5);
}

TEST_CASE("gamma band: half-width multiplier |Gamma| S sigma sqrt(horizon)", "[policy]") {
    const GammaBand g{2.0, 1.0 / 365.0, 0.1};
    HedgeState s = state(0.0, 0.0);
    const double h = 2.0 * 0.01 * 2000.0 * 0.7 * std::sqrt(1.0 / 365.0);  // 1.4655...
    s.target = 0.99 * h;
    CHECK(decide(g, s).reason == Reason::kInsideBand);
    s.target = 1.01 * h;
    CHECK(decide(g, s).trade == Approx(1.01 * h));
    s.gamma = 0.0;  // no gamma: the floor applies
    s.target = 0.11;
    CHECK(decide(g, s).trade == Approx(0.11));
}

TEST_CASE("Whalley-Wilmott: band (3 lambda S Gamma^2 / (2 gamma))^(1/3), trade to the edge", "[policy]") {
    const double h = whalley_wilmott_band(0.001, 0.01, 2000.0, -0.01);
    CHECK(h == Approx(std::cbrt(1.5 * 0.001 * 2000.0 * 1e-4 / 0.01)).epsilon(1e-15));  // 0.6694...
    const WhalleyWilmott ww{0.01, 0.001};
    CHECK(decide(ww, state(0.0, 0.9 * h)).reason == Reason::kInsideBand);
    CHECK(decide(ww, state(0.0, 2.0 * h)).trade == Approx(h));  // to the near edge, not the centre
    CHECK(decide(ww, state(0.0, -2.0 * h)).trade == Approx(-h));
}

TEST_CASE("Leland: sigma^2 (1 + sqrt(2/pi) k / (sigma sqrt dt)) when short gamma", "[policy]") {
    const double sigma = 0.2;
    const double k = 0.01;
    const double dt = 1.0 / 52.0;
    const double le = std::sqrt(2.0 / std::numbers::pi) * k / (sigma * std::sqrt(dt));
    CHECK(leland_volatility(sigma, k, dt, -1.0) == Approx(sigma * std::sqrt(1 + le)).epsilon(1e-15));
    CHECK(leland_volatility(sigma, k, dt, +1.0) == Approx(sigma * std::sqrt(1 - le)).epsilon(1e-15));
    CHECK(leland_volatility(sigma, 10.0, dt, +1.0) == 0.0);  // clamped
    const Policy p = Leland{dt, k};
    CHECK(hedge_vol(p, sigma, -1.0) == Approx(sigma * std::sqrt(1 + le)));
    CHECK(hedge_vol(TimeBased{}, sigma, -1.0) == sigma);
}

TEST_CASE("fixed-cost-aware: at the threshold the variance removed pays for the trade", "[policy]") {
    const FixedCostAware f{1e-3, 1.0 / 365.0, 5.0, 0.0005, 0.0};
    const double e = fixed_cost_threshold(f, 2000.0, 0.7);
    const double benefit = 0.5 * f.risk_aversion * e * e * 2000.0 * 2000.0 * 0.49 * f.horizon;
    const double cost = f.fixed_cost + f.cost_rate * e * 2000.0;
    CHECK(benefit == Approx(cost).epsilon(1e-12));
    CHECK(decide(f, state(0.0, 0.99 * e)).reason == Reason::kNotWorthIt);
    CHECK(decide(f, state(0.0, 1.01 * e)).trade == Approx(1.01 * e));
    // More gas, wider threshold; the minimum trade is a floor.
    CHECK(fixed_cost_threshold(FixedCostAware{1e-3, 1.0 / 365.0, 50.0, 0.0005, 0.0}, 2000.0, 0.7) > 2.5 * e);
    CHECK(decide(FixedCostAware{1e-3, 1.0 / 365.0, 5.0, 0.0005, 10 * e}, state(0.0, 5 * e)).trade == 0.0);
}

TEST_CASE("limits: cooldown, per-call cap, remaining budget, minimum size", "[policy][limits]") {
    HedgeState s = state(0.0, 0.0);
    const Decision want{-8.0, Reason::kRebalance};
    ExecutionLimits l;
    CHECK(apply_limits(want, l, s).trade == -8.0);
    l.cooldown = 2.0 / 365.0;  // last trade one day ago
    CHECK(apply_limits(want, l, s).reason == Reason::kCooldown);
    l.cooldown = 0.0;
    l.max_trade = 5.0;
    CHECK(apply_limits(want, l, s).trade == -5.0);
    CHECK(apply_limits(want, l, s).reason == Reason::kCapped);
    l.remaining_notional = 6000.0;  // 3 units at 2000
    CHECK(apply_limits(want, l, s).trade == -3.0);
    l.min_trade = 4.0;
    CHECK(apply_limits(want, l, s).reason == Reason::kBelowMinimum);
    l.remaining_notional = 0.0;
    CHECK(apply_limits(want, l, s).reason == Reason::kBudgetExhausted);
    CHECK(apply_limits(Decision{0.0, Reason::kInsideBand}, l, s).reason == Reason::kInsideBand);
    CHECK(to_string(Reason::kCapped) == "capped");
}

TEST_CASE("decide on a Policy and on its alternative make the same decision", "[policy]") {
    // The backtester calls the per-alternative overloads directly; the keeper calls decide on
    // the variant. A grid of states (errors inside and outside every band, timers due and not,
    // both gamma signs) must give identical trades and reasons.
    const Policy policies[] = {TimeBased{1.0 / 365.0},
                               DeltaBand{0.5},
                               DeltaBand{0.01, BandUnit::kFractionOfNotional, RehedgeTo::kEdge},
                               GammaBand{2.0, 1.0 / 365.0, 0.1, RehedgeTo::kEdge},
                               WhalleyWilmott{0.01, 0.001},
                               Leland{1.0 / 52.0, 0.002},
                               FixedCostAware{1e-3, 1.0 / 365.0, 5.0, 0.0005, 0.05}};
    int compared = 0;
    int traded = 0;
    for (const Policy& p : policies) {
        for (double error : {-3.0, -0.6, -0.05, 0.0, 0.02, 0.4, 0.7, 2.5}) {
            for (double since : {0.0, 0.5 / 365.0, 1.0 / 365.0, 0.1}) {
                for (double gamma : {-0.02, 0.0, 0.015}) {
                    HedgeState s = state(10.0 + error, 10.0);
                    s.since_trade = since;
                    s.gamma = gamma;
                    const Decision via_variant = decide(p, s);
                    const Decision direct = std::visit([&](const auto& q) { return decide(q, s); }, p);
                    CHECK(via_variant.trade == direct.trade);
                    CHECK(via_variant.reason == direct.reason);
                    ++compared;
                    traded += via_variant.trade != 0.0;
                }
            }
        }
    }
    CHECK(compared == 7 * 8 * 4 * 3);
    CHECK(traded > 0);
    CHECK(traded < compared);
}

TEST_CASE("invalid parameters are error values", "[policy]") {
    CHECK(validate(TimeBased{0.0}).error() == PolicyError::kNonPositiveParameter);
    CHECK(validate(DeltaBand{-1.0}).error() == PolicyError::kNegativeParameter);
    CHECK(validate(WhalleyWilmott{0.0, 0.001}).error() == PolicyError::kNonPositiveParameter);
    CHECK(validate(FixedCostAware{1e-3, 1.0, std::nan(""), 0.0, 0.0}).error() == PolicyError::kNonFiniteParameter);
    CHECK(validate(GammaBand{}).has_value());
    CHECK(validate(Leland{}).has_value());
}

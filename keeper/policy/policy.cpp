#include "keeper/policy/policy.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <numbers>

namespace keeper::policy {

namespace {
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// std::visit without its bad_variant_access path: every alternative is trivially copyable, so
// a Policy is never valueless, and these functions stay noexcept in fact, not just in name.
template <class F>
decltype(auto) visit(const Policy& p, F&& f) noexcept {
    switch (p.index()) {
        case 0:
            return f(*std::get_if<0>(&p));
        case 1:
            return f(*std::get_if<1>(&p));
        case 2:
            return f(*std::get_if<2>(&p));
        case 3:
            return f(*std::get_if<3>(&p));
        case 4:
            return f(*std::get_if<4>(&p));
        default:
            return f(*std::get_if<5>(&p));
    }
}
static_assert(std::variant_size_v<Policy> == 6, "visit() above lists every alternative");

Expected<void, PolicyError> check(std::initializer_list<double> positive, std::initializer_list<double> nonnegative) {
    for (double v : positive) {
        if (!std::isfinite(v)) return Unexpected(PolicyError::kNonFiniteParameter);
        if (!(v > 0.0)) return Unexpected(PolicyError::kNonPositiveParameter);
    }
    for (double v : nonnegative) {
        if (!std::isfinite(v)) return Unexpected(PolicyError::kNonFiniteParameter);
        if (v < 0.0) return Unexpected(PolicyError::kNegativeParameter);
    }
    return {};
}

// Timers compare accumulated step times: allow for their rounding so that four steps of a
// quarter week are a week.
constexpr double kTimerSlack = 1.0 - 1e-9;

Decision rebalance_band(double error, double band, RehedgeTo to) noexcept {
    if (std::abs(error) <= band) return {0.0, Reason::kInsideBand};
    const double trade = to == RehedgeTo::kCenter ? -error : -(error - std::copysign(band, error));
    return {trade, Reason::kRebalance};
}
}  // namespace

std::string_view name(const Policy& p) noexcept {
    return visit(p, Overloaded{[](const TimeBased&) { return std::string_view("time"); },
                               [](const DeltaBand&) { return std::string_view("delta_band"); },
                               [](const GammaBand&) { return std::string_view("gamma_band"); },
                               [](const WhalleyWilmott&) { return std::string_view("whalley_wilmott"); },
                               [](const Leland&) { return std::string_view("leland"); },
                               [](const FixedCostAware&) { return std::string_view("fixed_cost"); }});
}

std::string_view to_string(PolicyError e) noexcept {
    switch (e) {
        case PolicyError::kNonPositiveParameter:
            return "parameter must be positive";
        case PolicyError::kNonFiniteParameter:
            return "parameter must be finite";
        case PolicyError::kNegativeParameter:
            return "parameter must not be negative";
    }
    return "unknown policy error";
}

std::string_view to_string(Reason r) noexcept {
    switch (r) {
        case Reason::kRebalance:
            return "rebalance";
        case Reason::kInsideBand:
            return "inside band";
        case Reason::kNotDue:
            return "not due";
        case Reason::kNotWorthIt:
            return "not worth the cost";
        case Reason::kCooldown:
            return "cooldown";
        case Reason::kBelowMinimum:
            return "below minimum trade";
        case Reason::kCapped:
            return "capped";
        case Reason::kBudgetExhausted:
            return "budget exhausted";
    }
    return "unknown";
}

Expected<void, PolicyError> validate(const Policy& p) noexcept {
    return visit(p, Overloaded{[](const TimeBased& q) { return check({q.interval}, {}); },
                               [](const DeltaBand& q) { return check({}, {q.band}); },
                               [](const GammaBand& q) {
                                   return check({q.horizon}, {q.multiplier, q.min_band});
                               },
                               [](const WhalleyWilmott& q) { return check({q.risk_aversion}, {q.cost_rate}); },
                               [](const Leland& q) { return check({q.interval}, {q.round_trip_cost}); },
                               [](const FixedCostAware& q) {
                                   return check({q.risk_aversion, q.horizon}, {q.fixed_cost, q.cost_rate, q.min_trade});
                               }});
}

double leland_volatility(double sigma, double round_trip_cost, double dt, double gamma) noexcept {
    if (!(sigma > 0.0) || !(dt > 0.0)) return sigma;
    const double sign = gamma < 0.0 ? 1.0 : (gamma > 0.0 ? -1.0 : 0.0);
    const double le = std::sqrt(2.0 / std::numbers::pi) * round_trip_cost / (sigma * std::sqrt(dt));
    return sigma * std::sqrt(std::max(0.0, 1.0 + sign * le));
}

double whalley_wilmott_band(double cost_rate, double risk_aversion, double spot, double gamma) noexcept {
    return std::cbrt(1.5 * cost_rate * spot * gamma * gamma / risk_aversion);
}

double fixed_cost_threshold(const FixedCostAware& p, double spot, double vol) noexcept {
    const double a = p.risk_aversion * spot * spot * vol * vol * p.horizon;  // gamma S^2 sigma^2 tau
    const double b = p.cost_rate * spot;
    if (!(a > 0.0)) return std::numeric_limits<double>::infinity();
    return (b + std::sqrt(b * b + 2.0 * a * p.fixed_cost)) / a;
}

double hedge_vol(const Policy& p, double vol, double gamma) noexcept {
    if (const auto* l = std::get_if<Leland>(&p)) return leland_volatility(vol, l->round_trip_cost, l->interval, gamma);
    return vol;
}

Decision decide(const Policy& p, const HedgeState& s) noexcept {
    const double error = s.hedge - s.target;
    return visit(
        p, Overloaded{[&](const TimeBased& q) -> Decision {
                          if (s.since_trade < q.interval * kTimerSlack) return {0.0, Reason::kNotDue};
                          return {-error, Reason::kRebalance};
                      },
                      [&](const DeltaBand& q) {
                          const double band = q.unit == BandUnit::kAbsolute ? q.band : q.band * s.notional;
                          return rebalance_band(error, band, q.to);
                      },
                      [&](const GammaBand& q) {
                          const double drift = q.multiplier * std::abs(s.gamma) * s.spot * s.vol * std::sqrt(q.horizon);
                          return rebalance_band(error, std::max(q.min_band, drift), q.to);
                      },
                      [&](const WhalleyWilmott& q) {
                          return rebalance_band(error,
                                                whalley_wilmott_band(q.cost_rate, q.risk_aversion, s.spot, s.gamma),
                                                RehedgeTo::kEdge);
                      },
                      [&](const Leland& q) -> Decision {
                          if (s.since_trade < q.interval * kTimerSlack) return {0.0, Reason::kNotDue};
                          return {-error, Reason::kRebalance};
                      },
                      [&](const FixedCostAware& q) -> Decision {
                          const double threshold = std::max(fixed_cost_threshold(q, s.spot, s.vol), q.min_trade);
                          if (std::abs(error) <= threshold) return {0.0, Reason::kNotWorthIt};
                          return {-error, Reason::kRebalance};
                      }});
}

Decision apply_limits(Decision d, const ExecutionLimits& limits, const HedgeState& s) noexcept {
    if (d.trade == 0.0) return d;
    if (s.since_trade < limits.cooldown) return {0.0, Reason::kCooldown};
    double size = std::abs(d.trade);
    Reason reason = d.reason;
    if (size > limits.max_trade) {
        size = limits.max_trade;
        reason = Reason::kCapped;
    }
    const double budget = s.spot > 0.0 ? limits.remaining_notional / s.spot : 0.0;
    if (!(budget > 0.0)) return {0.0, Reason::kBudgetExhausted};
    if (size > budget) {
        size = budget;
        reason = Reason::kCapped;
    }
    if (size < limits.min_trade) return {0.0, Reason::kBelowMinimum};
    return {std::copysign(size, d.trade), reason};
}

}  // namespace keeper::policy

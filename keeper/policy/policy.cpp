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

double hedge_vol(const Policy& p, double vol, double gamma) noexcept {
    if (const auto* l = std::get_if<Leland>(&p)) return leland_volatility(vol, l->round_trip_cost, l->interval, gamma);
    return vol;
}

Decision decide(const Policy& p, const HedgeState& s) noexcept {
    return visit(p, [&](const auto& q) { return decide(q, s); });
}

}  // namespace keeper::policy

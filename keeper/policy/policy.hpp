// Rebalancing policies: when to trade the hedge, and how much. One interface for the live
// keeper and the backtester: a policy is a plain configuration struct, `decide` maps the book's
// state to a desired trade, and `apply_limits` sizes that trade against the on-chain limits the
// keeper is given. Pure: no I/O, no allocation, errors as values.
//
// Sign conventions: quantities are in units of the underlying. `hedge` is the current holding,
// `target` the full (delta-neutral) hedge, i.e. minus the option book's delta, so the hedge
// error is e = hedge - target and a trade of -e neutralises the book. Times are in years.
//
// The policies (each documented at its struct):
//   TimeBased       rebalance to the full hedge every `interval`
//   DeltaBand       rebalance when |e| exceeds a fixed band (absolute or a fraction of notional)
//   GammaBand       the band scales with the delta drift one typical price move causes
//   WhalleyWilmott  asymptotically optimal no-trade band for proportional costs; trade to its edge
//   Leland          rebalance every `interval` with deltas at Leland's cost-adjusted volatility
//   FixedCostAware  trade only when the variance removed is worth more than fee + impact + gas
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <variant>

#include "keeper/core/expected.hpp"

namespace keeper::policy {

/// What a policy sees at a decision point.
struct HedgeState {
    double time{0.0};      // years since the start
    double spot{0.0};      // underlying price (quote per base)
    double vol{0.0};       // pricing volatility of the book
    double hedge{0.0};     // current holding of the underlying
    double target{0.0};    // full hedge = -(book delta)
    double gamma{0.0};     // book gamma (signed; a short-options vault has gamma < 0)
    double notional{0.0};  // book notional in underlying units (sum of |quantity|)
    double since_trade{std::numeric_limits<double>::infinity()};  // years since the last hedge trade
};

enum class RehedgeTo : std::uint8_t { kCenter, kEdge };
enum class BandUnit : std::uint8_t { kAbsolute, kFractionOfNotional };

/// Rebalance to the full hedge once `interval` has passed since the last trade.
struct TimeBased {
    double interval{1.0 / 365.0};
};

/// Rebalance when |hedge error| > band (in underlying units, or band x notional).
struct DeltaBand {
    double band{0.0};
    BandUnit unit{BandUnit::kAbsolute};
    RehedgeTo to{RehedgeTo::kCenter};
};

/// Gamma-weighted band. A one-standard-deviation move of the underlying over `horizon` is
/// S sigma sqrt(horizon); it changes the book's delta by |Gamma| S sigma sqrt(horizon). The band
/// half-width is that drift times `multiplier`, floored at `min_band`:
///     h = max(min_band, multiplier |Gamma| S sigma sqrt(horizon)).
/// So a high-gamma book (near expiry, at the money) tolerates a wider error in delta, which it
/// would regenerate within `horizon` anyway, and a low-gamma book is held tightly.
struct GammaBand {
    double multiplier{1.0};
    double horizon{1.0 / 365.0};
    double min_band{0.0};
    RehedgeTo to{RehedgeTo::kCenter};
};

/// Whalley & Wilmott (1997): with proportional cost rate lambda and exponential utility with
/// absolute risk aversion gamma (per quote unit), the optimal hedge stays within
///     h = (3 lambda S Gamma^2 / (2 gamma))^(1/3)
/// of the Black-Scholes delta (the discount factor e^{-r(T-t)} is taken as 1: the keeper's
/// options are short-dated). Outside the band, trade to the nearest edge.
struct WhalleyWilmott {
    double risk_aversion{1e-3};
    double cost_rate{0.0005};  // fee + typical impact, as a fraction of traded value
};

/// Leland (1985): hedging every dt with round-trip proportional cost k is, in expectation,
/// Black-Scholes at the volatility sigma_L^2 = sigma^2 (1 + sqrt(2/pi) k / (sigma sqrt dt)) for a
/// book that is short gamma (minus the correction when long). The policy rebalances every
/// `interval` to deltas computed at sigma_L; leland_volatility() also prices the cost of hedging.
struct Leland {
    double interval{1.0 / 365.0};
    double round_trip_cost{0.001};
};

/// Fixed-cost-aware band. Holding a hedge error e for a horizon tau adds e^2 S^2 sigma^2 tau of
/// variance; to a mean-variance hedger with risk aversion gamma that is worth
/// gamma/2 e^2 S^2 sigma^2 tau. Trading it away costs fixed_cost (gas, quote) + cost_rate |e| S.
/// Trade (to the full hedge) only when the first exceeds the second, i.e. when |e| > e* with
///     e* = (cost_rate S + sqrt(cost_rate^2 S^2 + 2 gamma S^2 sigma^2 tau fixed_cost)) / (gamma S^2 sigma^2 tau),
/// and never below min_trade. Unlike a proportional-cost band, e* does not shrink to zero as the
/// fee does: with gas dominant it grows like sqrt(fixed_cost).
struct FixedCostAware {
    double risk_aversion{1e-3};
    double horizon{1.0 / 365.0};
    double fixed_cost{1.0};
    double cost_rate{0.0005};
    double min_trade{0.0};
};

using Policy = std::variant<TimeBased, DeltaBand, GammaBand, WhalleyWilmott, Leland, FixedCostAware>;

[[nodiscard]] std::string_view name(const Policy& p) noexcept;

enum class PolicyError : std::uint8_t { kNonPositiveParameter, kNonFiniteParameter, kNegativeParameter };
[[nodiscard]] std::string_view to_string(PolicyError e) noexcept;
[[nodiscard]] Expected<void, PolicyError> validate(const Policy& p) noexcept;

/// Why a decision came out as it did (for the keeper's log and the backtest's counters).
enum class Reason : std::uint8_t {
    kRebalance,        // trade as the policy asked
    kInsideBand,       // no trade: error within the band
    kNotDue,           // no trade: timer not yet elapsed
    kNotWorthIt,       // no trade: fixed-cost rule
    kCooldown,         // limits: too soon after the last trade
    kBelowMinimum,     // limits: smaller than the minimum trade
    kCapped,           // limits: reduced to the per-call cap or the remaining budget
    kBudgetExhausted,  // limits: nothing left to trade
};
[[nodiscard]] std::string_view to_string(Reason r) noexcept;

struct Decision {
    double trade{0.0};  // underlying to buy (> 0) or sell (< 0)
    Reason reason{Reason::kInsideBand};
};

/// Volatility at which the book's deltas are computed for this policy (Leland adjusts it).
[[nodiscard]] double hedge_vol(const Policy& p, double vol, double gamma) noexcept;

/// The policy's desired trade, before limits. Precondition: validate(p) succeeds.
[[nodiscard]] Decision decide(const Policy& p, const HedgeState& s) noexcept;

/// The same decision for one alternative, defined inline below: decide(const Policy&) dispatches
/// to these, and a caller that knows the alternative (the backtester's inner loop) calls them
/// directly, so both make the same decisions bit for bit.
[[nodiscard]] Decision decide(const TimeBased& p, const HedgeState& s) noexcept;
[[nodiscard]] Decision decide(const DeltaBand& p, const HedgeState& s) noexcept;
[[nodiscard]] Decision decide(const GammaBand& p, const HedgeState& s) noexcept;
[[nodiscard]] Decision decide(const WhalleyWilmott& p, const HedgeState& s) noexcept;
[[nodiscard]] Decision decide(const Leland& p, const HedgeState& s) noexcept;
[[nodiscard]] Decision decide(const FixedCostAware& p, const HedgeState& s) noexcept;

/// The on-chain limits the keeper is given.
struct ExecutionLimits {
    double max_trade{std::numeric_limits<double>::infinity()};           // per call, underlying units
    double remaining_notional{std::numeric_limits<double>::infinity()};  // quote value still tradable
    double cooldown{0.0};                                                // years between trades
    double min_trade{0.0};                                               // underlying units
};

/// Sizes a desired trade: cooldown first, then the per-call cap and the remaining budget
/// (|trade| S <= remaining_notional), then the minimum size. The sign is never flipped.
[[nodiscard]] Decision apply_limits(Decision d, const ExecutionLimits& limits, const HedgeState& s) noexcept;

/// Leland's adjusted volatility: sigma sqrt(1 + sign sqrt(2/pi) k / (sigma sqrt dt)), sign = +1
/// when the hedger is short gamma (gamma < 0), -1 when long; clamped at 0 from below.
[[nodiscard]] double leland_volatility(double sigma, double round_trip_cost, double dt, double gamma) noexcept;

/// Whalley-Wilmott half-width (see WhalleyWilmott).
[[nodiscard]] double whalley_wilmott_band(double cost_rate, double risk_aversion, double spot, double gamma) noexcept;

/// The fixed-cost threshold e* (see FixedCostAware).
[[nodiscard]] double fixed_cost_threshold(const FixedCostAware& p, double spot, double vol) noexcept;

// ---------------------------------------------------------------------------------------------
// Inline definitions: the rules a backtest evaluates hundreds of millions of times. Keeping
// them here lets the compiler fold them into the caller's loop (no call, no HedgeState in
// memory); there is still exactly one definition of each rule.

namespace detail {
// Timers compare accumulated step times: allow for their rounding so that four steps of a
// quarter week are a week.
inline constexpr double kTimerSlack = 1.0 - 1e-9;

[[nodiscard]] inline Decision rebalance_band(double error, double band, RehedgeTo to) noexcept {
    if (std::abs(error) <= band) return {0.0, Reason::kInsideBand};
    const double trade = to == RehedgeTo::kCenter ? -error : -(error - std::copysign(band, error));
    return {trade, Reason::kRebalance};
}
}  // namespace detail

inline double whalley_wilmott_band(double cost_rate, double risk_aversion, double spot, double gamma) noexcept {
    return std::cbrt(1.5 * cost_rate * spot * gamma * gamma / risk_aversion);
}

inline double fixed_cost_threshold(const FixedCostAware& p, double spot, double vol) noexcept {
    const double a = p.risk_aversion * spot * spot * vol * vol * p.horizon;  // gamma S^2 sigma^2 tau
    const double b = p.cost_rate * spot;
    if (!(a > 0.0)) return std::numeric_limits<double>::infinity();
    return (b + std::sqrt(b * b + 2.0 * a * p.fixed_cost)) / a;
}

inline Decision decide(const TimeBased& p, const HedgeState& s) noexcept {
    if (s.since_trade < p.interval * detail::kTimerSlack) return {0.0, Reason::kNotDue};
    return {-(s.hedge - s.target), Reason::kRebalance};
}

inline Decision decide(const DeltaBand& p, const HedgeState& s) noexcept {
    const double band = p.unit == BandUnit::kAbsolute ? p.band : p.band * s.notional;
    return detail::rebalance_band(s.hedge - s.target, band, p.to);
}

inline Decision decide(const GammaBand& p, const HedgeState& s) noexcept {
    const double drift = p.multiplier * std::abs(s.gamma) * s.spot * s.vol * std::sqrt(p.horizon);
    return detail::rebalance_band(s.hedge - s.target, std::max(p.min_band, drift), p.to);
}

inline Decision decide(const WhalleyWilmott& p, const HedgeState& s) noexcept {
    return detail::rebalance_band(
        s.hedge - s.target, whalley_wilmott_band(p.cost_rate, p.risk_aversion, s.spot, s.gamma), RehedgeTo::kEdge);
}

inline Decision decide(const Leland& p, const HedgeState& s) noexcept {
    if (s.since_trade < p.interval * detail::kTimerSlack) return {0.0, Reason::kNotDue};
    return {-(s.hedge - s.target), Reason::kRebalance};
}

inline Decision decide(const FixedCostAware& p, const HedgeState& s) noexcept {
    const double error = s.hedge - s.target;
    const double threshold = std::max(fixed_cost_threshold(p, s.spot, s.vol), p.min_trade);
    if (std::abs(error) <= threshold) return {0.0, Reason::kNotWorthIt};
    return {-error, Reason::kRebalance};
}

inline Decision apply_limits(Decision d, const ExecutionLimits& limits, const HedgeState& s) noexcept {
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

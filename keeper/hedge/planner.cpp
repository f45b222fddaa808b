#include "keeper/hedge/planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keeper/core/hex.hpp"
#include "keeper/pricing/book.hpp"

namespace keeper::hedge {

namespace {

const U256 kWad{1'000'000'000'000'000'000ULL};
constexpr std::uint32_t kBps = 10'000;
constexpr std::uint32_t kFeeUnit = 1'000'000;  // Uniswap V3 fee pips
// Uniswap V3 TickMath bounds: a sqrt price limit must lie strictly inside them.
const U256 kMinSqrtRatio{4'295'128'739ULL};
const U256 kMaxSqrtRatio{"1461446703485210103287273052203988822378723970342"};

U256 pow10(std::uint8_t n) {
    U256 v{1};
    for (std::uint8_t i = 0; i < n; ++i) v *= 10;
    return v;
}

U512 wide(const U256& v) { return U512(v); }

/// floor or ceil of a * b / d, exact in 512 bits; saturates at 2^256 - 1 (callers cap the result).
U256 mul_div_512(const U512& a, const U512& b, const U512& d, bool round_up) {
    const U512 p = a * b;
    U512 q = p / d;
    if (round_up && q * d != p) ++q;
    const U512 max256 = U512(std::numeric_limits<U256>::max());
    return q > max256 ? std::numeric_limits<U256>::max() : U256(q);
}

double to_double(const U256& v) { return v.convert_to<double>(); }
double to_double(const I256& v) { return v.convert_to<double>(); }

/// Largest U256 not above a non-negative finite double (0 for NaN or negatives).
U256 floor_to_u256(double x) {
    if (!(x > 0.0)) return U256{0};
    if (x >= 1e77) return std::numeric_limits<U256>::max();
    return U256(std::floor(x));
}

U256 to_u(const I256& v) { return U256(v < 0 ? I256(-v) : v); }

std::string units_text(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

PlanReason from_policy(policy::Reason r) {
    switch (r) {
        case policy::Reason::kRebalance:
        case policy::Reason::kCapped: return PlanReason::kTrade;
        case policy::Reason::kInsideBand: return PlanReason::kInsideBand;
        case policy::Reason::kNotDue: return PlanReason::kNotDue;
        case policy::Reason::kNotWorthIt: return PlanReason::kNotWorthIt;
        case policy::Reason::kCooldown: return PlanReason::kCooldown;
        case policy::Reason::kBelowMinimum: return PlanReason::kBelowMinimum;
        case policy::Reason::kBudgetExhausted: return PlanReason::kBudgetExhausted;
    }
    return PlanReason::kInsideBand;
}

/// The policy's no-trade half-width at this state (0 for timer-based policies).
double band_of(const policy::Policy& p, const policy::HedgeState& s) {
    return std::visit(
        [&](const auto& q) -> double {
            using T = std::decay_t<decltype(q)>;
            if constexpr (std::is_same_v<T, policy::DeltaBand>) {
                return q.unit == policy::BandUnit::kAbsolute ? q.band : q.band * s.notional;
            } else if constexpr (std::is_same_v<T, policy::GammaBand>) {
                return std::max(q.min_band, q.multiplier * std::abs(s.gamma) * s.spot * s.vol * std::sqrt(q.horizon));
            } else if constexpr (std::is_same_v<T, policy::WhalleyWilmott>) {
                return policy::whalley_wilmott_band(q.cost_rate, q.risk_aversion, s.spot, s.gamma);
            } else if constexpr (std::is_same_v<T, policy::FixedCostAware>) {
                return std::max(policy::fixed_cost_threshold(q, s.spot, s.vol), q.min_trade);
            } else {
                return 0.0;
            }
        },
        p);
}

}  // namespace

// ---- integer conversions -------------------------------------------------------------------------

U256 deviation_bps(const U256& a, const U256& b) {
    const U256 diff = a > b ? a - b : b - a;
    return mul_div_512(wide(diff), U512(kBps), wide(b), true);
}

U256 quote_value(const U256& amount, const U256& price_wad, std::uint8_t quote_decimals,
                 std::uint8_t underlying_decimals, bool round_up) {
    return mul_div_512(wide(amount), wide(price_wad) * wide(pow10(quote_decimals)),
                       wide(kWad) * wide(pow10(underlying_decimals)), round_up);
}

U256 underlying_value(const U256& amount, const U256& price_wad, std::uint8_t quote_decimals,
                      std::uint8_t underlying_decimals, bool round_up) {
    if (price_wad == 0) return std::numeric_limits<U256>::max();
    return mul_div_512(wide(amount), wide(kWad) * wide(pow10(underlying_decimals)),
                       wide(price_wad) * wide(pow10(quote_decimals)), round_up);
}

namespace {
/// WAD * underlyingUnit / quoteUnit (VaultMath.market: both decimals <= 18, so exact).
U512 price_scale(std::uint8_t quote_decimals, std::uint8_t underlying_decimals) {
    return wide(kWad) * wide(pow10(underlying_decimals)) / wide(pow10(quote_decimals));
}
}  // namespace

U256 sqrt_x96_from_price(const U256& price_wad, std::uint8_t quote_decimals, std::uint8_t underlying_decimals,
                         bool underlying_is_token0) {
    const U512 q192 = U512(1) << 192;
    const U512 scale = price_scale(quote_decimals, underlying_decimals);
    if (price_wad == 0 || scale == 0) return U256{0};
    const U512 ratio = underlying_is_token0 ? wide(price_wad) * q192 / scale : scale * q192 / wide(price_wad);
    const U512 root = boost::multiprecision::sqrt(ratio);
    const U512 max256 = U512(std::numeric_limits<U256>::max());
    return root > max256 ? std::numeric_limits<U256>::max() : U256(root);
}

U256 price_from_sqrt_x96(const U256& sqrt_price_x96, std::uint8_t quote_decimals, std::uint8_t underlying_decimals,
                         bool underlying_is_token0) {
    const U512 q128 = U512(1) << 128;
    const U512 x = wide(sqrt_price_x96) * wide(sqrt_price_x96) / (U512(1) << 64);
    const U512 scale = price_scale(quote_decimals, underlying_decimals);
    if (x == 0) return underlying_is_token0 ? U256{0} : std::numeric_limits<U256>::max();
    const U512 p = underlying_is_token0 ? x * scale / q128 : scale * q128 / x;
    const U512 max256 = U512(std::numeric_limits<U256>::max());
    return p > max256 ? std::numeric_limits<U256>::max() : U256(p);
}

// ---- settings ------------------------------------------------------------------------------------

Expected<void, std::string> validate(const PlannerSettings& s) {
    if (auto v = policy::validate(s.policy); !v)
        return Unexpected(std::string("policy: ") + std::string(policy::to_string(v.error())));
    if (!std::isfinite(s.min_trade) || s.min_trade < 0.0)
        return Unexpected(std::string("min_trade: must be a finite number >= 0"));
    if (s.max_slippage_bps == 0 || s.max_slippage_bps >= kBps)
        return Unexpected(std::string("max_slippage_bps: must be in 1..9999"));
    if (s.max_deviation_bps == 0 || s.max_deviation_bps >= kBps)
        return Unexpected(std::string("max_deviation_bps: must be in 1..9999"));
    if (s.oracle_max_age == 0) return Unexpected(std::string("oracle_max_age: must be > 0 seconds"));
    if (s.deadline_seconds == 0) return Unexpected(std::string("deadline_seconds: must be > 0"));
    if (!std::isfinite(s.rate)) return Unexpected(std::string("rate: must be finite"));
    return {};
}

// ---- plan ----------------------------------------------------------------------------------------

HedgePlan plan(const VaultSnapshot& snap, std::span<const InFlightHedge> in_flight, const PlannerSettings& settings,
               double seconds_since_last_trade, std::uint64_t chain_id) {
    HedgePlan out;
    out.idempotency_key =
        std::to_string(chain_id) + ":" + to_hex(snap.vault) + ":" + std::to_string(snap.block_number);
    auto stop = [&out](PlanReason reason, std::string detail) {
        out.reason = reason;
        out.detail = std::move(detail);
        out.trade.reset();
        out.trade_underlying = 0.0;
        return out;
    };

    // 1. Guards.
    if (snap.paused) return stop(PlanReason::kPaused, "vault paused");
    if (!snap.bounds) return stop(PlanReason::kOracleStale, "lens rebalanceBounds reverted: " + snap.bounds_error);
    const RebalanceBounds& b = *snap.bounds;
    out.spot = b.oracle_price_wad.convert_to<double>() / 1e18;
    out.chain_delta = to_double(b.delta) / std::pow(10.0, snap.underlying_decimals);
    out.target_delta = to_double(b.target_delta) / std::pow(10.0, snap.underlying_decimals);
    if (b.oracle_price_wad == 0 || snap.oracle.price_wad == 0)
        return stop(PlanReason::kOracleStale, "oracle price is zero");
    const std::uint64_t age =
        snap.block_timestamp > snap.oracle.updated_at ? snap.block_timestamp - snap.oracle.updated_at : 0;
    if (age > settings.oracle_max_age)
        return stop(PlanReason::kOracleStale, "oracle age " + std::to_string(age) + " s > oracle_max_age " +
                                                  std::to_string(settings.oracle_max_age) + " s");
    const std::uint32_t max_dev = std::min(settings.max_deviation_bps, b.config.max_deviation_bps);
    const U256 pool_dev = deviation_bps(b.pool_price_wad, b.oracle_price_wad);
    const U256 twap_dev = deviation_bps(b.twap_price_wad, b.oracle_price_wad);
    if (pool_dev > max_dev)
        return stop(PlanReason::kPoolDeviation, "pool spot " + to_dec(pool_dev) + " bps from the oracle > " +
                                                    std::to_string(max_dev) + " bps");
    if (twap_dev > max_dev)
        return stop(PlanReason::kPoolDeviation, "pool TWAP " + to_dec(twap_dev) + " bps from the oracle > " +
                                                    std::to_string(max_dev) + " bps");
    if (snap.keeper_balance_wei < settings.min_keeper_balance_wei)
        return stop(PlanReason::kLowKeeperBalance, "keeper balance " + to_dec(snap.keeper_balance_wei) +
                                                       " wei < minimum " + to_dec(settings.min_keeper_balance_wei));

    // 2. Greeks of the book at the oracle price the vault uses.
    const std::uint8_t qd = snap.quote_decimals;
    const std::uint8_t ud = snap.underlying_decimals;
    const double unit = std::pow(10.0, ud);
    const double spot = to_double(b.oracle_price_wad) / 1e18;
    out.spot = spot;
    std::vector<pricing::Position> positions;
    std::vector<const SeriesState*> priced;
    double notional = 0.0;
    double vol_weighted = 0.0;
    for (const SeriesState& s : snap.series) {
        if (s.settled || s.open_size == 0) continue;
        const double size = to_double(s.open_size) / unit;
        const double vol = to_double(s.vol_wad) / 1e18;
        pricing::Position p;
        p.option.type = s.is_call ? pricing::OptionType::kCall : pricing::OptionType::kPut;
        p.option.spot = spot;
        p.option.strike = to_double(s.strike_wad) / 1e18;
        p.option.time =
            s.expiry > snap.block_timestamp ? static_cast<double>(s.expiry - snap.block_timestamp) / kSecondsPerYear : 0.0;
        p.option.vol = vol;
        p.option.rate = settings.rate;
        p.option.carry = settings.rate;
        p.quantity = -size;  // the vault is short what it sold
        positions.push_back(p);
        priced.push_back(&s);
        notional += size;
        vol_weighted += size * vol;
    }
    for (std::size_t i = 0; i < positions.size(); ++i) {
        if (auto v = pricing::validate(positions[i].option); !v)
            return stop(PlanReason::kInvalidSnapshot, "series " + to_dec(priced[i]->id) + ": " +
                                                          std::string(pricing::to_string(v.error())));
    }
    // A series the pricer refuses (`at`: at which volatility, when not its own).
    auto refused = [&](const pricing::BookError& e, std::string_view at) {
        return stop(PlanReason::kInvalidSnapshot, "series " + to_dec(priced[e.index]->id) + std::string(at) + ": " +
                                                      std::string(pricing::to_string(e.error)));
    };
    auto book = pricing::aggregate_book(positions);
    if (!book) return refused(book.error(), "");

    // Leland hedges to the deltas at each series' cost-adjusted volatility, the adjustment's sign
    // from the book's gamma (the backtester's rule at every step); every other policy to the
    // book's own deltas.
    out.hedge_delta = book->delta;
    if (std::holds_alternative<policy::Leland>(settings.policy)) {
        std::vector<pricing::Position> adjusted = positions;
        for (pricing::Position& p : adjusted)
            p.option.vol = policy::hedge_vol(settings.policy, p.option.vol, book->gamma);
        auto leland = pricing::aggregate_book(adjusted);
        if (!leland) return refused(leland.error(), " at Leland's volatility");
        out.hedge_delta = leland->delta;
    }

    // 3. Portfolio delta, on-chain delta, hedges in flight.
    const double underlying = to_double(snap.vault_underlying) / unit;
    out.book_delta = book->delta;
    out.gamma = book->gamma;
    out.vega = book->vega;
    out.theta = book->theta;
    out.portfolio_delta = underlying + book->delta;
    out.chain_delta = to_double(b.delta) / unit;
    out.target_delta = to_double(b.target_delta) / unit;
    I256 in_flight_change{0};
    U256 in_flight_moved{0};
    for (const InFlightHedge& h : in_flight) {
        in_flight_change += h.expected_delta_change;
        in_flight_moved += to_u(h.expected_delta_change);
    }
    const double in_flight_units = to_double(in_flight_change) / unit;
    out.in_flight_delta = in_flight_units;

    // 4. The policy.
    constexpr double kInf = std::numeric_limits<double>::infinity();
    policy::HedgeState state;
    state.time = static_cast<double>(snap.block_timestamp) / kSecondsPerYear;
    state.spot = spot;
    state.vol = notional > 0.0 ? vol_weighted / notional : 0.0;
    state.hedge = underlying + in_flight_units;
    state.target = out.target_delta - out.hedge_delta;
    state.gamma = book->gamma;
    state.notional = notional;
    state.since_trade = std::isfinite(seconds_since_last_trade) ? seconds_since_last_trade / kSecondsPerYear : kInf;
    out.band = band_of(settings.policy, state);
    const policy::Decision wanted = policy::decide(settings.policy, state);
    const double error = state.hedge - state.target;
    if (wanted.trade == 0.0) {
        if (!in_flight.empty()) {
            policy::HedgeState without = state;
            without.hedge = underlying;
            if (policy::decide(settings.policy, without).trade != 0.0)
                return stop(PlanReason::kInFlight, "hedges in flight cover the error (" +
                                                       units_text(in_flight_units) + " underlying)");
        }
        return stop(from_policy(wanted.reason), "policy " + std::string(policy::name(settings.policy)) +
                                                    ": error " + units_text(error) + ", band " + units_text(out.band));
    }

    // 5. The vault's rules on its integer figures, with the in-flight hedges counted as done.
    const I256 distance = b.delta + in_flight_change - b.target_delta;
    const U256 abs_distance = to_u(distance);
    const PlanReason within = in_flight.empty() ? PlanReason::kInsideBand : PlanReason::kInFlight;
    if (abs_distance <= b.tolerance)
        return stop(within, "on-chain |delta - target| " + to_dec(abs_distance) + " <= tolerance " +
                                to_dec(b.tolerance) + " (the vault would refuse)");
    const bool buy = wanted.trade > 0.0;
    if (buy != (distance < 0))
        return stop(PlanReason::kInsideBand, "keeper and chain disagree on the direction (keeper error " +
                                                 units_text(error) + ", chain distance " + to_dec(abs_distance) +
                                                 " base units)");
    // Never against a hedge in flight: it may already be mined (the snapshot then holds it and
    // counting it again points the other way), and if it is not, the two would only cancel out
    // at twice the cost. Wait for it to be final.
    for (const InFlightHedge& h : in_flight)
        if (h.buy_underlying != buy)
            return stop(PlanReason::kInFlight, std::string("a ") + (h.buy_underlying ? "buy" : "sell") +
                                                   " is in flight; no " + (buy ? "buy" : "sell") +
                                                   " against it until it is final");
    if (!in_flight.empty() && b.config.cooldown > 0)
        return stop(PlanReason::kInFlight, "a hedge is in flight and would restart the vault's cooldown");
    if (!b.urgent && b.cooldown_ends_at > snap.block_timestamp)
        return stop(PlanReason::kCooldown, "vault cooldown until " + std::to_string(b.cooldown_ends_at));
    const U256 budget = b.budget > in_flight_moved ? b.budget - in_flight_moved : U256{0};
    if (budget == 0) return stop(PlanReason::kBudgetExhausted, "keeper delta budget used up");

    // 6. Limits: the largest trade the vault accepts, in underlying units.
    const std::uint32_t slip = std::min(settings.max_slippage_bps, b.config.max_slippage_bps);
    const std::uint32_t fee = std::min(snap.pool.fee_pips, kFeeUnit - 1);
    const U256& price = b.oracle_price_wad;
    // Delta may move by at most distance + tolerance (overshoot rule) and by at most the budget.
    const U256 move_cap = std::min(abs_distance + b.tolerance, budget);
    U256 sell_cap{0};     // underlying base units (sell)
    U256 quote_cap{0};    // quote base units (buy)
    U256 price_floor{0};  // lowest price a buy can execute at, for the output bound
    double max_trade = 0.0;
    if (buy) {
        quote_cap = std::min(b.max_quote_in, U256(b.config.max_notional));
        price_floor = std::min(b.pool_price_wad, price) * (kBps - slip) / kBps;
        // trade * P / P_floor <= move_cap  and  trade * P / (1 - fee) <= quote_cap.
        const double by_output = to_double(move_cap) / unit * to_double(price_floor) / to_double(price);
        const double by_quote = to_double(quote_cap) / std::pow(10.0, qd) * (1.0 - fee / 1e6) / spot;
        max_trade = std::min(by_output, by_quote);
    } else {
        // The vault can only sell what it holds (a larger amount_in reverts in the pool's
        // transfer, Error("STF")); sells still in flight have a claim on it already.
        U256 in_flight_sells{0};
        for (const InFlightHedge& h : in_flight)
            if (!h.buy_underlying) in_flight_sells += h.amount_in;
        const U256 holdings =
            snap.vault_underlying > in_flight_sells ? snap.vault_underlying - in_flight_sells : U256{0};
        if (holdings == 0)
            return stop(PlanReason::kBelowMinimum,
                        "no underlying to sell: the vault holds " + to_dec(snap.vault_underlying) + " base units, " +
                            to_dec(in_flight_sells) + " of them in sells in flight");
        sell_cap = std::min({move_cap, b.max_underlying_in,
                             underlying_value(b.config.max_notional, price, qd, ud, false), holdings});
        max_trade = to_double(sell_cap) / unit;
    }
    policy::ExecutionLimits limits;
    limits.max_trade = max_trade;
    limits.remaining_notional = to_double(budget) / unit * spot;
    limits.cooldown = b.urgent ? 0.0 : static_cast<double>(b.config.cooldown) / kSecondsPerYear;
    limits.min_trade = settings.min_trade;
    const policy::Decision sized = policy::apply_limits(wanted, limits, state);
    if (sized.trade == 0.0) {
        const PlanReason r = from_policy(sized.reason);
        return stop(r, "limits: wanted " + units_text(wanted.trade) + ", max " + units_text(max_trade) +
                           ", min_trade " + units_text(settings.min_trade));
    }

    // 7. Integers, rounded against the keeper.
    RebalanceParams params;
    params.buy_underlying = buy;
    params.deadline = snap.block_timestamp + settings.deadline_seconds;
    U256 limit_price{0};
    double moved_units = 0.0;
    const U256 trade_base = floor_to_u256(std::abs(sized.trade) * unit);
    if (buy) {
        // amount_in = trade * P / (1 - fee), floored; then the caps.
        U256 amount_in = mul_div_512(wide(quote_value(trade_base, price, qd, ud, false)), U512(kFeeUnit),
                                     U512(kFeeUnit - fee), false);
        // Output bound: amount_in (1 - fee) / P_floor <= move_cap.
        const U256 by_output = mul_div_512(wide(quote_value(move_cap, price_floor, qd, ud, false)), U512(kFeeUnit),
                                           U512(kFeeUnit - fee), false);
        amount_in = std::min({amount_in, quote_cap, by_output});
        params.amount_in = amount_in;
        const U256 fair_out = underlying_value(amount_in, price, qd, ud, true);
        params.min_amount_out = mul_div_512(wide(fair_out), U512(kBps - slip), U512(kBps), true);
        limit_price = price * (kBps + slip) / kBps;
        moved_units = to_double(amount_in) * (1.0 - fee / 1e6) / std::pow(10.0, qd) / spot;
        if (b.pool_price_wad >= limit_price)
            return stop(PlanReason::kPoolDeviation, "pool spot already above the keeper's buy limit");
    } else {
        params.amount_in = std::min(trade_base, sell_cap);
        const U256 fair_out = quote_value(params.amount_in, price, qd, ud, true);
        params.min_amount_out = mul_div_512(wide(fair_out), U512(kBps - slip), U512(kBps), true);
        limit_price = price * (kBps - slip) / kBps;
        moved_units = to_double(params.amount_in) / unit;
        if (b.pool_price_wad <= limit_price)
            return stop(PlanReason::kPoolDeviation, "pool spot already below the keeper's sell limit");
    }
    if (params.amount_in == 0 || moved_units < settings.min_trade)
        return stop(PlanReason::kBelowMinimum, "trade rounds to " + units_text(moved_units) + " < min_trade " +
                                                   units_text(settings.min_trade));
    if (params.min_amount_out == 0) params.min_amount_out = 1;
    U256 limit = sqrt_x96_from_price(limit_price, qd, ud, snap.pool.underlying_is_token0);
    limit = std::clamp(limit, kMinSqrtRatio + 1, kMaxSqrtRatio - 1);
    params.sqrt_price_limit_x96 = limit;

    out.reason = PlanReason::kTrade;
    out.trade = params;
    out.trade_underlying = buy ? moved_units : -moved_units;
    out.detail = std::string(buy ? "buy " : "sell ") + units_text(moved_units) + " underlying (" +
                 std::string(policy::to_string(sized.reason)) + ")";
    return out;
}

}  // namespace keeper::hedge

#include "keeper/sim/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <system_error>
#include <thread>

#include "keeper/pricing/prepared.hpp"

namespace keeper::sim {

std::string_view to_string(BacktestError e) noexcept {
    switch (e) {
        case BacktestError::kInvalidPaths:
            return "invalid path specification";
        case BacktestError::kInvalidBook:
            return "invalid option in the book";
        case BacktestError::kInvalidPolicy:
            return "invalid policy parameters";
        case BacktestError::kInvalidCosts:
            return "invalid cost parameters";
        case BacktestError::kNoPolicies:
            return "no policies to run";
        case BacktestError::kNoPaths:
            return "num_paths must be at least 1";
    }
    return "unknown backtest error";
}

namespace {

struct LiveOption {
    pricing::OptionType type;
    double strike;
    double quantity;
    int expiry_step;  // steps + 1 or more: alive past the horizon
};

// The book along one path at one volatility.
struct BookPath {
    std::vector<double> value;  // live options at step t
    std::vector<double> delta;
    std::vector<double> gamma;
    std::vector<double> settle;  // cash from options expiring at step t
};

// The book's (step, option) pairs that are alive, prepared for pricing: everything but the spot
// is the same on every path, so the spot-independent terms are computed once per volatility.
struct BookColumns {
    pricing::PreparedSeries series;
    std::vector<double> quantity;
    std::vector<std::size_t> step_begin;  // entries of step t: [step_begin[t], step_begin[t + 1])
};

struct Setup {
    const Scenario* sc{nullptr};
    std::vector<LiveOption> options;
    double dt{0.0};
    int steps{0};
    double notional{0.0};
    std::vector<double> vols;          // distinct hedge volatilities, vols[0] = pricing vol
    std::vector<std::size_t> vol_of;   // per policy: index into vols
    std::vector<BookColumns> columns;  // per distinct vol
    std::vector<double> discount;      // e^{-r t dt} at step t, by the accounting's own recurrence
    double range_sqrt[2]{1.0, 1.0};    // sqrt(1 - w), sqrt(1 + w) of the pool's active range
    int block_paths{0};
    int blocks{0};
};

struct Scratch {
    std::vector<double> spot;
    std::vector<double> normals;
    std::vector<double> spot_column;
    std::vector<double> mtm;        // one policy's mark-to-market P&L along the path
    std::vector<double> greeks[3];  // price, delta, gamma
    std::vector<BookPath> books;    // one per distinct vol
};

BookColumns layout(const Setup& su, double vol) {
    const Scenario& sc = *su.sc;
    BookColumns c;
    std::vector<pricing::OptionSpec> specs;
    for (int t = 0; t <= su.steps; ++t) {
        c.step_begin.push_back(specs.size());
        for (const LiveOption& o : su.options) {
            if (o.expiry_step <= t) continue;
            specs.push_back({o.type, sc.paths.s0, o.strike, (o.expiry_step - t) * su.dt, vol, sc.rate, sc.carry});
            c.quantity.push_back(o.quantity);
        }
    }
    c.step_begin.push_back(specs.size());
    c.series = pricing::PreparedSeries(specs);
    return c;
}

// Outputs written by index (so the reduction order never depends on threads).
struct Outputs {
    std::vector<std::vector<double>> pnl, fee, impact, gas, trades;  // [policy][path]
    // Per block, per policy, per step: Welford mean and sum of squared deviations of the
    // mark-to-market P&L, combined across blocks in order afterwards (Chan et al.).
    std::vector<double> mtm_mean, mtm_m2;
};

void price_book(const Setup& su, std::span<const double> spot, const BookColumns& c, Scratch& s, BookPath& out) {
    const std::size_t points = static_cast<std::size_t>(su.steps) + 1;
    out.value.assign(points, 0.0);
    out.delta.assign(points, 0.0);
    out.gamma.assign(points, 0.0);
    out.settle.assign(points, 0.0);
    for (const LiveOption& o : su.options) {
        if (o.expiry_step > su.steps) continue;
        const double st = spot[static_cast<std::size_t>(o.expiry_step)];
        const double payoff =
            o.type == pricing::OptionType::kCall ? std::max(st - o.strike, 0.0) : std::max(o.strike - st, 0.0);
        out.settle[static_cast<std::size_t>(o.expiry_step)] += o.quantity * payoff;
    }
    const std::size_t n = c.series.size();
    s.spot_column.resize(n);
    for (auto& g : s.greeks) g.resize(n);
    for (std::size_t t = 0; t < points; ++t)
        for (std::size_t k = c.step_begin[t]; k < c.step_begin[t + 1]; ++k) s.spot_column[k] = spot[t];
    c.series.value_delta_gamma(s.spot_column, s.greeks[0], s.greeks[1], s.greeks[2]);
    for (std::size_t t = 0; t < points; ++t) {
        double value = 0.0, delta = 0.0, gamma = 0.0;
        for (std::size_t k = c.step_begin[t]; k < c.step_begin[t + 1]; ++k) {
            value += c.quantity[k] * s.greeks[0][k];
            delta += c.quantity[k] * s.greeks[1][k];
            gamma += c.quantity[k] * s.greeks[2][k];
        }
        out.value[t] = value;
        out.delta[t] = delta;
        out.gamma[t] = gamma;
    }
}

struct TradeCharge {
    double trade, fee, impact, gas;
};

// The pool follows the path (arbitrageurs realign it between decisions): its active range is
// [S (1 - w), S (1 + w)], so only sqrt(S) changes; range_sqrt holds sqrt(1 - w), sqrt(1 + w).
TradeCharge charge(const CostSpec& c, const double (&range_sqrt)[2], double spot, double trade) noexcept {
    const double gas_price = c.gas_token_is_underlying ? spot : c.gas_token_price;
    const policy::GasCost gas{c.gas_per_trade, c.gas_price_gwei, gas_price};
    if (!(c.liquidity > 0.0)) return {trade, c.fee * std::abs(trade) * spot, 0.0, gas.per_trade()};
    const double sp = std::sqrt(spot);
    const policy::ConcentratedPool pool{sp, c.liquidity, sp * range_sqrt[0], sp * range_sqrt[1], c.fee};
    // The venue executes what fits in the active range; the rest waits for the next decision.
    const double room = policy::max_trade_in_range(pool, trade);
    if (std::abs(trade) > room) trade = std::copysign(room * (1.0 - 1e-12), trade);
    const auto cost = policy::trade_cost(pool, gas, trade);
    if (!cost) return {0.0, 0.0, 0.0, 0.0};
    return {trade, cost->fee, cost->impact, cost->gas};
}

void run_block(const Setup& su, int block, Scratch& s, Outputs& out) {
    const Scenario& sc = *su.sc;
    const auto steps = static_cast<std::size_t>(su.steps);
    const std::size_t npol = sc.policies.size();
    const int first = block * su.block_paths;
    const int last = std::min(sc.num_paths, first + su.block_paths);
    double* mtm_mean = &out.mtm_mean[static_cast<std::size_t>(block) * npol * (steps + 1)];
    double* mtm_m2 = &out.mtm_m2[static_cast<std::size_t>(block) * npol * (steps + 1)];
    const double growth = std::exp(sc.rate * su.dt);
    for (int path = first; path < last; ++path) {
        simulate_path(sc.paths, sc.seed, static_cast<std::uint64_t>(path), s.spot, s.normals);
        for (std::size_t v = 0; v < su.vols.size(); ++v) price_book(su, s.spot, su.columns[v], s, s.books[v]);
        const BookPath& marks = s.books[0];
        const double inv_count = 1.0 / static_cast<double>(path - first + 1);  // Welford weight
        for (std::size_t p = 0; p < npol; ++p) {
            const policy::Policy& pol = sc.policies[p].policy;
            const BookPath& hedge_book = s.books[su.vol_of[p]];
            policy::ExecutionLimits limits = sc.limits;
            double hedge = 0.0;
            double cash = -marks.value[0];
            double since = std::numeric_limits<double>::infinity();
            double fee = 0.0, impact = 0.0, gas = 0.0;
            int trades = 0;
            for (std::size_t t = 0; t <= steps; ++t) {
                const double st = s.spot[t];
                const double discount = su.discount[t];
                cash += marks.settle[t];
                if (t < steps) {
                    policy::HedgeState state;
                    state.time = static_cast<double>(t) * su.dt;
                    state.spot = st;
                    state.vol = su.vols[su.vol_of[p]];
                    state.hedge = hedge;
                    state.target = -hedge_book.delta[t];
                    state.gamma = hedge_book.gamma[t];
                    state.notional = su.notional;
                    state.since_trade = since;
                    const policy::Decision d = policy::apply_limits(policy::decide(pol, state), limits, state);
                    if (d.trade != 0.0) {
                        const TradeCharge c = charge(sc.costs, su.range_sqrt, st, d.trade);
                        if (c.trade != 0.0) {
                            hedge += c.trade;
                            cash -= c.trade * st + c.fee + c.impact + c.gas;
                            fee += c.fee * discount;
                            impact += c.impact * discount;
                            gas += c.gas * discount;
                            limits.remaining_notional -= std::abs(c.trade) * st;
                            since = 0.0;
                            ++trades;
                        }
                    }
                }
                const double mtm = (marks.value[t] + hedge * st + cash) * discount;
                s.mtm[t] = mtm;
                if (t < steps) {
                    cash *= growth;
                    since += su.dt;
                } else {
                    const auto pi = static_cast<std::size_t>(path);
                    out.pnl[p][pi] = mtm;
                    out.fee[p][pi] = fee;
                    out.impact[p][pi] = impact;
                    out.gas[p][pi] = gas;
                    out.trades[p][pi] = trades;
                }
            }
            // Welford's update of the per-step statistics, off the branchy loop above (it
            // vectorises); the same operations in the same order per step.
            double* mean = mtm_mean + p * (steps + 1);
            double* m2 = mtm_m2 + p * (steps + 1);
            const double* mtm = s.mtm.data();
            for (std::size_t t = 0; t <= steps; ++t) {
                const double delta = mtm[t] - mean[t];
                mean[t] += delta * inv_count;
                m2[t] += delta * (mtm[t] - mean[t]);
            }
        }
    }
}

double mean_of(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

}  // namespace

Expected<BacktestReport, BacktestError> run_backtest(const Scenario& sc) {
    if (!validate(sc.paths)) return Unexpected(BacktestError::kInvalidPaths);
    if (sc.policies.empty()) return Unexpected(BacktestError::kNoPolicies);
    if (sc.num_paths < 1) return Unexpected(BacktestError::kNoPaths);
    if (!(sc.pricing_vol > 0.0) || !std::isfinite(sc.rate) || !std::isfinite(sc.carry))
        return Unexpected(BacktestError::kInvalidBook);
    for (const PolicyRun& r : sc.policies)
        if (!policy::validate(r.policy)) return Unexpected(BacktestError::kInvalidPolicy);
    const CostSpec& c = sc.costs;
    if (!(c.fee >= 0.0 && c.fee < 1.0) || !(c.liquidity >= 0.0) || !(c.range_half_width > 0.0) ||
        !(c.gas_per_trade >= 0.0) || !(c.gas_price_gwei >= 0.0) || !(c.gas_token_price >= 0.0))
        return Unexpected(BacktestError::kInvalidCosts);

    Setup su;
    su.sc = &sc;
    su.steps = sc.paths.steps;
    su.dt = sc.paths.horizon / sc.paths.steps;
    su.notional = 0.0;
    su.range_sqrt[0] = std::sqrt(std::max(0.0, 1.0 - sc.costs.range_half_width));
    su.range_sqrt[1] = std::sqrt(1.0 + sc.costs.range_half_width);
    for (const pricing::Position& p : sc.book) {
        pricing::OptionSpec probe = p.option;
        probe.spot = sc.paths.s0;
        probe.vol = sc.pricing_vol;
        probe.rate = sc.rate;
        probe.carry = sc.carry;
        if (!pricing::validate(probe) || !(p.option.time > 0.0) || !std::isfinite(p.quantity))
            return Unexpected(BacktestError::kInvalidBook);
        const double steps_to_expiry = std::round(p.option.time / su.dt);
        const int expiry_step = static_cast<int>(std::min(steps_to_expiry, 1e9));
        su.options.push_back({p.option.type, p.option.strike, p.quantity, std::max(expiry_step, 1)});
        su.notional += std::abs(p.quantity);
    }

    // Book gamma at the start fixes the sign of Leland's adjustment.
    double gamma0 = 0.0;
    for (const LiveOption& o : su.options) {
        const pricing::OptionSpec spec{o.type,         sc.paths.s0, o.strike, o.expiry_step * su.dt,
                                       sc.pricing_vol, sc.rate,     sc.carry};
        gamma0 += o.quantity * pricing::bs_greeks_unchecked(spec).gamma;
    }
    su.vols = {sc.pricing_vol};
    for (const PolicyRun& r : sc.policies) {
        const double v = policy::hedge_vol(r.policy, sc.pricing_vol, gamma0);
        auto it = std::find(su.vols.begin(), su.vols.end(), v);
        if (it == su.vols.end()) {
            su.vols.push_back(v);
            it = su.vols.end() - 1;
        }
        su.vol_of.push_back(static_cast<std::size_t>(it - su.vols.begin()));
    }
    for (double v : su.vols) su.columns.push_back(layout(su, v));
    {
        const double growth = std::exp(sc.rate * su.dt);
        double discount = 1.0;
        for (int t = 0; t <= su.steps; ++t) {
            su.discount.push_back(discount);
            discount /= growth;
        }
    }
    su.block_paths = std::max(32, (sc.num_paths + 63) / 64);
    su.blocks = (sc.num_paths + su.block_paths - 1) / su.block_paths;

    const std::size_t npol = sc.policies.size();
    const std::size_t points = static_cast<std::size_t>(su.steps) + 1;
    const auto npaths = static_cast<std::size_t>(sc.num_paths);
    Outputs out;
    for (auto* v : {&out.pnl, &out.fee, &out.impact, &out.gas, &out.trades})
        v->assign(npol, std::vector<double>(npaths));
    out.mtm_mean.assign(static_cast<std::size_t>(su.blocks) * npol * points, 0.0);
    out.mtm_m2.assign(out.mtm_mean.size(), 0.0);

    const int threads = std::clamp(sc.threads, 1, std::max(1, su.blocks));
    auto worker = [&](int w) {
        Scratch s;
        s.spot.resize(points);
        s.mtm.resize(points);
        s.normals.resize(2 * static_cast<std::size_t>(su.steps));
        s.books.resize(su.vols.size());
        for (int b = w; b < su.blocks; b += threads) run_block(su, b, s, out);
    };
    std::vector<std::thread> pool;
    int started = 1;
    for (int w = 1; w < threads; ++w) {
        try {
            pool.emplace_back(worker, w);
            ++started;
        } catch (const std::system_error&) {
            break;  // no more threads: the remaining workers' blocks run below
        }
    }
    worker(0);
    for (auto& th : pool) th.join();
    for (int w = started; w < threads; ++w) worker(w);

    BacktestReport report;
    report.dt = su.dt;
    report.paths = sc.num_paths;
    report.steps = su.steps;
    report.hedge_steps = static_cast<std::uint64_t>(sc.num_paths) * static_cast<std::uint64_t>(su.steps) * npol;
    {
        double v0 = 0.0;
        for (const LiveOption& o : su.options) {
            const pricing::OptionSpec spec{o.type,         sc.paths.s0, o.strike, o.expiry_step * su.dt,
                                           sc.pricing_vol, sc.rate,     sc.carry};
            v0 += o.quantity * pricing::bs_greeks_unchecked(spec).price;
        }
        report.book_value = v0;
    }
    const double n = static_cast<double>(sc.num_paths);
    for (std::size_t p = 0; p < npol; ++p) {
        PolicyResult r;
        r.family = sc.policies[p].family;
        r.label = sc.policies[p].label;
        r.mean_pnl = mean_of(out.pnl[p]);
        double ss = 0.0;
        for (double x : out.pnl[p]) ss += (x - r.mean_pnl) * (x - r.mean_pnl);
        r.sd_pnl = sc.num_paths > 1 ? std::sqrt(ss / (n - 1.0)) : 0.0;
        std::vector<double> sorted = out.pnl[p];
        std::sort(sorted.begin(), sorted.end());
        const auto tail = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(0.05 * n)));
        double tail_sum = 0.0;
        for (std::size_t i = 0; i < tail; ++i) tail_sum += sorted[i];
        r.cvar95 = tail_sum / static_cast<double>(tail);
        r.mean_fee = mean_of(out.fee[p]);
        r.mean_impact = mean_of(out.impact[p]);
        r.mean_gas = mean_of(out.gas[p]);
        r.mean_trades = mean_of(out.trades[p]);
        r.performance = report.book_value != 0.0 ? r.sd_pnl / std::abs(report.book_value) : 0.0;
        r.tracking_sd.resize(points);
        for (std::size_t t = 0; t < points; ++t) {
            double count = 0.0, mean = 0.0, m2 = 0.0;
            for (int b = 0; b < su.blocks; ++b) {
                const std::size_t at = (static_cast<std::size_t>(b) * npol + p) * points + t;
                const double nb =
                    static_cast<double>(std::min(sc.num_paths, (b + 1) * su.block_paths) - b * su.block_paths);
                const double total = count + nb;
                const double delta = out.mtm_mean[at] - mean;
                mean += delta * nb / total;
                m2 += out.mtm_m2[at] + delta * delta * count * nb / total;
                count = total;
            }
            r.tracking_sd[t] = sc.num_paths > 1 ? std::sqrt(m2 / (n - 1.0)) : 0.0;
        }
        report.results.push_back(std::move(r));
    }
    return report;
}

}  // namespace keeper::sim

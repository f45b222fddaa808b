#include "keeper/sim/backtest.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <span>
#include <system_error>
#include <thread>
#include <variant>

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
    std::vector<std::uint32_t> step_of;   // the step of each entry
    bool one_per_step{false};             // entry k is the only one of step k (a single-expiry book)
};

struct Setup {
    const Scenario* sc{nullptr};
    std::vector<LiveOption> options;
    double dt{0.0};
    int steps{0};
    double notional{0.0};
    std::vector<double> vols;          // distinct hedge volatilities, vols[0] = pricing vol
    // Per policy, indices into vols: the column it hedges with when the book is short gamma (or
    // its only one: a one-sided book's gamma keeps its sign) and when it is long gamma. They
    // differ only for Leland on a book holding both long and short options (see run_backtest).
    std::vector<std::size_t> vol_short, vol_long;
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
    std::vector<double> hedge;      // one policy's holding after its decision at step t
    std::vector<double> cash;       // and its cash (settlements and trades of step t included)
    std::vector<double> greeks[3];  // price, delta, gamma
    std::vector<BookPath> books;    // one per distinct vol
    BookPath leland;                // a mixed book's hedge ratios, the column picked step by step
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
            c.step_of.push_back(static_cast<std::uint32_t>(t));
        }
    }
    c.step_begin.push_back(specs.size());
    c.one_per_step = true;
    for (std::size_t k = 0; k < c.step_of.size(); ++k) c.one_per_step = c.one_per_step && c.step_of[k] == k;
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

// The book's value, delta and gamma along the path at one volatility. The entries' spots are
// s.spot_column (the path's spot at each entry's step, the same for every volatility), filled by
// the caller, or the path itself when every step has at most its own one entry.
// A book with one entry per step: each step's sums are 0.0 + q g (the additions of the general
// loop in price_book, so the same bits), the three Greeks in one pass. Four lanes in the
// x86-64-v3 clone (as accumulate_mtm: no fused multiply-add in this library).
[[gnu::target_clones("arch=x86-64-v3", "default")]] void weigh_one_per_step(
    const double* __restrict q, const double* __restrict value, const double* __restrict delta,
    const double* __restrict gamma, double* __restrict value_sum, double* __restrict delta_sum,
    double* __restrict gamma_sum, std::size_t n) noexcept {
    for (std::size_t k = 0; k < n; ++k) {
        value_sum[k] = 0.0 + q[k] * value[k];
        delta_sum[k] = 0.0 + q[k] * delta[k];
        gamma_sum[k] = 0.0 + q[k] * gamma[k];
    }
}

void price_book(const Setup& su, std::span<const double> spot, const BookColumns& c, Scratch& s, BookPath& out) {
    const std::size_t points = static_cast<std::size_t>(su.steps) + 1;
    out.settle.assign(points, 0.0);
    for (const LiveOption& o : su.options) {
        if (o.expiry_step > su.steps) continue;
        const double st = spot[static_cast<std::size_t>(o.expiry_step)];
        const double payoff =
            o.type == pricing::OptionType::kCall ? std::max(st - o.strike, 0.0) : std::max(o.strike - st, 0.0);
        out.settle[static_cast<std::size_t>(o.expiry_step)] += o.quantity * payoff;
    }
    const std::size_t n = c.series.size();
    double* g[3] = {s.greeks[0].data(), s.greeks[1].data(), s.greeks[2].data()};
    const double* q = c.quantity.data();
    if (c.one_per_step) {
        // Entry k is step k's only one: its sum is 0.0 + q g (written out: it is +0.0, not -0.0,
        // when q g is -0.0, exactly as the general loop below).
        c.series.value_delta_gamma(spot.first(n), s.greeks[0], s.greeks[1], s.greeks[2]);
        out.value.resize(points);
        out.delta.resize(points);
        out.gamma.resize(points);
        weigh_one_per_step(q, g[0], g[1], g[2], out.value.data(), out.delta.data(), out.gamma.data(), n);
        for (double* sum : {out.value.data(), out.delta.data(), out.gamma.data()})
            for (std::size_t k = n; k < points; ++k) sum[k] = 0.0;
        return;
    }
    out.value.assign(points, 0.0);
    out.delta.assign(points, 0.0);
    out.gamma.assign(points, 0.0);
    c.series.value_delta_gamma(s.spot_column, s.greeks[0], s.greeks[1], s.greeks[2]);
    // Sums per step, entries in order (the same additions as a loop per step from 0.0).
    double* value = out.value.data();
    double* delta = out.delta.data();
    double* gamma = out.gamma.data();
    const std::uint32_t* step = c.step_of.data();
    for (std::size_t k = 0; k < n; ++k) {
        value[step[k]] += q[k] * g[0][k];
        delta[step[k]] += q[k] * g[1][k];
        gamma[step[k]] += q[k] * g[2][k];
    }
}

struct TradeCharge {
    double trade, fee, impact, gas;
};

// The pool follows the path (arbitrageurs realign it between decisions): its active range is
// [S (1 - w), S (1 + w)], so only sqrt(S) changes; range_sqrt holds sqrt(1 - w), sqrt(1 + w).
[[gnu::always_inline]] inline TradeCharge charge(const CostSpec& c, const double (&range_sqrt)[2], double spot,
                                                 double trade) noexcept {
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

struct PathTotals {
    double fee{0.0}, impact{0.0}, gas{0.0};
    int trades{0};
};

// One policy's hedge along one path: decide, size, charge, account. Instantiated per policy
// alternative (decide(const P&) is inline in keeper/policy), so the inner loop has no dispatch
// and no call. Writes the holding and the cash after each step's decision; the mark-to-market
// P&L is formed from them afterwards, in a loop that vectorises.
template <class P>
PathTotals hedge_path(const Setup& su, const P& pol, double vol, const BookPath& marks, const BookPath& hedge_book,
                      const double* spot, double* hedge_at, double* cash_at) noexcept {
    const Scenario& sc = *su.sc;
    const auto steps = static_cast<std::size_t>(su.steps);
    const double growth = std::exp(sc.rate * su.dt);
    policy::ExecutionLimits limits = sc.limits;
    policy::HedgeState state;
    state.vol = vol;
    state.notional = su.notional;
    double hedge = 0.0;
    double cash = -marks.value[0];
    double since = std::numeric_limits<double>::infinity();
    PathTotals totals;
    for (std::size_t t = 0; t < steps; ++t) {
        const double st = spot[t];
        cash += marks.settle[t];
        state.time = static_cast<double>(t) * su.dt;
        state.spot = st;
        state.hedge = hedge;
        state.target = -hedge_book.delta[t];
        state.gamma = hedge_book.gamma[t];
        state.since_trade = since;
        const policy::Decision d = policy::apply_limits(policy::decide(pol, state), limits, state);
        if (d.trade != 0.0) {
            const TradeCharge c = charge(sc.costs, su.range_sqrt, st, d.trade);
            if (c.trade != 0.0) {
                const double discount = su.discount[t];
                hedge += c.trade;
                cash -= c.trade * st + c.fee + c.impact + c.gas;
                totals.fee += c.fee * discount;
                totals.impact += c.impact * discount;
                totals.gas += c.gas * discount;
                limits.remaining_notional -= std::abs(c.trade) * st;
                since = 0.0;
                ++totals.trades;
            }
        }
        hedge_at[t] = hedge;
        cash_at[t] = cash;
        cash *= growth;
        since += su.dt;
    }
    cash += marks.settle[steps];  // the last step settles; no decision at the horizon
    hedge_at[steps] = hedge;
    cash_at[steps] = cash;
    return totals;
}

// The mark-to-market P&L at each step, (value + hedge S + cash) e^{-rt}, and Welford's update
// of its per-step mean and sum of squared deviations: the same operations, in the same order,
// as when they were done inside the hedging loop, but here they vectorise (four lanes in the x86-64-v3 clone; no
// fused multiply-add: the library is built with -ffp-contract=off).
[[gnu::target_clones("arch=x86-64-v3", "default")]] void accumulate_mtm(
    const double* __restrict value, const double* __restrict hedge, const double* __restrict cash,
    const double* __restrict spot, const double* __restrict discount, double inv_count, double* __restrict mean,
    double* __restrict m2, std::size_t points) noexcept {
    for (std::size_t t = 0; t < points; ++t) {
        const double mtm = (value[t] + hedge[t] * spot[t] + cash[t]) * discount[t];
        const double delta = mtm - mean[t];
        mean[t] += delta * inv_count;
        m2[t] += delta * (mtm - mean[t]);
    }
}

void run_block(const Setup& su, int block, Scratch& s, Outputs& out) {
    const Scenario& sc = *su.sc;
    const auto steps = static_cast<std::size_t>(su.steps);
    const std::size_t npol = sc.policies.size();
    const int first = block * su.block_paths;
    const int last = std::min(sc.num_paths, first + su.block_paths);
    double* mtm_mean = &out.mtm_mean[static_cast<std::size_t>(block) * npol * (steps + 1)];
    double* mtm_m2 = &out.mtm_m2[static_cast<std::size_t>(block) * npol * (steps + 1)];
    const std::vector<std::uint32_t>& step_of = su.columns[0].step_of;  // the same for every vol
    for (int path = first; path < last; ++path) {
        simulate_path(sc.paths, sc.seed, static_cast<std::uint64_t>(path), s.spot, s.normals);
        if (!su.columns[0].one_per_step)
            for (std::size_t k = 0; k < step_of.size(); ++k) s.spot_column[k] = s.spot[step_of[k]];
        for (std::size_t v = 0; v < su.vols.size(); ++v) price_book(su, s.spot, su.columns[v], s, s.books[v]);
        const BookPath& marks = s.books[0];
        const double inv_count = 1.0 / static_cast<double>(path - first + 1);  // Welford weight
        for (std::size_t p = 0; p < npol; ++p) {
            const std::size_t vol = su.vol_short[p];
            const BookPath* hedge_book = &s.books[vol];
            if (su.vol_long[p] != vol) {
                // Leland on a mixed book: each step's hedge ratios from the column its gamma (at
                // the pricing vol) calls for; no adjustment where the gamma is 0, as in the planner.
                s.leland.delta.resize(steps + 1);
                s.leland.gamma.resize(steps + 1);
                for (std::size_t t = 0; t <= steps; ++t) {
                    const double g = marks.gamma[t];
                    const BookPath& from = g < 0.0 ? s.books[vol] : (g > 0.0 ? s.books[su.vol_long[p]] : marks);
                    s.leland.delta[t] = from.delta[t];
                    s.leland.gamma[t] = from.gamma[t];
                }
                hedge_book = &s.leland;
            }
            const PathTotals totals = std::visit(
                [&](const auto& pol) {
                    return hedge_path(su, pol, su.vols[vol], marks, *hedge_book, s.spot.data(), s.hedge.data(),
                                      s.cash.data());
                },
                sc.policies[p].policy);
            accumulate_mtm(marks.value.data(), s.hedge.data(), s.cash.data(), s.spot.data(), su.discount.data(),
                           inv_count, mtm_mean + p * (steps + 1), mtm_m2 + p * (steps + 1), steps + 1);
            const auto pi = static_cast<std::size_t>(path);
            out.pnl[p][pi] = (marks.value[steps] + s.hedge[steps] * s.spot[steps] + s.cash[steps]) * su.discount[steps];
            out.fee[p][pi] = totals.fee;
            out.impact[p][pi] = totals.impact;
            out.gas[p][pi] = totals.gas;
            out.trades[p][pi] = totals.trades;
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

    // Leland's adjustment takes its sign from the book's gamma at each step, as the live planner
    // takes it at each head. A book of only short (only long) options is short (long) gamma
    // wherever it has any, so one column serves; a mixed book gets both, picked per step.
    bool has_short = false;
    bool has_long = false;
    for (const LiveOption& o : su.options) {
        has_short = has_short || o.quantity < 0.0;
        has_long = has_long || o.quantity > 0.0;
    }
    su.vols = {sc.pricing_vol};
    auto index_of = [&su](double v) {
        auto it = std::find(su.vols.begin(), su.vols.end(), v);
        if (it == su.vols.end()) {
            su.vols.push_back(v);
            it = su.vols.end() - 1;
        }
        return static_cast<std::size_t>(it - su.vols.begin());
    };
    for (const PolicyRun& r : sc.policies) {
        const double short_vol = policy::hedge_vol(r.policy, sc.pricing_vol, -1.0);
        const double long_vol = policy::hedge_vol(r.policy, sc.pricing_vol, 1.0);
        const std::size_t s_index = has_short || !has_long ? index_of(short_vol) : index_of(long_vol);
        const std::size_t l_index = has_short && has_long ? index_of(long_vol) : s_index;
        su.vol_short.push_back(s_index);
        su.vol_long.push_back(l_index);
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

    // Workers take the next block as they come free (a busy core does not hold the others
    // back); each block's results go to its own slots, so the reduction below, in block
    // order, does not depend on which thread ran what.
    const int threads = std::clamp(sc.threads, 1, std::max(1, su.blocks));
    std::atomic<int> next_block{0};
    auto worker = [&] {
        Scratch s;
        s.spot.resize(points);
        s.hedge.resize(points);
        s.cash.resize(points);
        s.spot_column.resize(su.columns[0].series.size());
        for (auto& g : s.greeks) g.resize(su.columns[0].series.size());
        s.normals.resize(2 * static_cast<std::size_t>(su.steps));
        s.books.resize(su.vols.size());
        for (int b = next_block.fetch_add(1, std::memory_order_relaxed); b < su.blocks;
             b = next_block.fetch_add(1, std::memory_order_relaxed))
            run_block(su, b, s, out);
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < threads; ++w) {
        try {
            pool.emplace_back(worker);
        } catch (const std::system_error&) {
            break;  // no more threads: the ones running (this one at least) take every block
        }
    }
    worker();
    for (auto& th : pool) th.join();

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

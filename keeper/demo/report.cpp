#include "keeper/demo/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "keeper/core/hex.hpp"
#include "keeper/demo/svg.hpp"

namespace keeper::demo {

namespace {

using svg::escape;
using svg::fmt;

constexpr const char* kBlue = "#1f77b4";
constexpr const char* kRed = "#d62728";
constexpr const char* kGreen = "#2ca02c";
constexpr const char* kOrange = "#ff7f0e";
constexpr const char* kGrey = "#7f7f7f";

double hours_since(const MarketRecord& r, std::uint64_t ts) {
    const double t0 = r.samples.empty() ? 0.0 : static_cast<double>(r.samples.front().timestamp);
    return (static_cast<double>(ts) - t0) / 3600.0;
}

// Appends each piece in turn (GCC 12 warns falsely about chains of std::string operator+).
template <class... Parts>
void cat(std::string& out, const Parts&... parts) {
    (out.append(std::string_view(parts)), ...);
}

std::string price_chart(const MarketRecord& r) {
    svg::Plot p;
    p.x0 = 0.0;
    p.x1 = std::max(1e-9, hours_since(r, r.samples.back().timestamp));
    p.y0 = 1e300;
    p.y1 = -1e300;
    for (const auto& s : r.samples)
        for (const double v : {s.path_price, s.pool_price, s.oracle_price}) {
            p.y0 = std::min(p.y0, v);
            p.y1 = std::max(p.y1, v);
        }
    svg::pad(p.y0, p.y1);
    std::vector<std::pair<double, double>> pool;
    std::vector<std::pair<double, double>> oracle;
    for (const auto& s : r.samples) {
        pool.emplace_back(hours_since(r, s.timestamp), s.pool_price);
        oracle.emplace_back(hours_since(r, s.timestamp), s.oracle_price);
    }
    std::string h = svg::open(p, "hours of chain time", "price (quote per underlying)");
    h += svg::polyline(p, oracle, kGrey, 3.0, "stroke-opacity='0.5'");
    h += svg::polyline(p, pool, kBlue, 1.2);
    for (const auto& hd : r.hedges) {
        cat(h, "<circle cx='", fmt("%.1f", p.px(hours_since(r, hd.timestamp))), "' cy='", fmt("%.1f", p.py(hd.oracle_price)),
            "' r='3.5' fill='", hd.buy_underlying ? kGreen : kRed, "'><title>block ", std::to_string(hd.block), ": ",
            hd.buy_underlying ? "bought " : "sold ", fmt("%.4g", hd.buy_underlying ? hd.amount_out : hd.amount_in),
            " at oracle ", fmt("%.2f", hd.oracle_price), "</title></circle>\n");
    }
    h += svg::legend(p, {{"oracle", kGrey}, {"pool", kBlue}, {"hedge: buy", kGreen}, {"hedge: sell", kRed}});
    h += svg::close();
    return h;
}

std::string delta_chart(const MarketRecord& r) {
    svg::Plot p;
    p.height = 360;
    p.x0 = 0.0;
    p.x1 = std::max(1e-9, hours_since(r, r.samples.back().timestamp));
    p.y0 = 1e300;
    p.y1 = -1e300;
    for (const auto& s : r.samples) {
        p.y0 = std::min({p.y0, s.delta, s.target - s.tolerance});
        p.y1 = std::max({p.y1, s.delta, s.target + s.tolerance});
    }
    for (const auto& hd : r.hedges) {
        p.y0 = std::min({p.y0, hd.delta_before, hd.delta_after});
        p.y1 = std::max({p.y1, hd.delta_before, hd.delta_after});
    }
    svg::pad(p.y0, p.y1);
    std::string h = svg::open(p, "hours of chain time", "portfolio delta (underlying)");
    // The band: target +- tolerance, as a step area over the samples.
    std::string upper;
    std::string lower;
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        const auto& s = r.samples[i];
        const double x = p.px(hours_since(r, s.timestamp));
        const double x_next =
            i + 1 < r.samples.size() ? p.px(hours_since(r, r.samples[i + 1].timestamp)) : x;
        cat(upper, fmt("%.1f", x), ",", fmt("%.1f", p.py(s.target + s.tolerance)), " ", fmt("%.1f", x_next), ",",
            fmt("%.1f", p.py(s.target + s.tolerance)), " ");
        lower.insert(0, fmt("%.1f", x_next) + "," + fmt("%.1f", p.py(s.target - s.tolerance)) + " " + fmt("%.1f", x) +
                            "," + fmt("%.1f", p.py(s.target - s.tolerance)) + " ");
    }
    cat(h, "<polygon fill='#2ca02c' fill-opacity='0.15' stroke='none' points='", upper, lower, "'/>\n");
    // Delta as a step line: it holds from one sampled block to the next.
    std::vector<std::pair<double, double>> steps;
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        const auto& s = r.samples[i];
        steps.emplace_back(hours_since(r, s.timestamp), s.delta);
        if (i + 1 < r.samples.size()) steps.emplace_back(hours_since(r, r.samples[i + 1].timestamp), s.delta);
    }
    h += svg::polyline(p, steps, kBlue, 1.2);
    // Each hedge: an arrow from the delta before to the delta after.
    for (const auto& hd : r.hedges) {
        const double x = p.px(hours_since(r, hd.timestamp));
        const char* color = hd.buy_underlying ? kGreen : kRed;
        cat(h, "<line x1='", fmt("%.1f", x), "' x2='", fmt("%.1f", x), "' y1='", fmt("%.1f", p.py(hd.delta_before)),
            "' y2='", fmt("%.1f", p.py(hd.delta_after)), "' stroke='", color, "' stroke-width='2.5'><title>block ",
            std::to_string(hd.block), ": delta ", fmt("%.3f", hd.delta_before), " -> ", fmt("%.3f", hd.delta_after),
            "</title></line>");
        cat(h, "<circle cx='", fmt("%.1f", x), "' cy='", fmt("%.1f", p.py(hd.delta_after)), "' r='3' fill='", color,
            "'/>\n");
    }
    h += svg::legend(p, {{"delta", kBlue}, {"band: target +- tolerance", "#8fd18f"}, {"hedge: buy", kGreen},
                         {"hedge: sell", kRed}});
    h += svg::close();
    return h;
}

// Bars per hedge (in order): cost in bps of notional, or gas used.
std::string bar_chart(const MarketRecord& r, bool gas) {
    svg::Plot p;
    p.height = 240;
    p.x0 = 0.0;
    p.x1 = static_cast<double>(std::max<std::size_t>(1, r.hedges.size()));
    p.y0 = 0.0;
    p.y1 = 0.0;
    std::vector<double> v;
    for (const auto& hd : r.hedges) {
        v.push_back(gas ? static_cast<double>(hd.gas_used) : (hd.notional > 0 ? hd.cost / hd.notional * 1e4 : 0.0));
        p.y0 = std::min(p.y0, v.back());
        p.y1 = std::max(p.y1, v.back());
    }
    svg::pad(p.y0, p.y1);
    if (gas || p.y0 > 0) p.y0 = std::min(0.0, p.y0);
    std::string h = svg::open(p, "hedge number", gas ? "gas used" : "cost vs oracle (bps of notional)");
    const double w = std::max(1.0, (p.px(1.0) - p.px(0.0)) * 0.7);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double x = p.px(static_cast<double>(i) + 0.5) - w / 2;
        const double y_top = p.py(std::max(v[i], 0.0));
        const double y_bottom = p.py(std::min(v[i], 0.0));
        cat(h, "<rect x='", fmt("%.1f", x), "' y='", fmt("%.1f", y_top), "' width='", fmt("%.1f", w), "' height='",
            fmt("%.1f", std::max(0.5, y_bottom - y_top)), "' fill='", gas ? kOrange : kBlue, "'><title>hedge ",
            std::to_string(i + 1), " (block ", std::to_string(r.hedges[i].block), "): ", fmt(gas ? "%.0f" : "%.2f", v[i]),
            "</title></rect>\n");
    }
    h += svg::close();
    return h;
}

}  // namespace

Summary summarize(const MarketRecord& r) {
    Summary s;
    s.steps = r.samples.empty() ? 0 : r.samples.back().step;
    s.blocks = r.last_block > r.first_block ? r.last_block - r.first_block : 0;
    if (!r.samples.empty()) {
        s.hours = hours_since(r, r.samples.back().timestamp);
        s.start_price = r.samples.front().oracle_price;
        s.end_price = r.samples.back().oracle_price;
        s.min_price = s.max_price = s.start_price;
    }
    double in_band = 0.0;
    double total = 0.0;
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        const auto& x = r.samples[i];
        s.min_price = std::min(s.min_price, x.oracle_price);
        s.max_price = std::max(s.max_price, x.oracle_price);
        const double dev = std::abs(x.delta - x.target);
        s.max_abs_dev = std::max(s.max_abs_dev, dev);
        if (!x.market_block) s.max_abs_dev_after_keeper = std::max(s.max_abs_dev_after_keeper, dev);
        if (x.market_block && x.step > 0 && x.path_price > 0) {
            s.max_pool_error_bps = std::max(s.max_pool_error_bps, std::abs(x.pool_price / x.path_price - 1.0) * 1e4);
            s.max_oracle_error_bps =
                std::max(s.max_oracle_error_bps, std::abs(x.oracle_price / x.path_price - 1.0) * 1e4);
        }
        if (i + 1 < r.samples.size()) {
            const double dt = static_cast<double>(r.samples[i + 1].timestamp - x.timestamp);
            total += dt;
            if (dev <= x.tolerance + 1e-12) in_band += dt;
        }
    }
    s.time_in_band = total > 0 ? in_band / total : 0.0;
    s.hedges = r.hedges.size();
    s.writes = r.writes.size();
    for (const auto& h : r.hedges) {
        s.traded_notional += h.notional;
        s.trade_cost += h.cost;
        s.gas_total += h.gas_used;
        s.gas_cost_eth += h.gas_cost_eth;
    }
    s.cost_bps = s.traded_notional > 0 ? s.trade_cost / s.traded_notional * 1e4 : 0.0;
    s.gas_mean = s.hedges > 0 ? static_cast<double>(s.gas_total) / static_cast<double>(s.hedges) : 0.0;
    return s;
}

std::string format_summary(const Summary& s, const RunInfo& info) {
    std::string out;
    char line[256];
    auto add = [&](const char* label, const std::string& value) {
        std::snprintf(line, sizeof line, "  %-28s %s\n", label, value.c_str());
        out += line;
    };
    out += "summary\n";
    add("market", std::to_string(s.steps) + " steps, " + std::to_string(s.blocks) + " blocks, " +
                      fmt("%.1f", s.hours) + " h of chain time");
    add("price", fmt("%.2f", s.start_price) + " -> " + fmt("%.2f", s.end_price) + " (range " + fmt("%.2f", s.min_price) +
                     " .. " + fmt("%.2f", s.max_price) + ")");
    add("pool / oracle vs path", "max " + fmt("%.3f", s.max_pool_error_bps) + " bps / " +
                                     fmt("%.3f", s.max_oracle_error_bps) + " bps");
    add("keeper", info.keeper_status);
    add("hedges", std::to_string(s.hedges) + " (notional " + fmt("%.0f", s.traded_notional) + " quote)");
    add("trade cost vs oracle", fmt("%.2f", s.trade_cost) + " quote = " + fmt("%.2f", s.cost_bps) + " bps of notional");
    add("gas", std::to_string(s.gas_total) + " total, " + fmt("%.0f", s.gas_mean) + " per hedge, " +
                   fmt("%.6f", s.gas_cost_eth) + " ETH");
    add("max |delta - target|", fmt("%.3f", s.max_abs_dev) + " (after the keeper's blocks: " +
                                    fmt("%.3f", s.max_abs_dev_after_keeper) + ")");
    add("time in band", fmt("%.1f", 100.0 * s.time_in_band) + " %");
    add("option writes", std::to_string(s.writes));
    return out;
}

std::string format_html(const MarketRecord& r, const Summary& s, const RunInfo& info) {
    std::string h;
    cat(h, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>", escape(info.title), "</title>\n");
    h += "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}"
         "svg{font-size:12px;background:#fff}table{border-collapse:collapse;font-size:13px}"
         "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}th{background:#f4f4f4}"
         ".l{text-align:left}.note{color:#555;font-size:13px}pre{font-size:12px;background:#f8f8f8;padding:8px;"
         "overflow-x:auto}</style></head><body>\n";
    cat(h, "<h1>", escape(info.title), "</h1>\n");
    const auto& m = info.market;
    cat(h, "<p class='note'>", escape(info.chain), ". Market: Merton jump-diffusion, volatility ",
        fmt("%.0f", m.model.sigma * 100), " %, ", fmt("%.0f", m.model.intensity), " jumps per year of size N(",
        fmt("%.3f", m.model.jump_mean), ", ", fmt("%.3f", m.model.jump_vol), "), seed ", std::to_string(m.seed), "; ",
        std::to_string(m.steps), " steps of ", std::to_string(m.step_seconds),
        " s of chain time. Each step is two blocks: the market block (oracle update, the pool swapped to the path "
        "price, new series listed) and the keeper's block (its hedge, then option writes).</p>\n");

    h += "<h2>Summary</h2>\n<table>\n";
    auto row = [&](const std::string& k, const std::string& v) {
        cat(h, "<tr><td class='l'>", escape(k), "</td><td class='l'>", escape(v), "</td></tr>\n");
    };
    row("keeper", info.keeper_status);
    row("blocks", std::to_string(s.blocks) + " (" + fmt("%.1f", s.hours) + " h of chain time)");
    row("price", fmt("%.2f", s.start_price) + " -> " + fmt("%.2f", s.end_price) + " (range " + fmt("%.2f", s.min_price) +
                     " .. " + fmt("%.2f", s.max_price) + ")");
    row("pool / oracle against the path", "max " + fmt("%.3f", s.max_pool_error_bps) + " bps / " +
                                              fmt("%.3f", s.max_oracle_error_bps) + " bps");
    row("hedges", std::to_string(s.hedges) + ", notional " + fmt("%.0f", s.traded_notional) + " quote");
    row("trade cost against the oracle (fee + slippage)",
        fmt("%.2f", s.trade_cost) + " quote = " + fmt("%.2f", s.cost_bps) + " bps of notional");
    row("gas", std::to_string(s.gas_total) + " total, " + fmt("%.0f", s.gas_mean) + " per hedge, " +
                   fmt("%.6f", s.gas_cost_eth) + " ETH");
    row("max |delta - target|", fmt("%.3f", s.max_abs_dev) + " underlying (at the keeper's blocks: " +
                                    fmt("%.3f", s.max_abs_dev_after_keeper) + ")");
    row("time in band", fmt("%.1f", 100.0 * s.time_in_band) + " % of chain time");
    row("option writes during the run", std::to_string(s.writes));
    h += "</table>\n";

    if (!r.samples.empty()) {
        h += "<h2>Price</h2>\n<p class='note'>The oracle (grey) is set to the path at every market block; the pool "
             "(blue) is swapped to it, then moved a little by each hedge. Dots are hedges at their oracle "
             "price.</p>\n";
        h += price_chart(r);
        h += "<h2>Portfolio delta against the band</h2>\n<p class='note'>Delta read from the lens at every block "
             "(step line); the green band is target &#177; tolerance, where the vault refuses to trade. Each vertical "
             "bar is one hedge, from the delta before to the delta after (from its Rebalanced event).</p>\n";
        h += delta_chart(r);
    }
    if (!r.hedges.empty()) {
        h += "<h2>Cost per hedge</h2>\n<p class='note'>Value given minus value received, both at the oracle price: "
             "the pool fee plus price impact, in basis points of the notional.</p>\n";
        h += bar_chart(r, false);
        h += "<h2>Gas per hedge</h2>\n";
        h += bar_chart(r, true);
    }

    h += "<h2>Trades</h2>\n";
    if (r.hedges.empty()) {
        h += "<p>No hedge was made.</p>\n";
    } else {
        h += "<table><tr><th>#</th><th>block</th><th>hour</th><th class='l'>side</th><th>in</th><th>out</th>"
             "<th>oracle</th><th>delta before</th><th>delta after</th><th>cost (quote)</th><th>cost (bps)</th>"
             "<th>gas</th><th class='l'>transaction</th></tr>\n";
        std::size_t i = 0;
        for (const auto& hd : r.hedges) {
            cat(h, "<tr><td>", std::to_string(++i), "</td><td>", std::to_string(hd.block), "</td><td>",
                fmt("%.2f", hours_since(r, hd.timestamp)), "</td><td class='l'>",
                hd.buy_underlying ? "buy underlying" : "sell underlying", "</td><td>", fmt("%.4f", hd.amount_in),
                "</td><td>", fmt("%.4f", hd.amount_out), "</td><td>", fmt("%.2f", hd.oracle_price), "</td><td>",
                fmt("%.3f", hd.delta_before), "</td><td>", fmt("%.3f", hd.delta_after), "</td><td>",
                fmt("%.2f", hd.cost), "</td><td>", fmt("%.2f", hd.notional > 0 ? hd.cost / hd.notional * 1e4 : 0.0),
                "</td><td>", std::to_string(hd.gas_used), "</td><td class='l'><code>",
                to_hex(hd.tx).substr(0, 18), "&#8230;</code></td></tr>\n");
        }
        h += "</table>\n";
    }
    if (!r.writes.empty()) {
        h += "<h2>Option writes during the run</h2>\n<table><tr><th>block</th><th>step</th><th class='l'>type</th>"
             "<th>strike</th><th>size</th><th>premium (quote)</th></tr>\n";
        for (const auto& w : r.writes)
            cat(h, "<tr><td>", std::to_string(w.block), "</td><td>", std::to_string(w.step), "</td><td class='l'>",
                w.is_call ? "call" : "put", "</td><td>", fmt("%.0f", w.strike), "</td><td>", fmt("%.2f", w.size),
                "</td><td>", fmt("%.2f", w.premium), "</td></tr>\n");
        h += "</table>\n";
    }
    if (!r.notes.empty()) {
        h += "<h2>Notes</h2>\n<ul>\n";
        for (const auto& n : r.notes) cat(h, "<li>", escape(n), "</li>\n");
        h += "</ul>\n";
    }
    if (!info.keeper_metrics.empty()) {
        h += "<h2>Keeper metrics at the end of the run</h2>\n<pre>";
        std::size_t lines = 0;
        std::size_t start = 0;
        while (start < info.keeper_metrics.size() && lines < 400) {
            auto end = info.keeper_metrics.find('\n', start);
            if (end == std::string::npos) end = info.keeper_metrics.size();
            const std::string_view line(info.keeper_metrics.data() + start, end - start);
            if (!line.starts_with("#")) {
                cat(h, escape(line), "\n");
                ++lines;
            }
            start = end + 1;
        }
        h += "</pre>\n";
    }
    h += "</body></html>\n";
    return h;
}

}  // namespace keeper::demo

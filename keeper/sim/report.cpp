#include "keeper/sim/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace keeper::sim {

namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// Appends each piece in turn (GCC 12 warns falsely about chains of std::string operator+).
template <class... Parts>
void cat(std::string& out, const Parts&... parts) {
    (out.append(std::string_view(parts)), ...);
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                   "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

// "Nice" axis ticks covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
    const double span = hi - lo > 0 ? hi - lo : 1.0;
    const double raw = span / 5.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    std::vector<double> t;
    const double first = std::ceil(lo / step);
    for (int k = 0; (first + k) * step <= hi + 1e-9 * span && k < 100; ++k) t.push_back((first + k) * step);
    return t;
}

struct Axes {
    double x0{0.0}, x1{1.0}, y0{0.0}, y1{1.0};  // data range
    double left = 70, right = 20, top = 20, bottom = 50, width = 720, height = 420;
    [[nodiscard]] double px(double x) const { return left + (x - x0) / (x1 - x0) * (width - left - right); }
    [[nodiscard]] double py(double y) const { return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom); }
};

std::string axes_svg(const Axes& a, std::string_view xlabel, std::string_view ylabel) {
    std::string s;
    cat(s, "<rect x='", fmt("%.1f", a.left), "' y='", fmt("%.1f", a.top), "' width='",
        fmt("%.1f", a.width - a.left - a.right), "' height='", fmt("%.1f", a.height - a.top - a.bottom),
        "' fill='none' stroke='#888'/>\n");
    for (double t : ticks(a.x0, a.x1)) {
        cat(s, "<line x1='", fmt("%.1f", a.px(t)), "' x2='", fmt("%.1f", a.px(t)), "' y1='", fmt("%.1f", a.top),
            "' y2='", fmt("%.1f", a.height - a.bottom), "' stroke='#eee'/>");
        cat(s, "<text x='", fmt("%.1f", a.px(t)), "' y='", fmt("%.1f", a.height - a.bottom + 16),
            "' text-anchor='middle'>", fmt("%g", t), "</text>\n");
    }
    for (double t : ticks(a.y0, a.y1)) {
        cat(s, "<line x1='", fmt("%.1f", a.left), "' x2='", fmt("%.1f", a.width - a.right), "' y1='",
            fmt("%.1f", a.py(t)), "' y2='", fmt("%.1f", a.py(t)), "' stroke='#eee'/>");
        cat(s, "<text x='", fmt("%.1f", a.left - 6), "' y='", fmt("%.1f", a.py(t) + 4), "' text-anchor='end'>",
            fmt("%g", t), "</text>\n");
    }
    cat(s, "<text x='", fmt("%.1f", (a.left + a.width - a.right) / 2), "' y='", fmt("%.1f", a.height - 10),
        "' text-anchor='middle'>", escape(xlabel), "</text>\n");
    cat(s, "<text transform='translate(16,", fmt("%.1f", (a.top + a.height - a.bottom) / 2),
        ") rotate(-90)' text-anchor='middle'>", escape(ylabel), "</text>\n");
    return s;
}

void pad(double& lo, double& hi) {
    if (!(hi > lo)) {
        lo -= 1.0;
        hi += 1.0;
    }
    const double m = 0.06 * (hi - lo);
    lo -= m;
    hi += m;
}

}  // namespace

std::string format_table(const BacktestReport& r) {
    std::string s;
    char line[512];
    std::snprintf(line, sizeof line, "%-16s %-22s %11s %11s %11s %10s %10s %10s %9s %8s\n", "family", "policy",
                  "mean_pnl", "sd_pnl", "cvar95", "fee", "impact", "gas", "trades", "sd/V0");
    s += line;
    for (const PolicyResult& p : r.results) {
        std::snprintf(line, sizeof line, "%-16s %-22s %11.4f %11.4f %11.4f %10.4f %10.4f %10.4f %9.1f %8.4f\n",
                      p.family.c_str(), p.label.c_str(), p.mean_pnl, p.sd_pnl, p.cvar95, p.mean_fee, p.mean_impact,
                      p.mean_gas, p.mean_trades, p.performance);
        s += line;
    }
    return s;
}

std::string format_csv(const BacktestReport& r) {
    std::string s =
        "family,policy,mean_pnl,sd_pnl,cvar95,mean_fee,mean_impact,mean_gas,mean_cost,mean_trades,sd_over_v0\n";
    for (const PolicyResult& p : r.results) {
        cat(s, csv_field(p.family), ",", csv_field(p.label));
        for (double v : {p.mean_pnl, p.sd_pnl, p.cvar95, p.mean_fee, p.mean_impact, p.mean_gas, p.mean_cost(),
                         p.mean_trades, p.performance})
            cat(s, ",", fmt("%.10g", v));
        s += "\n";
    }
    return s;
}

std::string format_html(const BacktestReport& r, std::string_view title, std::string_view subtitle) {
    // Families in order of first appearance, each with a colour.
    std::vector<std::string> families;
    for (const PolicyResult& p : r.results)
        if (std::find(families.begin(), families.end(), p.family) == families.end()) families.push_back(p.family);
    auto color = [&](const std::string& f) {
        const auto i = static_cast<std::size_t>(std::find(families.begin(), families.end(), f) - families.begin());
        return std::string(kColors[i % std::size(kColors)]);
    };

    std::string h;
    cat(h, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>", escape(title), "</title>\n");
    h += "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}"
         "svg{font-size:12px;background:#fff}table{border-collapse:collapse;font-size:13px}"
         "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,td:nth-child(2),"
         "th:first-child,th:nth-child(2){text-align:left}.note{color:#555;font-size:13px}</style></head><body>\n";
    cat(h, "<h1>", escape(title), "</h1>\n<p>", escape(subtitle), "</p>\n");
    cat(h, "<p class='note'>", std::to_string(r.paths), " paths, ", std::to_string(r.steps),
        " steps, common random numbers across policies. Book value V0 = ", fmt("%.6g", r.book_value),
        ". P&amp;L is discounted to the start; costs are per-path means.</p>\n");

    // Frontier: risk (sd of P&L) against mean total cost; one polyline per family.
    {
        double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
        for (const PolicyResult& p : r.results) {
            x0 = std::min(x0, p.sd_pnl);
            x1 = std::max(x1, p.sd_pnl);
            y0 = std::min(y0, p.mean_cost());
            y1 = std::max(y1, p.mean_cost());
        }
        pad(x0, x1);
        pad(y0, y1);
        const Axes a{x0, x1, y0, y1};
        h += "<h2>Cost / risk frontier</h2>\n<p class='note'>Each curve is one policy family over its parameter "
             "sweep; lower-left is better. Hover a point for its parameters.</p>\n";
        h += "<svg xmlns='http://www.w3.org/2000/svg' width='720' height='420' viewBox='0 0 720 420'>\n";
        h += axes_svg(a, "risk: sd of hedged P&L (quote)", "mean cost per path: fee + impact + gas (quote)");
        for (const std::string& f : families) {
            std::string pts;
            for (const PolicyResult& p : r.results)
                if (p.family == f) pts += fmt("%.1f", a.px(p.sd_pnl)) + "," + fmt("%.1f", a.py(p.mean_cost())) + " ";
            cat(h, "<polyline fill='none' stroke='", color(f), "' stroke-width='1.5' points='", pts, "'/>\n");
            for (const PolicyResult& p : r.results) {
                if (p.family != f) continue;
                cat(h, "<circle cx='", fmt("%.1f", a.px(p.sd_pnl)), "' cy='", fmt("%.1f", a.py(p.mean_cost())),
                    "' r='4' fill='", color(f), "'><title>", escape(p.label), ": sd ", fmt("%.4g", p.sd_pnl), ", cost ",
                    fmt("%.4g", p.mean_cost()), ", trades ", fmt("%.1f", p.mean_trades), "</title></circle>\n");
            }
        }
        // The legend goes in the lower-left corner: low risk at low cost is the unattainable corner.
        double ly = a.height - a.bottom - 12 - 16.0 * static_cast<double>(families.size() - 1);
        for (const std::string& f : families) {
            cat(h, "<rect x='", fmt("%.1f", a.left + 12), "' y='", fmt("%.1f", ly - 9),
                "' width='10' height='10' fill='", color(f), "'/><text x='", fmt("%.1f", a.left + 27), "' y='",
                fmt("%.1f", ly), "'>", escape(f), "</text>\n");
            ly += 16;
        }
        h += "</svg>\n";
    }

    // Tracking error over time for each run.
    {
        const std::size_t points = r.results.empty() ? 0 : r.results.front().tracking_sd.size();
        double y1 = 0.0;
        for (const PolicyResult& p : r.results)
            for (double v : p.tracking_sd) y1 = std::max(y1, v);
        double x0 = 0.0, x1 = points > 1 ? static_cast<double>(points - 1) * r.dt * 365.0 : 1.0, y0 = 0.0;
        pad(y0, y1);
        y0 = 0.0;
        const Axes a{x0, x1, y0, y1};
        h += "<h2>Hedge error over time</h2>\n<p class='note'>Cross-path standard deviation of the discounted "
             "mark-to-market P&amp;L (book + hedge + cash) at each step.</p>\n";
        h += "<svg xmlns='http://www.w3.org/2000/svg' width='720' height='420' viewBox='0 0 720 420'>\n";
        h += axes_svg(a, "days since start", "sd of P&L so far (quote)");
        for (const PolicyResult& p : r.results) {
            std::string pts;
            const std::size_t stride = std::max<std::size_t>(1, points / 400);
            for (std::size_t t = 0; t < points; t += stride) {
                cat(pts, fmt("%.1f", a.px(static_cast<double>(t) * r.dt * 365.0)), ",",
                    fmt("%.1f", a.py(p.tracking_sd[t])), " ");
            }
            cat(h, "<polyline fill='none' stroke='", color(p.family), "' stroke-opacity='0.6' points='", pts,
                "'><title>", escape(p.label), "</title></polyline>\n");
        }
        h += "</svg>\n";
    }

    h += "<h2>Results</h2>\n<table><tr><th>family</th><th>policy</th><th>mean P&amp;L</th><th>sd P&amp;L</th>"
         "<th>CVaR 95%</th><th>fee</th><th>impact</th><th>gas</th><th>trades</th><th>sd / V0</th></tr>\n";
    for (const PolicyResult& p : r.results) {
        cat(h, "<tr><td>", escape(p.family), "</td><td>", escape(p.label), "</td>");
        for (double v : {p.mean_pnl, p.sd_pnl, p.cvar95, p.mean_fee, p.mean_impact, p.mean_gas})
            cat(h, "<td>", fmt("%.4f", v), "</td>");
        cat(h, "<td>", fmt("%.1f", p.mean_trades), "</td><td>", fmt("%.4f", p.performance), "</td></tr>\n");
    }
    h += "</table>\n</body></html>\n";
    return h;
}

}  // namespace keeper::sim

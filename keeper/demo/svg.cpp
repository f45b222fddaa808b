#include "keeper/demo/svg.hpp"

#include <cmath>
#include <cstdio>

namespace keeper::demo::svg {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::vector<double> ticks(double lo, double hi) {
    const double span = hi - lo > 0 ? hi - lo : 1.0;
    const double raw = span / 5.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    std::vector<double> t;
    const double first = std::ceil(lo / step);
    for (int k = 0; (first + k) * step <= hi + 1e-9 * span && k < 100; ++k) {
        const double v = (first + k) * step;
        t.push_back(std::abs(v) < 1e-12 * span ? 0.0 : v);
    }
    return t;
}

void pad(double& lo, double& hi) {
    if (!(hi > lo)) {
        const double m = std::abs(lo) > 0 ? std::abs(lo) * 0.01 : 1.0;
        lo -= m;
        hi += m;
    }
    const double m = 0.06 * (hi - lo);
    lo -= m;
    hi += m;
}

double Plot::px(double x) const { return left + (x - x0) / (x1 - x0) * (width - left - right); }
double Plot::py(double y) const { return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom); }

std::string open(const Plot& p, std::string_view xlabel, std::string_view ylabel) {
    std::string s = "<svg xmlns='http://www.w3.org/2000/svg' width='" + fmt("%.0f", p.width) + "' height='" +
                    fmt("%.0f", p.height) + "' viewBox='0 0 " + fmt("%.0f", p.width) + " " + fmt("%.0f", p.height) +
                    "'>\n";
    s += "<rect x='" + fmt("%.1f", p.left) + "' y='" + fmt("%.1f", p.top) + "' width='" +
         fmt("%.1f", p.width - p.left - p.right) + "' height='" + fmt("%.1f", p.height - p.top - p.bottom) +
         "' fill='none' stroke='#888'/>\n";
    for (const double t : ticks(p.x0, p.x1)) {
        s += "<line x1='" + fmt("%.1f", p.px(t)) + "' x2='" + fmt("%.1f", p.px(t)) + "' y1='" + fmt("%.1f", p.top) +
             "' y2='" + fmt("%.1f", p.height - p.bottom) + "' stroke='#eee'/>";
        s += "<text x='" + fmt("%.1f", p.px(t)) + "' y='" + fmt("%.1f", p.height - p.bottom + 15) +
             "' text-anchor='middle'>" + fmt("%g", t) + "</text>\n";
    }
    for (const double t : ticks(p.y0, p.y1)) {
        s += "<line x1='" + fmt("%.1f", p.left) + "' x2='" + fmt("%.1f", p.width - p.right) + "' y1='" +
             fmt("%.1f", p.py(t)) + "' y2='" + fmt("%.1f", p.py(t)) + "' stroke='#eee'/>";
        s += "<text x='" + fmt("%.1f", p.left - 6) + "' y='" + fmt("%.1f", p.py(t) + 4) + "' text-anchor='end'>" +
             fmt("%g", t) + "</text>\n";
    }
    s += "<text x='" + fmt("%.1f", (p.left + p.width - p.right) / 2) + "' y='" + fmt("%.1f", p.height - 8) +
         "' text-anchor='middle'>" + escape(xlabel) + "</text>\n";
    s += "<text transform='translate(16," + fmt("%.1f", (p.top + p.height - p.bottom) / 2) +
         ") rotate(-90)' text-anchor='middle'>" + escape(ylabel) + "</text>\n";
    return s;
}

std::string close() { return "</svg>\n"; }

std::string polyline(const Plot& p, const std::vector<std::pair<double, double>>& points, std::string_view color,
                     double width, std::string_view extra) {
    std::string pts;
    for (const auto& [x, y] : points) pts += fmt("%.1f", p.px(x)) + "," + fmt("%.1f", p.py(y)) + " ";
    std::string s = "<polyline fill='none' stroke='";
    s += color;
    s += "' stroke-width='" + fmt("%.1f", width) + "' ";
    s += extra;
    s += " points='" + pts + "'/>\n";
    return s;
}

std::string legend(const Plot& p, const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string s;
    double x = p.left + 10;
    for (const auto& [label, color] : entries) {
        s += "<rect x='" + fmt("%.1f", x) + "' y='" + fmt("%.1f", p.top + 6) + "' width='10' height='10' fill='" +
             color + "'/><text x='" + fmt("%.1f", x + 14) + "' y='" + fmt("%.1f", p.top + 15) + "'>" + escape(label) +
             "</text>\n";
        x += 24 + 7.0 * static_cast<double>(label.size());
    }
    return s;
}

}  // namespace keeper::demo::svg

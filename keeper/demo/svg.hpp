// Small SVG chart helpers for the demo's report (pure string building). The backtest report
// (keeper/sim/report.cpp) draws the same kind of axes; these are kept here so the two reports
// can evolve separately.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper::demo::svg {

/// printf-style formatting of one double.
[[nodiscard]] std::string fmt(const char* format, double v);
/// Escapes &, <, >, " and ' for HTML text and attributes.
[[nodiscard]] std::string escape(std::string_view s);
/// "Nice" tick values covering [lo, hi] (about five).
[[nodiscard]] std::vector<double> ticks(double lo, double hi);
/// Widens [lo, hi] by 6 % on each side (and makes an empty range non-empty).
void pad(double& lo, double& hi);

/// A plot area mapping data coordinates to pixels.
struct Plot {
    double x0{0.0}, x1{1.0}, y0{0.0}, y1{1.0};
    double width{900}, height{320};
    double left{70}, right{20}, top{16}, bottom{44};
    [[nodiscard]] double px(double x) const;
    [[nodiscard]] double py(double y) const;
};

/// "<svg ...>" with a frame, grid, tick labels and axis labels.
[[nodiscard]] std::string open(const Plot& p, std::string_view xlabel, std::string_view ylabel);
/// "</svg>\n".
[[nodiscard]] std::string close();
/// A polyline through (x, y) points.
[[nodiscard]] std::string polyline(const Plot& p, const std::vector<std::pair<double, double>>& points,
                                   std::string_view color, double width = 1.5, std::string_view extra = {});
/// A legend box of (label, color) pairs at the top-left of the plot area.
[[nodiscard]] std::string legend(const Plot& p, const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace keeper::demo::svg

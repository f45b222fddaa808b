// Renders a backtest: a text table for the terminal, CSV, and a self-contained HTML page with
// SVG charts (the cost/risk frontier, and the hedge error as it builds up over time). Pure
// string building: the caller writes the files.
#pragma once

#include <string>
#include <string_view>

#include "keeper/sim/backtest.hpp"

namespace keeper::sim {

/// Fixed-width table, one row per policy run.
[[nodiscard]] std::string format_table(const BacktestReport& report);

/// CSV with a header row; one row per policy run.
[[nodiscard]] std::string format_csv(const BacktestReport& report);

/// A standalone HTML page (no scripts, no external resources). `subtitle` describes the scenario.
[[nodiscard]] std::string format_html(const BacktestReport& report, std::string_view title, std::string_view subtitle);

}  // namespace keeper::sim

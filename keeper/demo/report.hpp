// The live demo's results: summary figures, the terminal summary, and a self-contained
// HTML/SVG page (no scripts, no external resources). Pure: the caller writes the files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keeper/demo/market.hpp"

namespace keeper::demo {

/// How the run was set up, for the report's header.
struct RunInfo {
    std::string title{"keeper live demo"};
    MarketSpec market;
    bool keeper_ran{false};
    std::string keeper_status;   // "exited 0 after SIGTERM", "not started (--no-keeper)", ...
    std::string chain;           // "anvil 1.x on 127.0.0.1:port, chain 31337"
    std::string keeper_metrics;  // the keeper's /metrics text, if it was reachable
};

struct Summary {
    std::uint32_t steps{0};
    std::uint64_t blocks{0};
    double hours{0.0};               // chain time covered
    double start_price{0.0}, end_price{0.0}, min_price{0.0}, max_price{0.0};
    std::size_t hedges{0};
    std::size_t writes{0};
    double traded_notional{0.0};     // quote
    double trade_cost{0.0};          // quote: fees + slippage against the oracle
    double cost_bps{0.0};            // trade_cost / traded_notional
    std::uint64_t gas_total{0};
    double gas_mean{0.0};
    double gas_cost_eth{0.0};
    double max_abs_dev{0.0};         // max |delta - target| over every sampled block
    double max_abs_dev_after_keeper{0.0};  // same, at the keeper's blocks only
    double time_in_band{0.0};        // fraction of chain time with |delta - target| <= tolerance
    double max_pool_error_bps{0.0};  // max |pool / path - 1| at the market blocks
    double max_oracle_error_bps{0.0};
};

[[nodiscard]] Summary summarize(const MarketRecord& record);

/// A few aligned lines for the terminal.
[[nodiscard]] std::string format_summary(const Summary& s, const RunInfo& info);

/// The HTML page: price, delta against the band with each hedge, trades, costs, gas, writes.
[[nodiscard]] std::string format_html(const MarketRecord& record, const Summary& s, const RunInfo& info);

}  // namespace keeper::demo

// The hedging backtester: a book of options, a set of policies, Monte Carlo paths.
//
// Each path is drawn once and every policy hedges that same path (common random numbers), so
// differences between policies are not sampling noise. On each path the book is priced at every
// step (value, delta, gamma at the pricing volatility, or at a policy's own hedge volatility,
// e.g. Leland's), then each policy runs its hedge: at every step it sees the book's state,
// decides, its trade is sized by the execution limits and charged by the cost model
// (pool fee, concentrated-liquidity impact, gas), and cash accrues at the rate r.
//
// Accounting, per path and policy, in quote units discounted to t = 0:
//   start:  buy the book at its model value V_0 (a vault short options receives the premium),
//           hedge 0, cash -V_0;
//   step:   options expiring at the step settle into cash at intrinsic value; trades move cash
//           by -(trade S + costs);
//   end:    P&L = e^{-rT} (V_T + hedge S_T + cash), the hedge marked at mid.
// With continuous costless hedging P&L -> 0, so its spread is the hedging error; Hull's
// performance measure is sd(P&L) / |V_0|.
//
// Deterministic for a seed: paths are generated from (seed, path index) and results are reduced
// in fixed blocks of paths, in order, whatever the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/core/expected.hpp"
#include "keeper/policy/cost_model.hpp"
#include "keeper/policy/policy.hpp"
#include "keeper/pricing/book.hpp"
#include "keeper/sim/paths.hpp"

namespace keeper::sim {

/// Execution costs of the simulated venue.
struct CostSpec {
    double fee{0.0};               // pool fee tier (0.0005 = 5 bp)
    double liquidity{0.0};         // Uniswap V3 L of the active range; 0 = infinitely deep (no impact)
    double range_half_width{0.2};  // active range [S (1 - w), S (1 + w)] around the current price
    double gas_per_trade{0.0};     // gas units per hedge transaction
    double gas_price_gwei{0.0};
    bool gas_token_is_underlying{true};  // gas paid in the underlying (ETH): priced at the path's S
    double gas_token_price{0.0};         // otherwise, its fixed price in quote
};

/// One policy configuration in a run. `family` groups a parameter sweep (one curve on the
/// frontier), `label` names the point.
struct PolicyRun {
    std::string family;
    std::string label;
    policy::Policy policy;
};

struct Scenario {
    PathSpec paths;
    double pricing_vol{0.2};  // the volatility the book is priced and (by default) hedged at
    double rate{0.0};
    double carry{0.0};  // cost of carry b of the underlying (b = r - q)
    /// The book. Each option's `time` is its expiry in years from the start; spot and vol are
    /// ignored (the path's spot and pricing_vol are used). Expiries are rounded to the step grid.
    std::vector<pricing::Position> book;
    CostSpec costs;
    policy::ExecutionLimits limits;
    std::vector<PolicyRun> policies;
    int num_paths{1000};
    std::uint64_t seed{1};
    int threads{2};
};

enum class BacktestError : std::uint8_t {
    kInvalidPaths,
    kInvalidBook,
    kInvalidPolicy,
    kInvalidCosts,
    kNoPolicies,
    kNoPaths,
};
[[nodiscard]] std::string_view to_string(BacktestError e) noexcept;

struct PolicyResult {
    std::string family;
    std::string label;
    double mean_pnl{0.0};
    double sd_pnl{0.0};
    double cvar95{0.0};    // mean of the worst 5% of P&L outcomes (a loss is negative)
    double mean_fee{0.0};  // mean total per path, discounted
    double mean_impact{0.0};
    double mean_gas{0.0};
    double mean_trades{0.0};
    double performance{0.0};  // Hull's measure: sd_pnl / |V_0|
    /// Cross-path sd of the discounted mark-to-market P&L at each step (the hedge error as it
    /// builds up), steps + 1 points from t = 0.
    std::vector<double> tracking_sd;
    [[nodiscard]] double mean_cost() const noexcept { return mean_fee + mean_impact + mean_gas; }
};

struct BacktestReport {
    double book_value{0.0};  // V_0
    double dt{0.0};
    int paths{0};
    int steps{0};
    std::vector<PolicyResult> results;  // in the order of Scenario::policies
    std::uint64_t hedge_steps{0};       // paths x steps x policies actually simulated
};

[[nodiscard]] Expected<BacktestReport, BacktestError> run_backtest(const Scenario& scenario);

}  // namespace keeper::sim

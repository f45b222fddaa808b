// The market the keeper hedges in the live demo: the deployed stack, a seeded price path, and
// the driver that walks the chain along it.
//
// One market step is one block: the trader swaps the Uniswap V3 pool to the path's price (the
// swap size from pool_math, the exact target as the swap's price limit), the mock feed
// publishes the same price, and every `write_every` steps the writer sells a new near-the-money
// series. Then the driver waits for the keeper (a transaction of the keeper's account reaching
// the node's pool, or a short timeout) and mines a second block in which its hedge lands. Both
// blocks are sampled: price, pool price, portfolio delta and the band, so the report shows the
// delta before and after every hedge. Blocks are mined by the driver (automine off), with
// timestamps `step_seconds` apart, so a few hundred steps cover days of market in minutes and
// each hedge is attributable to the move that caused it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/demo/chain.hpp"
#include "keeper/demo/pool_math.hpp"
#include "keeper/sim/paths.hpp"

namespace keeper::demo {

/// Addresses written by contracts/script/Deploy.s.sol (config/<name>.json).
struct Deployment {
    std::uint64_t chain_id{0};
    Address quote, underlying, factory, router, pool, feed, adapter, vault, lens;
};
/// Parses the deploy script's JSON; the error names the missing or malformed field.
[[nodiscard]] Expected<Deployment, std::string> parse_deployment(std::string_view json);

/// The simulated market.
struct MarketSpec {
    std::uint32_t steps{240};           // market steps (each is two blocks)
    std::uint64_t step_seconds{600};    // chain time per step
    std::uint64_t seed{7};
    /// ETH-like: 80 % annual volatility, jumps of ~3 % about once every 22 hours (the
    /// intensity is per year). Driftless.
    sim::Merton model{0.0, 0.8, 400.0, 0.0, 0.03};
    std::uint32_t write_every{40};      // steps between new option writes (0: never)
};

/// The path the market follows: spot[0] = s0, then one price per step.
[[nodiscard]] std::vector<double> market_path(const MarketSpec& spec, double s0);

/// One option series to write while seeding the vault.
struct SeriesSpec {
    bool is_call{true};
    double strike{3000.0};         // quote per underlying
    std::uint64_t expiry_in{7 * 86400};
    double vol{0.7};
    double size{10.0};             // underlying units
};

/// What was measured at one block.
struct Sample {
    std::uint64_t block{0};
    std::uint64_t timestamp{0};
    std::uint32_t step{0};
    bool market_block{true};       // false: the keeper's block of that step
    double path_price{0.0};        // the target of this step
    double oracle_price{0.0};
    double pool_price{0.0};
    double delta{0.0};             // portfolio delta, underlying units
    double target{0.0};
    double tolerance{0.0};
    double budget{0.0};            // the keeper's remaining delta budget, underlying units
};

/// One Rebalanced event with its transaction's receipt.
struct Hedge {
    std::uint64_t block{0};
    std::uint64_t timestamp{0};
    Hash32 tx;
    bool buy_underlying{false};
    double amount_in{0.0};         // whole tokens (quote when buying underlying)
    double amount_out{0.0};
    double oracle_price{0.0};
    double delta_before{0.0};
    double delta_after{0.0};
    double notional{0.0};          // quote value of the trade at the oracle price
    double cost{0.0};              // quote: value given minus value received, at the oracle
    std::uint64_t gas_used{0};
    double gas_cost_eth{0.0};      // gas used times the effective gas price, ETH
};

/// One option write during the run.
struct Write {
    std::uint64_t block{0};
    std::uint32_t step{0};
    bool is_call{true};
    double strike{0.0};
    double size{0.0};
    double premium{0.0};           // quote
};

struct MarketRecord {
    std::vector<double> path;
    std::vector<Sample> samples;
    std::vector<Hedge> hedges;
    std::vector<Write> writes;
    std::vector<std::string> notes;  // budget refills, skipped moves, ...
    std::uint64_t first_block{0};
    std::uint64_t last_block{0};
};

/// Progress of one step, for the terminal.
struct StepProgress {
    std::uint32_t step{0};
    std::uint32_t steps{0};
    const Sample* after_market{nullptr};
    const Sample* after_keeper{nullptr};
    const Hedge* hedge{nullptr};     // the hedge that landed in the keeper block, if any
    const Write* write{nullptr};
};

struct DriverSettings {
    MarketSpec market;
    Address keeper;                                  // whose transactions the driver waits for
    bool wait_for_keeper{true};                      // false: no keeper runs (tests, --no-keeper)
    std::chrono::milliseconds keeper_wait{1500};     // the longest wait for a keeper transaction
    std::chrono::milliseconds keeper_settle{150};    // wait on after one arrives (a second one)
    std::function<void(const StepProgress&)> on_step;  // progress callback (may be empty)
    std::function<bool()> keeper_alive;              // false: stop waiting (the keeper exited)
};

/// Drives the deployed market. The deployer (account 0) administers and writes options, the
/// trader (account 2) moves the pool.
class MarketDriver {
public:
    MarketDriver(Chain& chain, Deployment deployment, DriverSettings settings);

    [[nodiscard]] const PoolOrientation& orientation() const noexcept { return orientation_; }
    [[nodiscard]] const Deployment& deployment() const noexcept { return deployment_; }

    /// Reads the tokens, the pool's orientation and fee. Automine must be on.
    void inspect();
    /// Deposits `deposit_quote` whole quote tokens and writes each series (automine on).
    void seed_vault(double deposit_quote, const std::vector<SeriesSpec>& series);
    /// Funds and approves the trader (automine on).
    void fund_trader();

    /// The pool's price now (quote per underlying).
    [[nodiscard]] double pool_price(const rpc::BlockRef& block = rpc::BlockTag::kLatest);
    /// The feed's latest answer as a price.
    [[nodiscard]] double oracle_price(const rpc::BlockRef& block = rpc::BlockTag::kLatest);

    /// Turns automine off and walks the path; returns what it saw. Stops early (and says so in
    /// the notes) when a stop is requested.
    MarketRecord run();

private:
    void queue_pool_move(double price, std::vector<Hash32>& txs);
    void queue_oracle(double price, std::vector<Hash32>& txs);
    std::optional<Write> queue_write(std::uint32_t step, double price, std::uint64_t now, std::vector<Hash32>& txs);
    void check_receipts(const std::vector<Hash32>& txs, std::string_view what);
    Sample sample(std::uint64_t block, std::uint32_t step, bool market_block, double path_price);
    std::vector<Hedge> hedges_in(std::uint64_t from, std::uint64_t to);
    void wait_for_keeper();
    void refill_budget_if_low(std::vector<Hash32>& txs, MarketRecord& record);

    Chain& chain_;
    Deployment deployment_;
    DriverSettings settings_;
    Account deployer_;
    Account trader_;
    PoolOrientation orientation_;
    std::uint32_t pool_fee_{3000};
    double underlying_unit_{1e18};
    double quote_unit_{1e6};
};

/// "event Rebalanced(...)" of IOptionsVault, as the report decodes it.
inline constexpr std::string_view kRebalancedEvent =
    "event Rebalanced(address indexed keeper, bool buyUnderlying, uint256 amountIn, uint256 amountOut, "
    "uint256 oraclePrice, int256 deltaBefore, int256 deltaAfter, uint256 budgetRemaining)";

}  // namespace keeper::demo

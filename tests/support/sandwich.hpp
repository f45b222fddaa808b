// Test support: a sandwich bot on anvil's public mempool (automine off, mining driven by the test).
//
// It polls txpool_content for pending calls of the vault's rebalance(RebalanceParams) (the
// hedge: SwapRouter.exactInputSingle on the vault's pool), decodes the victim's direction,
// amountIn, minAmountOut and sqrtPriceLimitX96, reads the pool (slot0, liquidity) and the
// oracle, and sizes a front-run in the same direction with the constant-product model of the
// pool's full-range liquidity (fee included): the largest one that still leaves the victim
// above every bound it checks — its own minAmountOut and price limit, the vault's oracle floor,
// the vault's price limit and the pool deviation check — with a safety margin. If the round trip is profitable it sends, from its own
// account, the front-run with a higher priority fee than the victim and the back-run (selling
// what the front-run bought) with a lower one, so the block orders them front, victim, back.
// Every look at the mempool and the reaction to it happen under the ChainGate lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/relay.hpp"

namespace keeper::test {

/// Anvil dev account 3: the sandwich bot.
inline constexpr const char* kBotAddress = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
inline constexpr const char* kBotKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

struct SandwichTarget {
    std::string vault, pool, router, adapter, quote, underlying;
    std::uint32_t pool_fee{3000};          // pips
    std::uint32_t max_deviation_bps{100};  // vault's rebalanceConfig
    std::uint32_t max_slippage_bps{150};
    unsigned underlying_decimals{18};
    unsigned quote_decimals{6};
};

struct SandwichOptions {
    ChainCall chain;
    std::shared_ptr<ChainGate> gate;
    std::string bot{kBotAddress};  // unlocked anvil account holding both tokens, router approved
    SandwichTarget target;
    std::chrono::milliseconds poll_interval{20};
    double safety_bps{3.0};  // margin kept on every victim bound
};

struct Attack {
    std::string victim_hash;
    std::string front_hash;
    std::string back_hash;
    bool buy_underlying{false};     // victim's (and front-run's) direction
    double front_in{0};             // token-in base units of the front-run
    double expected_victim_out{0};  // model: victim's output after the front-run
    double expected_profit{0};      // model: token-in base units gained by the round trip
};

class SandwichBot {
public:
    explicit SandwichBot(SandwichOptions options);
    ~SandwichBot();
    SandwichBot(const SandwichBot&) = delete;
    SandwichBot& operator=(const SandwichBot&) = delete;

    void start();
    void stop();

    /// Blocks until an attack was sent or `timeout` passed; true if one was sent.
    bool wait_for_attack(std::chrono::milliseconds timeout) const;
    /// Blocks until the bot completed at least `n` more polls (so "saw nothing" means something).
    void wait_polls(std::uint64_t n) const;

    [[nodiscard]] std::vector<Attack> attacks() const;
    [[nodiscard]] std::uint64_t victims_seen() const noexcept { return victims_seen_.load(); }
    [[nodiscard]] std::uint64_t polls() const noexcept { return polls_.load(); }
    [[nodiscard]] std::string last_error() const;

private:
    void run();
    void scan();
    void react(const std::string& hash, const std::string& input, const std::string& tip_hex,
               const std::string& max_fee_hex);

    SandwichOptions options_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> polls_{0};
    std::atomic<std::uint64_t> victims_seen_{0};
    mutable std::mutex mutex_;
    std::vector<Attack> attacks_;
    std::set<std::string> seen_;
    std::string last_error_;
};

}  // namespace keeper::test

// Collect: everything the planner needs about every vault, read once per head in ONE batched
// JSON-RPC round trip pinned to that head's block number.
//
//   start()        static facts, once: per vault its pool, oracle adapter, underlying and quote
//                  (ERC-4626 asset()) tokens, their decimals, the pool's token0 and fee. Two
//                  batched round trips (the second needs the addresses the first returns). Every
//                  address must hold contract code (an error names the one that does not) and the
//                  pool must trade exactly the vault's two tokens.
//   collect(head)  per vault: paused(), openSeries(), lens.rebalanceBounds(vault, keeper),
//                  oracle.tryLatestPrice(), pool.slot0(), pool.liquidity(), balanceOf(vault) of
//                  both tokens; once: eth_getBalance(keeper). 8 x vaults + 1 eth_calls, all at
//                  head.number; the base fee comes from the head itself. A lens revert is not a
//                  failure: the snapshot carries no bounds and the decoded revert reason (the
//                  planner turns it into kOracleStale). Any other error fails the whole round,
//                  naming the vault and the call.
//
// Runs on the event-loop thread (as EndpointPool). Not thread-safe.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "keeper/core/bytes.hpp"
#include "keeper/hedge/types.hpp"
#include "keeper/rpc/error.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"

namespace keeper::chain {

namespace asio = boost::asio;

/// One vault to hedge and the lens (stateless, shared by vaults) that reports its bounds.
struct VaultTarget {
    Address vault;
    Address lens;
};

/// What start() learned about one vault; fixed for the vault's lifetime (all immutables).
struct VaultFacts {
    Address vault;
    Address lens;
    Address pool;
    Address oracle;
    Address underlying;
    Address quote;
    std::uint8_t underlying_decimals{18};
    std::uint8_t quote_decimals{6};
    bool underlying_is_token0{true};
    std::uint32_t fee_pips{0};
    bool operator==(const VaultFacts&) const = default;
};

struct CollectorStats {
    std::uint64_t rounds{0};        // collect() calls that returned snapshots
    std::uint64_t failures{0};      // collect() calls that failed (transport, node error, decoding)
    std::uint64_t lens_reverts{0};  // snapshots without bounds (lens reverted)
    std::uint64_t calls{0};         // eth_calls sent in successful and failed rounds
    std::chrono::microseconds last_latency{0};  // of the last round trip
    std::chrono::microseconds max_latency{0};
    std::chrono::microseconds total_latency{0};  // sum over rounds and failures, for averages
    std::string last_error;                      // describe() of the last failure
};

class Collector {
public:
    /// `keeper` is the address whose delta budget the lens reports and whose native balance pays
    /// gas (the funds key of the executor).
    Collector(rpc::EndpointPool& pool, Address keeper, std::vector<VaultTarget> vaults);

    /// Reads and validates the static facts. Must succeed before collect().
    [[nodiscard]] asio::awaitable<rpc::Result<void>> start();

    /// One snapshot per vault, in the order of the targets, all at `head`.
    [[nodiscard]] asio::awaitable<rpc::Result<std::vector<hedge::VaultSnapshot>>> collect(const rpc::BlockHeader& head);

    [[nodiscard]] CollectorStats stats() const { return stats_; }
    [[nodiscard]] std::size_t vault_count() const noexcept { return targets_.size(); }
    [[nodiscard]] bool started() const noexcept { return started_; }
    /// The static facts (empty before start()).
    [[nodiscard]] const std::vector<VaultFacts>& facts() const noexcept { return facts_; }
    [[nodiscard]] const Address& keeper() const noexcept { return keeper_; }

    /// Number of eth_call / eth_getBalance requests in one collect() round.
    static constexpr std::size_t kCallsPerVault = 8;

private:
    rpc::EndpointPool& pool_;
    Address keeper_;
    std::vector<VaultTarget> targets_;
    std::vector<VaultFacts> facts_;
    bool started_{false};
    CollectorStats stats_;
};

}  // namespace keeper::chain

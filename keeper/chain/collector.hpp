// Collect: everything the planner needs about every vault, read once per head in ONE batched
// JSON-RPC round trip pinned to that head's block HASH (EIP-1898).
//
// Why the hash: during a reorg a block number can resolve, on the node, to another block than
// the head the keeper is deciding on; the snapshot would mix the head's header (timestamp, base
// fee, hash) with state from another branch. Every per-head read names the block as
// {"blockHash": head.hash, "requireCanonical": true}: a head that is no longer canonical (or
// unknown to the node that serves the batch) fails the whole round cleanly, and no snapshot is
// made from the wrong branch; the next head is collected as usual. Nodes that predate EIP-1898
// reject the object; start() probes once, logs it, and then (BlockPinning::kAuto only) pins by
// number. stats().pinned_by_hash says which is in use.
//
//   start()        static facts, once: per vault its pool, oracle adapter, underlying and quote
//                  (ERC-4626 asset()) tokens, their decimals, the pool's token0 and fee. Two
//                  batched round trips (the second needs the addresses the first returns). Every
//                  address must hold contract code (an error names the one that does not) and the
//                  pool must trade exactly the vault's two tokens.
//   collect(head)  per vault: paused(), openSeries(), lens.rebalanceBounds(vault, keeper),
//                  oracle.tryLatestPrice(), pool.slot0(), pool.liquidity(), balanceOf(vault) of
//                  both tokens; once: eth_getBalance(keeper). 8 x vaults + 1 eth_calls, all at
//                  the head's hash (or number, see above); the base fee comes from the head
//                  itself, and every snapshot carries the head's number and hash. A lens revert is not a
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
#include <string_view>
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

/// How collect() names the head's block in its reads.
enum class BlockPinning : std::uint8_t {
    kAuto,    // the block hash (EIP-1898) if the node accepts it, probed once in start(); else the number
    kHash,    // the block hash; start() fails if the node rejects the EIP-1898 object
    kNumber,  // the block number (reorg-unsafe: only for nodes without EIP-1898, or to compare)
};
[[nodiscard]] std::string_view to_string(BlockPinning p) noexcept;

/// Whether a node's error object to an EIP-1898 block parameter means "this node does not take
/// a block hash object" (invalid params, a JSON decoding complaint), as opposed to "that block
/// is not available" (a reorg, a pruned or unknown block).
[[nodiscard]] bool rejects_block_hash_param(const rpc::RpcError& e);

struct CollectorStats {
    std::uint64_t rounds{0};        // collect() calls that returned snapshots
    std::uint64_t failures{0};      // collect() calls that failed (transport, node error, decoding)
    std::uint64_t lens_reverts{0};  // snapshots without bounds (lens reverted)
    std::uint64_t calls{0};         // eth_calls sent in successful and failed rounds
    std::chrono::microseconds last_latency{0};  // of the last round trip
    std::chrono::microseconds max_latency{0};
    std::chrono::microseconds total_latency{0};  // sum over rounds and failures, for averages
    std::string last_error;                      // describe() of the last failure
    bool pinned_by_hash{false};       // reads name the head by hash (EIP-1898); false: by number
    std::uint64_t head_unavailable{0};  // rounds refused: the head's block was not canonical or unknown (reorg)
};

class Collector {
public:
    /// `keeper` is the address whose delta budget the lens reports and whose native balance pays
    /// gas (the funds key of the executor).
    Collector(rpc::EndpointPool& pool, Address keeper, std::vector<VaultTarget> vaults,
              BlockPinning pinning = BlockPinning::kAuto);

    /// Reads and validates the static facts and probes EIP-1898 support (not for kNumber).
    /// Must succeed before collect().
    [[nodiscard]] asio::awaitable<rpc::Result<void>> start();

    /// One snapshot per vault, in the order of the targets, all at `head` (its hash: see above).
    /// A head no longer canonical fails the round (Errc::kRpc, stats().head_unavailable).
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
    [[nodiscard]] asio::awaitable<rpc::Result<void>> probe_block_hash_support();

    rpc::EndpointPool& pool_;
    Address keeper_;
    std::vector<VaultTarget> targets_;
    BlockPinning pinning_;
    bool by_hash_{false};
    std::vector<VaultFacts> facts_;
    bool started_{false};
    CollectorStats stats_;
};

}  // namespace keeper::chain

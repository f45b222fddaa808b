// Nonce assignment: the journal is the keeper's memory of nonces it has used, the chain is
// the truth of nonces consumed. Pure: the caller reads both and applies the plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace keeper::txm {

/// At most this many gaps are reported per plan (the lowest ones); fill them and plan again.
inline constexpr std::size_t kMaxGaps = 64;

struct NonceInputs {
    /// Highest nonce the journal holds for this sender (reserved or signed); none if unused.
    std::optional<std::uint64_t> journal_highest;
    /// Nonces the journal holds for transactions not yet mined (any order, duplicates allowed).
    std::vector<std::uint64_t> journal_open;
    /// eth_getTransactionCount(sender, "latest"): nonces consumed by mined transactions.
    std::uint64_t chain_latest{0};
    /// eth_getTransactionCount(sender, "pending"): also counts the node's mempool.
    std::uint64_t chain_pending{0};
};

struct NoncePlan {
    /// The nonce for the next new transaction.
    std::uint64_t next{0};
    /// The chain has consumed nonces the journal never used: the key signed elsewhere. The
    /// plan fast-forwards past them; the operator must be alerted.
    bool chain_ahead{false};
    /// Nonces below the journal's highest, not yet mined, with no open transaction of ours:
    /// nothing will ever fill them, so every later transaction is stuck behind them. Each must
    /// be filled (with a no-op self-transfer), in ascending order.
    std::vector<std::uint64_t> gaps;
    bool operator==(const NoncePlan&) const = default;
};

/// next = max(journal_highest + 1, chain_pending, chain_latest); chain_ahead when the chain's
/// count exceeds journal_highest + 1; gaps = [chain_latest, journal_highest] minus journal_open.
[[nodiscard]] NoncePlan plan_nonce(const NonceInputs& in);

}  // namespace keeper::txm

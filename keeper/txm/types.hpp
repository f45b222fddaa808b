// Transaction manager vocabulary shared by the pure rules (keeper/txm) and the journal that
// persists them (keeper/journal): intent and attempt states, EIP-1559 fee pairs, and the
// views of journal rows the state machine reads. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::txm {

using IntentId = std::int64_t;
using AttemptId = std::int64_t;

/// An intent is one trading decision; it moves forward only:
///   created -> signed -> broadcast -> included -> final
/// and may end early as failed (reverted on chain, or its nonce taken by another transaction),
/// cancelled (replaced by a no-op at the same nonce) or expired (deadline passed before signing).
/// "included" can fall back to "broadcast" when a reorg removes the block.
enum class IntentState : std::uint8_t {
    kCreated = 0,
    kSigned = 1,
    kBroadcast = 2,
    kIncluded = 3,
    kFinal = 4,
    kFailed = 5,
    kCancelled = 6,
    kExpired = 7,
};
[[nodiscard]] std::string_view to_string(IntentState s) noexcept;
[[nodiscard]] constexpr bool is_terminal(IntentState s) noexcept {
    return s == IntentState::kFinal || s == IntentState::kFailed || s == IntentState::kCancelled ||
           s == IntentState::kExpired;
}

/// One signed transaction. "signed" means recorded in the journal and possibly (after a crash,
/// maybe) broadcast: it is never re-signed, only re-sent with identical bytes.
enum class AttemptState : std::uint8_t {
    kSigned = 0,
    kBroadcast = 1,
    kIncluded = 2,
    kReplaced = 3,  // a later attempt at the same nonce supersedes it (it may still be mined)
    kFinal = 4,
    kFailed = 5,
};
[[nodiscard]] std::string_view to_string(AttemptState s) noexcept;

/// What an attempt does: the intent's own transaction, or the no-op self-transfer that
/// cancels it at the same nonce.
enum class AttemptKind : std::uint8_t { kIntent = 0, kCancel = 1 };

/// The two EIP-1559 fee fields, in wei per gas.
struct Fees {
    U256 max_fee_per_gas{0};
    U256 max_priority_fee_per_gas{0};
    bool operator==(const Fees&) const = default;
};

/// A receipt as the journal recorded it: the block that included the attempt.
struct ReceiptRecord {
    std::uint64_t block_number{0};
    Hash32 block_hash;
    bool status{false};  // true: success
    bool operator==(const ReceiptRecord&) const = default;
};

struct AttemptView {
    AttemptId id{0};
    AttemptKind kind{AttemptKind::kIntent};
    std::uint64_t nonce{0};
    Bytes raw;  // the signed transaction exactly as broadcast
    Hash32 tx_hash;
    Fees fees;
    std::uint64_t gas_limit{0};
    AttemptState state{AttemptState::kSigned};
    std::optional<std::uint64_t> first_broadcast_block;
    std::optional<std::uint64_t> last_broadcast_block;
    std::optional<ReceiptRecord> receipt;
    /// It reached the public mempool (journaled: a private submitter's public fallback sent it).
    bool went_public{false};
    bool operator==(const AttemptView&) const = default;
};

struct IntentView {
    IntentId id{0};
    IntentState state{IntentState::kCreated};
    std::uint64_t deadline{0};          // unix seconds; compared with the head's timestamp
    std::vector<AttemptView> attempts;  // in signing order (the last one is the newest)
    /// The nonce reserved for the intent, once assigned (an intent can hold one before any
    /// attempt is journaled: a crash or error between the reservation and the signed attempt).
    std::optional<std::uint64_t> nonce;
    bool operator==(const IntentView&) const = default;
};

}  // namespace keeper::txm

// The transaction state machine: given what the journal holds for an intent and what the chain
// shows now, the actions that move the intent towards finality. Pure: it neither reads the
// journal nor talks to a node, so every rule is a unit test with literal inputs and outputs.
// The executor applies the actions in order (journal writes before any broadcast).
//
// Rules, in the order they are checked for an intent still in flight:
//  0. unsigned:  no attempt journaled yet. Before the deadline: sign it (SignIntent, at its
//                reserved nonce if it holds one). Past the deadline: if a nonce was reserved (a
//                crash or error between the reservation and the journaled attempt) it is
//                released by a cancel at that nonce (SignCancel with no fees: the caller prices
//                it), so no gap holds back every later transaction; without one, or if the
//                chain's nonce count already passed it (+ Alert), it ends expired.
//  1. reorg:     a receipt the journal recorded whose block hash is no longer the one the node
//                reports puts the attempt back in flight (ForgetReceipt); if that block was
//                already final (see "final" below), or the intent was final, trading halts (Halt).
//  2. included:  a new receipt is recorded (RecordReceipt); once final the intent ends
//                (MarkFinal): final, failed (reverted) or cancelled (the cancel attempt was mined).
//                Final means, by MachinePolicy::finality:
//                  kDepth:     `confirmations` blocks deep (the including block counts as one);
//                  kFinalized: at or below the node's `finalized` block, read with the receipts
//                              (ChainObservation::finalized_number; none yet: not final).
//                A receipt above the head (the node moved on between the head and the read) is
//                the caller's to drop: the observation describes the head.
//  3. nonce lost: the sender's mined nonce count passed the intent's nonce but none of its
//                attempts has a receipt: another transaction from the key took the nonce
//                (MarkFinal failed + Alert). The caller reads the nonce count at the head's block
//                and drops receipts above the head, so a receipt of ours cannot be missed.
//  4. expired:   the head's timestamp passed the deadline: replace with a cancel (SignCancel:
//                a 0-value self-transfer, 21000 gas, bumped fees at the same nonce).
//  5. recovery:  the newest attempt is recorded as signed but not known to be broadcast (a
//                crash between journal and network): re-send the identical bytes (Broadcast).
//                Never re-signed at a new nonce.
//  6. dropped:   the node does not know the newest attempt and it is not mined: re-send the
//                identical bytes (Broadcast + Alert). Nodes evict transactions priced below the
//                base fee and refuse them again, so once the attempt is also past the bump delay
//                it is replaced with bumped fees instead (SignReplacement/SignCancel + Alert);
//                at the fee cap the identical bytes are re-sent (+ the cap Alert).
//  7. stuck:     not mined `bump_after_blocks` blocks after its first broadcast: replace at the
//                same nonce with bumped fees (SignReplacement, or SignCancel for a cancel); if
//                the fee cap forbids a valid bump, Alert instead.
// Intents already final/failed/cancelled are checked for rule 1 only: any recorded receipt no
// longer canonical there is a reorg past finality (Halt).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/txm/fees.hpp"
#include "keeper/txm/types.hpp"

namespace keeper::txm {

/// What makes a receipt final.
enum class Finality : std::uint8_t {
    kDepth,      // `confirmations` blocks deep
    kFinalized,  // at or below the node's "finalized" block (the consensus layer's finality)
};
[[nodiscard]] std::string_view to_string(Finality f) noexcept;
/// "depth" or "finalized"; nullopt for anything else.
[[nodiscard]] std::optional<Finality> parse_finality(std::string_view text) noexcept;

struct MachinePolicy {
    std::uint64_t confirmations{12};     // receipt depth that makes an intent final (>= 1; kDepth)
    std::uint64_t bump_after_blocks{3};  // blocks after first broadcast before a fee bump
    BumpPolicy bump;
    Finality finality{Finality::kDepth};
};

/// What the node says about one attempt, by transaction hash.
struct TxObservation {
    bool known{false};                     // eth_getTransactionByHash returned a transaction
    std::optional<ReceiptRecord> receipt;  // eth_getTransactionReceipt, on the node's canonical chain
};

struct ChainObservation {
    std::uint64_t head_number{0};
    std::uint64_t head_timestamp{0};
    std::uint64_t sender_latest_nonce{0};  // eth_getTransactionCount(sender) at the head's block
    std::map<Hash32, TxObservation> txs;   // an attempt missing here: unknown, no receipt
    /// The node's "finalized" block number, read in the same batch as the receipts (kFinalized
    /// only; nullopt: nothing finalized yet, or not read).
    std::optional<std::uint64_t> finalized_number;
};

// ---- actions -----------------------------------------------------------------------------------

enum class BroadcastReason : std::uint8_t {
    kUnconfirmedSend,  // journaled as signed; the send may not have happened (restart recovery)
    kDropped,          // broadcast before, but the node no longer knows it
};
enum class AlertKind : std::uint8_t {
    kDropped,                 // a broadcast transaction vanished from the node
    kFeeCapReached,           // a needed replacement or cancel is not possible below the cap
    kReorgedOut,              // a receipt's block left the canonical chain (within depth)
    kNonceConsumedElsewhere,  // the key signed another transaction at this intent's nonce
    kDeepReorg,               // a reorg deeper than the confirmation depth (with Halt)
};
enum class HaltReason : std::uint8_t {
    kReorgBeyondDepth,  // a receipt at or beyond the confirmation depth was reorged out
};
[[nodiscard]] std::string_view to_string(BroadcastReason r) noexcept;
[[nodiscard]] std::string_view to_string(AlertKind k) noexcept;
[[nodiscard]] std::string_view to_string(HaltReason r) noexcept;

/// Sign the intent's own transaction for the first time (state created, nonce to be assigned).
struct SignIntent {
    IntentId intent{0};
    bool operator==(const SignIntent&) const = default;
};
/// Send these exact bytes (eth_sendRawTransaction); a "known"/"already imported" answer is fine.
struct Broadcast {
    AttemptId attempt{0};
    Bytes raw;
    BroadcastReason reason{BroadcastReason::kUnconfirmedSend};
    bool operator==(const Broadcast&) const = default;
};
/// Sign the intent's transaction again at `nonce` with `fees`, journal it, then broadcast.
struct SignReplacement {
    IntentId intent{0};
    std::uint64_t nonce{0};
    Fees fees;
    bool operator==(const SignReplacement&) const = default;
};
/// Sign a 0-value self-transfer (21000 gas, no data) at `nonce` with `fees`, journal, broadcast.
/// Zero fees (an intent with a reserved nonce and no attempt yet: nothing to bump from): the
/// caller prices it from the fee oracle.
struct SignCancel {
    IntentId intent{0};
    std::uint64_t nonce{0};
    Fees fees;
    bool operator==(const SignCancel&) const = default;
};
struct RecordReceipt {
    AttemptId attempt{0};
    ReceiptRecord receipt;
    bool operator==(const RecordReceipt&) const = default;
};
/// The recorded receipt's block is no longer canonical: the attempt is in flight again.
struct ForgetReceipt {
    AttemptId attempt{0};
    bool operator==(const ForgetReceipt&) const = default;
};
/// The intent ends in `outcome` (final, failed, cancelled or expired); `attempt` is the mined one.
struct MarkFinal {
    IntentId intent{0};
    std::optional<AttemptId> attempt;
    IntentState outcome{IntentState::kFinal};
    bool operator==(const MarkFinal&) const = default;
};
/// Stop trading until an operator intervenes.
struct Halt {
    HaltReason reason{HaltReason::kReorgBeyondDepth};
    IntentId intent{0};
    bool operator==(const Halt&) const = default;
};
struct Alert {
    AlertKind kind{AlertKind::kDropped};
    IntentId intent{0};
    bool operator==(const Alert&) const = default;
};

using Action = std::variant<SignIntent, Broadcast, SignReplacement, SignCancel, RecordReceipt, ForgetReceipt, MarkFinal,
                            Halt, Alert>;

/// The actions for one intent.
[[nodiscard]] std::vector<Action> evaluate(const IntentView& intent, const ChainObservation& chain,
                                           const MachinePolicy& policy);
/// The actions for several intents, concatenated in the given order.
[[nodiscard]] std::vector<Action> evaluate(std::span<const IntentView> intents, const ChainObservation& chain,
                                           const MachinePolicy& policy);

}  // namespace keeper::txm

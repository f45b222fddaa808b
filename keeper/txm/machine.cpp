#include "keeper/txm/machine.hpp"

#include <cassert>

namespace keeper::txm {

std::string_view to_string(IntentState s) noexcept {
    switch (s) {
        case IntentState::kCreated:
            return "created";
        case IntentState::kSigned:
            return "signed";
        case IntentState::kBroadcast:
            return "broadcast";
        case IntentState::kIncluded:
            return "included";
        case IntentState::kFinal:
            return "final";
        case IntentState::kFailed:
            return "failed";
        case IntentState::kCancelled:
            return "cancelled";
        case IntentState::kExpired:
            return "expired";
    }
    return "unknown";
}

std::string_view to_string(AttemptState s) noexcept {
    switch (s) {
        case AttemptState::kSigned:
            return "signed";
        case AttemptState::kBroadcast:
            return "broadcast";
        case AttemptState::kIncluded:
            return "included";
        case AttemptState::kReplaced:
            return "replaced";
        case AttemptState::kFinal:
            return "final";
        case AttemptState::kFailed:
            return "failed";
    }
    return "unknown";
}

std::string_view to_string(BroadcastReason r) noexcept {
    switch (r) {
        case BroadcastReason::kUnconfirmedSend:
            return "unconfirmed send";
        case BroadcastReason::kDropped:
            return "dropped";
    }
    return "unknown";
}

std::string_view to_string(AlertKind k) noexcept {
    switch (k) {
        case AlertKind::kDropped:
            return "transaction dropped by the node";
        case AlertKind::kFeeCapReached:
            return "fee cap reached";
        case AlertKind::kReorgedOut:
            return "receipt reorged out";
        case AlertKind::kNonceConsumedElsewhere:
            return "nonce consumed by another transaction of the key";
        case AlertKind::kDeepReorg:
            return "reorg deeper than the confirmation depth";
    }
    return "unknown";
}

std::string_view to_string(Finality f) noexcept {
    switch (f) {
        case Finality::kDepth:
            return "depth";
        case Finality::kFinalized:
            return "finalized";
    }
    return "unknown";
}

std::optional<Finality> parse_finality(std::string_view text) noexcept {
    if (text == "depth") return Finality::kDepth;
    if (text == "finalized") return Finality::kFinalized;
    return std::nullopt;
}

std::string_view to_string(HaltReason r) noexcept {
    switch (r) {
        case HaltReason::kReorgBeyondDepth:
            return "reorg beyond the confirmation depth";
    }
    return "unknown";
}

namespace {

const TxObservation kUnknown{};

const TxObservation& observe(const ChainObservation& chain, const Hash32& tx_hash) {
    auto it = chain.txs.find(tx_hash);
    return it == chain.txs.end() ? kUnknown : it->second;
}

// Blocks from `block` to the head, both included (0 when the head is below the block).
std::uint64_t depth_of(std::uint64_t block, std::uint64_t head) {
    return head >= block ? head - block + 1 : 0;
}

// Whether a receipt in `block` is final at this observation (see MachinePolicy::finality).
bool is_final(std::uint64_t block, const ChainObservation& chain, const MachinePolicy& policy) {
    if (policy.finality == Finality::kFinalized)
        return chain.finalized_number.has_value() && block <= *chain.finalized_number;
    return depth_of(block, chain.head_number) >= policy.confirmations;
}

bool reorged_out(const AttemptView& a, const TxObservation& obs) {
    return a.receipt && (!obs.receipt || obs.receipt->block_hash != a.receipt->block_hash);
}

// Rule 1 for an intent that already ended: any recorded receipt gone is a reorg past finality.
void check_terminal(const IntentView& intent, const ChainObservation& chain, std::vector<Action>& out) {
    for (const AttemptView& a : intent.attempts) {
        if (reorged_out(a, observe(chain, a.tx_hash))) {
            out.emplace_back(Halt{HaltReason::kReorgBeyondDepth, intent.id});
            out.emplace_back(Alert{AlertKind::kDeepReorg, intent.id});
            return;
        }
    }
}

IntentState outcome_of(const AttemptView& a, const ReceiptRecord& r) {
    if (!r.status) return IntentState::kFailed;
    return a.kind == AttemptKind::kCancel ? IntentState::kCancelled : IntentState::kFinal;
}

}  // namespace

std::vector<Action> evaluate(const IntentView& intent, const ChainObservation& chain, const MachinePolicy& policy) {
    assert(policy.confirmations >= 1);
    std::vector<Action> out;
    if (is_terminal(intent.state)) {
        if (intent.state != IntentState::kExpired) check_terminal(intent, chain, out);
        return out;
    }
    const bool expired = chain.head_timestamp > intent.deadline;
    if (intent.attempts.empty()) {
        if (!expired) {
            out.emplace_back(SignIntent{intent.id});
        } else if (intent.nonce && chain.sender_latest_nonce <= *intent.nonce) {
            out.emplace_back(SignCancel{intent.id, *intent.nonce, Fees{}});  // release the reserved nonce
        } else {
            out.emplace_back(MarkFinal{intent.id, std::nullopt, IntentState::kExpired});
            // Nothing of ours was ever signed at the reserved nonce, yet it is mined.
            if (intent.nonce) out.emplace_back(Alert{AlertKind::kNonceConsumedElsewhere, intent.id});
        }
        return out;
    }

    // Rules 1 and 2: receipts, reorgs, confirmation depth.
    const AttemptView* mined = nullptr;
    const ReceiptRecord* mined_receipt = nullptr;
    for (const AttemptView& a : intent.attempts) {
        const TxObservation& obs = observe(chain, a.tx_hash);
        bool recorded = a.receipt.has_value();
        if (reorged_out(a, obs)) {
            if (is_final(a.receipt->block_number, chain, policy)) {
                out.emplace_back(Halt{HaltReason::kReorgBeyondDepth, intent.id});
                out.emplace_back(Alert{AlertKind::kDeepReorg, intent.id});
                return out;
            }
            out.emplace_back(ForgetReceipt{a.id});
            out.emplace_back(Alert{AlertKind::kReorgedOut, intent.id});
            recorded = false;
        }
        if (obs.receipt) {
            if (!recorded) out.emplace_back(RecordReceipt{a.id, *obs.receipt});
            mined = &a;
            mined_receipt = &*obs.receipt;
        }
    }
    if (mined != nullptr) {
        if (is_final(mined_receipt->block_number, chain, policy))
            out.emplace_back(MarkFinal{intent.id, mined->id, outcome_of(*mined, *mined_receipt)});
        return out;  // included: wait for depth, never bump
    }

    const AttemptView& newest = intent.attempts.back();
    // Rule 3: the nonce went to another transaction of the key.
    if (chain.sender_latest_nonce > newest.nonce) {
        out.emplace_back(MarkFinal{intent.id, std::nullopt, IntentState::kFailed});
        out.emplace_back(Alert{AlertKind::kNonceConsumedElsewhere, intent.id});
        return out;
    }

    // Rule 4: expired before inclusion: cancel at the same nonce.
    bool cap_alerted = false;
    if (expired && newest.kind == AttemptKind::kIntent) {
        auto fees = bump_fees(newest.fees, policy.bump);
        if (fees) {
            out.emplace_back(SignCancel{intent.id, newest.nonce, *fees});
            return out;
        }
        out.emplace_back(Alert{AlertKind::kFeeCapReached, intent.id});
        cap_alerted = true;
    }

    // Rules 5 and 6: identical bytes again.
    const TxObservation& obs = observe(chain, newest.tx_hash);
    if (newest.state == AttemptState::kSigned) {
        out.emplace_back(Broadcast{newest.id, newest.raw, BroadcastReason::kUnconfirmedSend});
        return out;
    }
    const std::uint64_t since = newest.first_broadcast_block.value_or(chain.head_number);
    const bool stuck = chain.head_number >= since && chain.head_number - since >= policy.bump_after_blocks;
    if (!obs.known) {
        // Dropped. Nodes evict transactions priced below the base fee (and refuse them again),
        // so one dropped past the bump delay is replaced with bumped fees; below the delay, or
        // when the cap forbids a bump, the identical bytes are sent again.
        if (stuck) {
            if (auto fees = bump_fees(newest.fees, policy.bump)) {
                if (newest.kind == AttemptKind::kCancel)
                    out.emplace_back(SignCancel{intent.id, newest.nonce, *fees});
                else
                    out.emplace_back(SignReplacement{intent.id, newest.nonce, *fees});
                out.emplace_back(Alert{AlertKind::kDropped, intent.id});
                return out;
            }
            if (!cap_alerted) out.emplace_back(Alert{AlertKind::kFeeCapReached, intent.id});
        }
        out.emplace_back(Broadcast{newest.id, newest.raw, BroadcastReason::kDropped});
        out.emplace_back(Alert{AlertKind::kDropped, intent.id});
        return out;
    }

    // Rule 7: stuck: bump both fee fields at the same nonce.
    if (stuck) {
        auto fees = bump_fees(newest.fees, policy.bump);
        if (!fees) {
            if (!cap_alerted) out.emplace_back(Alert{AlertKind::kFeeCapReached, intent.id});
        } else if (newest.kind == AttemptKind::kCancel) {
            out.emplace_back(SignCancel{intent.id, newest.nonce, *fees});
        } else {
            out.emplace_back(SignReplacement{intent.id, newest.nonce, *fees});
        }
    }
    return out;
}

std::vector<Action> evaluate(std::span<const IntentView> intents, const ChainObservation& chain,
                             const MachinePolicy& policy) {
    std::vector<Action> out;
    for (const IntentView& intent : intents) {
        auto actions = evaluate(intent, chain, policy);
        out.insert(out.end(), std::make_move_iterator(actions.begin()), std::make_move_iterator(actions.end()));
    }
    return out;
}

}  // namespace keeper::txm

// The transaction state machine: every rule with literal journal state, chain observations and
// the exact actions expected.
#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/txm/machine.hpp"
#include "print.hpp"

using namespace keeper;
using namespace keeper::txm;

namespace {

const U256 kGwei = 1'000'000'000;
constexpr std::uint64_t kHead = 100;
constexpr std::uint64_t kNow = 1'700'000'000;
constexpr std::uint64_t kDeadline = kNow + 600;
constexpr std::uint64_t kNonce = 7;

constexpr Hash32 kTxA = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"_hash;
constexpr Hash32 kTxB = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"_hash;
constexpr Hash32 kBlock97 = "0x9797979797979797979797979797979797979797979797979797979797979797"_hash;
constexpr Hash32 kBlock98 = "0x9898989898989898989898989898989898989898989898989898989898989898"_hash;
constexpr Hash32 kBlock98Fork = "0x98f098f098f098f098f098f098f098f098f098f098f098f098f098f098f098f0"_hash;

MachinePolicy policy() {
    MachinePolicy p;
    p.confirmations = 3;
    p.bump_after_blocks = 2;
    p.bump = BumpPolicy{10, 0, 200 * kGwei};
    return p;
}

AttemptView attempt(AttemptId id, const Hash32& hash, AttemptState state, std::optional<std::uint64_t> first_block,
                    AttemptKind kind = AttemptKind::kIntent) {
    AttemptView a;
    a.id = id;
    a.kind = kind;
    a.nonce = kNonce;
    a.raw = "0x02f87082053907843b9aca00"_hex;
    a.raw.push_back(static_cast<std::uint8_t>(id));  // distinct bytes per attempt
    a.tx_hash = hash;
    a.fees = {100 * kGwei, 2 * kGwei};
    a.gas_limit = 200'000;
    a.state = state;
    a.first_broadcast_block = first_block;
    a.last_broadcast_block = first_block;
    return a;
}

IntentView intent(IntentState state, std::vector<AttemptView> attempts) {
    return IntentView{1, state, kDeadline, std::move(attempts), std::nullopt};
}

ChainObservation chain(std::uint64_t head = kHead, std::uint64_t now = kNow) {
    ChainObservation c;
    c.head_number = head;
    c.head_timestamp = now;
    c.sender_latest_nonce = kNonce;
    return c;
}

TxObservation pending() {
    return TxObservation{true, std::nullopt};
}
TxObservation mined(std::uint64_t block, const Hash32& hash, bool status = true) {
    return TxObservation{true, ReceiptRecord{block, hash, status}};
}

const Fees kBumped{110 * kGwei, 2'200'000'000};

}  // namespace

// ---- before the first signature ----------------------------------------------------------------

TEST_CASE("a created intent is signed") {
    CHECK(evaluate(intent(IntentState::kCreated, {}), chain(), policy()) == std::vector<Action>{SignIntent{1}});
}

TEST_CASE("a created intent past its deadline expires without signing") {
    CHECK(evaluate(intent(IntentState::kCreated, {}), chain(kHead, kDeadline + 1), policy()) ==
          std::vector<Action>{MarkFinal{1, std::nullopt, IntentState::kExpired}});
}

TEST_CASE("an unsigned intent holding a reserved nonce is signed at it before its deadline") {
    IntentView v = intent(IntentState::kCreated, {});
    v.nonce = kNonce;
    CHECK(evaluate(v, chain(), policy()) == std::vector<Action>{SignIntent{1}});
}

TEST_CASE("an unsigned intent past its deadline holding a reserved nonce releases it with a cancel") {
    // A crash or error between reserve_nonce and the journaled attempt: expiring it quietly
    // would leave the nonce unused and every later transaction stuck behind it.
    IntentView v = intent(IntentState::kCreated, {});
    v.nonce = kNonce;
    CHECK(evaluate(v, chain(kHead, kDeadline + 1), policy()) ==
          std::vector<Action>{SignCancel{1, kNonce, Fees{}}});
}

TEST_CASE("an unsigned intent past its deadline whose reserved nonce is already mined expires with an alert") {
    IntentView v = intent(IntentState::kCreated, {});
    v.nonce = kNonce;
    ChainObservation c = chain(kHead, kDeadline + 1);
    c.sender_latest_nonce = kNonce + 1;
    CHECK(evaluate(v, c, policy()) ==
          std::vector<Action>{MarkFinal{1, std::nullopt, IntentState::kExpired},
                              Alert{AlertKind::kNonceConsumedElsewhere, 1}});
}

// ---- identical bytes again -----------------------------------------------------------------------

TEST_CASE("restart recovery: a journaled but unconfirmed send is re-sent with identical bytes") {
    const AttemptView a = attempt(10, kTxA, AttemptState::kSigned, std::nullopt);
    CHECK(evaluate(intent(IntentState::kSigned, {a}), chain(), policy()) ==
          std::vector<Action>{Broadcast{10, a.raw, BroadcastReason::kUnconfirmedSend}});
}

TEST_CASE("restart recovery re-sends even when the node already knows the transaction") {
    const AttemptView a = attempt(10, kTxA, AttemptState::kSigned, std::nullopt);
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kSigned, {a}), c, policy()) ==
          std::vector<Action>{Broadcast{10, a.raw, BroadcastReason::kUnconfirmedSend}});
}

TEST_CASE("a dropped transaction is re-broadcast with the same bytes and alerted") {
    const AttemptView a = attempt(10, kTxA, AttemptState::kBroadcast, 99);
    CHECK(evaluate(intent(IntentState::kBroadcast, {a}), chain(), policy()) ==
          std::vector<Action>{Broadcast{10, a.raw, BroadcastReason::kDropped}, Alert{AlertKind::kDropped, 1}});
}

TEST_CASE("a transaction dropped past the bump delay is replaced with bumped fees, not re-sent") {
    // Nodes evict an attempt priced below the base fee and refuse the same bytes again.
    const AttemptView a = attempt(10, kTxA, AttemptState::kBroadcast, 90);
    const auto actions = evaluate(intent(IntentState::kBroadcast, {a}), chain(), policy());
    REQUIRE(actions.size() == 2);
    const auto* r = std::get_if<SignReplacement>(&actions[0]);
    REQUIRE(r != nullptr);
    CHECK(r->nonce == a.nonce);
    CHECK(is_valid_replacement(a.fees, r->fees));
    CHECK(actions[1] == Action{Alert{AlertKind::kDropped, 1}});
}

TEST_CASE("a transaction dropped at the fee cap is re-sent with the same bytes and the cap alerted") {
    AttemptView a = attempt(10, kTxA, AttemptState::kBroadcast, 90);
    a.fees = Fees{policy().bump.fee_cap, policy().bump.fee_cap};
    CHECK(evaluate(intent(IntentState::kBroadcast, {a}), chain(), policy()) ==
          std::vector<Action>{Alert{AlertKind::kFeeCapReached, 1}, Broadcast{10, a.raw, BroadcastReason::kDropped},
                              Alert{AlertKind::kDropped, 1}});
}

// ---- waiting and bumping -------------------------------------------------------------------------

TEST_CASE("a pending transaction younger than the bump delay is left alone") {
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 99)}), c, policy())
              .empty());
}

TEST_CASE("a transaction not mined after N blocks is replaced with bumped fees at the same nonce") {
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 98)}), c, policy()) ==
          std::vector<Action>{SignReplacement{1, kNonce, kBumped}});
}

TEST_CASE("bumping follows the newest attempt's fees") {
    AttemptView older = attempt(10, kTxA, AttemptState::kReplaced, 90);
    AttemptView newer = attempt(11, kTxB, AttemptState::kBroadcast, 97);
    newer.fees = kBumped;
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    c.txs[kTxB] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {older, newer}), c, policy()) ==
          std::vector<Action>{SignReplacement{1, kNonce, Fees{121 * kGwei, 2'420'000'000}}});
}

TEST_CASE("a stuck transaction whose bump would pass the cap raises an alert instead") {
    AttemptView a = attempt(10, kTxA, AttemptState::kBroadcast, 90);
    a.fees = {190 * kGwei, 2 * kGwei};
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {a}), c, policy()) ==
          std::vector<Action>{Alert{AlertKind::kFeeCapReached, 1}});
}

TEST_CASE("a stuck cancel is bumped as a cancel") {
    ChainObservation c = chain();
    c.txs[kTxA] = pending();
    const AttemptView a = attempt(10, kTxA, AttemptState::kBroadcast, 90, AttemptKind::kCancel);
    CHECK(evaluate(intent(IntentState::kBroadcast, {a}), c, policy()) ==
          std::vector<Action>{SignCancel{1, kNonce, kBumped}});
}

// ---- expiry --------------------------------------------------------------------------------------

TEST_CASE("an intent past its deadline is cancelled at the same nonce with bumped fees") {
    ChainObservation c = chain(kHead, kDeadline + 1);
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 99)}), c, policy()) ==
          std::vector<Action>{SignCancel{1, kNonce, kBumped}});
}

TEST_CASE("the deadline itself is still valid") {
    ChainObservation c = chain(kHead, kDeadline);
    c.txs[kTxA] = pending();
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 99)}), c, policy())
              .empty());
}

TEST_CASE("an expired intent whose cancel is pending is not cancelled again") {
    ChainObservation c = chain(kHead, kDeadline + 1);
    c.txs[kTxA] = pending();
    c.txs[kTxB] = pending();
    const AttemptView trade = attempt(10, kTxA, AttemptState::kReplaced, 95);
    const AttemptView cancel = attempt(11, kTxB, AttemptState::kBroadcast, 99, AttemptKind::kCancel);
    CHECK(evaluate(intent(IntentState::kBroadcast, {trade, cancel}), c, policy()).empty());
}

TEST_CASE("an expired intent whose cancel is over the cap alerts and keeps the trade alive") {
    AttemptView a = attempt(10, kTxA, AttemptState::kSigned, std::nullopt);
    a.fees = {190 * kGwei, 2 * kGwei};
    CHECK(evaluate(intent(IntentState::kSigned, {a}), chain(kHead, kDeadline + 1), policy()) ==
          std::vector<Action>{Alert{AlertKind::kFeeCapReached, 1},
                              Broadcast{10, a.raw, BroadcastReason::kUnconfirmedSend}});
}

// ---- receipts and confirmation depth --------------------------------------------------------------

TEST_CASE("a new receipt is recorded and the intent waits for depth") {
    ChainObservation c = chain();
    c.txs[kTxA] = mined(99, kBlock97);  // depth 2 of 3
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 90)}), c, policy()) ==
          std::vector<Action>{RecordReceipt{10, ReceiptRecord{99, kBlock97, true}}});
}

TEST_CASE("a receipt at the confirmation depth makes the intent final") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 90);
    a.receipt = ReceiptRecord{98, kBlock98, true};
    ChainObservation c = chain();
    c.txs[kTxA] = mined(98, kBlock98);  // blocks 98, 99, 100: depth 3
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, policy()) ==
          std::vector<Action>{MarkFinal{1, 10, IntentState::kFinal}});
}

TEST_CASE("a reverted receipt at depth fails the intent") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 90);
    a.receipt = ReceiptRecord{98, kBlock98, false};
    ChainObservation c = chain();
    c.txs[kTxA] = mined(98, kBlock98, false);
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, policy()) ==
          std::vector<Action>{MarkFinal{1, 10, IntentState::kFailed}});
}

TEST_CASE("a mined cancel at depth ends the intent cancelled") {
    const AttemptView trade = attempt(10, kTxA, AttemptState::kReplaced, 90);
    AttemptView cancel = attempt(11, kTxB, AttemptState::kIncluded, 95, AttemptKind::kCancel);
    cancel.receipt = ReceiptRecord{97, kBlock97, true};
    ChainObservation c = chain();
    c.txs[kTxB] = mined(97, kBlock97);
    CHECK(evaluate(intent(IntentState::kIncluded, {trade, cancel}), c, policy()) ==
          std::vector<Action>{MarkFinal{1, 11, IntentState::kCancelled}});
}

TEST_CASE("a replaced attempt that got mined wins: recorded, and no bump") {
    ChainObservation c = chain();
    c.txs[kTxA] = mined(100, kBlock97);
    const AttemptView older = attempt(10, kTxA, AttemptState::kReplaced, 90);
    const AttemptView newer = attempt(11, kTxB, AttemptState::kBroadcast, 91);
    CHECK(evaluate(intent(IntentState::kBroadcast, {older, newer}), c, policy()) ==
          std::vector<Action>{RecordReceipt{10, ReceiptRecord{100, kBlock97, true}}});
}

// ---- reorgs --------------------------------------------------------------------------------------

TEST_CASE("a receipt reorged out within depth puts the attempt back in flight") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 99);
    a.receipt = ReceiptRecord{99, kBlock98, true};
    ChainObservation c = chain();
    c.txs[kTxA] = pending();  // back in the mempool
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, policy()) ==
          std::vector<Action>{ForgetReceipt{10}, Alert{AlertKind::kReorgedOut, 1}});
}

TEST_CASE("a reorged-out transaction that the node forgot is re-broadcast") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 99);
    a.receipt = ReceiptRecord{99, kBlock98, true};
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), chain(), policy()) ==
          std::vector<Action>{ForgetReceipt{10}, Alert{AlertKind::kReorgedOut, 1},
                              Broadcast{10, a.raw, BroadcastReason::kDropped}, Alert{AlertKind::kDropped, 1}});
}

TEST_CASE("a transaction re-mined on the new branch gets its new receipt") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 95);
    a.receipt = ReceiptRecord{99, kBlock98, true};
    ChainObservation c = chain();
    c.txs[kTxA] = mined(100, kBlock98Fork);
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, policy()) ==
          std::vector<Action>{ForgetReceipt{10}, Alert{AlertKind::kReorgedOut, 1},
                              RecordReceipt{10, ReceiptRecord{100, kBlock98Fork, true}}});
}

TEST_CASE("a reorg removing a receipt at the confirmation depth halts") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 90);
    a.receipt = ReceiptRecord{98, kBlock98, true};  // depth 3 at head 100
    ChainObservation c = chain();
    c.txs[kTxA] = mined(99, kBlock98Fork);
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, policy()) ==
          std::vector<Action>{Halt{HaltReason::kReorgBeyondDepth, 1}, Alert{AlertKind::kDeepReorg, 1}});
}

TEST_CASE("a final intent whose receipt left the canonical chain halts") {
    AttemptView a = attempt(10, kTxA, AttemptState::kFinal, 80);
    a.receipt = ReceiptRecord{85, kBlock97, true};
    CHECK(evaluate(intent(IntentState::kFinal, {a}), chain(), policy()) ==
          std::vector<Action>{Halt{HaltReason::kReorgBeyondDepth, 1}, Alert{AlertKind::kDeepReorg, 1}});
}

TEST_CASE("a final intent whose receipt is still canonical needs nothing") {
    AttemptView a = attempt(10, kTxA, AttemptState::kFinal, 80);
    a.receipt = ReceiptRecord{85, kBlock97, true};
    ChainObservation c = chain();
    c.txs[kTxA] = mined(85, kBlock97);
    CHECK(evaluate(intent(IntentState::kFinal, {a}), c, policy()).empty());
}

// ---- the nonce taken by someone else ---------------------------------------------------------------

TEST_CASE("a nonce consumed by another transaction of the key fails the intent with an alert") {
    ChainObservation c = chain();
    c.sender_latest_nonce = kNonce + 1;
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 95)}), c, policy()) ==
          std::vector<Action>{MarkFinal{1, std::nullopt, IntentState::kFailed},
                              Alert{AlertKind::kNonceConsumedElsewhere, 1}});
}

// ---- several intents -----------------------------------------------------------------------------

TEST_CASE("actions for several intents come in the intents' order") {
    IntentView first = intent(IntentState::kCreated, {});
    IntentView second = intent(IntentState::kSigned, {attempt(10, kTxA, AttemptState::kSigned, std::nullopt)});
    second.id = 2;
    const std::vector<IntentView> all{first, second};
    CHECK(evaluate(all, chain(), policy()) ==
          std::vector<Action>{SignIntent{1}, Broadcast{10, second.attempts[0].raw, BroadcastReason::kUnconfirmedSend}});
}

TEST_CASE("names of states and reasons") {
    CHECK(to_string(IntentState::kBroadcast) == "broadcast");
    CHECK(to_string(AttemptState::kReplaced) == "replaced");
    CHECK(to_string(AlertKind::kNonceConsumedElsewhere) == "nonce consumed by another transaction of the key");
    CHECK(to_string(HaltReason::kReorgBeyondDepth) == "reorg beyond the confirmation depth");
    CHECK(to_string(BroadcastReason::kDropped) == "dropped");
}

// ---- finality by the node's finalized block ----------------------------------------------------

namespace {

MachinePolicy finalized_policy() {
    MachinePolicy p = policy();
    p.finality = Finality::kFinalized;
    p.bump_after_blocks = 20;  // finality takes longer than a bump delay
    return p;
}

}  // namespace

TEST_CASE("finalized: a receipt deeper than the confirmations but above the finalized block is not final") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 90);
    a.receipt = ReceiptRecord{95, kBlock97, true};  // depth 6 of 3
    ChainObservation c = chain();
    c.txs[kTxA] = mined(95, kBlock97);
    c.finalized_number = 94;
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, finalized_policy()).empty());
    c.finalized_number.reset();  // nothing finalized yet
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, finalized_policy()).empty());
}

TEST_CASE("finalized: a receipt at the finalized block is final even one block deep") {
    ChainObservation c = chain();
    c.txs[kTxA] = mined(100, kBlock98);  // the head itself
    c.finalized_number = 100;
    CHECK(evaluate(intent(IntentState::kBroadcast, {attempt(10, kTxA, AttemptState::kBroadcast, 99)}), c,
                   finalized_policy()) ==
          std::vector<Action>{RecordReceipt{10, ReceiptRecord{100, kBlock98, true}}, MarkFinal{1, 10, IntentState::kFinal}});
}

TEST_CASE("finalized: a reorg above the finalized block puts the attempt back in flight, below it halts") {
    AttemptView a = attempt(10, kTxA, AttemptState::kIncluded, 89);
    a.receipt = ReceiptRecord{90, kBlock98, true};  // depth 11: final by depth, not by the finalized tag
    ChainObservation c = chain();
    c.finalized_number = 89;
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, finalized_policy()) ==
          std::vector<Action>{ForgetReceipt{10}, Alert{AlertKind::kReorgedOut, 1}, Broadcast{10, a.raw, BroadcastReason::kDropped},
                              Alert{AlertKind::kDropped, 1}});
    c.finalized_number = 90;
    CHECK(evaluate(intent(IntentState::kIncluded, {a}), c, finalized_policy()) ==
          std::vector<Action>{Halt{HaltReason::kReorgBeyondDepth, 1}, Alert{AlertKind::kDeepReorg, 1}});
}

TEST_CASE("finality names") {
    CHECK(to_string(Finality::kDepth) == "depth");
    CHECK(to_string(Finality::kFinalized) == "finalized");
    CHECK(parse_finality("depth") == Finality::kDepth);
    CHECK(parse_finality("finalized") == Finality::kFinalized);
    CHECK_FALSE(parse_finality("safe"));
    CHECK_FALSE(parse_finality("Finalized"));
    CHECK_FALSE(parse_finality(""));
}

// Journal + state machine against a real anvil with automine off: an EIP-1559 transaction
// signed with anvil's first dev key is journaled before broadcast, sent, mined with evm_mine
// and followed to the confirmation depth. The test plays the executor: it observes the chain,
// asks the state machine, and applies each action (journal writes before any send).
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "helpers.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/txm/machine.hpp"
#include "keeper/txm/nonce.hpp"
#include "support/anvil.hpp"

using namespace keeper;
using namespace keeper::journal;
using namespace keeper::test;
using keeper::rpc::Json;
using keeper::txm::IntentState;

namespace {

constexpr Address kRecipient = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"_address;  // anvil dev account 1

Json call(const AnvilProcess& node, const std::string& method, const std::string& params = "[]") {
    Json body = Json::parse(node.raw_call(method, params));
    if (body.contains("error")) FAIL(method << ": " << body["error"].dump());
    return body["result"];
}

std::uint64_t u64(const Json& j) {
    auto v = rpc::decode_u64(j, "result");
    if (!v) FAIL(v.error().message);
    return *v;
}

// JSON-RPC params as ["a","b",...]. Appends, not operator+ chains: g++ 12 raises a false
// -Wrestrict on those.
std::string params(std::initializer_list<std::string> items) {
    std::string out = "[";
    for (const std::string& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += item;
        out += '"';
    }
    out += ']';
    return out;
}

std::uint64_t nonce_count(const AnvilProcess& node, const char* tag) {
    return u64(call(node, "eth_getTransactionCount", params({to_hex(kSender), tag})));
}

/// What the executor reads before asking the state machine: head, nonce count first, then each
/// attempt's status by hash.
txm::ChainObservation observe(const AnvilProcess& node, const std::vector<txm::IntentView>& intents) {
    txm::ChainObservation c;
    auto head = rpc::decode_block_header(call(node, "eth_getBlockByNumber", "[\"latest\",false]"));
    if (!head) FAIL(head.error().message);
    c.head_number = head->number;
    c.head_timestamp = head->timestamp;
    c.sender_latest_nonce = nonce_count(node, "latest");
    for (const auto& intent : intents) {
        for (const auto& a : intent.attempts) {
            const std::string hash = params({to_hex(a.tx_hash)});
            txm::TxObservation obs;
            obs.known = !call(node, "eth_getTransactionByHash", hash).is_null();
            const Json receipt = call(node, "eth_getTransactionReceipt", hash);
            if (!receipt.is_null()) {
                auto r = rpc::decode_receipt(receipt);
                if (!r) FAIL(r.error().message);
                obs.receipt = txm::ReceiptRecord{r->block_number, r->block_hash, r->status};
            }
            c.txs[a.tx_hash] = obs;
        }
    }
    return c;
}

}  // namespace

TEST_CASE("a journaled EIP-1559 transfer is broadcast, mined and followed to depth on anvil") {
    AnvilProcess node(anvil_options());
    call(node, "evm_setAutomine", "[false]");
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    txm::MachinePolicy policy;
    policy.confirmations = 3;
    policy.bump_after_blocks = 5;
    policy.bump = {10, 0, 100 * kGwei};

    // Decide, journal the intent, plan the nonce from the journal and the chain.
    auto head = rpc::decode_block_header(call(node, "eth_getBlockByNumber", "[\"latest\",false]"));
    REQUIRE(head.has_value());
    const IntentId intent = ok(j.create_intent(new_intent("anvil:transfer:1", head->timestamp + 3600))).intent.id;
    const txm::NoncePlan plan =
        plan_nonce(txm::NonceInputs{ok(j.highest_nonce(kChainId, kSender)), ok(j.open_nonces(kChainId, kSender)),
                                    nonce_count(node, "latest"), nonce_count(node, "pending")});
    CHECK(plan == txm::NoncePlan{0, false, {}});
    ok(j.reserve_nonce(intent, plan.next));

    // The state machine asks for the first signature; sign and journal before any send.
    auto actions =
        txm::evaluate(ok(j.in_flight(kChainId, kSender)), observe(node, ok(j.in_flight(kChainId, kSender))), policy);
    REQUIRE(actions == std::vector<txm::Action>{txm::SignIntent{intent}});
    UnsignedTransaction utx;
    utx.chain_id = kChainId;
    utx.nonce = plan.next;
    utx.max_fee_per_gas = 10 * kGwei;
    utx.max_priority_fee_per_gas = kGwei;
    utx.gas_limit = 21'000;
    utx.to = kRecipient;
    utx.value = 12345;
    auto stx = sign(utx, dev_key());
    REQUIRE(stx.has_value());
    const AttemptId attempt = ok(j.insert_attempt(intent, txm::AttemptKind::kIntent, *stx, 1));

    // Journaled, not yet sent: the machine says broadcast these exact bytes.
    auto flights = ok(j.in_flight(kChainId, kSender));
    actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions.size() == 1);
    const auto& send = std::get<txm::Broadcast>(actions[0]);
    CHECK(send.raw == stx->encode());
    const Json sent = call(node, "eth_sendRawTransaction", params({to_hex(send.raw)}));
    CHECK(sent.get<std::string>() == to_hex(stx->hash()));
    ok(j.mark_broadcast(attempt, head->number));

    // Pending in the mempool, automine off: nothing to do.
    flights = ok(j.in_flight(kChainId, kSender));
    CHECK(txm::evaluate(flights, observe(node, flights), policy).empty());
    CHECK(nonce_count(node, "pending") == 1);

    // Mined: recorded, then final once three blocks deep.
    call(node, "evm_mine");
    flights = ok(j.in_flight(kChainId, kSender));
    actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions.size() == 1);
    const auto receipt = std::get<txm::RecordReceipt>(actions[0]);
    CHECK(receipt.attempt == attempt);
    CHECK(receipt.receipt.block_number == head->number + 1);
    CHECK(receipt.receipt.status);
    auto mined_block = rpc::decode_block_header(
        call(node, "eth_getBlockByNumber", "[\"" + rpc::to_quantity(head->number + 1) + "\",false]"));
    REQUIRE(mined_block.has_value());
    CHECK(receipt.receipt.block_hash == mined_block->hash);
    ok(j.record_receipt(receipt.attempt, receipt.receipt));

    call(node, "evm_mine");
    flights = ok(j.in_flight(kChainId, kSender));
    CHECK(txm::evaluate(flights, observe(node, flights), policy).empty());  // depth 2 of 3

    call(node, "evm_mine");
    flights = ok(j.in_flight(kChainId, kSender));
    actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions == std::vector<txm::Action>{txm::MarkFinal{intent, attempt, IntentState::kFinal}});
    ok(j.finish_intent(intent, IntentState::kFinal, attempt));

    CHECK(ok(j.in_flight(kChainId, kSender)).empty());
    CHECK(ok(j.intent(intent)).state == IntentState::kFinal);
    CHECK(nonce_count(node, "latest") == 1);
    const txm::NoncePlan next =
        plan_nonce(txm::NonceInputs{ok(j.highest_nonce(kChainId, kSender)), ok(j.open_nonces(kChainId, kSender)),
                                    nonce_count(node, "latest"), nonce_count(node, "pending")});
    CHECK(next == txm::NoncePlan{1, false, {}});
}

namespace {

SignedTransaction transfer(std::uint64_t nonce, const txm::Fees& fees, std::uint64_t value = 1) {
    UnsignedTransaction utx;
    utx.chain_id = kChainId;
    utx.nonce = nonce;
    utx.max_fee_per_gas = fees.max_fee_per_gas;
    utx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
    utx.gas_limit = 21'000;
    utx.to = kRecipient;
    utx.value = value;
    auto stx = sign(utx, dev_key());
    REQUIRE(stx.has_value());
    return *stx;
}

Json send_raw(const AnvilProcess& node, const SignedTransaction& stx) {
    return Json::parse(node.raw_call("eth_sendRawTransaction", params({to_hex(stx.encode())})));
}

}  // namespace

TEST_CASE("anvil accepts the bumped replacement, refuses less, and mines only the replacement") {
    AnvilProcess node(anvil_options());
    call(node, "evm_setAutomine", "[false]");
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    txm::MachinePolicy policy;
    policy.confirmations = 1;
    policy.bump_after_blocks = 0;  // bump at once: blocks cannot pass without mining the transaction
    policy.bump = {10, 0, 100 * kGwei};

    const IntentId intent = ok(j.create_intent(new_intent("anvil:bump", 4'000'000'000))).intent.id;
    ok(j.reserve_nonce(intent, 0));
    const SignedTransaction first = transfer(0, {10 * kGwei, kGwei});
    const AttemptId a1 = ok(j.insert_attempt(intent, txm::AttemptKind::kIntent, first, 1));
    REQUIRE(send_raw(node, first).contains("result"));
    ok(j.mark_broadcast(a1, 0));

    auto flights = ok(j.in_flight(kChainId, kSender));
    auto actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions.size() == 1);
    const auto bump = std::get<txm::SignReplacement>(actions[0]);
    CHECK(bump == txm::SignReplacement{intent, 0, txm::Fees{11 * kGwei, 1'100'000'000}});

    // Same nonce, same fees, other contents: the node refuses to replace without a bump.
    const SignedTransaction too_low = transfer(0, {10 * kGwei, kGwei}, 2);
    const Json refused = send_raw(node, too_low);
    REQUIRE(refused.contains("error"));
    CHECK(refused["error"]["message"].get<std::string>().find("underpriced") != std::string::npos);

    const SignedTransaction second = transfer(0, bump.fees);
    const AttemptId a2 = ok(j.insert_attempt(intent, txm::AttemptKind::kIntent, second, 2));
    REQUIRE(send_raw(node, second).contains("result"));
    ok(j.mark_broadcast(a2, 0));

    call(node, "evm_mine");
    flights = ok(j.in_flight(kChainId, kSender));
    const txm::ChainObservation seen = observe(node, flights);
    CHECK_FALSE(seen.txs.at(first.hash()).receipt.has_value());
    REQUIRE(seen.txs.at(second.hash()).receipt.has_value());
    actions = txm::evaluate(flights, seen, policy);
    REQUIRE(actions.size() == 2);
    CHECK(std::get<txm::RecordReceipt>(actions[0]).attempt == a2);
    CHECK(std::get<txm::MarkFinal>(actions[1]) == txm::MarkFinal{intent, a2, IntentState::kFinal});
}

TEST_CASE("a dropped transaction is re-sent with identical bytes, a key used elsewhere is detected") {
    AnvilProcess node(anvil_options());
    call(node, "evm_setAutomine", "[false]");
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    txm::MachinePolicy policy;
    policy.confirmations = 1;
    policy.bump = {10, 0, 100 * kGwei};

    const IntentId intent = ok(j.create_intent(new_intent("anvil:drop", 4'000'000'000))).intent.id;
    ok(j.reserve_nonce(intent, 0));
    const SignedTransaction stx = transfer(0, {10 * kGwei, kGwei});
    const AttemptId attempt = ok(j.insert_attempt(intent, txm::AttemptKind::kIntent, stx, 1));
    REQUIRE(send_raw(node, stx).contains("result"));
    ok(j.mark_broadcast(attempt, 0));

    call(node, "anvil_dropTransaction", params({to_hex(stx.hash())}));
    auto flights = ok(j.in_flight(kChainId, kSender));
    auto actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions == std::vector<txm::Action>{txm::Broadcast{attempt, stx.encode(), txm::BroadcastReason::kDropped},
                                                txm::Alert{txm::AlertKind::kDropped, intent}});
    REQUIRE(send_raw(node, stx).contains("result"));
    call(node, "evm_mine");
    flights = ok(j.in_flight(kChainId, kSender));
    actions = txm::evaluate(flights, observe(node, flights), policy);
    REQUIRE(actions.size() == 2);
    CHECK(std::get<txm::MarkFinal>(actions[1]) == txm::MarkFinal{intent, attempt, IntentState::kFinal});

    // Someone signs nonces 1 and 2 with the same key, outside the keeper.
    REQUIRE(send_raw(node, transfer(1, {10 * kGwei, kGwei})).contains("result"));
    REQUIRE(send_raw(node, transfer(2, {10 * kGwei, kGwei})).contains("result"));
    call(node, "evm_mine");
    const txm::NoncePlan plan =
        plan_nonce(txm::NonceInputs{ok(j.highest_nonce(kChainId, kSender)), ok(j.open_nonces(kChainId, kSender)),
                                    nonce_count(node, "latest"), nonce_count(node, "pending")});
    CHECK(plan == txm::NoncePlan{3, true, {}});
}

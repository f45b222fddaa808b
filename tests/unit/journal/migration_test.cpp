// Schema 2: a file written by a version-1 keeper (built here from the released v1 DDL, the
// fixture of a file format) opens, migrates in place and keeps every row; the new payload,
// keeper_state and gap-filler operations work on it.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::journal;
using namespace keeper::test;
using keeper::txm::AttemptKind;
using keeper::txm::IntentState;

namespace {

// The schema of version 1 exactly as released (keeper/journal/journal.cpp, migration 1).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE senders (id INTEGER PRIMARY KEY, chain_id INTEGER NOT NULL,
    address BLOB NOT NULL CHECK (length(address) = 20), UNIQUE (chain_id, address));
CREATE TABLE intents (id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,
    sender_id INTEGER NOT NULL REFERENCES senders(id), created_at INTEGER NOT NULL,
    vault BLOB NOT NULL CHECK (length(vault) = 20), direction INTEGER NOT NULL CHECK (direction IN (0, 1)),
    amount_in TEXT NOT NULL, min_amount_out TEXT NOT NULL, deadline INTEGER NOT NULL,
    state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 7));
CREATE INDEX intents_by_sender_state ON intents(sender_id, state);
CREATE TABLE nonce_reservations (sender_id INTEGER NOT NULL REFERENCES senders(id),
    nonce INTEGER NOT NULL CHECK (nonce >= 0), intent_id INTEGER NOT NULL UNIQUE REFERENCES intents(id),
    PRIMARY KEY (sender_id, nonce));
CREATE TABLE attempts (id INTEGER PRIMARY KEY, intent_id INTEGER NOT NULL REFERENCES intents(id),
    kind INTEGER NOT NULL CHECK (kind IN (0, 1)), nonce INTEGER NOT NULL, raw BLOB NOT NULL,
    tx_hash BLOB NOT NULL UNIQUE CHECK (length(tx_hash) = 32), max_fee_per_gas TEXT NOT NULL,
    max_priority_fee TEXT NOT NULL, gas_limit INTEGER NOT NULL, state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),
    first_broadcast_block INTEGER, last_broadcast_block INTEGER, replaced_by INTEGER REFERENCES attempts(id),
    created_at INTEGER NOT NULL);
CREATE INDEX attempts_by_intent ON attempts(intent_id);
CREATE TABLE receipts (attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id), block_number INTEGER NOT NULL,
    block_hash BLOB NOT NULL CHECK (length(block_hash) = 32), status INTEGER NOT NULL CHECK (status IN (0, 1)));
INSERT INTO senders (id, chain_id, address) VALUES (1, 31337, X'f39fd6e51aad88f6f4ce6ab8827279cfffb92266');
INSERT INTO intents VALUES (1, 'v1-intent', 1, 1700000000, X'5fbdb2315678afecb367f032d93f642f64180aa3', 1,
    '5000000000000000000', '9000000000', 1700000600, 0);
INSERT INTO nonce_reservations VALUES (1, 0, 1);
PRAGMA user_version = 1;
)sql";

TxPayload payload() {
    return TxPayload{kVault, "0xdeadbeef00"_hex, U256(0), 180'000};
}

}  // namespace

TEST_CASE("a version-1 journal migrates to the current version and keeps its rows") {
    TempDir dir;
    const std::string path = dir.file("v1.db");
    {
        auto db = ok(Database::open(path));
        ok(db.exec(kSchemaV1, "write v1 file"));
    }
    Journal j = open_journal(path);
    CHECK(ok(j.schema_version()) == kSchemaVersion);
    CHECK(kSchemaVersion == 5);
    const IntentRecord old = ok(j.intent(1));
    CHECK(old.idempotency_key == "v1-intent");
    CHECK(old.nonce == std::optional<std::uint64_t>(0));
    CHECK(old.decision.amount_in == U256(5) * kGwei * kGwei);
    CHECK_FALSE(old.payload.has_value());  // v1 rows carry no payload
    CHECK(old.revision == 0);              // v1 rows are at the decision they were created with
    CHECK(old.revision_key.empty());

    // The old intent can be priced and signed under the new schema.
    ok(j.set_payload(1, payload()));
    CHECK(ok(j.intent(1)).payload == std::optional<TxPayload>(payload()));
    ok(j.insert_attempt(1, AttemptKind::kIntent, signed_tx(0), 1'700'000'001));
    CHECK(ok(j.intent(1)).state == IntentState::kSigned);

    // Reopening does not migrate twice.
    Journal again = open_journal(path);
    CHECK(ok(again.schema_version()) == kSchemaVersion);
    CHECK(ok(again.intent(1)).payload == std::optional<TxPayload>(payload()));
}

TEST_CASE("the payload is recorded only before signing and needs a gas limit") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const auto in = ok(j.create_intent(new_intent("p-1"))).intent;
    CHECK_FALSE(in.payload.has_value());
    TxPayload bad = payload();
    bad.gas_limit = 0;
    auto zero = j.set_payload(in.id, bad);
    REQUIRE_FALSE(zero);
    CHECK(zero.error().message == "set payload: gas limit is zero");
    ok(j.set_payload(in.id, payload()));
    TxPayload other = payload();
    other.gas_limit = 200'000;
    ok(j.set_payload(in.id, other));  // replaced while nothing is signed
    CHECK(ok(j.intent(in.id)).payload->gas_limit == 200'000);
    ok(j.reserve_nonce(in.id, 0));
    ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(0), 1'700'000'001));
    auto late = j.set_payload(in.id, payload());
    REQUIRE_FALSE(late);
    CHECK(late.error().code == Errc::kInvalidState);
    CHECK(late.error().message == "set payload: intent is signed");

    const auto open = ok(j.open_intents(kChainId, kSender));
    REQUIRE(open.size() == 1);
    CHECK(open[0].payload->gas_limit == 200'000);
    const auto counts = ok(j.count_by_state(kChainId, kSender));
    CHECK(counts[static_cast<std::size_t>(IntentState::kSigned)] == 1);
    CHECK(counts[static_cast<std::size_t>(IntentState::kCreated)] == 0);
}

TEST_CASE("keeper_state holds a halt across reopen until erased") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        Journal j = open_journal(path);
        CHECK_FALSE(ok(j.get_state("halted")).has_value());
        ok(j.put_state("halted", "reorg beyond the confirmation depth (intent 3)", 1'700'000'000));
        ok(j.put_state("halted", "reorg beyond the confirmation depth (intent 4)", 1'700'000'001));
    }
    Journal j = open_journal(path);
    CHECK(ok(j.get_state("halted")) == std::optional<std::string>("reorg beyond the confirmation depth (intent 4)"));
    ok(j.erase_state("halted"));
    CHECK_FALSE(ok(j.get_state("halted")).has_value());
}

TEST_CASE("a nonce gap left by an intent that ended unsigned gets a self-transfer filler") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const auto dead = ok(j.create_intent(new_intent("dead"))).intent;
    ok(j.reserve_nonce(dead.id, 0));
    const auto live = ok(j.create_intent(new_intent("live"))).intent;
    ok(j.reserve_nonce(live.id, 1));
    ok(j.finish_intent(dead.id, IntentState::kExpired, std::nullopt));
    CHECK(ok(j.open_nonces(kChainId, kSender)) == std::vector<std::uint64_t>{1});

    // An open intent's nonce is not a gap.
    auto refused = j.create_gap_filler(kChainId, kSender, 1, 1'700'000'100);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message == "create gap filler: an open intent holds this nonce");

    const IntentRecord filler = ok(j.create_gap_filler(kChainId, kSender, 0, 1'700'000'100));
    CHECK(filler.idempotency_key == "nonce-fill:31337:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266:0");
    CHECK(filler.nonce == std::optional<std::uint64_t>(0));
    REQUIRE(filler.payload.has_value());
    CHECK(filler.payload->to == kSender);
    CHECK(filler.payload->data.empty());
    CHECK(filler.payload->gas_limit == 21'000);
    CHECK(ok(j.intent(dead.id)).nonce == std::nullopt);  // the reservation moved to the filler
    CHECK(ok(j.open_nonces(kChainId, kSender)) == std::vector<std::uint64_t>{0, 1});
    // Idempotent: the same gap gives the same filler.
    CHECK(ok(j.create_gap_filler(kChainId, kSender, 0, 1'700'000'200)).id == filler.id);
}

TEST_CASE("a re-planned intent keeps its id, key and nonce, the superseded decision is archived") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    Journal j = open_journal(path);
    const auto in = ok(j.create_intent(new_intent("replan-1"))).intent;
    ok(j.set_payload(in.id, payload()));
    // Only an intent with a signed attempt can be re-planned (a created one just takes a new payload).
    journal::Decision fresh = new_intent("replan-1").decision;
    fresh.amount_in = 4 * kGwei * kGwei;
    fresh.min_amount_out = 7'000'000'000;
    fresh.deadline = 1'700'000'900;
    TxPayload fresh_payload = payload();
    fresh_payload.data = "0xabcdef01"_hex;
    fresh_payload.gas_limit = 300'000;
    auto early = j.revise_intent(in.id, 0, fresh, fresh_payload, "replan-key-2", 1'700'000'100);
    REQUIRE_FALSE(early);
    CHECK(early.error().message == "revise intent: intent is created");
    ok(j.reserve_nonce(in.id, 7));
    const AttemptId first = ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(7), 1'700'000'001));
    ok(j.mark_broadcast(first, 100));
    CHECK(ok(j.attempt_revision(first)) == 0);

    // A stale caller (wrong expected revision), an empty key, another vault: refused, nothing written.
    auto stale = j.revise_intent(in.id, 1, fresh, fresh_payload, "replan-key-2", 1'700'000'100);
    REQUIRE_FALSE(stale);
    CHECK(stale.error().message == "revise intent: intent is at revision 0, expected 1");
    auto nokey = j.revise_intent(in.id, 0, fresh, fresh_payload, "", 1'700'000'100);
    REQUIRE_FALSE(nokey);
    CHECK(nokey.error().message == "revise intent: plan key is empty");
    journal::Decision elsewhere = fresh;
    elsewhere.vault = kSender;
    auto moved = j.revise_intent(in.id, 0, elsewhere, fresh_payload, "replan-key-2", 1'700'000'100);
    REQUIRE_FALSE(moved);
    CHECK(moved.error().message == "revise intent: a re-plan must keep the vault");
    CHECK(ok(j.revisions(in.id)).empty());

    CHECK(ok(j.revise_intent(in.id, 0, fresh, fresh_payload, "replan-key-2", 1'700'000'100)) == 1);
    const IntentRecord now = ok(j.intent(in.id));
    CHECK(now.id == in.id);
    CHECK(now.idempotency_key == "replan-1");
    CHECK(now.nonce == std::optional<std::uint64_t>(7));
    CHECK(now.state == IntentState::kBroadcast);
    CHECK(now.revision == 1);
    CHECK(now.revision_key == "replan-key-2");
    CHECK(now.decision == fresh);
    CHECK(now.payload == std::optional<TxPayload>(fresh_payload));
    CHECK(ok(j.intent_view(in.id)).deadline == 1'700'000'900);  // the state machine sees the new deadline
    const auto archived = ok(j.revisions(in.id));
    REQUIRE(archived.size() == 1);
    CHECK(archived[0].revision == 0);
    CHECK(archived[0].plan_key == "replan-1");
    CHECK(archived[0].decision == new_intent("replan-1").decision);
    CHECK(archived[0].payload == std::optional<TxPayload>(payload()));
    CHECK(archived[0].superseded_at == 1'700'000'100);

    // The next attempt at the held nonce records the revision it signs; the old one is replaced.
    const AttemptId second =
        ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(7, 50 * kGwei), 1'700'000'101));
    CHECK(ok(j.attempt_revision(second)) == 1);
    CHECK(ok(j.attempt_revision(first)) == 0);
    const auto view = ok(j.intent_view(in.id));
    REQUIRE(view.attempts.size() == 2);
    CHECK(view.attempts[0].state == txm::AttemptState::kReplaced);

    // Re-planned twice: both superseded decisions archived, in order; survives a reopen.
    journal::Decision third = fresh;
    third.direction = Direction::kBuy;
    CHECK(ok(j.revise_intent(in.id, 1, third, payload(), "replan-key-3", 1'700'000'200)) == 2);
    Journal again = open_journal(path);
    const auto both = ok(again.revisions(in.id));
    REQUIRE(both.size() == 2);
    CHECK(both[1].revision == 1);
    CHECK(both[1].plan_key == "replan-key-2");
    CHECK(both[1].decision == fresh);
    CHECK(ok(again.intent(in.id)).revision == 2);
    CHECK(ok(again.intent(in.id)).decision.direction == Direction::kBuy);

    // Once an attempt is mined the decision is history: no more re-plans.
    ok(again.record_receipt(second, txm::ReceiptRecord{101, Hash32{}, true}));
    auto mined = again.revise_intent(in.id, 2, fresh, fresh_payload, "replan-key-4", 1'700'000'300);
    REQUIRE_FALSE(mined);
    CHECK(mined.error().code == Errc::kInvalidState);
    CHECK(mined.error().message == "revise intent: intent is included");
    auto missing = again.attempt_revision(9999);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::kNotFound);
}

// ---- schema 4: what each receipt paid -----------------------------------------------------------

namespace {

// Migrations 2 and 3 exactly as released (keeper/journal/journal.cpp), on top of kSchemaV1: the
// file a schema-3 keeper wrote, with an intent final by a receipt that carries no cost.
constexpr const char* kSchemaV2V3 = R"sql(
ALTER TABLE intents ADD COLUMN tx_to BLOB CHECK (tx_to IS NULL OR length(tx_to) = 20);
ALTER TABLE intents ADD COLUMN tx_data BLOB;
ALTER TABLE intents ADD COLUMN tx_value TEXT;
ALTER TABLE intents ADD COLUMN tx_gas_limit INTEGER CHECK (tx_gas_limit IS NULL OR tx_gas_limit > 0);
CREATE TABLE keeper_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
ALTER TABLE intents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
ALTER TABLE intents ADD COLUMN revision_key TEXT;
ALTER TABLE attempts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
CREATE TABLE intent_revisions (intent_id INTEGER NOT NULL REFERENCES intents(id),
    revision INTEGER NOT NULL CHECK (revision >= 0), plan_key TEXT NOT NULL,
    direction INTEGER NOT NULL CHECK (direction IN (0, 1)), amount_in TEXT NOT NULL, min_amount_out TEXT NOT NULL,
    deadline INTEGER NOT NULL, tx_to BLOB CHECK (tx_to IS NULL OR length(tx_to) = 20), tx_data BLOB,
    tx_value TEXT, tx_gas_limit INTEGER, superseded_at INTEGER NOT NULL, PRIMARY KEY (intent_id, revision));
PRAGMA user_version = 3;
)sql";

}  // namespace

TEST_CASE("a schema-3 journal migrates to the current version: old receipts keep their rows and count no cost") {
    TempDir dir;
    const std::string path = dir.file("v3.db");
    const SignedTransaction old_tx = signed_tx(0);
    {
        auto db = ok(Database::open(path));
        ok(db.exec(kSchemaV1, "write v1 file"));
        ok(db.exec(kSchemaV2V3, "migrate the file to v3 as released"));
        // Intent 1 (nonce 0) signed, mined in block 90, final: as a schema-3 keeper left it.
        auto ins = ok(db.prepare(
            "INSERT INTO attempts (id, intent_id, kind, nonce, raw, tx_hash, max_fee_per_gas, max_priority_fee, "
            "gas_limit, state, first_broadcast_block, last_broadcast_block, created_at, revision) "
            "VALUES (1, 1, 0, 0, ?1, ?2, '100000000000', '2000000000', 250000, 4, 89, 89, 1700000001, 0)"));
        const Bytes raw = old_tx.encode();
        ins->bind(1, ByteView(raw));
        ins->bind(2, old_tx.hash().view());
        ok(ins->run("insert v3 attempt"));
        ok(db.exec("INSERT INTO receipts VALUES (1, 90, X'" + std::string(64, '9') + "', 1); "
                   "UPDATE intents SET state = 4 WHERE id = 1;",
                   "v3 receipt"));
        CHECK(ok(db.query_int("PRAGMA user_version", "version")) == 3);
    }
    Journal j = open_journal(path);
    CHECK(ok(j.schema_version()) == kSchemaVersion);
    const auto view = ok(j.intent_view(1));
    CHECK(view.state == IntentState::kFinal);
    CHECK(view.nonce == std::optional<std::uint64_t>(0));
    REQUIRE(view.attempts.size() == 1);
    REQUIRE(view.attempts[0].receipt);
    CHECK(view.attempts[0].receipt->block_number == 90);
    CHECK(view.attempts[0].tx_hash == old_tx.hash());
    CHECK_FALSE(view.attempts[0].went_public);         // schema 5: attempts from before are not public
    CHECK(ok(j.gas_paid(kChainId, kSender)).empty());  // its cost was never journaled

    // A new intent under schema 4: its receipt carries the cost, counted once it ends.
    const auto in = ok(j.create_intent(new_intent("v4-intent"))).intent;
    ok(j.set_payload(in.id, payload()));
    ok(j.reserve_nonce(in.id, 1));
    const AttemptId a = ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(1), 1'700'000'010));
    ok(j.record_receipt(a, txm::ReceiptRecord{95, Hash32{}, true}, GasCost{210'345, U256(1'234'567'891)}));
    CHECK(ok(j.gas_paid(kChainId, kSender)).empty());  // included, not ended
    ok(j.finish_intent(in.id, IntentState::kFinal, a));
    CHECK(ok(j.gas_paid(kChainId, kSender)) ==
          std::vector<GasPaid>{GasPaid{kVault, U256(210'345) * U256(1'234'567'891), 1}});
    Journal again = open_journal(path);
    CHECK(ok(again.schema_version()) == kSchemaVersion);
    CHECK(ok(again.gas_paid(kChainId, kSender)).size() == 1);
}

TEST_CASE("an attempt that went public is journaled so with its broadcast, across reopen, and stays public") {
    TempDir dir;
    const std::string path = dir.file("public.db");
    AttemptId first = 0, second = 0;
    {
        Journal j = open_journal(path);
        const auto in = ok(j.create_intent(new_intent("public-fallback"))).intent;
        ok(j.set_payload(in.id, payload()));
        ok(j.reserve_nonce(in.id, 0));
        first = ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(0), 1'700'000'001));
        ok(j.mark_broadcast(first, 100));  // private
        CHECK_FALSE(ok(j.intent_view(in.id)).attempts.at(0).went_public);
        second = ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(0, 110 * kGwei), 1'700'000'002));
        ok(j.mark_broadcast(second, 101, true));  // through the public fallback
        ok(j.mark_broadcast(second, 102, false));  // a later re-send does not make it private again
    }
    Journal again = open_journal(path);
    const auto views = ok(again.in_flight(kChainId, kSender));
    REQUIRE(views.size() == 1);
    REQUIRE(views[0].attempts.size() == 2);
    CHECK(views[0].attempts[0].id == first);
    CHECK_FALSE(views[0].attempts[0].went_public);
    CHECK(views[0].attempts[1].id == second);
    CHECK(views[0].attempts[1].went_public);
    CHECK(views[0].attempts[1].last_broadcast_block == std::optional<std::uint64_t>(102));
}

TEST_CASE("gas paid: per vault, summed beyond 64 bits, forgotten with a reorged receipt") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    // 2^40 gas at 2^40 wei: 2^80 wei per receipt, past SQLite's integers.
    const U256 price = U256(1) << 40;
    const std::uint64_t gas = std::uint64_t{1} << 40;
    std::vector<AttemptId> attempts;
    for (std::uint64_t n = 0; n < 3; ++n) {
        const auto in = ok(j.create_intent(new_intent("g-" + std::to_string(n)))).intent;
        ok(j.set_payload(in.id, payload()));
        ok(j.reserve_nonce(in.id, n));
        const AttemptId a = ok(j.insert_attempt(in.id, AttemptKind::kIntent, signed_tx(n), 1'700'000'010));
        ok(j.record_receipt(a, txm::ReceiptRecord{100 + n, Hash32{}, n != 1}, GasCost{gas, price}));
        attempts.push_back(a);
    }
    // A reorg removes the third receipt before it is final: its cost goes with it.
    ok(j.forget_receipt(attempts[2]));
    ok(j.finish_intent(1, IntentState::kFinal, attempts[0]));
    ok(j.finish_intent(2, IntentState::kFailed, attempts[1]));  // a reverted trade paid gas too
    const auto paid = ok(j.gas_paid(kChainId, kSender));
    REQUIRE(paid.size() == 1);
    CHECK(paid[0].vault == kVault);
    CHECK(paid[0].receipts == 2);
    CHECK(paid[0].wei == (U256(1) << 81));
    CHECK(ok(j.gas_paid(kChainId, kVault)).empty());  // another sender
}

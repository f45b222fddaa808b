// The journal on a real SQLite file: pragmas, schema and migrations, idempotency, nonce
// reservations, the attempt lifecycle, typed errors.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::journal;
using namespace keeper::test;
using keeper::txm::AttemptKind;
using keeper::txm::AttemptState;
using keeper::txm::IntentState;

TEST_CASE("a new journal is WAL, synchronous FULL, foreign keys on, at the current schema") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    CHECK(ok(j.journal_mode()) == "wal");
    CHECK(ok(j.schema_version()) == kSchemaVersion);
    CHECK(ok(j.database().query_int("PRAGMA synchronous", "test")) == 2);
    CHECK(ok(j.database().query_int("PRAGMA foreign_keys", "test")) == 1);
    CHECK(ok(j.database().query_int("PRAGMA busy_timeout", "test")) == 5000);
    CHECK(ok(j.database().query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                    "('senders', 'intents', 'nonce_reservations', 'attempts', 'receipts')",
                                    "test")) == 5);
}

TEST_CASE("reopening applies no migration twice and keeps the data") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        Journal j = open_journal(path);
        CHECK(ok(j.create_intent(new_intent("hedge-1"))).inserted);
    }
    for (int i = 0; i < 3; ++i) {
        Journal j = open_journal(path);
        CHECK(ok(j.schema_version()) == kSchemaVersion);
        CHECK(ok(j.database().query_int("SELECT count(*) FROM intents", "test")) == 1);
        CHECK(ok(j.journal_mode()) == "wal");
    }
}

TEST_CASE("a journal from a newer keeper is refused") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        auto db = ok(Database::open(path));
        ok(db.exec("PRAGMA user_version = 99", "test"));
    }
    auto j = Journal::open(path);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code == Errc::kSchemaTooNew);
    CHECK(j.error().message ==
          "open journal: schema version 99 is newer than this keeper's " + std::to_string(kSchemaVersion));
}

TEST_CASE("a file that is not a database is reported, not overwritten") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        auto db = ok(Database::open(path));
        ok(db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);", "test"));
    }
    // Scribble over the header: SQLite must refuse the file.
    {
        std::FILE* f = std::fopen(path.c_str(), "r+b");
        REQUIRE(f != nullptr);
        std::fputs("this is not an sqlite file at all", f);
        std::fclose(f);
    }
    auto j = Journal::open(path);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code == Errc::kCorrupt);
    CHECK(j.error().message == "prepare statement: file is not a database");
}

TEST_CASE("the same decision twice gives one intent") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const CreatedIntent first = ok(j.create_intent(new_intent("vault:100:rebalance")));
    CHECK(first.inserted);
    CHECK(first.intent.state == IntentState::kCreated);

    NewIntent again = new_intent("vault:100:rebalance");
    again.decision.amount_in = 1;  // even with another payload: the key decides
    const CreatedIntent second = ok(j.create_intent(again));
    CHECK_FALSE(second.inserted);
    CHECK(second.intent == first.intent);
    CHECK(ok(j.database().query_int("SELECT count(*) FROM intents", "test")) == 1);

    const auto found = ok(j.find_intent("vault:100:rebalance"));
    REQUIRE(found.has_value());
    CHECK(found->decision == first.intent.decision);
    CHECK_FALSE(ok(j.find_intent("vault:101:rebalance")).has_value());
}

TEST_CASE("the schema itself rejects a duplicate idempotency key") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const IntentId id = ok(j.create_intent(new_intent("k"))).intent.id;
    auto r = j.database().exec(
        "INSERT INTO intents (idempotency_key, sender_id, created_at, vault, direction, amount_in, min_amount_out, "
        "deadline, state) SELECT idempotency_key, sender_id, created_at, vault, direction, amount_in, "
        "min_amount_out, deadline, state FROM intents WHERE id = " +
            std::to_string(id),
        "duplicate intent");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::kConstraint);
    CHECK(r.error().message == "duplicate intent: UNIQUE constraint failed: intents.idempotency_key");
}

TEST_CASE("nonces are reserved once per sender and per intent") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const IntentId a = ok(j.create_intent(new_intent("a"))).intent.id;
    const IntentId b = ok(j.create_intent(new_intent("b"))).intent.id;
    CHECK_FALSE(ok(j.highest_nonce(kChainId, kSender)).has_value());

    ok(j.reserve_nonce(a, 0));
    ok(j.reserve_nonce(a, 0));  // idempotent
    auto taken = j.reserve_nonce(b, 0);
    REQUIRE_FALSE(taken.has_value());
    CHECK(taken.error().code == Errc::kConstraint);
    CHECK(taken.error().message ==
          "reserve nonce: UNIQUE constraint failed: nonce_reservations.sender_id, nonce_reservations.nonce");
    auto other = j.reserve_nonce(a, 1);
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().code == Errc::kInvalidState);

    ok(j.reserve_nonce(b, 1));
    CHECK(ok(j.highest_nonce(kChainId, kSender)) == std::optional<std::uint64_t>(1));
    CHECK(ok(j.open_nonces(kChainId, kSender)) == std::vector<std::uint64_t>{0, 1});
    CHECK(ok(j.intent(a)).nonce == std::optional<std::uint64_t>(0));
    // Another chain is another sender.
    CHECK_FALSE(ok(j.highest_nonce(1, kSender)).has_value());

    ok(j.finish_intent(a, IntentState::kExpired, std::nullopt));
    CHECK(ok(j.open_nonces(kChainId, kSender)) == std::vector<std::uint64_t>{1});
}

TEST_CASE("an attempt needs the intent's reserved nonce and chain id") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const IntentId id = ok(j.create_intent(new_intent("k"))).intent.id;

    auto unreserved = j.insert_attempt(id, AttemptKind::kIntent, signed_tx(0), 1);
    REQUIRE_FALSE(unreserved.has_value());
    CHECK(unreserved.error().code == Errc::kInvalidState);
    CHECK(unreserved.error().message == "insert attempt: intent has no reserved nonce");

    ok(j.reserve_nonce(id, 0));
    auto wrong = j.insert_attempt(id, AttemptKind::kIntent, signed_tx(1), 1);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().message == "insert attempt: transaction nonce differs from the reserved nonce");

    auto missing = j.insert_attempt(9999, AttemptKind::kIntent, signed_tx(0), 1);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == Errc::kNotFound);
    CHECK(ok(j.database().query_int("SELECT count(*) FROM attempts", "test")) == 0);
}

TEST_CASE("an attempt's lifecycle: signed, broadcast, replaced, included, reorged out, final") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    const IntentId id = ok(j.create_intent(new_intent("k"))).intent.id;
    ok(j.reserve_nonce(id, 5));

    const SignedTransaction first = signed_tx(5);
    const AttemptId a1 = ok(j.insert_attempt(id, AttemptKind::kIntent, first, 1'700'000'010));
    txm::IntentView v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kSigned);
    REQUIRE(v.attempts.size() == 1);
    CHECK(v.attempts[0].raw == first.encode());
    CHECK(v.attempts[0].tx_hash == first.hash());
    CHECK(v.attempts[0].nonce == 5);
    CHECK(v.attempts[0].fees == txm::Fees{100 * kGwei, 2 * kGwei});
    CHECK(v.attempts[0].gas_limit == 250'000);
    CHECK(v.attempts[0].state == AttemptState::kSigned);
    CHECK_FALSE(v.attempts[0].first_broadcast_block.has_value());

    ok(j.mark_broadcast(a1, 100));
    ok(j.mark_broadcast(a1, 103));  // re-sent later: first block kept, last block moves
    v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kBroadcast);
    CHECK(v.attempts[0].state == AttemptState::kBroadcast);
    CHECK(v.attempts[0].first_broadcast_block == std::optional<std::uint64_t>(100));
    CHECK(v.attempts[0].last_broadcast_block == std::optional<std::uint64_t>(103));

    const SignedTransaction second = signed_tx(5, 110 * kGwei, 2'200'000'000);
    const AttemptId a2 = ok(j.insert_attempt(id, AttemptKind::kIntent, second, 1'700'000'050));
    CHECK(ok(j.database().query_int("SELECT replaced_by FROM attempts WHERE id = " + std::to_string(a1), "t")) == a2);
    v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kBroadcast);
    REQUIRE(v.attempts.size() == 2);
    CHECK(v.attempts[0].state == AttemptState::kReplaced);
    CHECK(v.attempts[1].state == AttemptState::kSigned);
    ok(j.mark_broadcast(a2, 104));
    auto replaced = j.mark_broadcast(a1, 104);
    REQUIRE_FALSE(replaced.has_value());
    CHECK(replaced.error().code == Errc::kInvalidState);

    const txm::ReceiptRecord receipt{105, "0x1111111111111111111111111111111111111111111111111111111111111111"_hash,
                                     true};
    ok(j.record_receipt(a2, receipt));
    v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kIncluded);
    CHECK(v.attempts[1].state == AttemptState::kIncluded);
    CHECK(v.attempts[1].receipt == std::optional<txm::ReceiptRecord>(receipt));
    auto twice = j.insert_attempt(id, AttemptKind::kCancel, signed_tx(5, 200 * kGwei, 5 * kGwei), 1);
    REQUIRE_FALSE(twice.has_value());
    CHECK(twice.error().message == "insert attempt: intent is included");

    ok(j.forget_receipt(a2));
    v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kBroadcast);
    CHECK(v.attempts[1].state == AttemptState::kBroadcast);
    CHECK_FALSE(v.attempts[1].receipt.has_value());
    CHECK(ok(j.in_flight(kChainId, kSender)).size() == 1);

    ok(j.record_receipt(a2, receipt));
    ok(j.finish_intent(id, IntentState::kFinal, a2));
    v = ok(j.intent_view(id));
    CHECK(v.state == IntentState::kFinal);
    CHECK(v.attempts[1].state == AttemptState::kFinal);
    CHECK(ok(j.in_flight(kChainId, kSender)).empty());
    // Watched for reorgs past finality while the receipt is recent enough.
    CHECK(ok(j.ended_since(kChainId, kSender, 105)).size() == 1);
    CHECK(ok(j.ended_since(kChainId, kSender, 106)).empty());
    auto again = j.finish_intent(id, IntentState::kFailed, std::nullopt);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message == "finish intent: intent already final");
}

TEST_CASE("foreign keys and checks guard the tables") {
    TempDir dir;
    Journal j = open_journal(dir.file("journal.db"));
    auto orphan = j.record_receipt(4242, {1, {}, true});
    REQUIRE_FALSE(orphan.has_value());
    CHECK(orphan.error().code == Errc::kConstraint);
    CHECK(orphan.error().message == "record receipt: FOREIGN KEY constraint failed");

    auto not_terminal = j.finish_intent(1, IntentState::kBroadcast, std::nullopt);
    REQUIRE_FALSE(not_terminal.has_value());
    CHECK(not_terminal.error().code == Errc::kInvalidState);
    auto forget = j.forget_receipt(4242);
    REQUIRE_FALSE(forget.has_value());
    CHECK(forget.error().code == Errc::kNotFound);
}

TEST_CASE("prepared statements are cached per connection") {
    TempDir dir;
    auto db = ok(Database::open(dir.file("plain.db")));
    Statement* first = ok(db.prepare("SELECT 1"));
    Statement* second = ok(db.prepare("SELECT 1"));
    CHECK(first == second);
    auto bad = db.prepare("SELEKT 1");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::kPrepare);
    CHECK(bad.error().message == "prepare statement: near \"SELEKT\": syntax error");
}

TEST_CASE("a second connection waits for the writer within the busy timeout, then reports busy") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    Journal writer = open_journal(path);
    auto other = Journal::open(path, JournalOptions{std::chrono::milliseconds(50)});
    REQUIRE(other.has_value());
    auto lock = Transaction::begin(writer.database(), "hold the write lock");
    REQUIRE(lock.has_value());
    auto blocked = other->create_intent(new_intent("k"));
    REQUIRE_FALSE(blocked.has_value());
    CHECK(blocked.error().code == Errc::kBusy);
    CHECK(blocked.error().message == "create intent: database is locked");
}

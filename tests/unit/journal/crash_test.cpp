// Crashes at the worst instants, simulated with real processes: a child writes to the journal
// and dies by _exit (no destructors, no close) or by SIGKILL in the middle of a transaction. The
// parent reopens the file and checks that exactly the committed state survived, and that the
// state machine then resumes by re-sending identical bytes, never by signing anew.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "helpers.hpp"
#include "keeper/txm/machine.hpp"

using namespace keeper;
using namespace keeper::journal;
using namespace keeper::test;
using keeper::txm::AttemptKind;
using keeper::txm::AttemptState;
using keeper::txm::IntentState;

namespace {

enum class Death { kExit, kSigkill };

/// Runs `body` in a forked child that then dies as `death` says, whatever happens (a failed
/// step exits with 1 instead). Returns the child's wait status.
int run_child(const std::function<bool()>& body, Death death) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        bool ok = false;
        try {
            ok = body();
        } catch (...) {
            ok = false;
        }
        if (!ok) _exit(1);
        if (death == Death::kSigkill) raise(SIGKILL);
        _exit(0);  // no destructors, no sqlite3_close, no stdio flush
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
}

bool killed(int status) {
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}
bool exited_cleanly(int status) {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// create intent -> reserve nonce 0 -> insert the signed attempt; the caller "crashes" after.
/// The Journal is leaked on purpose: a crash closes nothing.
bool journal_signed_attempt(const std::string& path, const SignedTransaction& stx) {
    auto j = Journal::open(path);
    if (!j) return false;
    auto* leaked = new Journal(std::move(*j));  // NOLINT: never closed, like a crashed process
    auto in = leaked->create_intent(new_intent("hedge:100"));
    if (!in || !leaked->reserve_nonce(in->intent.id, 0)) return false;
    return leaked->insert_attempt(in->intent.id, AttemptKind::kIntent, stx, 1'700'000'001).has_value();
}

txm::MachinePolicy policy() {
    txm::MachinePolicy p;
    p.confirmations = 2;
    p.bump_after_blocks = 3;
    p.bump = {10, 0, 500 * kGwei};
    return p;
}

}  // namespace

TEST_CASE("a child that exits without closing leaves its committed attempt intact") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    const SignedTransaction stx = signed_tx(0);
    REQUIRE(exited_cleanly(run_child([&] { return journal_signed_attempt(path, stx); }, Death::kExit)));

    Journal j = open_journal(path);
    CHECK(ok(j.journal_mode()) == "wal");
    const auto flights = ok(j.in_flight(kChainId, kSender));
    REQUIRE(flights.size() == 1);
    CHECK(flights[0].state == IntentState::kSigned);
    REQUIRE(flights[0].attempts.size() == 1);
    CHECK(flights[0].attempts[0].raw == stx.encode());
    CHECK(flights[0].attempts[0].tx_hash == stx.hash());
    CHECK(ok(j.highest_nonce(kChainId, kSender)) == std::optional<std::uint64_t>(0));
}

TEST_CASE("SIGKILL in the middle of a transaction loses only that transaction") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        Journal j = open_journal(path);
        CHECK(ok(j.create_intent(new_intent("committed"))).inserted);
    }
    const int status = run_child(
        [&] {
            auto j = Journal::open(path);
            if (!j) return false;
            auto* leaked = new Journal(std::move(*j));  // NOLINT: never closed
            auto tx = Transaction::begin(leaked->database(), "doomed");
            if (!tx) return false;
            if (!leaked->database().exec(
                    "INSERT INTO intents (idempotency_key, sender_id, created_at, vault, direction, amount_in, "
                    "min_amount_out, deadline, state) SELECT 'uncommitted', sender_id, created_at, vault, direction, "
                    "amount_in, min_amount_out, deadline, state FROM intents",
                    "doomed insert"))
                return false;
            new Transaction(std::move(*tx));  // NOLINT: never committed, never rolled back
            return true;                      // run_child SIGKILLs now, inside BEGIN IMMEDIATE
        },
        Death::kSigkill);
    REQUIRE(killed(status));

    Journal j = open_journal(path);
    CHECK(ok(j.find_intent("committed")).has_value());
    CHECK_FALSE(ok(j.find_intent("uncommitted")).has_value());
    CHECK(ok(j.database().query_int("SELECT count(*) FROM intents", "test")) == 1);
    // The dead writer's lock is gone: a new write goes through at once.
    CHECK(ok(j.create_intent(new_intent("after the crash"))).inserted);
    CHECK(ok(j.database().query_text("PRAGMA integrity_check", "test")) == "ok");
}

TEST_CASE("restart recovery: killed after journaling, the signed bytes are re-sent, never re-signed") {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    const SignedTransaction stx = signed_tx(0);
    // The keeper dies between "insert attempt committed" and "eth_sendRawTransaction".
    REQUIRE(killed(run_child([&] { return journal_signed_attempt(path, stx); }, Death::kSigkill)));

    Journal j = open_journal(path);
    const auto flights = ok(j.in_flight(kChainId, kSender));
    REQUIRE(flights.size() == 1);
    const AttemptId attempt = flights[0].attempts.at(0).id;

    // The node has never heard of it (or has: the action is the same).
    txm::ChainObservation chain;
    chain.head_number = 120;
    chain.head_timestamp = 1'700'000'100;
    chain.sender_latest_nonce = 0;
    const auto actions = txm::evaluate(flights, chain, policy());
    REQUIRE(actions.size() == 1);
    const auto* broadcast = std::get_if<txm::Broadcast>(&actions[0]);
    REQUIRE(broadcast != nullptr);
    CHECK(broadcast->attempt == attempt);
    CHECK(broadcast->raw == stx.encode());
    CHECK(broadcast->reason == txm::BroadcastReason::kUnconfirmedSend);

    // The same decision replayed after the restart does not create a second intent.
    CHECK_FALSE(ok(j.create_intent(new_intent("hedge:100"))).inserted);

    // Sent; then killed again before anything else: the broadcast mark survived, and the next
    // evaluation only waits (the node knows the transaction).
    ok(j.mark_broadcast(attempt, 120));
    const auto again = ok(j.in_flight(kChainId, kSender));
    REQUIRE(again.size() == 1);
    CHECK(again[0].state == IntentState::kBroadcast);
    chain.head_number = 121;
    chain.txs[stx.hash()] = txm::TxObservation{true, std::nullopt};
    CHECK(txm::evaluate(again, chain, policy()).empty());
    // Mined at 122 and two blocks deep at 123: recorded, then final.
    chain.head_number = 122;
    chain.txs[stx.hash()].receipt =
        txm::ReceiptRecord{122, "0x2222222222222222222222222222222222222222222222222222222222222222"_hash, true};
    const auto mined = txm::evaluate(again, chain, policy());
    REQUIRE(mined.size() == 1);
    const auto* rec = std::get_if<txm::RecordReceipt>(&mined[0]);
    REQUIRE(rec != nullptr);
    ok(j.record_receipt(rec->attempt, rec->receipt));
    chain.head_number = 123;
    const auto final_actions = txm::evaluate(ok(j.in_flight(kChainId, kSender)), chain, policy());
    REQUIRE(final_actions.size() == 1);
    CHECK(std::get<txm::MarkFinal>(final_actions[0]) == txm::MarkFinal{1, attempt, IntentState::kFinal});
}

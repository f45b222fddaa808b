// The executor end to end on anvil with the real vault stack: one trade per decision, dry run,
// simulation reverts, SIGKILL-style crashes around the broadcast, nonce gaps.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "fixture.hpp"

using namespace keeper;
using namespace keeper::test;
using daemon::ExecuteOutcome;
using txm::IntentState;

TEST_CASE("execute: simulated, signed, mined, final after the confirmation depth, the same decision twice is one trade") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        rpc::BlockHeader head = co_await h.start(*ex);
        const auto plan = buy_plan("31337:vault:" + std::to_string(head.number), head.timestamp + 600);
        const daemon::ExecuteResult r = co_await ex->execute(plan, chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        REQUIRE(r.tx_hash);
        REQUIRE(r.intent);
        CHECK(r.nonce == std::optional<std::uint64_t>(0));
        CHECK(r.gas_estimate > 21'000);
        CHECK(r.fees.max_fee_per_gas <= 20 * kGwei);
        CHECK(r.fees.max_priority_fee_per_gas >= kGwei);  // clamped to [1, 2] gwei
        CHECK(r.fees.max_priority_fee_per_gas <= 2 * kGwei);

        // In flight: counted for the planner until final.
        const auto inflight = ex->in_flight(chain.vault);
        REQUIRE(inflight.size() == 1);
        CHECK(inflight[0].buy_underlying);
        CHECK(inflight[0].amount_in == 3'000'000'000);

        // The same decision again: nothing sent, same intent and hash.
        const daemon::ExecuteResult dup = co_await ex->execute(plan, chain.vault, head);
        CHECK(dup.outcome == ExecuteOutcome::kDuplicate);
        CHECK(dup.intent == r.intent);
        CHECK(dup.tx_hash == r.tx_hash);

        // Automine mines it; the depth (2) is reached one block after its block.
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        const IntentState first = ok(h.journal.intent(*r.intent)).state;
        CHECK((first == IntentState::kIncluded || first == IntentState::kBroadcast));
        for (int i = 0; i < 2 && ok(h.journal.intent(*r.intent)).state != IntentState::kFinal; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        CHECK(ok(h.journal.intent(*r.intent)).state == IntentState::kFinal);
        CHECK(ex->in_flight(chain.vault).empty());
        const auto view = ok(h.journal.intent_view(*r.intent));
        REQUIRE(view.attempts.size() == 1);
        CHECK(view.attempts[0].tx_hash == *r.tx_hash);
        CHECK(view.attempts[0].receipt->status);

        const auto st = ex->stats();
        CHECK(st.executed == 1);
        CHECK(st.duplicates == 1);
        CHECK(st.sent == 1);
        CHECK(st.intents_by_state[static_cast<std::size_t>(IntentState::kFinal)] == 1);
        CHECK_FALSE(st.halted);
    }());
    CHECK(chain.keeper_nonce() == 1);  // exactly one transaction from the keeper's key
    CHECK(chain.last_rebalance_at() > 0);
}

TEST_CASE("execute: dry run simulates and estimates, journals and signs nothing") {
    Chain chain;
    Harness h(chain);
    auto settings = executor_settings();
    settings.dry_run = true;
    auto ex = h.executor(settings);
    run(h.io, [&]() -> asio::awaitable<void> {
        auto started = co_await h.pool.start();
        REQUIRE(started);
        const rpc::BlockHeader head = co_await latest(h.pool);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("dry", head.timestamp + 600), chain.vault, head);
        INFO(r.detail);
        CHECK(r.outcome == ExecuteOutcome::kDryRun);
        CHECK(r.gas_estimate > 21'000);
        CHECK_FALSE(r.tx_hash);
        CHECK_FALSE(r.intent);
        CHECK_FALSE(ok(h.journal.find_intent("dry")).has_value());
    }());
    CHECK(chain.keeper_nonce() == 0);
}

TEST_CASE("execute: a reverting simulation ends the intent as failed with the decoded reason, nothing signed") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto started = co_await h.pool.start();
        REQUIRE(started);
        const rpc::BlockHeader head = co_await latest(h.pool);
        // A floor of 5 WETH for 3,000 USDC cannot be met.
        const auto plan = buy_plan("greedy", head.timestamp + 600, U256(5'000'000'000'000'000'000ULL));
        const daemon::ExecuteResult r = co_await ex->execute(plan, chain.vault, head);
        CHECK(r.outcome == ExecuteOutcome::kSimulationReverted);
        CHECK(r.detail.rfind("simulation reverted: ", 0) == 0);
        CHECK(r.detail.find("unknown error") == std::string::npos);  // decoded from the vault's ABI
        REQUIRE(r.intent);
        CHECK(ok(h.journal.intent(*r.intent)).state == IntentState::kFailed);
        CHECK_FALSE(r.tx_hash);
        // Retried with the same key: still one decision.
        const daemon::ExecuteResult again = co_await ex->execute(plan, chain.vault, head);
        CHECK(again.outcome == ExecuteOutcome::kDuplicate);
        CHECK(ex->stats().simulation_reverts == 1);
    }());
    CHECK(chain.keeper_nonce() == 0);
}

namespace {

/// Runs one execute() in a forked child with `point` set; the child dies there by _exit.
int crash_child(const Chain& chain, daemon::CrashPoint point, const std::string& key) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        try {
            asio::io_context io;
            rpc::EndpointPool pool(io.get_executor(), 31337, {{"anvil", chain.anvil.http_url()}});
            auto j = journal::Journal::open(chain.journal_path);
            if (!j) _exit(2);
            submit::PublicSubmitter submitter(pool);
            auto settings = executor_settings();
            settings.crash_point = point;
            daemon::Executor ex(pool, *j, submitter, keeper_key(), settings);
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    auto started = co_await pool.start();
                    if (!started) _exit(3);
                    auto head = co_await latest(pool);
                    auto r = co_await ex.execute(buy_plan(key, head.timestamp + 600), chain.vault, head);
                    (void)r;
                    _exit(4);  // the crash point was not reached
                },
                [](std::exception_ptr) { _exit(5); });
            io.run();
        } catch (...) {
            _exit(6);
        }
        _exit(7);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
}

void resume_and_check(Chain& chain, const std::string& key, bool sent_before_crash) {
    Harness h(chain);
    const auto before = ok(h.journal.find_intent(key));
    REQUIRE(before);
    const auto journaled = ok(h.journal.intent_view(before->id));
    REQUIRE(journaled.attempts.size() == 1);
    const Hash32 hash = journaled.attempts[0].tx_hash;
    CHECK(chain.keeper_nonce() == (sent_before_crash ? 1u : 0u));

    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);  // resumes: re-sends the identical bytes if needed
        // The same decision after the restart: nothing new.
        const daemon::ExecuteResult dup = co_await ex->execute(buy_plan(key, head.timestamp + 600), chain.vault, head);
        CHECK(dup.outcome == ExecuteOutcome::kDuplicate);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
    }());
    const auto after = ok(h.journal.intent_view(before->id));
    CHECK(after.state == IntentState::kFinal);
    REQUIRE(after.attempts.size() == 1);  // never re-signed
    CHECK(after.attempts[0].tx_hash == hash);
    CHECK(chain.keeper_nonce() == 1);     // exactly one trade, no gap
    CHECK(chain.last_rebalance_at() > 0);
    const std::string mined = cast({"tx", to_hex(hash.view()), "hash", "--rpc-url", chain.anvil.http_url()});
    CHECK(mined == to_hex(hash.view()));
}

}  // namespace

TEST_CASE("crash after journaling, before the send: the restart sends the identical bytes once") {
    Chain chain;
    const int status = crash_child(chain, daemon::CrashPoint::kAfterJournal, "crash-journal");
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == daemon::kCrashExitCode);
    resume_and_check(chain, "crash-journal", false);
}

TEST_CASE("crash after the send, before journaling the broadcast: no second transaction") {
    Chain chain;
    const int status = crash_child(chain, daemon::CrashPoint::kAfterSend, "crash-send");
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == daemon::kCrashExitCode);
    resume_and_check(chain, "crash-send", true);
}

TEST_CASE("crash after the broadcast is journaled: the restart tracks it to final") {
    Chain chain;
    const int status = crash_child(chain, daemon::CrashPoint::kAfterBroadcast, "crash-broadcast");
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == daemon::kCrashExitCode);
    resume_and_check(chain, "crash-broadcast", true);
}

TEST_CASE("start: a nonce gap in the journal is filled with a no-op self-transfer") {
    Chain chain;
    Harness h(chain);
    // An intent that reserved nonce 0 and ended before signing; the next one holds nonce 1.
    {
        journal::NewIntent in;
        in.idempotency_key = "ended-unsigned";
        in.chain_id = 31337;
        in.sender = parse_address(kKeeperAddress);
        in.decision = {chain.vault, journal::Direction::kBuy, 1, 1, 1};
        auto created = ok(h.journal.create_intent(in));
        ok(h.journal.reserve_nonce(created.intent.id, 0));
        ok(h.journal.finish_intent(created.intent.id, IntentState::kExpired, std::nullopt));
    }
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        CHECK(has_alert(*ex, "gap_filled"));
        CHECK(ex->stats().gap_fills == 1);
        // Then a trade takes nonce 1, not stuck behind the gap.
        const daemon::ExecuteResult r =
            co_await ex->execute(buy_plan("after-gap", head.timestamp + 600), chain.vault, head);
        INFO(r.detail);
        CHECK(r.outcome == ExecuteOutcome::kSubmitted);
        CHECK(r.nonce == std::optional<std::uint64_t>(1));
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
    }());
    const auto filler = ok(h.journal.find_intent(
        "nonce-fill:31337:" + to_hex(parse_address(kKeeperAddress).view()) + ":0"));
    REQUIRE(filler);
    CHECK(filler->state == IntentState::kCancelled);  // the self-transfer was mined
    CHECK(ok(h.journal.find_intent("after-gap"))->state == IntentState::kFinal);
    CHECK(chain.keeper_nonce() == 2);
}

// ---- a nonce reserved, no attempt journaled (issue #5: runtime nonce gaps) -----------------------

namespace {

/// The nonce count of the keeper's key the journal implies: its highest reserved nonce + 1.
std::uint64_t journal_next_nonce(journal::Journal& j) {
    const auto highest = ok(j.highest_nonce(31337, parse_address(kKeeperAddress)));
    return highest ? *highest + 1 : 0;
}

/// A later hedge after the gap case: it takes the next nonce and is mined, not stuck.
asio::awaitable<void> later_hedge_mines(Chain& chain, Harness& h, daemon::Executor& ex, std::uint64_t nonce) {
    auto head = co_await latest(h.pool);
    const daemon::ExecuteResult r = co_await ex.execute(buy_plan("later-hedge", head.timestamp + 600), chain.vault, head);
    INFO(r.detail);
    CHECK(r.outcome == ExecuteOutcome::kSubmitted);
    CHECK(r.nonce == std::optional<std::uint64_t>(nonce));
    for (int i = 0; i < 3; ++i) {
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex.on_head(head);
    }
    CHECK(ok(h.journal.find_intent("later-hedge"))->state == IntentState::kFinal);
}

void check_released_by_cancel(Chain& chain, journal::Journal& j, const std::string& key) {
    const auto rec = ok(j.find_intent(key));
    REQUIRE(rec);
    CHECK(rec->state == IntentState::kCancelled);
    REQUIRE(rec->nonce == std::optional<std::uint64_t>(0));
    const auto view = ok(j.intent_view(rec->id));
    REQUIRE(view.attempts.size() == 1);  // never signed as a trade: only the cancel
    CHECK(view.attempts[0].kind == txm::AttemptKind::kCancel);
    CHECK(view.attempts[0].nonce == 0);
    CHECK(view.attempts[0].gas_limit == 21'000);
    // The cancel is on chain at nonce 0: a 0-value transfer to the keeper itself.
    const std::string hash = to_hex(view.attempts[0].tx_hash.view());
    CHECK(cast({"tx", hash, "nonce", "--rpc-url", chain.anvil.http_url()}) == "0");
    CHECK(parse_address(cast({"tx", hash, "to", "--rpc-url", chain.anvil.http_url()})) == parse_address(kKeeperAddress));
    CHECK(cast({"tx", hash, "value", "--rpc-url", chain.anvil.http_url()}) == "0");
}

}  // namespace

TEST_CASE("crash after the nonce is reserved, before the attempt is journaled, restart past the deadline: a cancel "
          "consumes the nonce, no gap") {
    Chain chain;
    const int status = crash_child(chain, daemon::CrashPoint::kAfterReserveNonce, "crash-reserved");
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == daemon::kCrashExitCode);
    {
        Harness h(chain);
        const auto rec = ok(h.journal.find_intent("crash-reserved"));
        REQUIRE(rec);
        CHECK(rec->state == IntentState::kCreated);
        CHECK(rec->nonce == std::optional<std::uint64_t>(0));
        CHECK(ok(h.journal.intent_view(rec->id)).attempts.empty());
    }
    CHECK(chain.keeper_nonce() == 0);
    // The restart comes after the intent's deadline (head + 600 s).
    chain.rpc("evm_increaseTime", "[1000]");
    chain.mine();

    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);  // the expired intent's nonce is released by a cancel
        CHECK(ex->stats().cancelled == 1);
        CHECK(ex->stats().gap_fills == 0);  // released by its own intent, not left as a gap
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        co_await later_hedge_mines(chain, h, *ex, 1);
    }());
    check_released_by_cancel(chain, h.journal, "crash-reserved");
    CHECK(chain.keeper_nonce() == 2);  // the cancel and the later hedge
    CHECK(chain.keeper_nonce() == journal_next_nonce(h.journal));
    CHECK(chain.last_rebalance_at() > 0);  // the later hedge traded; the crashed one never did
}

TEST_CASE("at runtime: the journal fails after the nonce is reserved, past the deadline a cancel consumes the nonce") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        // Every attempt insert fails (a full disk, say) on this connection: reserve_nonce
        // succeeds, the signed attempt cannot be journaled, so nothing is sent.
        ok(h.journal.database().exec("CREATE TEMP TRIGGER fail_attempts BEFORE INSERT ON attempts "
                                     "BEGIN SELECT RAISE(ABORT, 'injected: database or disk is full'); END;",
                                     "inject a journal failure"));
        const daemon::ExecuteResult r =
            co_await ex->execute(buy_plan("journal-fails", head.timestamp + 600), chain.vault, head);
        INFO(r.detail);
        CHECK(r.outcome == ExecuteOutcome::kError);
        CHECK(r.detail.find("injected") != std::string::npos);
        CHECK(r.nonce == std::optional<std::uint64_t>(0));
        CHECK_FALSE(r.tx_hash);
        CHECK(chain.keeper_nonce() == 0);
        ok(h.journal.database().exec("DROP TRIGGER fail_attempts", "end the journal failure"));

        // The deadline passes before the next head: the intent is not traded late, and its
        // nonce does not wait for the next start.
        chain.rpc("evm_increaseTime", "[1000]");
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(ex->stats().cancelled == 1);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        co_await later_hedge_mines(chain, h, *ex, 1);
    }());
    check_released_by_cancel(chain, h.journal, "journal-fails");
    CHECK(chain.keeper_nonce() == 2);
    CHECK(chain.keeper_nonce() == journal_next_nonce(h.journal));
}

TEST_CASE("at runtime: a gap left by an intent that ended unsigned is filled at the next head, not the next start") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        CHECK(ex->stats().gap_fills == 0);
        // What an older keeper left behind while this one runs: nonce 0 reserved by an intent
        // that ended expired without signing.
        journal::NewIntent in;
        in.idempotency_key = "ended-unsigned";
        in.chain_id = 31337;
        in.sender = parse_address(kKeeperAddress);
        in.decision = {chain.vault, journal::Direction::kBuy, 1, 1, 1};
        auto created = ok(h.journal.create_intent(in));
        ok(h.journal.reserve_nonce(created.intent.id, 0));
        ok(h.journal.finish_intent(created.intent.id, IntentState::kExpired, std::nullopt));
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(ex->stats().gap_fills == 1);
        CHECK(has_alert(*ex, "gap_filled"));
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        CHECK(ex->stats().gap_fills == 1);  // once
        co_await later_hedge_mines(chain, h, *ex, 1);
    }());
    const auto filler = ok(h.journal.find_intent(
        "nonce-fill:31337:" + to_hex(parse_address(kKeeperAddress).view()) + ":0"));
    REQUIRE(filler);
    CHECK(filler->state == IntentState::kCancelled);
    CHECK(chain.keeper_nonce() == 2);
    CHECK(chain.keeper_nonce() == journal_next_nonce(h.journal));
}

// ---- per-head reads pinned to the head; realized gas cost ----------------------------------------

TEST_CASE("per-head reads are pinned to the head: a receipt above the head waits for it, an unknown head changes nothing") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        const rpc::BlockHeader before = co_await h.start(*ex);
        CHECK(ex->pinned_by_hash());  // anvil takes EIP-1898 block hashes
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("pinned", before.timestamp + 600), chain.vault, before);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        // Automine put it in block before + 1 (cast waits for the receipt). Seen from the older
        // head: not mined yet, and (the nonce count read at that head is 0) not "consumed
        // elsewhere" either.
        const std::string mined_in =
            cast({"receipt", to_hex(r.tx_hash->view()), "blockNumber", "--rpc-url", chain.anvil.http_url()});
        REQUIRE(std::stoull(mined_in) == before.number + 1);
        co_await ex->on_head(before);
        CHECK(ok(h.journal.intent(*r.intent)).state == IntentState::kBroadcast);
        CHECK_FALSE(has_alert(*ex, "nonce_consumed_elsewhere"));
        CHECK(ex->stats().alerts == 0);

        // A head the node does not know (reorged away): nothing read, nothing changed.
        rpc::BlockHeader ghost = co_await latest(h.pool);
        ghost.hash = Hash32{};
        co_await ex->on_head(ghost);
        CHECK(ok(h.journal.intent(*r.intent)).state == IntentState::kBroadcast);
        CHECK(ex->stats().alerts == 0);

        const rpc::BlockHeader at = co_await latest(h.pool);
        REQUIRE(at.number == before.number + 1);
        co_await ex->on_head(at);
        CHECK(ok(h.journal.intent(*r.intent)).state == IntentState::kIncluded);
    }());
}

TEST_CASE("realized gas cost: gasUsed x effectiveGasPrice of the final receipt, per vault, counted once across restarts") {
    Chain chain;
    Hash32 hash;
    U256 expected{0};
    {
        Harness h(chain);
        auto ex = h.executor();
        run(h.io, [&]() -> asio::awaitable<void> {
            auto head = co_await h.start(*ex);
            CHECK(ex->stats().gas_paid_wei.empty());
            const daemon::ExecuteResult r = co_await ex->execute(buy_plan("gas", head.timestamp + 600), chain.vault, head);
            INFO(r.detail);
            REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
            hash = *r.tx_hash;
            head = co_await latest(h.pool);
            co_await ex->on_head(head);  // included: not counted yet
            CHECK(ex->stats().final_receipts == 0);
            CHECK(ex->stats().gas_paid_wei.empty());
            for (int i = 0; i < 3; ++i) {
                chain.mine();
                head = co_await latest(h.pool);
                co_await ex->on_head(head);
            }
            REQUIRE(ok(h.journal.intent(*r.intent)).state == IntentState::kFinal);
            const std::string tx = to_hex(hash.view());
            const auto gas_used = parse_u256(cast({"receipt", tx, "gasUsed", "--rpc-url", chain.anvil.http_url()}));
            const auto price = parse_u256(cast({"receipt", tx, "effectiveGasPrice", "--rpc-url", chain.anvil.http_url()}));
            REQUIRE(gas_used);
            REQUIRE(price);
            CHECK(*gas_used > 21'000);
            expected = *gas_used * *price;
            const daemon::ExecutorStats st = ex->stats();
            CHECK(st.final_receipts == 1);
            REQUIRE(st.gas_paid_wei.size() == 1);
            REQUIRE(st.gas_paid_wei.count(chain.vault) == 1);
            CHECK(to_dec(st.gas_paid_wei.at(chain.vault)) == to_dec(expected));
            // Counted once: more heads add nothing.
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
            CHECK(ex->stats().final_receipts == 1);
            CHECK(to_dec(ex->stats().gas_paid_wei.at(chain.vault)) == to_dec(expected));
        }());
    }
    // A restart rebuilds the figure from the journal: the same, not doubled.
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
    }());
    const daemon::ExecutorStats st = ex->stats();
    CHECK(st.final_receipts == 1);
    REQUIRE(st.gas_paid_wei.count(chain.vault) == 1);
    CHECK(to_dec(st.gas_paid_wei.at(chain.vault)) == to_dec(expected));
}

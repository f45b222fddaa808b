// The transaction manager in action on anvil: a base-fee spike with automine off (bumps under
// the cap), a dropped transaction (same bytes again), the keeper's key used elsewhere, a reorg
// (back in flight, executed once), an expired intent (cancelled at its nonce).
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace keeper;
using namespace keeper::test;
using daemon::ExecuteOutcome;
using txm::IntentState;

TEST_CASE("base fee spike, automine off: both fee fields bumped >= 10% under the cap, alert at the cap, mined once") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    txm::IntentId id = 0;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        chain.automine(false);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("spike", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        id = *r.intent;
        // 50 gwei base fee on every block: above the 20 gwei cap, so nothing we may pay is enough.
        for (int i = 0; i < 200 && !has_alert(*ex, "fee_cap_reached"); ++i) {
            chain.next_base_fee(50 * kGwei);
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        CHECK(has_alert(*ex, "fee_cap_reached"));
        CHECK(ex->stats().bumped >= 2);
        // The spike ends: the newest attempt is mined.
        chain.next_base_fee(kGwei);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
    }());
    const auto view = ok(h.journal.intent_view(id));
    CHECK(view.state == IntentState::kFinal);
    REQUIRE(view.attempts.size() >= 3);
    for (std::size_t i = 0; i < view.attempts.size(); ++i) {
        const auto& a = view.attempts[i];
        CHECK(a.nonce == 0);
        CHECK(a.fees.max_fee_per_gas <= 20 * kGwei);
        CHECK(a.fees.max_priority_fee_per_gas <= a.fees.max_fee_per_gas);
        if (i > 0) {
            const auto& prev = view.attempts[i - 1];
            CHECK(a.fees.max_fee_per_gas * 100 >= prev.fees.max_fee_per_gas * 110);
            CHECK(a.fees.max_priority_fee_per_gas * 100 >= prev.fees.max_priority_fee_per_gas * 110);
        }
    }
    // The mined one is the newest; no valid bump was possible above it.
    CHECK(view.attempts.back().state == txm::AttemptState::kFinal);
    CHECK(view.attempts.back().fees.max_fee_per_gas * 110 > 20 * kGwei * 100);
    CHECK(chain.keeper_nonce() == 1);
    CHECK(chain.last_rebalance_at() > 0);
}

TEST_CASE("anvil_dropTransaction: the same bytes are re-broadcast and mined once") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    Hash32 hash;
    txm::IntentId id = 0;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        chain.automine(false);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("drop", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        hash = *r.tx_hash;
        id = *r.intent;
        chain.rpc("anvil_dropTransaction", "[\"" + to_hex(hash.view()) + "\"]");
        CHECK(chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(hash.view()) + "\"]").find("\"result\":null") !=
              std::string::npos);
        co_await ex->on_head(head);
        CHECK(has_alert(*ex, "dropped"));
        CHECK(ex->stats().rebroadcast == 1);
        CHECK(chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(hash.view()) + "\"]").find("\"result\":null") ==
              std::string::npos);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
    }());
    const auto view = ok(h.journal.intent_view(id));
    CHECK(view.state == IntentState::kFinal);
    REQUIRE(view.attempts.size() == 1);
    CHECK(view.attempts[0].tx_hash == hash);
    CHECK(chain.keeper_nonce() == 1);
}

TEST_CASE("the keeper's key used elsewhere: a stolen nonce fails the intent, the chain ahead is fast-forwarded") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    txm::IntentId first = 0;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        // 1. Our trade waits in the mempool at nonce 0; another transaction of the key, paying
        //    more, replaces it there and is mined.
        chain.automine(false);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("stolen", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        first = *r.intent;
        cast({"send", "--async", "--private-key", kKeeperKey, "--rpc-url", chain.anvil.http_url(), "--nonce", "0",
              "--gas-price", "30gwei", "--priority-gas-price", "10gwei", kKeeperAddress});
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(has_alert(*ex, "nonce_consumed_elsewhere"));
        CHECK(ok(h.journal.intent(first)).state == IntentState::kFailed);

        // 2. Another transaction of the key while the keeper is idle: the next trade detects the
        //    chain ahead of the journal, alerts and fast-forwards to the chain's nonce.
        chain.automine(true);
        cast({"send", "--private-key", kKeeperKey, "--rpc-url", chain.anvil.http_url(), kKeeperAddress});
        head = co_await latest(h.pool);
        const daemon::ExecuteResult next = co_await ex->execute(buy_plan("after", head.timestamp + 3000), chain.vault, head);
        INFO(next.detail);
        CHECK(next.outcome == ExecuteOutcome::kSubmitted);
        CHECK(next.nonce == std::optional<std::uint64_t>(2));
        CHECK(has_alert(*ex, "chain_ahead"));
        CHECK(ex->stats().nonce_fast_forwards == 1);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        CHECK(ok(h.journal.find_intent("after"))->state == IntentState::kFinal);
    }());
    CHECK(chain.keeper_nonce() == 3);  // two foreign transactions and exactly one trade
}

TEST_CASE("reorg via anvil: the receipt's block leaves the chain, the trade is back in flight and executed once") {
    Chain chain;
    Harness h(chain);
    auto settings = executor_settings();
    settings.machine.confirmations = 3;
    auto ex = h.executor(settings);
    txm::IntentId id = 0;
    Hash32 hash;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        const std::string snapshot = chain.rpc("evm_snapshot");
        const std::string snap_id = snapshot.substr(snapshot.find("\"result\":\"") + 10,
                                                    snapshot.find('"', snapshot.find("\"result\":\"") + 10) -
                                                        (snapshot.find("\"result\":\"") + 10));
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("reorg", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        id = *r.intent;
        hash = *r.tx_hash;
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        REQUIRE(ok(h.journal.intent(id)).state == IntentState::kIncluded);
        const Hash32 first_block = ok(h.journal.intent_view(id)).attempts[0].receipt->block_hash;

        // The block that included it is replaced (within the depth of 3).
        chain.rpc("evm_revert", "[\"" + snap_id + "\"]");
        chain.automine(false);
        chain.mine(2);
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(has_alert(*ex, "reorged_out"));
        CHECK(ex->stats().receipts_reorged == 1);
        CHECK_FALSE(ex->halted());
        for (int i = 0; i < 4; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        // Back in flight: re-sent, or (forgotten by the node past the bump delay) replaced with
        // bumped fees at the same nonce. Either way exactly one attempt is mined.
        const auto view = ok(h.journal.intent_view(id));
        CHECK(view.state == IntentState::kFinal);
        REQUIRE_FALSE(view.attempts.empty());
        CHECK(view.attempts[0].tx_hash == hash);
        int mined = 0;
        for (const auto& a : view.attempts) {
            CHECK(a.nonce == view.attempts[0].nonce);
            if (a.receipt) {
                ++mined;
                CHECK(a.receipt->block_hash != first_block);
            }
        }
        CHECK(mined == 1);
    }());
    CHECK(chain.keeper_nonce() == 1);
}

TEST_CASE("a reorg deeper than the confirmation depth halts trading, persisted across restarts") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        const std::string snapshot = chain.rpc("evm_snapshot");
        const auto at = snapshot.find("\"result\":\"") + 10;
        const std::string snap_id = snapshot.substr(at, snapshot.find('"', at) - at);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("deep", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        for (int i = 0; i < 3; ++i) {
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
            chain.mine();
        }
        REQUIRE(ok(h.journal.intent(*r.intent)).state == IntentState::kFinal);
        // Replace the final block and more: a reorg past finality.
        chain.rpc("evm_revert", "[\"" + snap_id + "\"]");
        chain.automine(false);
        chain.mine(6);
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(ex->halted());
        CHECK(has_alert(*ex, "deep_reorg"));
        const daemon::ExecuteResult refused = co_await ex->execute(buy_plan("while-halted", head.timestamp + 3000),
                                                                   chain.vault, head);
        CHECK(refused.outcome == ExecuteOutcome::kHalted);
    }());
    // A restart stays halted until the operator clears it.
    Harness again(chain);
    auto ex2 = again.executor();
    run(again.io, [&]() -> asio::awaitable<void> {
        co_await again.start(*ex2);
        CHECK(ex2->halted());
        REQUIRE(ex2->halt_reason());
        CHECK(ex2->halt_reason()->find("reorg beyond the confirmation depth") != std::string::npos);
        CHECK(ex2->clear_halt());
        CHECK_FALSE(ex2->halted());
    }());
}

TEST_CASE("an intent not mined by its deadline is cancelled by a self-transfer at the same nonce") {
    Chain chain;
    Harness h(chain);
    auto settings = executor_settings();
    settings.intent_ttl_seconds = 30;
    auto ex = h.executor(settings);
    txm::IntentId id = 0;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        chain.automine(false);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("late", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        id = *r.intent;
        // A block past the intent's deadline that does not include it (base fee above its max fee).
        chain.rpc("evm_setNextBlockTimestamp", "[" + std::to_string(head.timestamp + 60) + "]");
        chain.next_base_fee(5 * kGwei);
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(ex->stats().cancelled == 1);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
    }());
    const auto view = ok(h.journal.intent_view(id));
    CHECK(view.state == IntentState::kCancelled);
    REQUIRE(view.attempts.size() == 2);
    CHECK(view.attempts[1].kind == txm::AttemptKind::kCancel);
    CHECK(view.attempts[1].nonce == view.attempts[0].nonce);
    CHECK(view.attempts[1].gas_limit == 21'000);
    CHECK(chain.keeper_nonce() == 1);
    CHECK(chain.last_rebalance_at() == 0);  // never executed late
}

TEST_CASE("the keeper's key used elsewhere while nothing is in flight: detected at the next head, no hedge stuck") {
    Chain chain;
    Harness h(chain);
    auto ex = h.executor();
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        // One hedge, tracked to final: the journal's next nonce is 1, nothing in flight.
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("first", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        REQUIRE(ok(h.journal.intent(*r.intent)).state == IntentState::kFinal);
        REQUIRE(ex->in_flight(chain.vault).empty());
        CHECK_FALSE(has_alert(*ex, "chain_ahead"));

        // The key signs elsewhere (automine: mined at once). The next head sees it.
        cast({"send", "--private-key", kKeeperKey, "--rpc-url", chain.anvil.http_url(), kKeeperAddress});
        REQUIRE(chain.keeper_nonce() == 2);
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(has_alert(*ex, "chain_ahead"));
        CHECK(ex->stats().nonce_fast_forwards == 1);
        CHECK(ex->stats().alerts_by_kind["chain_ahead"] == 1);
        // Once: later heads and the next trade do not alert again for the same transaction.
        chain.mine();
        head = co_await latest(h.pool);
        co_await ex->on_head(head);
        CHECK(ex->stats().nonce_fast_forwards == 1);

        // The next hedge (after the vault's 10-minute cooldown) takes the chain's nonce and is mined.
        chain.rpc("evm_increaseTime", "[660]");
        chain.mine();
        head = co_await latest(h.pool);
        const daemon::ExecuteResult next = co_await ex->execute(buy_plan("next", head.timestamp + 3000), chain.vault, head);
        INFO(next.detail);
        CHECK(next.outcome == ExecuteOutcome::kSubmitted);
        CHECK(next.nonce == std::optional<std::uint64_t>(2));
        for (int i = 0; i < 3; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex->on_head(head);
        }
        CHECK(ok(h.journal.find_intent("next"))->state == IntentState::kFinal);
        const daemon::ExecutorStats st = ex->stats();
        CHECK(st.nonce_fast_forwards == 1);
        CHECK(st.alerts_by_kind.at("chain_ahead") == 1);
        std::uint64_t by_kind = 0;
        for (const auto& [kind, n] : st.alerts_by_kind) by_kind += n;
        CHECK(by_kind == st.alerts);
    }());
    CHECK(chain.keeper_nonce() == 3);  // two hedges and the foreign transaction, no gap
}

TEST_CASE("finality \"finalized\": a receipt is final once at or below the node's finalized block") {
    Chain chain;
    Harness h(chain);
    auto settings = executor_settings();
    settings.machine.finality = txm::Finality::kFinalized;
    auto ex = h.executor(settings);
    txm::IntentId id = 0;
    std::uint64_t mined_in = 0;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await h.start(*ex);
        const daemon::ExecuteResult r = co_await ex->execute(buy_plan("finalized", head.timestamp + 3000), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        id = *r.intent;
        // Automine: cast waits for the receipt, then the head is the block that includes it.
        mined_in = std::stoull(
            cast({"receipt", to_hex(r.tx_hash->view()), "blockNumber", "--rpc-url", chain.anvil.http_url()}));
        head = co_await latest(h.pool);
        REQUIRE(head.number == mined_in);
        co_await ex->on_head(head);
        REQUIRE(ok(h.journal.intent(id)).state == IntentState::kIncluded);

        // Far past the confirmation depth (2) but not yet finalized: anvil finalizes 64 blocks
        // behind its head.
        chain.mine(63);
        head = co_await latest(h.pool);
        const std::uint64_t finalized_now =
            std::stoull(cast({"block", "finalized", "-f", "number", "--rpc-url", chain.anvil.http_url()}));
        CHECK(finalized_now == head.number - 64);
        CHECK(finalized_now < mined_in);
        co_await ex->on_head(head);
        CHECK(ok(h.journal.intent(id)).state == IntentState::kIncluded);
        CHECK(ex->in_flight(chain.vault).size() == 1);  // still counted for the planner
        CHECK(ex->stats().final_receipts == 0);

        chain.mine(1);
        head = co_await latest(h.pool);
        CHECK(std::stoull(cast({"block", "finalized", "-f", "number", "--rpc-url", chain.anvil.http_url()})) ==
              mined_in);
        co_await ex->on_head(head);
        CHECK(ok(h.journal.intent(id)).state == IntentState::kFinal);
        CHECK(ex->in_flight(chain.vault).empty());
        CHECK(ex->stats().final_receipts == 1);
    }());
    const auto view = ok(h.journal.intent_view(id));
    REQUIRE(view.attempts.size() == 1);
    REQUIRE(view.attempts[0].receipt);
    CHECK(view.attempts[0].receipt->block_number == mined_in);
    CHECK(view.attempts[0].state == txm::AttemptState::kFinal);
    CHECK(chain.keeper_nonce() == 1);
}

// The executor with a private submitter (issue #6) on anvil with automine off and the local
// relay (tests/support/relay.hpp): the public node never knows a pending private transaction,
// so "can it still land" comes from the submitter. A trade whose window passes without
// inclusion is re-planned by the keeper loop (collector -> planner -> Executor::replan) and
// signed at the SAME nonce with fresh prices and fees (no bump rule: no mempool holds the old
// bytes), or its nonce is released by a cancel when the fresh plan says no trade; an alert
// fires after N missed windows; crashes mid re-plan resume to exactly one transaction.
#include <catch2/catch.hpp>

#include "fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "keeper/chain/collector.hpp"
#include "keeper/daemon/keeper.hpp"
#include "keeper/mev/relay_client.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/rpc/heads.hpp"
#include "support/relay.hpp"

using namespace keeper;
using namespace keeper::test;
using daemon::ExecuteOutcome;
using txm::IntentState;

namespace {

// Anvil dev account 5: the relay reputation key (never the funds key, account 1).
constexpr const char* kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

/// Rebalanced events the vault emitted, read from the chain with eth_getLogs.
std::size_t rebalanced_count(const Chain& chain) {
    const std::string topic =
        cast({"keccak", "Rebalanced(address,bool,uint256,uint256,uint256,int256,int256,uint256)"});
    const auto reply =
        nlohmann::json::parse(chain.rpc("eth_getLogs", R"([{"fromBlock":"0x0","toBlock":"latest","address":")" +
                                                           chain.stack.vault + R"(","topics":[")" + topic + R"("]}])"));
    return reply.at("result").size();
}

/// The executor wired to a PrivateRelaySubmitter on the local relay.
struct PrivateHarness {
    Chain& chain;
    LocalRelay relay;
    asio::io_context io;
    rpc::EndpointPool pool;
    journal::Journal journal;
    std::shared_ptr<mev::RelayClient> client;
    mev::PrivateRelaySubmitter submitter;
    daemon::Executor ex;

    PrivateHarness(Chain& c, std::uint64_t window, daemon::ExecutorSettings settings)
        : chain(c),
          relay(options(c)),
          pool(io.get_executor(), 31337, {{"anvil", c.anvil.http_url()}}),
          journal(Harness::open(c.journal_path)),
          client(std::make_shared<mev::RelayClient>(
              io.get_executor(), "local", relay.url(),
              std::make_shared<const SecretKey>(SecretKey::from_bytes(from_hex(kRepKey).value()).value()))),
          submitter(client, {window, {}, relay.status_url()}),
          ex(pool, journal, submitter, keeper_key(), std::move(settings)) {}

    static RelayOptions options(const Chain& c) {
        RelayOptions o;
        o.chain = [&c](const std::string& m, const std::string& p) { return c.anvil.raw_call(m, p); };
        return o;
    }
};

}  // namespace

TEST_CASE(
    "private relay: a missed window awaits a re-plan, the fresh plan is signed at the same nonce, alerts, lands once") {
    Chain chain;
    constexpr std::uint64_t kWindow = 2;
    daemon::ExecutorSettings settings = executor_settings();
    settings.private_alert_after_windows = 2;
    REQUIRE(daemon::validate(settings));
    PrivateHarness h(chain, kWindow, settings);
    REQUIRE(h.submitter.is_private());
    auto& io = h.io;
    auto& pool = h.pool;
    auto& journal = h.journal;
    auto& relay = h.relay;
    auto& ex = h.ex;

    // The decisions the test plays the keeper's part with: each re-plan a different floor.
    const std::vector<U256> floors{U256(980'000'000'000'000'000ULL), U256(975'000'000'000'000'000ULL),
                                   U256(970'000'000'000'000'000ULL)};
    txm::IntentId id = 0;
    std::vector<Hash32> hashes;
    run(io, [&]() -> asio::awaitable<void> {
        auto started = co_await pool.start();
        REQUIRE(started);
        chain.automine(false);
        // A high base fee when the trade is first priced; empty blocks bring it down afterwards.
        chain.next_base_fee(8 * kGwei);
        chain.mine();
        auto head = co_await latest(pool);
        auto s = co_await ex.start(head);
        REQUIRE(s);
        const daemon::ExecuteResult r =
            co_await ex.execute(buy_plan("private", head.timestamp + 3000, floors[0]), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        REQUIRE(r.nonce == std::optional<std::uint64_t>(0));
        id = *r.intent;
        hashes.push_back(*r.tx_hash);
        CHECK(relay.held() == 1);
        // The public node does not know it: a public executor would call it dropped.
        CHECK(
            chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(r.tx_hash->view()) + "\"]").find("\"result\":null") !=
            std::string::npos);

        // While the window is open: no re-send, no bump, no re-plan (the relay holds it).
        chain.next_base_fee(kGwei);
        chain.mine();
        head = co_await latest(pool);
        co_await ex.on_head(head);
        CHECK(ex.awaiting_replan().empty());
        CHECK(ex.stats().resigned_private == 0);
        CHECK(ex.stats().bumped == 0);
        CHECK(ex.stats().rebroadcast == 0);

        // The window passes without inclusion (blocks built without the relay), twice.
        for (std::size_t window = 1; window <= 2; ++window) {
            for (std::uint64_t i = 0; i < kWindow + 1 && ex.awaiting_replan().empty(); ++i) {
                chain.mine();
                head = co_await latest(pool);
                co_await ex.on_head(head);
            }
            // The stale trade is never re-signed on its own: the executor waits for a fresh plan.
            const std::vector<daemon::ReplanRequest> awaiting = ex.awaiting_replan();
            REQUIRE(awaiting.size() == 1);
            CHECK(awaiting[0].intent == id);
            CHECK(awaiting[0].nonce == 0);
            CHECK(awaiting[0].vault == chain.vault);
            CHECK(awaiting[0].revision == window - 1);
            CHECK(awaiting[0].missed_windows == window);
            CHECK(ex.awaiting_replan(chain.vault).size() == 1);
            CHECK(ex.awaiting_replan(parse_address(chain.stack.pool)).empty());
            CHECK(ok(journal.intent_view(id)).attempts.size() == window);
            CHECK(ex.in_flight(chain.vault, id).empty());  // the re-plan does not count it
            CHECK(ex.in_flight(chain.vault).size() == 1);

            const daemon::ReplanResult rr = co_await ex.replan(
                id, buy_plan("private-replan-" + std::to_string(window), head.timestamp + 3000, floors[window]), head);
            INFO(rr.detail);
            REQUIRE(rr.outcome == daemon::ReplanOutcome::kResigned);
            CHECK(rr.nonce == 0);
            CHECK(rr.revision == window);
            REQUIRE(rr.tx_hash);
            CHECK(ex.awaiting_replan().empty());
            // Called again for the same missed window: nothing.
            const daemon::ReplanResult again = co_await ex.replan(id, buy_plan("again", head.timestamp + 3000), head);
            CHECK(again.outcome == daemon::ReplanOutcome::kSkipped);
            const auto view = ok(journal.intent_view(id));
            REQUIRE(view.attempts.size() == window + 1);
            CHECK(view.attempts.back().tx_hash == *rr.tx_hash);
            hashes.push_back(view.attempts.back().tx_hash);
            CHECK(has_alert(ex, "private_window_missed") == (window == 2));
        }
        CHECK_FALSE(has_alert(ex, "dropped"));
        CHECK(ex.stats().bumped == 0);
        CHECK(ex.stats().rebroadcast == 0);
        CHECK(ex.stats().replanned == 2);
        CHECK(ex.stats().resigned_private == 2);

        // The relay's builder includes the newest attempt; the expired ones are never injected.
        relay.mine();
        for (int i = 0; i < 3; ++i) {
            head = co_await latest(pool);
            co_await ex.on_head(head);
            chain.mine();
        }
        head = co_await latest(pool);
        co_await ex.on_head(head);
    }());

    const auto view = ok(journal.intent_view(id));
    CHECK(view.state == IntentState::kFinal);
    REQUIRE(view.attempts.size() == 3);
    for (std::size_t i = 0; i < view.attempts.size(); ++i) {
        CHECK(view.attempts[i].nonce == 0);
        CHECK(view.attempts[i].kind == txm::AttemptKind::kIntent);
        CHECK(ok(journal.attempt_revision(view.attempts[i].id)) == i);
    }
    CHECK(view.attempts.back().state == txm::AttemptState::kFinal);
    CHECK(view.attempts.back().tx_hash == hashes.back());
    // Fresh fees, not bumped ones: the base fee fell, so did the price.
    CHECK(view.attempts[1].fees.max_fee_per_gas < view.attempts[0].fees.max_fee_per_gas);
    CHECK(view.attempts[2].fees.max_fee_per_gas <= view.attempts[1].fees.max_fee_per_gas);
    // The journal: one intent, its key, its nonce; the current decision is the last plan, the
    // two superseded ones archived in order.
    const auto rec = ok(journal.intent(id));
    CHECK(rec.idempotency_key == "private");
    CHECK(rec.revision == 2);
    CHECK(rec.revision_key == "private-replan-2");
    CHECK(rec.decision.min_amount_out == floors[2]);
    const auto archived = ok(journal.revisions(id));
    REQUIRE(archived.size() == 2);
    CHECK(archived[0].plan_key == "private");
    CHECK(archived[0].decision.min_amount_out == floors[0]);
    CHECK(archived[1].plan_key == "private-replan-1");
    CHECK(archived[1].decision.min_amount_out == floors[1]);
    // Exactly once on chain, the last plan's calldata.
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 1);
    CHECK(chain.last_rebalance_at() > 0);
    const auto mined =
        nlohmann::json::parse(chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(hashes.back().view()) + "\"]"));
    CHECK(mined.at("result").at("input").get<std::string>() == to_hex(ByteView(rec.payload->data)));
    for (std::size_t i = 0; i + 1 < hashes.size(); ++i)
        CHECK(
            chain.rpc("eth_getTransactionReceipt", "[\"" + to_hex(hashes[i].view()) + "\"]").find("\"result\":null") !=
            std::string::npos);
    CHECK(relay.held() == 0);
}

TEST_CASE("private relay: an intent past its deadline is withdrawn at the relay and its nonce consumed by a cancel") {
    Chain chain;
    constexpr std::uint64_t kWindow = 10;  // the trade's window is still open at the deadline
    PrivateHarness h(chain, kWindow, executor_settings());
    txm::IntentId id = 0;
    Hash32 trade_hash;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto started = co_await h.pool.start();
        REQUIRE(started);
        chain.automine(false);
        auto head = co_await latest(h.pool);
        auto s = co_await h.ex.start(head);
        REQUIRE(s);
        const daemon::ExecuteResult r =
            co_await h.ex.execute(buy_plan("private-expiry", head.timestamp + 30), chain.vault, head);
        INFO(r.detail);
        REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
        id = *r.intent;
        trade_hash = *r.tx_hash;
        // The deadline passes while the relay still holds the trade.
        chain.rpc("evm_increaseTime", "[120]");
        chain.mine();
        head = co_await latest(h.pool);
        co_await h.ex.on_head(head);
        CHECK(h.ex.stats().cancelled == 1);
        CHECK(h.relay.status(to_hex(trade_hash.view())) == std::optional<PrivateStatus>(PrivateStatus::kCancelled));
        // The relay's builder includes the cancel; the withdrawn trade never lands.
        h.relay.mine();
        for (int i = 0; i < 3; ++i) {
            head = co_await latest(h.pool);
            co_await h.ex.on_head(head);
            chain.mine();
        }
        head = co_await latest(h.pool);
        co_await h.ex.on_head(head);
    }());
    const auto view = ok(h.journal.intent_view(id));
    CHECK(view.state == IntentState::kCancelled);
    REQUIRE(view.attempts.size() == 2);
    CHECK(view.attempts[0].nonce == 0);
    CHECK(view.attempts[1].nonce == 0);
    CHECK(view.attempts[1].kind == txm::AttemptKind::kCancel);
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 0);
    CHECK(chain.rpc("eth_getTransactionReceipt", "[\"" + to_hex(trade_hash.view()) + "\"]").find("\"result\":null") !=
          std::string::npos);
}

// ---- the keeper loop re-plans (collector -> planner -> Executor::replan) ---------------------------

namespace {

using namespace std::chrono_literals;

/// The keeper loop over a PrivateHarness: the real collector, planner and head stream (HTTP
/// polling) on the harness's io, every decision recorded in order.
struct KeeperOnRelay {
    PrivateHarness h;
    chain::Collector collector;
    rpc::HeadStream heads;
    daemon::Keeper keeper;
    std::vector<daemon::DecisionEvent> decisions;

    KeeperOnRelay(Chain& c, std::uint64_t window, daemon::ExecutorSettings settings)
        : h(c, window, std::move(settings)),
          collector(h.pool, h.ex.sender(), {chain::VaultTarget{c.vault, parse_address(c.stack.lens)}}),
          heads(h.io.get_executor(), h.pool, "", "ws", head_settings(), rpc::WsSettings{}),
          keeper(h.pool, heads, collector, h.ex, nullptr, keeper_settings()) {
        keeper.set_observer([this](const daemon::DecisionEvent& e) { decisions.push_back(e); });
    }

    static rpc::HeadSettings head_settings() {
        rpc::HeadSettings s;
        s.poll_interval = 50ms;
        return s;
    }
    /// The daemon tests' planner: a 0.25 underlying absolute band re-hedged to the center, the
    /// keeper's own 100 bps slippage (tighter than the vault's 150).
    static daemon::KeeperSettings keeper_settings() {
        daemon::KeeperSettings k;
        k.chain_id = 31337;
        k.planner.policy = policy::DeltaBand{0.25, policy::BandUnit::kAbsolute, policy::RehedgeTo::kCenter};
        k.planner.min_trade = 0.001;
        k.planner.max_slippage_bps = 100;
        k.planner.max_deviation_bps = 100;
        k.planner.oracle_max_age = 3600;
        k.planner.deadline_seconds = 300;
        k.planner.min_keeper_balance_wei = U256(50'000'000'000'000'000ULL);
        REQUIRE(hedge::validate(k.planner));
        return k;
    }

    /// Journal resumption (keeper.start()), then the head stream and the loop, on the io.
    asio::awaitable<void> start() {
        auto started = co_await h.pool.start();
        REQUIRE(started);
        auto ready = co_await keeper.start();
        if (!ready) FAIL(ready.error().describe());
        asio::co_spawn(h.io, heads.run(), asio::detached);
        asio::co_spawn(h.io, keeper.run(), asio::detached);
    }

    /// Waits on the io (the loop runs meanwhile) until `done()`; false after `limit`. `done` is
    /// taken by value (a closure of references) and lives in the coroutine frame.
    template <class Done>
    asio::awaitable<bool> until(Done done, std::chrono::milliseconds limit = 30s) {
        asio::steady_timer timer(h.io);
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) co_return false;
            timer.expires_after(20ms);
            co_await timer.async_wait(asio::use_awaitable);
        }
        co_return true;
    }

    /// The first decision made at or after `block` (the test fails after 30 s).
    asio::awaitable<daemon::DecisionEvent> decided(std::uint64_t block) {
        const bool seen = co_await until([&] {
            for (const auto& d : decisions)
                if (d.block_number >= block) return true;
            return false;
        });
        if (!seen) FAIL("no decision at or after block " << block);
        for (const auto& d : decisions)
            if (d.block_number >= block) co_return d;
        co_return decisions.back();
    }

    /// Mines one block without the relay and waits until the loop decided at it.
    asio::awaitable<std::uint64_t> mine_and_decide(const Chain& chain) {
        chain.mine();
        const rpc::BlockHeader head = co_await latest(h.pool);
        (void)co_await decided(head.number);
        co_return head.number;
    }

    /// The first hedge the loop sends: the decision that submitted it.
    asio::awaitable<daemon::DecisionEvent> first_trade(const Chain& chain) {
        for (int i = 0; i < 5; ++i) {
            (void)co_await mine_and_decide(chain);
            for (const auto& d : decisions)
                if (d.execution && d.execution->outcome == ExecuteOutcome::kSubmitted) co_return d;
        }
        FAIL("the keeper sent no hedge");
        co_return decisions.back();
    }

    /// Mines (without the relay) up to the block before `submitted_at + window`, the last
    /// block of the private window opened at `submitted_at`, letting the loop decide at each:
    /// the caller's next block ends the window.
    asio::awaitable<void> to_last_block_of_window(const Chain& chain, std::uint64_t submitted_at,
                                                  std::uint64_t window) {
        for (;;) {
            const rpc::BlockHeader head = co_await latest(h.pool);
            if (head.number + 1 >= submitted_at + window) co_return;
            (void)co_await mine_and_decide(chain);
        }
    }

    /// The last decision that re-planned.
    [[nodiscard]] std::optional<daemon::DecisionEvent> last_replan() const {
        for (auto it = decisions.rbegin(); it != decisions.rend(); ++it)
            if (it->replan) return *it;
        return std::nullopt;
    }
};

/// A chain write by the deployer through cast (automine on for it: the block it mines is the
/// next head; the relay's private transactions are not in anvil's pool, so none is mined).
void with_automine(const Chain& chain, const std::function<void()>& write) {
    chain.automine(true);
    write();
    chain.automine(false);
}

std::string oracle_answer(double price) {
    return std::to_string(static_cast<std::uint64_t>(std::llround(price * 1e8)));
}

/// min out of a buy the planner prices at `price` (quote per underlying, USDC 6 / WETH 18
/// decimals) with `slip_bps`: amount_in / price * (1 - slip), in WETH base units.
double expected_min_out(const U256& amount_in, double price, double slip_bps) {
    return static_cast<double>(amount_in) * 1e12 / price * (1.0 - slip_bps / 1e4);
}

std::size_t alerts_of(const daemon::Executor& ex, const std::string& kind) {
    std::size_t n = 0;
    for (const auto& a : ex.recent_alerts())
        if (a.kind == kind) ++n;
    return n;
}

std::string tx_input(const Chain& chain, const Hash32& hash) {
    const auto reply =
        nlohmann::json::parse(chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(hash.view()) + "\"]"));
    return reply.at("result").at("input").get<std::string>();
}

}  // namespace

TEST_CASE(
    "keeper + private relay: missed windows re-planned from the moved oracle at the same nonce, one alert, lands "
    "once") {
    Chain chain;
    constexpr std::uint64_t kWindow = 3;
    daemon::ExecutorSettings settings = executor_settings();
    settings.private_alert_after_windows = 2;
    KeeperOnRelay k(chain, kWindow, settings);
    auto& journal = k.h.journal;
    auto& ex = k.h.ex;

    txm::IntentId id = 0;
    std::vector<Hash32> hashes;
    run(k.h.io, [&]() -> asio::awaitable<void> {
        chain.automine(false);
        co_await k.start();
        const daemon::DecisionEvent first = co_await k.first_trade(chain);
        REQUIRE(first.plan.trade);
        REQUIRE(first.plan.trade->buy_underlying);  // the vault is short delta
        REQUIRE(first.execution->nonce == std::optional<std::uint64_t>(0));
        id = *first.execution->intent;
        hashes.push_back(*first.execution->tx_hash);
        CHECK(k.h.relay.held() == 1);

        std::uint64_t submitted_at = first.block_number;
        U256 previous_min_out = first.plan.trade->min_amount_out;
        // Three windows pass without inclusion; the oracle moves in the block that ends each.
        const std::vector<double> prices{2985.0, 2992.0, 2980.0};
        for (std::size_t w = 1; w <= prices.size(); ++w) {
            co_await k.to_last_block_of_window(chain, submitted_at, kWindow);
            CHECK(ex.stats().replanned == w - 1);  // nothing while the relay holds it
            with_automine(chain, [&] { set_oracle_answer(chain.anvil, chain.stack, oracle_answer(prices[w - 1])); });
            const bool replanned = co_await k.until([&] { return ex.stats().replanned == w; });
            REQUIRE(replanned);
            const auto decision = k.last_replan();
            REQUIRE(decision);
            REQUIRE(decision->replan);
            INFO("window " << w << ": " << decision->replan->detail);
            CHECK(decision->replanned->intent == id);
            CHECK(decision->replanned->missed_windows == w);
            CHECK(decision->replan->outcome == daemon::ReplanOutcome::kResigned);
            CHECK(decision->replan->nonce == 0);
            CHECK(decision->replan->revision == w);
            CHECK(decision->plan.spot == Approx(prices[w - 1]).epsilon(1e-9));
            REQUIRE(decision->plan.trade);
            // The journaled decision is the fresh plan: min out from the new oracle price.
            const auto rec = ok(journal.intent(id));
            CHECK(rec.revision == w);
            CHECK(rec.nonce == std::optional<std::uint64_t>(0));
            CHECK(rec.idempotency_key == first.plan.idempotency_key);
            CHECK(rec.revision_key == decision->plan.idempotency_key);
            CHECK(rec.decision.amount_in == decision->plan.trade->amount_in);
            CHECK(rec.decision.min_amount_out == decision->plan.trade->min_amount_out);
            CHECK(static_cast<double>(rec.decision.min_amount_out) ==
                  Approx(expected_min_out(rec.decision.amount_in, prices[w - 1], 100)).epsilon(1e-6));
            CHECK(rec.decision.min_amount_out != previous_min_out);
            previous_min_out = rec.decision.min_amount_out;
            const auto view = ok(journal.intent_view(id));
            REQUIRE(view.attempts.size() == w + 1);
            CHECK(view.attempts.back().nonce == 0);
            CHECK(view.attempts.back().tx_hash == *decision->replan->tx_hash);
            hashes.push_back(view.attempts.back().tx_hash);
            CHECK(k.h.relay.status(to_hex(hashes.back().view())) ==
                  std::optional<PrivateStatus>(PrivateStatus::kPending));
            submitted_at = decision->block_number;
        }
        // N = 2 missed windows alert once; the third miss does not alert again.
        CHECK(alerts_of(ex, "private_window_missed") == 1);
        CHECK(ex.stats().bumped == 0);
        CHECK(ex.stats().replan_released == 0);

        // The relay's builder includes the newest attempt; the loop follows it to final.
        k.h.relay.mine();
        for (int i = 0; i < 3; ++i) (void)co_await k.mine_and_decide(chain);
        const bool final = co_await k.until([&] { return ok(journal.intent(id)).state == IntentState::kFinal; });
        CHECK(final);
        k.keeper.stop();
    }());

    const auto rec = ok(journal.intent(id));
    CHECK(rec.state == IntentState::kFinal);
    CHECK(rec.revision == 3);
    const auto view = ok(journal.intent_view(id));
    REQUIRE(view.attempts.size() == 4);
    for (std::size_t i = 0; i < view.attempts.size(); ++i) {
        CHECK(view.attempts[i].nonce == 0);
        CHECK(view.attempts[i].kind == txm::AttemptKind::kIntent);
        CHECK(ok(journal.attempt_revision(view.attempts[i].id)) == i);
    }
    CHECK(view.attempts.back().state == txm::AttemptState::kFinal);
    const auto archived = ok(journal.revisions(id));
    REQUIRE(archived.size() == 3);
    for (std::size_t i = 0; i < archived.size(); ++i) CHECK(archived[i].revision == i);
    // Exactly once on chain, at nonce 0, with the last plan's calldata; no other attempt mined.
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 1);
    CHECK(tx_input(chain, hashes.back()) == to_hex(ByteView(rec.payload->data)));
    for (std::size_t i = 0; i + 1 < hashes.size(); ++i)
        CHECK(
            chain.rpc("eth_getTransactionReceipt", "[\"" + to_hex(hashes[i].view()) + "\"]").find("\"result\":null") !=
            std::string::npos);
    const auto counts = ok(journal.count_by_state(31337, k.h.ex.sender()));
    std::uint64_t intents = 0;
    for (auto c : counts) intents += c;
    CHECK(intents == 1);
}

TEST_CASE(
    "keeper + private relay: the window passes and the vault is inside its band now: the nonce is consumed by a "
    "cancel") {
    Chain chain;
    constexpr std::uint64_t kWindow = 3;
    KeeperOnRelay k(chain, kWindow, executor_settings());
    auto& journal = k.h.journal;
    auto& ex = k.h.ex;

    txm::IntentId id = 0;
    Hash32 trade_hash;
    run(k.h.io, [&]() -> asio::awaitable<void> {
        chain.automine(false);
        co_await k.start();
        const daemon::DecisionEvent first = co_await k.first_trade(chain);
        REQUIRE(first.plan.trade);
        id = *first.execution->intent;
        trade_hash = *first.execution->tx_hash;
        // Someone else brings the vault to its target in the block that ends the window: the
        // deployer sends it the underlying the keeper was about to buy.
        const double need = first.plan.target_delta - first.plan.portfolio_delta;
        REQUIRE(need > 0.25);
        co_await k.to_last_block_of_window(chain, first.block_number, kWindow);
        const auto wei = static_cast<std::uint64_t>(std::llround(need * 1e6)) * 1'000'000'000'000ULL;
        with_automine(chain, [&] {
            send_as(chain.anvil, kDeployerAddress, chain.stack.underlying, "transfer(address,uint256)",
                    {chain.stack.vault, std::to_string(wei)});
        });
        const bool released = co_await k.until([&] { return ex.stats().replan_released == 1; });
        REQUIRE(released);
        const auto decision = k.last_replan();
        REQUIRE(decision);
        INFO(decision->replan->detail);
        CHECK(decision->plan.reason == hedge::PlanReason::kInsideBand);
        CHECK(decision->replan->outcome == daemon::ReplanOutcome::kReleased);
        CHECK(decision->replan->nonce == 0);
        CHECK(ex.in_flight(chain.vault).empty());  // a cancel is not a hedge on its way
        CHECK(k.h.relay.held() == 1);              // the cancel
        k.h.relay.mine();
        for (int i = 0; i < 3; ++i) (void)co_await k.mine_and_decide(chain);
        const bool cancelled =
            co_await k.until([&] { return ok(journal.intent(id)).state == IntentState::kCancelled; });
        CHECK(cancelled);
        // Still inside the band: no new trade afterwards.
        for (int i = 0; i < 2; ++i) (void)co_await k.mine_and_decide(chain);
        k.keeper.stop();
    }());

    const auto view = ok(journal.intent_view(id));
    CHECK(view.state == IntentState::kCancelled);
    REQUIRE(view.attempts.size() == 2);
    CHECK(view.attempts[0].kind == txm::AttemptKind::kIntent);
    CHECK(view.attempts[1].kind == txm::AttemptKind::kCancel);
    CHECK(view.attempts[0].nonce == 0);
    CHECK(view.attempts[1].nonce == 0);
    CHECK(ok(journal.intent(id)).revision == 0);  // no trade re-planned: the decision stands, unsent
    CHECK(ok(journal.revisions(id)).empty());
    // No trade, no gap: nonce 0 consumed by the self-transfer, nothing else signed.
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 0);
    CHECK(chain.rpc("eth_getTransactionReceipt", "[\"" + to_hex(trade_hash.view()) + "\"]").find("\"result\":null") !=
          std::string::npos);
    CHECK(ok(journal.highest_nonce(31337, ex.sender())) == std::optional<std::uint64_t>(0));
    CHECK(ex.stats().cancelled == 1);
}

namespace {

/// Runs the keeper loop in a forked child with `point` armed after the window of the journaled
/// trade passed; the child dies there by _exit (as a SIGKILL would: no destructor, no flush).
int replan_crash_child(Chain& chain, daemon::CrashPoint point) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        try {
            daemon::ExecutorSettings settings = executor_settings();
            settings.crash_point = point;
            KeeperOnRelay k(chain, 3, settings);
            asio::co_spawn(
                k.h.io,
                [&]() -> asio::awaitable<void> {
                    co_await k.start();
                    for (int i = 0; i < 10; ++i) (void)co_await k.mine_and_decide(chain);
                    _exit(4);  // the crash point was not reached
                },
                [](std::exception_ptr) { _exit(5); });
            k.h.io.run_for(std::chrono::seconds(60));
            _exit(8);
        } catch (...) {
            _exit(6);
        }
    }
    int status = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        REQUIRE(done >= 0);
        if (done == pid) break;
        if (std::chrono::steady_clock::now() > end) {
            ::kill(pid, SIGKILL);
            (void)waitpid(pid, &status, 0);
            FAIL("the re-plan child did not reach its crash point within 90 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
}

/// Phase 1: the loop sends the first hedge through a relay and stops (that relay goes away
/// with its harness, as a window that passes: the trade never lands). Phase 2: the oracle
/// moves; a child re-plans and dies at `point`. Phase 3: a fresh keeper resumes; the trade
/// lands exactly once at nonce 0, at `final_revision` of the intent.
void crash_during_replan(daemon::CrashPoint point, std::uint32_t final_revision) {
    Chain chain;
    txm::IntentId id = 0;
    Hash32 first_hash;
    {
        KeeperOnRelay k(chain, 3, executor_settings());
        run(k.h.io, [&]() -> asio::awaitable<void> {
            chain.automine(false);
            co_await k.start();
            const daemon::DecisionEvent first = co_await k.first_trade(chain);
            id = *first.execution->intent;
            first_hash = *first.execution->tx_hash;
            k.keeper.stop();
        }());
    }
    with_automine(chain, [&] { set_oracle_answer(chain.anvil, chain.stack, oracle_answer(2988.0)); });
    chain.mine(3);  // past the first trade's window

    const int status = replan_crash_child(chain, point);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == daemon::kCrashExitCode);
    CHECK(chain.keeper_nonce() == 0);
    std::optional<Hash32> journaled_by_child;
    {
        journal::Journal j = Harness::open(chain.journal_path);
        const auto rec = ok(j.intent(id));
        CHECK(rec.revision == 1);  // the child journaled the fresh decision before it died
        const auto view = ok(j.intent_view(id));
        if (point == daemon::CrashPoint::kAfterReplanJournal) {
            REQUIRE(view.attempts.size() == 2);  // ... and signed it, nothing sent
            CHECK(view.attempts[1].state == txm::AttemptState::kSigned);
            CHECK(ok(j.attempt_revision(view.attempts[1].id)) == 1);
            journaled_by_child = view.attempts[1].tx_hash;
        } else {
            REQUIRE(view.attempts.size() == 1);  // nothing signed at the new revision
        }
    }

    KeeperOnRelay k(chain, 3, executor_settings());
    run(k.h.io, [&]() -> asio::awaitable<void> {
        chain.automine(false);
        co_await k.start();
        // The journaled attempt is re-sent with identical bytes at start; a revision never
        // signed is re-planned at the next head.
        for (int i = 0; i < 5 && k.h.relay.held() == 0; ++i) (void)co_await k.mine_and_decide(chain);
        REQUIRE(k.h.relay.held() == 1);
        k.h.relay.mine();
        for (int i = 0; i < 3; ++i) (void)co_await k.mine_and_decide(chain);
        const bool final = co_await k.until([&] { return ok(k.h.journal.intent(id)).state == IntentState::kFinal; });
        CHECK(final);
        k.keeper.stop();
    }());

    const auto rec = ok(k.h.journal.intent(id));
    CHECK(rec.state == IntentState::kFinal);
    CHECK(rec.revision == final_revision);
    CHECK(ok(k.h.journal.revisions(id)).size() == final_revision);
    const auto view = ok(k.h.journal.intent_view(id));
    REQUIRE(view.attempts.size() == 2);
    CHECK(view.attempts[0].tx_hash == first_hash);
    CHECK(view.attempts[1].state == txm::AttemptState::kFinal);
    CHECK(view.attempts[1].nonce == 0);
    CHECK(ok(k.h.journal.attempt_revision(view.attempts[1].id)) == final_revision);
    if (journaled_by_child) CHECK(view.attempts[1].tx_hash == *journaled_by_child);
    // Exactly one trade, at nonce 0, the journaled calldata; no gap.
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 1);
    CHECK(tx_input(chain, view.attempts[1].tx_hash) == to_hex(ByteView(rec.payload->data)));
    CHECK(ok(k.h.journal.highest_nonce(31337, k.h.ex.sender())) == std::optional<std::uint64_t>(0));
}

}  // namespace

TEST_CASE(
    "keeper + private relay: killed after the re-planned attempt is journaled: the restart sends those bytes once") {
    crash_during_replan(daemon::CrashPoint::kAfterReplanJournal, 1);
}

TEST_CASE(
    "keeper + private relay: killed after the re-plan is journaled, before signing: the restart re-plans, one trade") {
    crash_during_replan(daemon::CrashPoint::kAfterReplanRevise, 2);
}

// ---- the public fallback: an attempt that went public is tracked as a public one -----------------

namespace {

/// The executor wired to a FanOutSubmitter over one relay on the local relay, with the public
/// fallback on (the operator's explicit choice) through the PublicSubmitter on anvil.
struct FallbackHarness {
    Chain& chain;
    LocalRelay relay;
    asio::io_context io;
    rpc::EndpointPool pool;
    journal::Journal journal;
    std::vector<mev::MevAlert> mev_alerts;
    mev::FanOutSubmitter submitter;
    daemon::Executor ex;

    FallbackHarness(Chain& c, std::uint64_t window, std::uint32_t failed_windows_before_public,
                    daemon::ExecutorSettings settings)
        : chain(c),
          relay(PrivateHarness::options(c)),
          pool(io.get_executor(), 31337, {{"anvil", c.anvil.http_url()}}),
          journal(Harness::open(c.journal_path)),
          submitter(relays(io, relay, window), mev::FanOutSubmitter::Settings{failed_windows_before_public, true},
                    std::make_shared<submit::PublicSubmitter>(pool),
                    [this](const mev::MevAlert& a) { mev_alerts.push_back(a); }),
          ex(pool, journal, submitter, keeper_key(), std::move(settings)) {}

    static std::vector<std::unique_ptr<submit::Submitter>> relays(asio::io_context& io, const LocalRelay& relay,
                                                                  std::uint64_t window) {
        auto client = std::make_shared<mev::RelayClient>(
            io.get_executor(), "local", relay.url(),
            std::make_shared<const SecretKey>(SecretKey::from_bytes(from_hex(kRepKey).value()).value()));
        std::vector<std::unique_ptr<submit::Submitter>> out;
        out.push_back(std::make_unique<mev::PrivateRelaySubmitter>(
            client, mev::PrivateRelaySubmitter::Settings{window, {}, relay.status_url()}));
        return out;
    }
};

/// The keeper's transactions in anvil's pool (txpool_content, pending), by nonce: their hashes.
std::map<std::uint64_t, std::string> keeper_pool(const Chain& chain) {
    const auto reply = nlohmann::json::parse(chain.rpc("txpool_content"));
    std::map<std::uint64_t, std::string> out;
    const auto& pending = reply.at("result").at("pending");
    auto lower = [](std::string text) {
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return text;
    };
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (lower(it.key()) != lower(kKeeperAddress)) continue;
        for (auto tx = it.value().begin(); tx != it.value().end(); ++tx)
            out[std::stoull(tx.key())] = tx.value().at("hash").get<std::string>();
    }
    return out;
}

bool at_least_ten_percent_above(const U256& next, const U256& previous) {
    return next * 100 >= previous * 110;
}

// The fallback cases: a private window of two blocks, and two missed windows of a nonce before
// the fan-out goes public; the executor alerts its missed windows at the same count.
constexpr std::uint64_t kFallbackWindow = 2;
constexpr std::uint32_t kFallbackAfterWindows = 2;

daemon::ExecutorSettings fallback_settings() {
    daemon::ExecutorSettings settings = executor_settings();
    settings.private_alert_after_windows = kFallbackAfterWindows;
    return settings;
}

/// Plays the executor's part up to the fallback: a trade sent privately at nonce 0, then
/// `failed_windows` windows pass without inclusion (the relay never includes: blocks come from
/// anvil_mine), each re-planned at nonce 0; the last re-plan goes to the public mempool. Checks
/// the alerts and where each attempt went; returns the intent, its attempts' hashes in order
/// (the last one public) and the head it went public at.
struct WentPublic {
    txm::IntentId intent{0};
    std::vector<Hash32> hashes;
    rpc::BlockHeader head;
};

asio::awaitable<WentPublic> go_public(FallbackHarness& h, std::uint64_t window, std::uint32_t failed_windows) {
    WentPublic out;
    auto started = co_await h.pool.start();
    REQUIRE(started);
    h.chain.automine(false);
    h.chain.next_base_fee(kGwei);
    h.chain.mine();
    auto head = co_await latest(h.pool);
    auto s = co_await h.ex.start(head);
    REQUIRE(s);
    const daemon::ExecuteResult r =
        co_await h.ex.execute(buy_plan("fallback", head.timestamp + 3000), h.chain.vault, head);
    INFO(r.detail);
    REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
    REQUIRE(r.nonce == std::optional<std::uint64_t>(0));
    out.intent = *r.intent;
    out.hashes.push_back(*r.tx_hash);
    CHECK(h.submitter.sent_privately(out.hashes[0]));
    CHECK(h.relay.held() == 1);
    for (std::uint32_t w = 1; w <= failed_windows; ++w) {
        for (std::uint64_t i = 0; i < window + 2 && h.ex.awaiting_replan().empty(); ++i) {
            h.chain.mine();
            head = co_await latest(h.pool);
            co_await h.ex.on_head(head);
        }
        REQUIRE(h.ex.awaiting_replan().size() == 1);
        const daemon::ReplanResult rr = co_await h.ex.replan(
            out.intent, buy_plan("fallback-replan-" + std::to_string(w), head.timestamp + 3000), head);
        INFO(rr.detail);
        REQUIRE(rr.outcome == daemon::ReplanOutcome::kResigned);
        REQUIRE(rr.tx_hash);
        CHECK(rr.nonce == 0);
        out.hashes.push_back(*rr.tx_hash);
    }
    // The fan-out alerted once and went public; the executor alerted its missed windows.
    REQUIRE(h.mev_alerts.size() == 1);
    CHECK(h.mev_alerts[0].nonce == 0);
    CHECK(h.mev_alerts[0].failed_windows == failed_windows);
    CHECK(h.mev_alerts[0].falling_back_to_public);
    CHECK(has_alert(h.ex, "private_window_missed"));
    CHECK_FALSE(h.submitter.sent_privately(out.hashes.back()));
    for (std::size_t i = 0; i + 1 < out.hashes.size(); ++i) CHECK(h.submitter.sent_privately(out.hashes[i]));
    CHECK(keeper_pool(h.chain) == std::map<std::uint64_t, std::string>{{0, to_hex(out.hashes.back().view())}});
    CHECK(h.ex.stats().bumped == 0);
    out.head = head;
    co_return out;
}

/// The base fee held at `spike`, above the public attempt's max fee (anvil evicts a transaction
/// priced below the base fee; geth would keep it, stuck), one block per head, until the executor
/// has bumped once or bump_after_blocks heads passed. Nothing is mined at the keeper's nonce, and
/// nothing is re-planned: a public attempt is never waited on as a private window.
asio::awaitable<void> spike_until_bumped(FallbackHarness& h, const U256& spike,
                                         const daemon::ExecutorSettings& settings) {
    for (std::uint64_t i = 0; i < settings.machine.bump_after_blocks && h.ex.stats().bumped == 0; ++i) {
        h.chain.next_base_fee(spike);
        h.chain.mine();
        const auto head = co_await latest(h.pool);
        co_await h.ex.on_head(head);
        CHECK(h.chain.keeper_nonce() == 0);
        CHECK(h.ex.awaiting_replan().empty());
    }
    CHECK(h.ex.stats().bumped == 1);
}

/// The attempt that replaced the public one, journaled after `went.hashes` (its hash is appended
/// there): at nonce 0, both fee fields at least 10% above the public attempt's `public_fees`
/// (the node's replacement rule; a fresh quote alone would keep the tip, which empty blocks
/// price at the floor).
txm::AttemptView replacement_of_public(FallbackHarness& h, WentPublic& went, const txm::Fees& public_fees) {
    const auto view = ok(h.journal.intent_view(went.intent));
    REQUIRE(view.attempts.size() == went.hashes.size() + 1);
    txm::AttemptView replacement = view.attempts.back();
    went.hashes.push_back(replacement.tx_hash);
    CHECK(replacement.nonce == 0);
    CHECK(at_least_ten_percent_above(replacement.fees.max_fee_per_gas, public_fees.max_fee_per_gas));
    CHECK(at_least_ten_percent_above(replacement.fees.max_priority_fee_per_gas, public_fees.max_priority_fee_per_gas));
    return replacement;
}

/// After the run: the intent final with `hashes.back()` mined once at nonce 0, nothing else.
void check_landed_once(FallbackHarness& h, txm::IntentId id, const std::vector<Hash32>& hashes) {
    const auto view = ok(h.journal.intent_view(id));
    CHECK(view.state == IntentState::kFinal);
    REQUIRE(view.attempts.size() == hashes.size());
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        CHECK(view.attempts[i].nonce == 0);
        CHECK(view.attempts[i].tx_hash == hashes[i]);
    }
    CHECK(view.attempts.back().state == txm::AttemptState::kFinal);
    CHECK(h.chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(h.chain) == 1);
    const auto mined =
        nlohmann::json::parse(h.chain.rpc("eth_getTransactionByHash", "[\"" + to_hex(hashes.back().view()) + "\"]"));
    CHECK(mined.at("result").at("blockNumber").is_string());
    CHECK(mined.at("result").at("maxFeePerGas").get<std::string>() ==
          to_quantity(view.attempts.back().fees.max_fee_per_gas));
    CHECK(mined.at("result").at("maxPriorityFeePerGas").get<std::string>() ==
          to_quantity(view.attempts.back().fees.max_priority_fee_per_gas));
    for (std::size_t i = 0; i + 1 < hashes.size(); ++i)
        CHECK(h.chain.rpc("eth_getTransactionReceipt", "[\"" + to_hex(hashes[i].view()) + "\"]")
                  .find("\"result\":null") != std::string::npos);
    CHECK(keeper_pool(h.chain).empty());
    CHECK(ok(h.journal.highest_nonce(31337, h.ex.sender())) == std::optional<std::uint64_t>(0));
    const auto counts = ok(h.journal.count_by_state(31337, h.ex.sender()));
    std::uint64_t intents = 0;
    for (auto c : counts) intents += c;
    CHECK(intents == 1);
    CHECK_FALSE(has_alert(h.ex, "fee_cap_reached"));
}

/// The keeper started again on the chain and journal of an earlier run (a fresh fan-out,
/// executor and relay in `h`): the pool and the executor started at the newest head, returned.
asio::awaitable<rpc::BlockHeader> restart(FallbackHarness& h) {
    auto started = co_await h.pool.start();
    REQUIRE(started);
    auto head = co_await latest(h.pool);
    auto resumed = co_await h.ex.start(head);
    REQUIRE(resumed);
    co_return head;
}

}  // namespace

TEST_CASE(
    "private relay + public fallback: a base-fee spike above the public attempt's max fee: re-sent, then replaced "
    "under the replacement rule, lands once") {
    Chain chain;
    constexpr std::uint64_t kWindow = kFallbackWindow;
    constexpr std::uint32_t kFailedWindows =
        kFallbackAfterWindows;  // then the fan-out falls back to the public mempool
    const daemon::ExecutorSettings settings = fallback_settings();
    REQUIRE(daemon::validate(settings));
    FallbackHarness h(chain, kWindow, kFailedWindows, settings);
    REQUIRE(h.submitter.may_go_public());
    auto& ex = h.ex;

    WentPublic went;
    run(h.io, [&]() -> asio::awaitable<void> {
        went = co_await go_public(h, kWindow, kFailedWindows);
        const txm::Fees public_fees = ok(h.journal.intent_view(went.intent)).attempts.back().fees;

        // The base fee spikes above the public attempt's max fee and stays there. (anvil evicts
        // a transaction priced below the base fee; geth would keep it, stuck.) Tracked as public:
        // the dropped bytes are re-sent (refused under the spike), then, past bump_after_blocks,
        // replaced at nonce 0 with both fees raised; never waited on as a private window or
        // re-planned.
        const U256 spike = public_fees.max_fee_per_gas * 2;
        REQUIRE(spike * 2 < settings.fees.fee_cap);  // the market's price of a replacement stays under the cap
        co_await spike_until_bumped(h, spike, settings);
        CHECK(ex.stats().rebroadcast >= 1);  // the dropped bytes, re-sent the public way first
        CHECK(has_alert(ex, "dropped"));
        CHECK(ex.stats().resigned_private == kFailedWindows);
        CHECK(ex.stats().replanned == kFailedWindows);
        const txm::AttemptView replacement = replacement_of_public(h, went, public_fees);
        CHECK(replacement.kind == txm::AttemptKind::kIntent);
        CHECK(replacement.fees.max_fee_per_gas > spike);  // includable under the spike (the market's price)
        CHECK(replacement.fees.max_fee_per_gas <= settings.fees.fee_cap);
        // It went public too (the nonce's private windows are spent), and the node took it.
        CHECK_FALSE(h.submitter.sent_privately(replacement.tx_hash));
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(replacement.tx_hash.view())}});
        CHECK(h.mev_alerts.size() == 1);  // alerted once per nonce

        // Still under the spike, the replacement is mined; the executor follows it to final.
        for (std::uint64_t i = 0; i < settings.machine.confirmations + 1; ++i) {
            chain.next_base_fee(spike);
            chain.mine();
            const auto head = co_await latest(h.pool);
            co_await ex.on_head(head);
        }
    }());
    check_landed_once(h, went.intent, went.hashes);
}

TEST_CASE(
    "private relay + public fallback: the public attempt held by the node but not mined is bumped, the node takes the "
    "replacement, lands once") {
    Chain chain;
    constexpr std::uint64_t kWindow = kFallbackWindow;
    constexpr std::uint32_t kFailedWindows =
        kFallbackAfterWindows;  // then the fan-out falls back to the public mempool
    const daemon::ExecutorSettings settings = fallback_settings();
    FallbackHarness h(chain, kWindow, kFailedWindows, settings);
    auto& ex = h.ex;

    WentPublic went;
    run(h.io, [&]() -> asio::awaitable<void> {
        went = co_await go_public(h, kWindow, kFailedWindows);
        const auto before = ok(h.journal.intent_view(went.intent));
        const txm::Fees public_fees = before.attempts.back().fees;
        const std::uint64_t gas_limit = before.attempts.back().gas_limit;

        // Blocks the public attempt does not fit in (a block gas limit below its gas limit):
        // anvil keeps it pending and known (as geth keeps one under a risen base fee), unmined.
        const auto latest_block =
            nlohmann::json::parse(chain.rpc("eth_getBlockByNumber", R"(["latest", false])")).at("result");
        const std::string normal_limit = latest_block.at("gasLimit").get<std::string>();
        REQUIRE(gas_limit > 100'000);
        chain.rpc("evm_setBlockGasLimit", R"(["0x186a0"])");  // 100,000
        std::uint64_t waited = 0;
        for (; waited + 1 < settings.machine.bump_after_blocks; ++waited) {
            chain.mine();
            const auto head = co_await latest(h.pool);
            co_await ex.on_head(head);
            // Known and within the bump delay: waited on, not re-sent, not re-planned.
            CHECK(ex.stats().bumped == 0);
            CHECK(ex.awaiting_replan().empty());
            CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(went.hashes.back().view())}});
        }
        const std::uint64_t rebroadcast_before = ex.stats().rebroadcast;
        chain.mine();
        chain.rpc("evm_setBlockGasLimit", "[\"" + normal_limit + "\"]");  // the replacement must be admissible
        const auto head = co_await latest(h.pool);
        REQUIRE(head.number - went.head.number >= settings.machine.bump_after_blocks);
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(went.hashes.back().view())}});
        co_await ex.on_head(head);

        // Stuck bump_after_blocks blocks: replaced at nonce 0 under the replacement rule.
        CHECK(ex.stats().bumped == 1);
        CHECK(ex.stats().rebroadcast == rebroadcast_before);  // known to the node: nothing to re-send
        CHECK_FALSE(has_alert(ex, "dropped"));
        const txm::AttemptView replacement = replacement_of_public(h, went, public_fees);
        CHECK_FALSE(h.submitter.sent_privately(replacement.tx_hash));
        // The node replaced the attempt it held with it ("replacement transaction underpriced"
        // otherwise, and the old one would still be there).
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(replacement.tx_hash.view())}});

        for (std::uint64_t i = 0; i < settings.machine.confirmations + 1; ++i) {
            chain.mine();
            const auto next = co_await latest(h.pool);
            co_await ex.on_head(next);
        }
    }());
    check_landed_once(h, went.intent, went.hashes);
}

TEST_CASE(
    "private relay + public fallback: after a restart the public attempt is still tracked as public (the journal's "
    "flag): dropped bytes re-sent the public way, replaced under the replacement rule, lands once") {
    Chain chain;
    constexpr std::uint64_t kWindow = kFallbackWindow;
    constexpr std::uint32_t kFailedWindows =
        kFallbackAfterWindows;  // then the fan-out falls back to the public mempool
    const daemon::ExecutorSettings settings = fallback_settings();
    WentPublic went;
    txm::Fees public_fees;
    {
        FallbackHarness before(chain, kWindow, kFailedWindows, settings);
        run(before.io,
            [&]() -> asio::awaitable<void> { went = co_await go_public(before, kWindow, kFailedWindows); }());
        const auto view = ok(before.journal.intent_view(went.intent));
        REQUIRE(view.attempts.size() == went.hashes.size());
        for (std::size_t i = 0; i + 1 < view.attempts.size(); ++i) CHECK_FALSE(view.attempts[i].went_public);
        CHECK(view.attempts.back().went_public);  // journaled with its broadcast
        public_fees = view.attempts.back().fees;
    }  // the keeper stops: the fan-out's memory of which sends went public is gone

    // The restart: a fresh fan-out and executor (and relay) on the same journal and chain.
    FallbackHarness h(chain, kWindow, kFailedWindows, settings);
    auto& ex = h.ex;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await restart(h);
        CHECK(h.submitter.sent_privately(went.hashes.back()));  // this fan-out never saw it go out
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(went.hashes.back().view())}});

        // As in the spike case above: the base fee rises above the public attempt's max fee and
        // anvil evicts it. Tracked as public by the journal's flag: the dropped bytes are re-sent
        // through the public fallback (refused under the spike; the relay gets nothing), then,
        // past bump_after_blocks, replaced under the node's rule; never waited on as a private
        // window or re-planned.
        const U256 spike = public_fees.max_fee_per_gas * 2;
        REQUIRE(spike * 2 < settings.fees.fee_cap);
        co_await spike_until_bumped(h, spike, settings);
        CHECK(ex.stats().rebroadcast >= 1);
        CHECK(has_alert(ex, "dropped"));
        CHECK(ex.stats().resigned_private == 0);
        CHECK(ex.stats().replanned == 0);
        const txm::AttemptView replacement = replacement_of_public(h, went, public_fees);
        CHECK(replacement.fees.max_fee_per_gas > spike);
        // This fan-out has counted no failed window for nonce 0, but the journal shows the two
        // private attempts before the public one: the replacement goes public as it would have
        // without the restart, and the node takes it.
        CHECK_FALSE(h.submitter.sent_privately(replacement.tx_hash));
        CHECK(replacement.went_public);
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(replacement.tx_hash.view())}});
        CHECK(h.relay.held() == 0);         // nothing of nonce 0 went to this run's relay
        REQUIRE(h.mev_alerts.size() == 1);  // this run's alert: the journal's count reached the operator's
        CHECK(h.mev_alerts[0].failed_windows == kFailedWindows);

        // Mined under the spike; the executor follows it to final.
        for (std::uint64_t i = 0; i < settings.machine.confirmations + 1; ++i) {
            head = co_await latest(h.pool);
            co_await ex.on_head(head);
            chain.next_base_fee(spike);
            chain.mine();
        }
        head = co_await latest(h.pool);
        co_await ex.on_head(head);
    }());
    check_landed_once(h, went.intent, went.hashes);
}

TEST_CASE(
    "private relay + public fallback: windows missed before a restart still count (the journal's attempts): the "
    "re-plan at the operator's count goes public, alerts, lands once") {
    Chain chain;
    constexpr std::uint64_t kWindow = kFallbackWindow;
    constexpr std::uint32_t kFailedWindows = kFallbackAfterWindows;
    const daemon::ExecutorSettings settings = fallback_settings();
    txm::IntentId id = 0;
    std::vector<Hash32> hashes;
    {
        // The first run: the trade misses one window, is re-planned privately, and its second
        // window passes too; the keeper stops before it re-plans again.
        FallbackHarness before(chain, kWindow, kFailedWindows, settings);
        run(before.io, [&]() -> asio::awaitable<void> {
            auto started = co_await before.pool.start();
            REQUIRE(started);
            chain.automine(false);
            chain.next_base_fee(kGwei);
            chain.mine();
            auto head = co_await latest(before.pool);
            REQUIRE(co_await before.ex.start(head));
            const daemon::ExecuteResult r =
                co_await before.ex.execute(buy_plan("restart", head.timestamp + 3000), chain.vault, head);
            INFO(r.detail);
            REQUIRE(r.outcome == ExecuteOutcome::kSubmitted);
            id = *r.intent;
            hashes.push_back(*r.tx_hash);
            for (std::uint32_t w = 1; w <= kFailedWindows; ++w) {
                for (std::uint64_t i = 0; i < kWindow + 2 && before.ex.awaiting_replan().empty(); ++i) {
                    chain.mine();
                    head = co_await latest(before.pool);
                    co_await before.ex.on_head(head);
                }
                REQUIRE(before.ex.awaiting_replan().size() == 1);
                if (w == kFailedWindows) break;  // stopped while awaiting this re-plan
                const daemon::ReplanResult rr = co_await before.ex.replan(
                    id, buy_plan("restart-replan-" + std::to_string(w), head.timestamp + 3000), head);
                INFO(rr.detail);
                REQUIRE(rr.outcome == daemon::ReplanOutcome::kResigned);
                hashes.push_back(*rr.tx_hash);
            }
            CHECK(before.mev_alerts.empty());  // one window short of the operator's count when sent
            for (const Hash32& h : hashes) CHECK(before.submitter.sent_privately(h));
            CHECK(keeper_pool(chain).empty());
        }());
    }  // the keeper stops: the fan-out's failed-window counts are gone, the journal's attempts stay

    FallbackHarness h(chain, kWindow, kFailedWindows, settings);
    auto& ex = h.ex;
    run(h.io, [&]() -> asio::awaitable<void> {
        auto head = co_await restart(h);
        // The newest attempt is held by no relay of this run: its window is over, re-plan.
        for (std::uint64_t i = 0; i < kWindow + 2 && ex.awaiting_replan().empty(); ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex.on_head(head);
        }
        REQUIRE(ex.awaiting_replan().size() == 1);
        CHECK(h.submitter.failed_windows(0) == 0);  // this fan-out counted nothing itself
        const daemon::ReplanResult rr =
            co_await ex.replan(id, buy_plan("restart-replan-after", head.timestamp + 3000), head);
        INFO(rr.detail);
        REQUIRE(rr.outcome == daemon::ReplanOutcome::kResigned);
        REQUIRE(rr.tx_hash);
        hashes.push_back(*rr.tx_hash);
        // Two private windows missed at nonce 0 (the journal's two private attempts): the
        // operator's count, so the fan-out alerts and goes public, as it would have without the
        // restart.
        CHECK_FALSE(h.submitter.sent_privately(*rr.tx_hash));
        CHECK(ok(h.journal.intent_view(id)).attempts.back().went_public);
        REQUIRE(h.mev_alerts.size() == 1);
        CHECK(h.mev_alerts[0].nonce == 0);
        CHECK(h.mev_alerts[0].failed_windows == kFailedWindows);
        CHECK(h.mev_alerts[0].falling_back_to_public);
        CHECK(keeper_pool(chain) == std::map<std::uint64_t, std::string>{{0, to_hex(rr.tx_hash->view())}});
        CHECK(h.relay.held() == 0);

        for (std::uint64_t i = 0; i < settings.machine.confirmations + 2; ++i) {
            chain.mine();
            head = co_await latest(h.pool);
            co_await ex.on_head(head);
        }
    }());
    check_landed_once(h, id, hashes);
}

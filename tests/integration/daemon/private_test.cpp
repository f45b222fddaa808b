// The executor with a private submitter (issue #6) on anvil with automine off and the local
// relay (tests/support/relay.hpp): the public node never knows a pending private transaction,
// so "can it still land" comes from the submitter. A window that passes without inclusion is
// re-signed at the SAME nonce with fresh fees (no bump rule: no mempool holds the old bytes),
// an alert fires after N missed windows, and the trade lands exactly once.
#include <catch2/catch.hpp>

#include "fixture.hpp"

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "keeper/mev/relay_client.hpp"
#include "keeper/mev/submitters.hpp"
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

TEST_CASE("private relay: a window missed twice is re-signed at the same nonce with fresh fees, alerts, lands once") {
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
            co_await ex.execute(buy_plan("private", head.timestamp + 3000), chain.vault, head);
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

        // While the window is open: no re-send, no bump (the relay holds it).
        chain.next_base_fee(kGwei);
        chain.mine();
        head = co_await latest(pool);
        co_await ex.on_head(head);
        CHECK(ex.stats().resigned_private == 0);
        CHECK(ex.stats().bumped == 0);
        CHECK(ex.stats().rebroadcast == 0);

        // The window passes without inclusion (blocks built without the relay), twice.
        for (int window = 1; window <= 2; ++window) {
            const std::uint64_t before = ex.stats().resigned_private;
            for (std::uint64_t i = 0; i < kWindow + 1 && ex.stats().resigned_private == before; ++i) {
                chain.mine();
                head = co_await latest(pool);
                co_await ex.on_head(head);
            }
            REQUIRE(ex.stats().resigned_private == before + 1);
            const auto view = ok(journal.intent_view(id));
            REQUIRE(view.attempts.size() == static_cast<std::size_t>(window) + 1);
            hashes.push_back(view.attempts.back().tx_hash);
            CHECK(has_alert(ex, "private_window_missed") == (window == 2));
        }
        CHECK_FALSE(has_alert(ex, "dropped"));
        CHECK(ex.stats().bumped == 0);
        CHECK(ex.stats().rebroadcast == 0);

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
    for (const auto& a : view.attempts) {
        CHECK(a.nonce == 0);
        CHECK(a.kind == txm::AttemptKind::kIntent);
    }
    CHECK(view.attempts.back().state == txm::AttemptState::kFinal);
    CHECK(view.attempts.back().tx_hash == hashes.back());
    // Fresh fees, not bumped ones: the base fee fell, so did the price.
    CHECK(view.attempts[1].fees.max_fee_per_gas < view.attempts[0].fees.max_fee_per_gas);
    CHECK(view.attempts[2].fees.max_fee_per_gas <= view.attempts[1].fees.max_fee_per_gas);
    // Exactly once on chain.
    CHECK(chain.keeper_nonce() == 1);
    CHECK(rebalanced_count(chain) == 1);
    CHECK(chain.last_rebalance_at() > 0);
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

// EndpointPool against real anvil nodes: batches, revert mapping, failover, chain id checks,
// lag benching.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "harness.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "support/anvil.hpp"

using namespace keeper;
using namespace keeper::rpc;
using keeper::rpc::test::run_test;
using keeper::test::AnvilProcess;
using keeper::test::anvil_options;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kAnvilChainId = 31337;
constexpr Address kAccount0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address;  // anvil's unlocked account 0

RpcSettings fast_settings() {
    RpcSettings s;
    s.http.connect_timeout = std::chrono::milliseconds(500);
    s.http.request_timeout = std::chrono::milliseconds(2000);
    s.retry.initial_backoff = std::chrono::milliseconds(20);
    s.retry.max_backoff = std::chrono::milliseconds(100);
    s.pool.probe_interval = std::chrono::milliseconds(100);
    return s;
}

const EndpointStats& stats_of(const std::vector<EndpointStats>& all, const std::string& name) {
    for (const auto& s : all)
        if (s.name == name) return s;
    FAIL("no endpoint " << name);
    return all.front();
}

// Creation code of a contract whose every call reverts with the 4 bytes 0xdeadbeef.
//   runtime (16 bytes): PUSH4 0xdeadbeef PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 4 PUSH1 0 REVERT
//   init    (11 bytes): PUSH1 16 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN
const Bytes kRevertingCreation = "0x601080600b6000396000f3" "63deadbeef60e01b60005260046000fd"_hex;

}  // namespace

TEST_CASE("batch of eth_chainId, eth_blockNumber, eth_getBalance, eth_call in one round trip") {
    AnvilProcess node(anvil_options());
    asio::io_context io;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"local", node.http_url()}}, fast_settings());
    run_test(io, [&]() -> asio::awaitable<void> {
        auto started = co_await pool.start();
        REQUIRE(started);
        CallRequest probe;
        probe.to = "0x0000000000000000000000000000000000000001"_address;  // ecrecover: empty input, empty output
        const std::vector<Call> calls{eth::chain_id(), eth::block_number(), eth::get_balance(kAccount0), eth::call(probe)};
        const auto before = pool.stats().front().requests;
        auto r = co_await pool.batch(calls);
        REQUIRE(r);
        REQUIRE(r->size() == 4);
        CHECK(decode_u64((*r)[0].value(), "chainId").value() == kAnvilChainId);
        CHECK(decode_u64((*r)[1].value(), "blockNumber").value() == 0);
        CHECK(decode_quantity((*r)[2].value(), "balance").value() == U256(10000) * U256(1'000'000'000'000'000'000ULL));
        CHECK(decode_data((*r)[3].value(), "call").value().empty());
        CHECK(pool.stats().front().requests == before + 1);  // one POST for the whole batch

        auto n = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(n);
        CHECK(*n == 0);
        // A result of the wrong type is a typed error naming the member.
        auto wrong = co_await pool.call_as(eth::get_balance(kAccount0), decode_address);
        REQUIRE_FALSE(wrong);
        CHECK(wrong.error().code == Errc::kBadResult);
        CHECK(wrong.error().message == "result: not hex data: odd number of hex digits");
    }(), [&] { pool.stop(); });
}

TEST_CASE("a reverting eth_call is an RPC error carrying the revert data, never retried") {
    AnvilProcess node(anvil_options());
    asio::io_context io;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"local", node.http_url()}}, fast_settings());
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        const Json tx{{"from", to_hex(kAccount0)}, {"input", to_hex(kRevertingCreation)}};
        Call send{"eth_sendTransaction", Json::array({tx})};  // no braced lists inside co_await (g++ 12)
        auto hash = co_await pool.call_as(std::move(send), decode_hash);
        REQUIRE(hash);
        // The receipt may trail the hash by a moment; null until then.
        std::optional<Receipt> receipt;
        for (int i = 0; i < 100 && !receipt; ++i) {
            auto r = co_await pool.call_as(eth::get_transaction_receipt(*hash), [](const Json& j, std::string_view p) {
                return decode_nullable(j, p, [](const Json& x, std::string_view q) { return decode_receipt(x, q); });
            });
            INFO((r ? std::string("pending") : r.error().describe()));
            REQUIRE(r);
            receipt = *r;
            if (!receipt) co_await keeper::rpc::test::sleep_ms(20);
        }
        REQUIRE(receipt);
        CHECK(receipt->status);
        CHECK(receipt->transaction_hash == *hash);
        REQUIRE(receipt->contract_address);

        CallRequest call;
        call.to = *receipt->contract_address;
        call.data = "0x12345678"_hex;
        const auto before = pool.stats().front();
        auto r = co_await pool.call(eth::call(call));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::kRpc);
        REQUIRE(r.error().rpc);
        CHECK(r.error().rpc->is_revert());
        CHECK(r.error().rpc->revert_data() == "0xdeadbeef"_hex);
        const auto after = pool.stats().front();
        CHECK(after.requests == before.requests + 1);
        CHECK(after.rpc_errors == before.rpc_errors + 1);
        CHECK(after.failures == before.failures);
        CHECK(after.state == EndpointState::kHealthy);

        // In a batch, the revert is that call's outcome; the others succeed.
        std::vector<Call> both{eth::call(call), eth::block_number()};
        auto b = co_await pool.batch(std::move(both));
        REQUIRE(b);
        CHECK((*b)[0].error().revert_data() == "0xdeadbeef"_hex);
        CHECK((*b)[1].has_value());
    }(), [&] { pool.stop(); });
}

TEST_CASE("failover: the primary is killed, the next call succeeds on the backup within 2 s") {
    AnvilProcess primary(anvil_options());
    AnvilProcess backup(anvil_options());
    asio::io_context io;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"primary", primary.http_url()}, {"backup", backup.http_url()}},
                      fast_settings());
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        CHECK(stats_of(pool.stats(), "primary").requests == 2);  // probe + call
        CHECK(stats_of(pool.stats(), "backup").requests == 1);   // probe only

        primary.kill();
        const auto t0 = Clock::now();
        auto r = co_await pool.call(eth::chain_id());
        const auto elapsed = Clock::now() - t0;
        REQUIRE(r);
        CHECK(elapsed < std::chrono::seconds(2));
        const auto stats = pool.stats();
        CHECK(stats_of(stats, "primary").state == EndpointState::kDown);
        CHECK(stats_of(stats, "primary").failures == 1);
        CHECK(stats_of(stats, "primary").last_error.find("endpoint 'primary': connect") == 0);
        CHECK(stats_of(stats, "backup").requests == 2);

        // While the primary is down, calls go straight to the backup.
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        CHECK(stats_of(pool.stats(), "primary").failures == 1);
    }(), [&] { pool.stop(); });
}

TEST_CASE("all endpoints dead: retries with backoff, then a typed error") {
    AnvilProcess node(anvil_options());
    asio::io_context io;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"only", node.http_url()}}, fast_settings());
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        node.kill();
        auto r = co_await pool.call(eth::block_number());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::kNoEndpoint);
        CHECK(r.error().message.find("all attempts failed; last: endpoint 'only': connect") == 0);
        CHECK(pool.stats().front().failures == pool.settings().retry.max_attempts);
    }(), [&] { pool.stop(); });
}

TEST_CASE("an endpoint serving another chain id is refused at start") {
    AnvilProcess good(anvil_options());
    auto other_options = anvil_options();
    other_options.chain_id = 999;
    AnvilProcess other(other_options);
    asio::io_context io;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"good", good.http_url()}, {"sepolia-by-mistake", other.http_url()}},
                      fast_settings());
    run_test(io, [&]() -> asio::awaitable<void> {
        auto r = co_await pool.start();
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::kChainIdMismatch);
        CHECK(r.error().describe() ==
              "endpoint 'sepolia-by-mistake': chain id mismatch: serves chain id 999, expected 31337");
        CHECK(stats_of(pool.stats(), "sepolia-by-mistake").state == EndpointState::kWrongChain);
        // The pool never sends it anything else.
        const auto before = stats_of(pool.stats(), "sepolia-by-mistake").requests;
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        CHECK(stats_of(pool.stats(), "sepolia-by-mistake").requests == before);
    }(), [&] { pool.stop(); });
}

TEST_CASE("an endpoint lagging the best head is benched, and recovers when it catches up") {
    AnvilProcess behind(anvil_options());
    AnvilProcess ahead(anvil_options());
    REQUIRE(ahead.raw_call("anvil_mine", R"(["0xa"])").find("\"result\"") != std::string::npos);
    asio::io_context io;
    auto settings = fast_settings();
    settings.pool.max_head_lag = 3;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"behind", behind.http_url()}, {"ahead", ahead.http_url()}},
                      settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        CHECK(pool.best_head() == 10);
        CHECK(stats_of(pool.stats(), "behind").state == EndpointState::kLagging);
        CHECK(stats_of(pool.stats(), "ahead").state == EndpointState::kHealthy);
        auto n = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(n);
        CHECK(*n == 10);  // served by "ahead" although "behind" comes first

        // It catches up; the health probe (run()) puts it back in front.
        REQUIRE(behind.raw_call("anvil_mine", R"(["0x9"])").find("\"result\"") != std::string::npos);
        asio::co_spawn(co_await asio::this_coro::executor, pool.run(), asio::detached);
        for (int i = 0; i < 50 && stats_of(pool.stats(), "behind").state != EndpointState::kHealthy; ++i)
            co_await keeper::rpc::test::sleep_ms(50);
        CHECK(stats_of(pool.stats(), "behind").state == EndpointState::kHealthy);
        CHECK(stats_of(pool.stats(), "behind").head == 9);
    }(), [&] { pool.stop(); });
}

// The flap of issue #5: heads from the websocket raise the best head every block, while the
// endpoint's own head was refreshed only by the probe; with fast blocks a single endpoint was
// "lagging" between probes, healthy after each probe, lagging again...
TEST_CASE("one endpoint and a faster head stream: the endpoint never flaps to lagging") {
    AnvilProcess node(anvil_options());
    asio::io_context io;
    auto settings = fast_settings();
    settings.pool.max_head_lag = 2;
    settings.pool.probe_interval = std::chrono::milliseconds(300);
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"only", node.http_url()}}, settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        asio::co_spawn(co_await asio::this_coro::executor, pool.run(), asio::detached);
        int not_healthy = 0;
        for (std::uint64_t n = 1; n <= 40; ++n) {
            keeper::rpc::test::mine(node);
            pool.observe_head(n);  // what HeadStream does for each websocket head
            co_await keeper::rpc::test::sleep_ms(20);
            if (pool.stats().front().state != EndpointState::kHealthy) ++not_healthy;
        }
        CHECK(pool.best_head() == 40);
        CHECK(not_healthy == 0);
        CHECK(pool.stats().front().state_changes == 1);  // unverified -> healthy, and nothing since
        // It is still the one serving calls.
        auto n = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(n);
        CHECK(*n == 40);
    }(), [&] { pool.stop(); });
}

TEST_CASE("an answer that reveals the endpoint's head is a head report, and a lagging lone endpoint stays in use") {
    AnvilProcess node(anvil_options());
    asio::io_context io;
    auto settings = fast_settings();
    settings.pool.max_head_lag = 3;
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"only", node.http_url()}}, settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        CHECK(pool.stats().front().head == 0);
        keeper::rpc::test::mine(node, 5);
        // eth_getBlockByNumber("latest") says exactly where it is, no probe needed.
        {
            auto latest = co_await pool.call(eth::get_block_by_number(BlockTag::kLatest));
            REQUIRE(latest);
        }
        CHECK(pool.stats().front().head == 5);
        CHECK(pool.best_head() == 5);

        // Someone (a websocket on another node) reports a head far ahead: that alone benches
        // nobody; the endpoint's next report is judged against it.
        pool.observe_head(20);
        CHECK(pool.stats().front().state == EndpointState::kHealthy);
        // An old block it serves is only a lower bound on its head: no verdict either.
        {
            auto old = co_await pool.call(eth::get_block_by_number(std::uint64_t{2}));
            REQUIRE(old);
        }
        CHECK(pool.stats().front().state == EndpointState::kHealthy);
        CHECK(pool.stats().front().head == 5);
        // eth_blockNumber is a fresh report: 5 against 20 is lagging...
        auto n = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(n);
        CHECK(*n == 5);
        CHECK(pool.stats().front().state == EndpointState::kLagging);
        // ...but it is the only endpoint: there is nobody to fail over to, so it still serves.
        const auto before = pool.stats().front().requests;
        auto again = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(again);
        CHECK(pool.stats().front().requests == before + 1);
        // It catches up: its next report restores it.
        keeper::rpc::test::mine(node, 15);
        auto caught_up = co_await pool.call_as(eth::block_number(), decode_u64);
        REQUIRE(caught_up);
        CHECK(*caught_up == 20);
        CHECK(pool.stats().front().state == EndpointState::kHealthy);
        CHECK(pool.stats().front().state_changes == 3);  // unverified -> healthy -> lagging -> healthy
    }(), [&] { pool.stop(); });
}

// HeadStream against real anvil nodes: websocket newHeads, reconnect, polling fallback, gap
// filling and reorg reporting.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "forwarder.hpp"
#include "harness.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/heads.hpp"
#include "keeper/rpc/pool.hpp"
#include "support/anvil.hpp"

using namespace keeper;
using namespace keeper::rpc;
using keeper::rpc::test::hash_of;
using keeper::rpc::test::mine;
using keeper::rpc::test::run_test;
using keeper::rpc::test::sleep_ms;
using keeper::test::AnvilProcess;
using keeper::test::anvil_options;

namespace {

constexpr std::uint64_t kAnvilChainId = 31337;

RpcSettings fast_settings() {
    RpcSettings s;
    s.http.connect_timeout = std::chrono::milliseconds(500);
    s.http.request_timeout = std::chrono::milliseconds(2000);
    s.retry.max_attempts = 2;
    s.retry.initial_backoff = std::chrono::milliseconds(20);
    s.retry.max_backoff = std::chrono::milliseconds(100);
    s.pool.probe_interval = std::chrono::milliseconds(200);
    s.ws.connect_timeout = std::chrono::milliseconds(500);
    s.ws.request_timeout = std::chrono::milliseconds(2000);
    s.ws.idle_timeout = std::chrono::milliseconds(3000);
    s.heads.poll_interval = std::chrono::milliseconds(100);
    s.heads.stall_timeout = std::chrono::milliseconds(5000);
    s.heads.reconnect_initial = std::chrono::milliseconds(50);
    s.heads.reconnect_max = std::chrono::milliseconds(200);
    return s;
}

// Everything a head-stream test needs, torn down in order.
struct Fixture {
    asio::io_context io;
    RpcSettings settings = fast_settings();
    std::unique_ptr<EndpointPool> pool;
    std::unique_ptr<HeadStream> heads;

    Fixture(const AnvilProcess& node, std::string ws_url) {
        pool = std::make_unique<EndpointPool>(io.get_executor(), kAnvilChainId,
                                              std::vector<EndpointConfig>{{"local", node.http_url()}}, settings);
        heads = std::make_unique<HeadStream>(io.get_executor(), *pool, std::move(ws_url), "local-ws", settings.heads,
                                             settings.ws);
    }
    void run(asio::awaitable<void> body, std::chrono::milliseconds limit = std::chrono::milliseconds(9000)) {
        run_test(
            io,
            [](Fixture& f, asio::awaitable<void> b) -> asio::awaitable<void> {
                {
                    auto ok = co_await f.pool->start();
                    REQUIRE(ok);
                }
                asio::co_spawn(f.io, f.heads->run(), asio::detached);
                co_await std::move(b);
            }(*this, std::move(body)),
            [this] {
                heads->stop();
                pool->stop();
            },
            limit);
    }
};

// Checks the stream's contract on a run of events: consecutive numbers linked by parent hash,
// except where a reorg is reported.
void check_linked(const std::vector<HeadEvent>& events) {
    for (std::size_t i = 1; i < events.size(); ++i) {
        INFO("event " << i << " block " << events[i].header.number);
        if (events[i].reorg) continue;
        CHECK(events[i].header.number == events[i - 1].header.number + 1);
        CHECK(events[i].header.parent_hash == events[i - 1].header.hash);
    }
}

asio::awaitable<HeadEvent> next_event(HeadStream& heads) {
    auto ev = co_await heads.next();
    REQUIRE(ev);
    co_return std::move(*ev);
}

}  // namespace

TEST_CASE("websocket newHeads with --block-time 1: in order, linked, from the subscription") {
    auto options = anvil_options();
    options.block_time = 1;
    AnvilProcess node(options);
    Fixture f(node, node.ws_url());
    f.run([&]() -> asio::awaitable<void> {
        std::vector<HeadEvent> events;
        while (events.size() < 3) events.push_back(co_await next_event(*f.heads));
        check_linked(events);
        CHECK(events.back().source == HeadSource::kWebsocket);
        CHECK(f.heads->stats().ws_connects == 1);
        CHECK(f.heads->stats().reorgs == 0);
        CHECK(f.pool->best_head() >= events.back().header.number);
        CHECK(events.back().header.hash == hash_of(node, events.back().header.number));
    }());
}

TEST_CASE("websocket reconnects after the endpoint restarts and reports a replaced chain as a reorg") {
    AnvilProcess node(anvil_options());
    Fixture f(node, node.ws_url());
    f.run([&]() -> asio::awaitable<void> {
        // Wait for the subscription, then mine two blocks and see them.
        while (!f.heads->stats().ws_live) {
            if (f.heads->stats().ws_connects > 0) break;
            co_await sleep_ms(20);
        }
        mine(node, 2);
        HeadEvent ev;
        do ev = co_await next_event(*f.heads);
        while (ev.header.number < 2);
        const Hash32 old_2 = ev.header.hash;

        node.restart();  // same port, fresh chain from genesis
        for (int i = 0; i < 100 && f.heads->stats().ws_connects < 2; ++i) co_await sleep_ms(20);
        REQUIRE(f.heads->stats().ws_connects == 2);
        mine(node, 4);
        const Hash32 new_tip = hash_of(node, 4);
        std::vector<HeadEvent> after;
        bool reorg_seen = false;
        do {
            after.push_back(co_await next_event(*f.heads));
            reorg_seen = reorg_seen || after.back().reorg.has_value();
        } while (after.back().header.hash != new_tip);
        // A restarted anvil may rebuild identical blocks (same second, same genesis): then the
        // chain merely grew. Otherwise the replaced branch must have been reported.
        CHECK(reorg_seen == (hash_of(node, 2) != old_2));
        check_linked(after);
        CHECK(f.heads->stats().ws_heads >= 1);
    }());
}

TEST_CASE("a block mined while the websocket subscribes is read once subscribed, not at the next block or poll") {
    // The websocket goes through a forwarder that holds every response chunk back 300 ms, so
    // connecting, checking the chain id and subscribing take about a second; HTTP is direct.
    // Polling runs once at start (then every 30 s): the block mined meanwhile is announced by
    // no notification and found by no poll in time; only the read that follows the
    // subscription delivers it.
    AnvilProcess node(anvil_options());
    keeper::test::TcpForwarder slow_ws(node.port());
    slow_ws.set_response_delay(std::chrono::milliseconds(300));
    asio::io_context io;
    RpcSettings settings = fast_settings();
    settings.heads.poll_interval = std::chrono::milliseconds(30'000);
    settings.ws.connect_timeout = std::chrono::milliseconds(5000);
    settings.ws.request_timeout = std::chrono::milliseconds(5000);
    EndpointPool pool(io.get_executor(), kAnvilChainId, std::vector<EndpointConfig>{{"local", node.http_url()}},
                      settings);
    HeadStream heads(io.get_executor(), pool, "ws://127.0.0.1:" + std::to_string(slow_ws.port()), "slow-ws",
                     settings.heads, settings.ws);
    run_test(
        io,
        [&]() -> asio::awaitable<void> {
            auto started = co_await pool.start();
            REQUIRE(started);
            asio::co_spawn(io, heads.run(), asio::detached);
            const HeadEvent first = co_await next_event(heads);  // the first poll: block 0
            CHECK(first.header.number == 0);
            CHECK(first.source == HeadSource::kPoll);
            CHECK(heads.stats().ws_connects == 0);  // still subscribing
            mine(node);
            const auto mined_at = std::chrono::steady_clock::now();
            const HeadEvent second = co_await next_event(heads);
            const auto waited = std::chrono::steady_clock::now() - mined_at;
            CHECK(second.header.number == 1);
            CHECK(second.header.parent_hash == first.header.hash);
            CHECK(second.source == HeadSource::kPoll);  // the read after subscribing, not a notification
            CHECK(heads.stats().ws_connects == 1);
            CHECK(heads.stats().ws_heads == 0);
            CHECK(heads.stats().polled_heads == 2);
            CHECK(waited < std::chrono::seconds(10));  // the next poll was 30 s away
        }(),
        [&] {
            heads.stop();
            pool.stop();
        },
        std::chrono::milliseconds(20'000));
}

TEST_CASE("polling fallback when the websocket endpoint is unreachable") {
    AnvilProcess node(anvil_options());
    const std::string dead_ws = "ws://127.0.0.1:" + std::to_string(keeper::test::free_loopback_port());
    Fixture f(node, dead_ws);
    f.run([&]() -> asio::awaitable<void> {
        std::vector<HeadEvent> events;
        events.push_back(co_await next_event(*f.heads));
        mine(node);
        events.push_back(co_await next_event(*f.heads));
        mine(node);
        events.push_back(co_await next_event(*f.heads));
        check_linked(events);
        CHECK(events[2].header.number == 2);
        CHECK(events[2].source == HeadSource::kPoll);
        CHECK(f.heads->stats().ws_connects == 0);
        CHECK(f.heads->stats().ws_failures >= 1);
        CHECK(f.heads->stats().polled_heads >= 3);
    }());
}

TEST_CASE("skipped heights are filled: no gaps, no duplicates") {
    AnvilProcess node(anvil_options());
    Fixture f(node, "");  // polling only
    f.run([&]() -> asio::awaitable<void> {
        std::vector<HeadEvent> events;
        events.push_back(co_await next_event(*f.heads));
        CHECK(events[0].header.number == 0);
        mine(node, 5);  // five blocks between two polls
        while (events.back().header.number < 5) events.push_back(co_await next_event(*f.heads));
        REQUIRE(events.size() == 6);
        check_linked(events);
        for (std::size_t i = 1; i < 5; ++i) CHECK(events[i].source == HeadSource::kFill);
        CHECK(events[5].source == HeadSource::kPoll);
        co_await sleep_ms(300);  // several more polls of the same head
        CHECK(f.heads->stats().delivered == 6);
        CHECK(f.heads->stats().duplicates >= 1);
        CHECK(f.heads->stats().filled == 4);
    }());
}

TEST_CASE("a reorg is reported with its fork point and depth") {
    AnvilProcess node(anvil_options());
    Fixture f(node, "");
    f.run([&]() -> asio::awaitable<void> {
        mine(node, 2);
        const auto snapshot = Json::parse(node.raw_call("evm_snapshot"))["result"].get<std::string>();
        HeadEvent ev;
        do ev = co_await next_event(*f.heads);
        while (ev.header.number < 2);
        mine(node, 2);  // blocks 3 and 4 of the first branch
        do ev = co_await next_event(*f.heads);
        while (ev.header.number < 4);
        const Hash32 old_4 = ev.header.hash;

        // Replace 3 and 4 by a longer branch 3', 4', 5' (another timestamp: other hashes).
        REQUIRE(node.raw_call("evm_revert", "[\"" + snapshot + "\"]").find("true") != std::string::npos);
        const auto ts = Json::parse(node.raw_call("eth_getBlockByNumber", R"(["0x2",false])"))["result"]["timestamp"];
        const std::uint64_t later = decode_u64(ts, "ts").value() + 1000;
        REQUIRE(node.raw_call("evm_setNextBlockTimestamp", "[" + std::to_string(later) + "]").find("result") !=
                std::string::npos);
        mine(node, 3);
        CHECK(hash_of(node, 4) != old_4);

        std::vector<HeadEvent> events;
        do events.push_back(co_await next_event(*f.heads));
        while (events.back().header.number < 5);
        REQUIRE(events.front().reorg);
        CHECK(events.front().header.number == 3);
        CHECK(events.front().reorg->fork_number == 2);
        CHECK(events.front().reorg->depth == 2);
        CHECK_FALSE(events.front().reorg->beyond_history);
        CHECK(events.size() == 3);
        check_linked(events);
        CHECK(events.back().header.hash == hash_of(node, 5));
        CHECK(f.heads->stats().reorgs == 1);
    }());
}

// EndpointPool against a HUNG endpoint (issue #5: "primary RPC killed (failover within 2 s)"): a
// provider that accepts connections and never answers, or stalls mid-response, fails no request
// quickly. Real sockets on loopback: the primary is a TcpForwarder in front of anvil that can be
// switched between hanging, stalling and forwarding; the secondary is the same anvil, direct.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "forwarder.hpp"
#include "harness.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "support/anvil.hpp"

using namespace keeper;
using namespace keeper::rpc;
using keeper::rpc::test::run_test;
using keeper::rpc::test::sleep_ms;
using keeper::test::AnvilProcess;
using keeper::test::anvil_options;
using keeper::test::TcpForwarder;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::uint64_t kAnvilChainId = 31337;
constexpr Address kAccount0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address;  // anvil's unlocked account 0
// The bound the issue states. Generous against the ~250 ms the pool needs on loopback: it is a
// functional bound, not a benchmark, on a shared machine.
constexpr auto kFailoverBound = std::chrono::seconds(2);

RpcSettings hedge_settings() {
    RpcSettings s;
    s.http.connect_timeout = milliseconds(500);
    s.http.request_timeout = milliseconds(8000);  // what a hung primary would cost without hedging
    s.retry.initial_backoff = milliseconds(20);
    s.retry.max_backoff = milliseconds(100);
    s.pool.probe_interval = milliseconds(200);
    s.pool.probe_timeout = milliseconds(600);
    return s;  // hedge_floor, hedge_cap, strikes_to_bench: the defaults
}

const EndpointStats& stats_of(const std::vector<EndpointStats>& all, const std::string& name) {
    for (const auto& s : all)
        if (s.name == name) return s;
    FAIL("no endpoint " << name);
    return all.front();
}

std::string url_of(const TcpForwarder& f) { return "http://127.0.0.1:" + std::to_string(f.port()); }

long ms_since(Clock::time_point t0) {
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count());
}

/// The hung-primary scenario for one failure mode: reads fail over within the bound, the
/// primary is benched after strikes_to_bench lost reads, later reads skip it, and it is restored
/// once it answers again.
void hung_primary_scenario(TcpForwarder::Mode mode) {
    AnvilProcess node(anvil_options());
    TcpForwarder primary(node.port());
    asio::io_context io;
    const auto settings = hedge_settings();
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"primary", url_of(primary)}, {"secondary", node.http_url()}},
                      settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        {
            auto ok = co_await pool.call(eth::block_number());  // served by the primary
            REQUIRE(ok);
        }
        REQUIRE(stats_of(pool.stats(), "primary").requests == 2);  // probe + call
        REQUIRE(stats_of(pool.stats(), "secondary").requests == 1);  // probe

        primary.set_mode(mode);
        // A call: the primary gets it, does not answer; after its hedge delay the secondary
        // gets it too and answers.
        auto t0 = Clock::now();
        auto n = co_await pool.call_as(eth::chain_id(), decode_u64);
        auto elapsed = ms_since(t0);
        INFO("call failed over in " << elapsed << " ms");
        REQUIRE(n);
        CHECK(*n == kAnvilChainId);
        CHECK(elapsed < std::chrono::duration_cast<milliseconds>(kFailoverBound).count());
        CHECK(elapsed >= settings.pool.hedge_floor.count() - 5);  // it was a hedge, not a refused connection
        {
            const auto s = pool.stats();
            CHECK(stats_of(s, "primary").hedged == 1);
            CHECK(stats_of(s, "primary").strikes == 1);
            CHECK(stats_of(s, "primary").state == EndpointState::kHealthy);  // one slow answer is not a verdict
            CHECK(stats_of(s, "secondary").hedge_wins == 1);
        }

        // A batch, the per-head read of the collector: same.
        t0 = Clock::now();
        const std::vector<Call> calls{eth::chain_id(), eth::block_number(), eth::get_balance(kAccount0)};
        auto b = co_await pool.batch(calls);
        elapsed = ms_since(t0);
        INFO("batch failed over in " << elapsed << " ms");
        REQUIRE(b);
        REQUIRE(b->size() == 3);
        CHECK(decode_u64((*b)[0].value(), "chainId").value() == kAnvilChainId);
        CHECK(decode_quantity((*b)[2].value(), "balance").value() == U256(10000) * U256(1'000'000'000'000'000'000ULL));
        CHECK(elapsed < std::chrono::duration_cast<milliseconds>(kFailoverBound).count());

        // The third lost read benches it as unresponsive.
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        {
            const auto s = pool.stats();
            const auto& p = stats_of(s, "primary");
            CHECK(p.state == EndpointState::kDown);
            CHECK(p.hedged == 3);
            CHECK(p.last_error.find("endpoint 'primary': timeout: unresponsive: 3 reads in a row unanswered") == 0);
            CHECK(stats_of(s, "secondary").hedge_wins == 3);
        }
        if (mode == TcpForwarder::Mode::kHang) CHECK(primary.hung_reads() >= 3);
        if (mode == TcpForwarder::Mode::kStall) CHECK(primary.stalled_responses() >= 3);

        // Benched: reads go straight to the secondary, no hedge delay paid.
        const auto primary_requests = stats_of(pool.stats(), "primary").requests;
        t0 = Clock::now();
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        elapsed = ms_since(t0);
        CHECK(elapsed < settings.pool.hedge_floor.count());
        CHECK(stats_of(pool.stats(), "primary").requests == primary_requests);

        // The probes keep it benched while it hangs (each probe times out)...
        asio::co_spawn(co_await asio::this_coro::executor, pool.run(), asio::detached);
        co_await sleep_ms(3 * settings.pool.probe_interval.count() + settings.pool.probe_timeout.count());
        CHECK(stats_of(pool.stats(), "primary").state == EndpointState::kDown);
        // ...and restore it once it answers again.
        primary.set_mode(TcpForwarder::Mode::kForward);
        t0 = Clock::now();
        while (stats_of(pool.stats(), "primary").state != EndpointState::kHealthy && ms_since(t0) < 4000)
            co_await sleep_ms(20);
        INFO("restored after " << ms_since(t0) << " ms");
        CHECK(stats_of(pool.stats(), "primary").state == EndpointState::kHealthy);
        CHECK(stats_of(pool.stats(), "primary").strikes == 0);
        // It serves reads again, first in order and without a hedge.
        const auto before = stats_of(pool.stats(), "primary");
        {
            auto ok = co_await pool.call(eth::block_number());
            REQUIRE(ok);
        }
        const auto after = stats_of(pool.stats(), "primary");
        CHECK(after.requests > before.requests);
        CHECK(after.hedged == before.hedged);
    }(), [&] { pool.stop(); }, milliseconds(20000));
}

}  // namespace

TEST_CASE("hung primary (accepts, never answers): reads fail over within 2 s, it is benched, then restored") {
    hung_primary_scenario(TcpForwarder::Mode::kHang);
}

TEST_CASE("primary stalled mid-response (headers sent, body never completes): same failover") {
    hung_primary_scenario(TcpForwarder::Mode::kStall);
}

TEST_CASE("a write is never hedged: with a hung primary it waits its own timeout, then moves on once") {
    AnvilProcess node(anvil_options());
    TcpForwarder primary(node.port());
    asio::io_context io;
    auto settings = hedge_settings();
    settings.http.request_timeout = milliseconds(1500);
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"primary", url_of(primary)}, {"secondary", node.http_url()}},
                      settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        primary.set_mode(TcpForwarder::Mode::kHang);
        const auto secondary_before = stats_of(pool.stats(), "secondary").requests;
        const Json tx{{"from", to_hex(kAccount0)}, {"to", to_hex(kAccount0)}, {"value", "0x1"}};
        Call send{"eth_sendTransaction", Json::array({tx})};
        const auto t0 = Clock::now();
        auto hash = co_await pool.call_as(std::move(send), decode_hash);
        const auto elapsed = ms_since(t0);
        INFO("took " << elapsed << " ms");
        REQUIRE(hash);
        CHECK(elapsed >= settings.http.request_timeout.count() - 50);  // no second copy before the timeout
        const auto s = pool.stats();
        CHECK(stats_of(s, "primary").hedged == 0);
        CHECK(stats_of(s, "primary").state == EndpointState::kDown);
        CHECK(stats_of(s, "primary").last_error.find("endpoint 'primary': timeout:") == 0);
        CHECK(stats_of(s, "secondary").requests == secondary_before + 1);  // exactly one copy went there
        // The swallowed copy never reached the node: the account sent exactly one transaction
        // (automine may trail the hash by a moment, so wait for the first to be mined).
        std::uint64_t nonce = 0;
        for (int i = 0; i < 100 && nonce == 0; ++i) {
            auto r = co_await pool.call_as(eth::get_transaction_count(kAccount0), decode_u64);
            REQUIRE(r);
            nonce = *r;
            if (nonce == 0) co_await sleep_ms(20);
        }
        CHECK(nonce == 1);
    }(), [&] { pool.stop(); }, milliseconds(15000));
}

TEST_CASE("a hung endpoint at start costs one probe timeout, not a request timeout") {
    AnvilProcess node(anvil_options());
    TcpForwarder primary(node.port());
    primary.set_mode(TcpForwarder::Mode::kHang);
    asio::io_context io;
    const auto settings = hedge_settings();
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"primary", url_of(primary)}, {"secondary", node.http_url()}},
                      settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        const auto t0 = Clock::now();
        auto ok = co_await pool.start();
        const auto elapsed = ms_since(t0);
        REQUIRE(ok);
        CHECK(elapsed >= settings.pool.probe_timeout.count() - 5);
        CHECK(elapsed < settings.pool.probe_timeout.count() + 1000);
        const auto s = pool.stats();
        CHECK(stats_of(s, "primary").state == EndpointState::kUnverified);
        CHECK(stats_of(s, "primary").last_error ==
              "endpoint 'primary': timeout: no answer to the health probe within 600 ms");
        CHECK(stats_of(s, "secondary").state == EndpointState::kHealthy);
        // Unverified endpoints are never used: the call goes to the secondary at once.
        auto n = co_await pool.call_as(eth::chain_id(), decode_u64);
        REQUIRE(n);
        CHECK(stats_of(pool.stats(), "primary").requests == 1);
    }(), [&] { pool.stop(); }, milliseconds(10000));
}

TEST_CASE("a healthy but slow primary (400 ms a request) keeps its traffic: no hedges, no benching") {
    AnvilProcess node(anvil_options());
    TcpForwarder primary(node.port());
    primary.set_response_delay(milliseconds(400));
    asio::io_context io;
    const auto settings = hedge_settings();
    EndpointPool pool(io.get_executor(), kAnvilChainId, {{"primary", url_of(primary)}, {"secondary", node.http_url()}},
                      settings);
    run_test(io, [&]() -> asio::awaitable<void> {
        {
            auto ok = co_await pool.start();
            REQUIRE(ok);
        }
        const auto secondary_before = stats_of(pool.stats(), "secondary").requests;
        for (int i = 0; i < 8; ++i) {
            auto n = co_await pool.call_as(eth::block_number(), decode_u64);
            REQUIRE(n);
        }
        const auto s = pool.stats();
        const auto& p = stats_of(s, "primary");
        INFO("primary hedge delay " << p.hedge_delay.count() << " us, average latency " << p.avg_latency.count() << " us");
        CHECK(p.state == EndpointState::kHealthy);
        CHECK(p.state_changes == 1);  // unverified -> healthy only
        CHECK(p.hedged == 0);
        CHECK(p.requests == 1 + 8);
        CHECK(stats_of(s, "secondary").requests == secondary_before);
        // Its delay follows its own latency: at least twice the 400 ms it usually takes.
        CHECK(p.hedge_delay >= std::chrono::milliseconds(800));
    }(), [&] { pool.stop(); }, milliseconds(15000));
}

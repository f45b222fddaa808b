// https:// and wss:// against a real anvil behind a real TLS terminator (tests/support/tls_server:
// a CA and leaf generated at test time, Asio SSL outside, plain TCP to anvil inside): the pool's
// libcurl transport, the websocket head stream, certificate and host name verification, and an
// orderly close that a dropped or silent peer cannot hold up.
#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "harness.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/heads.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/rpc/tls.hpp"
#include "keeper/rpc/ws.hpp"
#include "support/anvil.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_server.hpp"

using namespace keeper;
using namespace keeper::rpc;
using keeper::rpc::test::hash_of;
using keeper::rpc::test::mine;
using keeper::rpc::test::run_test;
using keeper::rpc::test::sleep_ms;
using keeper::test::AnvilProcess;
using keeper::test::anvil_options;
using keeper::test::make_test_pki;
using keeper::test::TempDir;
using keeper::test::TlsProxy;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kAnvilChainId = 31337;
// Stands for a provider API key in the URL path: must never show in an error.
constexpr const char* kSecretPath = "/v3/s3cr3t-api-key-0123456789";

RpcSettings tls_settings(const std::string& ca_file) {
    RpcSettings s;
    s.http.connect_timeout = std::chrono::milliseconds(1000);
    s.http.request_timeout = std::chrono::milliseconds(3000);
    s.http.tls.ca_file = ca_file;
    s.retry.max_attempts = 1;
    s.pool.probe_interval = std::chrono::milliseconds(200);
    s.ws.connect_timeout = std::chrono::milliseconds(1000);
    s.ws.handshake_timeout = std::chrono::milliseconds(2000);
    s.ws.request_timeout = std::chrono::milliseconds(2000);
    s.ws.idle_timeout = std::chrono::milliseconds(5000);
    s.ws.close_timeout = std::chrono::milliseconds(400);
    s.ws.tls.ca_file = ca_file;
    s.heads.poll_interval = std::chrono::milliseconds(5000);  // heads must come from the wss:// subscription
    s.heads.stall_timeout = std::chrono::milliseconds(8000);
    s.heads.reconnect_initial = std::chrono::milliseconds(50);
    s.heads.reconnect_max = std::chrono::milliseconds(200);
    return s;
}

std::uint64_t anvil_block_number(const AnvilProcess& node) {
    const auto body = Json::parse(node.raw_call("eth_blockNumber"));
    return decode_u64(body["result"], "result").value();
}

// One pool (and optionally one websocket) pointed at a URL, run to completion.
struct Client {
    asio::io_context io;
    RpcSettings settings;
    std::unique_ptr<EndpointPool> pool;

    Client(const std::string& url, const std::string& ca_file) : settings(tls_settings(ca_file)) {
        pool = std::make_unique<EndpointPool>(io.get_executor(), kAnvilChainId,
                                              std::vector<EndpointConfig>{{"tls-node", url}}, settings);
    }
    void run(asio::awaitable<void> body) {
        run_test(io, std::move(body), [this] { pool->stop(); });
    }
};

// connect() of a fresh WsConnection, returning the result.
asio::awaitable<Result<void>> ws_connect(WsConnection& ws, std::string url) {
    auto r = co_await ws.connect(url);
    co_return r;
}

}  // namespace

TEST_CASE("https:// endpoint pool: start and calls through TLS to anvil, trusting the configured CA") {
    AnvilProcess node(anvil_options());
    const auto pki = make_test_pki({"localhost", "127.0.0.1"});
    TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca_cert_pem);
    TlsProxy proxy(node.port(), pki);
    mine(node, 3);

    for (const std::string host : {"localhost", "127.0.0.1"}) {
        INFO("host " << host);
        Client c(proxy.url("https", host), ca);
        c.run([&]() -> asio::awaitable<void> {
            auto started = co_await c.pool->start();
            REQUIRE(started);
            auto number = co_await c.pool->call_as(eth::block_number(), decode_u64);
            REQUIRE(number);
            CHECK(*number == anvil_block_number(node));
            std::vector<Call> calls{eth::chain_id(), eth::get_block_by_number(std::uint64_t{2})};
            auto batch = co_await c.pool->batch(std::move(calls));
            REQUIRE(batch);
            REQUIRE(batch->size() == 2);
            REQUIRE((*batch)[1].has_value());
            auto header = decode_block_header(*(*batch)[1]);
            REQUIRE(header);
            CHECK(header->hash == hash_of(node, 2));
        }());
    }
    CHECK(proxy.stats().handshakes >= 2);
    CHECK(proxy.stats().handshake_failures == 0);
}

TEST_CASE("wss:// head stream receives the heads anvil mines, and stops promptly") {
    AnvilProcess node(anvil_options());
    const auto pki = make_test_pki({"localhost", "127.0.0.1"});
    TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca_cert_pem);
    TlsProxy proxy(node.port(), pki);
    Client c(proxy.url("https", "localhost"), ca);  // anvil serves "/" only: no key path here
    HeadStream heads(c.io.get_executor(), *c.pool, proxy.url("wss", "localhost"), "tls-ws",
                     c.settings.heads, c.settings.ws);
    std::vector<HeadEvent> events;
    const auto stop_started = std::make_shared<Clock::time_point>();
    run_test(
        c.io,
        [&]() -> asio::awaitable<void> {
            auto started = co_await c.pool->start();
            REQUIRE(started);
            asio::co_spawn(c.io, heads.run(), asio::detached);
            for (int i = 0; i < 200 && heads.stats().ws_connects == 0; ++i) co_await sleep_ms(10);
            REQUIRE(heads.stats().ws_connects == 1);
            co_await sleep_ms(50);  // the subscription is live once eth_subscribe answered; be generous
            mine(node, 1);
            mine(node, 1);
            mine(node, 1);
            while (events.size() < 3 || events.back().header.number < 3) {
                auto ev = co_await heads.next();
                REQUIRE(ev);
                events.push_back(std::move(*ev));
            }
        }(),
        [&] {
            *stop_started = Clock::now();
            heads.stop();
            c.pool->stop();
        });
    const auto stop_took = Clock::now() - *stop_started;
    REQUIRE(events.size() >= 3);
    for (const auto& ev : events) {
        INFO("block " << ev.header.number);
        // Block 0 may come from the first HTTP poll, before the subscription is up; every mined
        // block comes from the wss:// subscription.
        if (ev.header.number > 0) CHECK(ev.source == HeadSource::kWebsocket);
        CHECK(ev.header.hash == hash_of(node, ev.header.number));
    }
    CHECK(heads.stats().ws_heads >= 3);
    CHECK(heads.stats().ws_failures == 0);
    // stop() closes the websocket in order (close frame; anvil drops the connection rather than
    // answering it), well inside close_timeout (400 ms) plus the loops' wind-down.
    INFO("stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(stop_took).count() << " ms");
    CHECK(stop_took < std::chrono::milliseconds(1500));
}

TEST_CASE("a server certificate not signed by the configured CA is refused, naming the endpoint and the reason") {
    AnvilProcess node(anvil_options());
    const auto served = make_test_pki({"localhost", "127.0.0.1"}, "rogue CA");
    const auto trusted = make_test_pki({"localhost", "127.0.0.1"}, "keeper test CA");
    TempDir dir;
    const std::string ca = dir.write("ca.pem", trusted.ca_cert_pem);
    TlsProxy proxy(node.port(), served);

    SECTION("https:// (libcurl)") {
        for (const std::string& ca_file : {ca, std::string()}) {  // the configured CA, then the system store
            INFO("ca_file '" << ca_file << "'");
            Client c(proxy.url("https", "localhost", kSecretPath), ca_file);
            c.run([&]() -> asio::awaitable<void> {
                auto started = co_await c.pool->start();
                REQUIRE_FALSE(started);
                const std::string message = started.error().describe();
                INFO(message);
                CHECK(started.error().code == Errc::kNoEndpoint);
                CHECK(message.find("'tls-node'") != std::string::npos);
                CHECK(message.find("SSL certificate problem") != std::string::npos);
                CHECK(message.find("s3cr3t") == std::string::npos);
            }());
        }
    }
    SECTION("wss:// (Asio SSL)") {
        asio::io_context io;
        WsSettings ws_settings = tls_settings(ca).ws;
        WsConnection ws(io.get_executor(), "tls-ws", ws_settings);
        run_test(
            io,
            [&]() -> asio::awaitable<void> {
                auto r = co_await ws_connect(ws, proxy.url("wss", "localhost", kSecretPath));
                REQUIRE_FALSE(r);
                const std::string message = r.error().describe();
                INFO(message);
                CHECK(r.error().code == Errc::kConnect);
                CHECK(message.find("'tls-ws'") != std::string::npos);
                CHECK(message.find("TLS handshake: certificate verify failed: unable to get local issuer certificate") !=
                      std::string::npos);
                CHECK(message.find("s3cr3t") == std::string::npos);
                CHECK_FALSE(ws.is_open());
            }(),
            [&] { ws.close(); });
    }
    // The proxy's side of the refused handshakes completes on its own thread: give it a moment.
    for (int i = 0; i < 100 && proxy.stats().handshake_failures == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(proxy.stats().handshakes == 0);
    CHECK(proxy.stats().handshake_failures >= 1);
}

TEST_CASE("a certificate for another host name is refused (DNS name and IP address)") {
    AnvilProcess node(anvil_options());
    // Signed by the trusted CA, but for other names than the URL's host.
    const auto pki = make_test_pki({"rpc.example.org", "10.9.8.7"});
    TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca_cert_pem);
    TlsProxy proxy(node.port(), pki);

    for (const std::string host : {"localhost", "127.0.0.1"}) {
        INFO("host " << host);
        {
            Client c(proxy.url("https", host, kSecretPath), ca);
            c.run([&]() -> asio::awaitable<void> {
                auto started = co_await c.pool->start();
                REQUIRE_FALSE(started);
                const std::string message = started.error().describe();
                INFO(message);
                CHECK(message.find("'tls-node'") != std::string::npos);
                CHECK(message.find("certificate subject name") != std::string::npos);  // libcurl: "no alternative ..."
                CHECK(message.find("s3cr3t") == std::string::npos);
            }());
        }
        asio::io_context io;
        WsConnection ws(io.get_executor(), "tls-ws", tls_settings(ca).ws);
        run_test(
            io,
            [&]() -> asio::awaitable<void> {
                auto r = co_await ws_connect(ws, proxy.url("wss", host, kSecretPath));
                REQUIRE_FALSE(r);
                const std::string message = r.error().describe();
                INFO(message);
                const std::string expected = host == "localhost" ? "certificate verify failed: hostname mismatch"
                                                                 : "certificate verify failed: IP address mismatch";
                CHECK(message.find(expected) != std::string::npos);
                CHECK(message.find("s3cr3t") == std::string::npos);
            }(),
            [&] { ws.close(); });
    }
    // libcurl checks the name after the handshake, Asio's OpenSSL during it: no request went through.
    for (int i = 0; i < 100 && proxy.stats().handshake_failures < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(proxy.stats().handshake_failures >= 2);
}

TEST_CASE("a missing or empty CA file fails before any connection, naming the file") {
    TempDir dir;
    const std::string missing = dir.file("nope.pem");
    const std::string empty = dir.write("empty.pem", "");
    const std::string not_pem = dir.write("key.txt", "not a certificate\n");
    for (const auto& path : {missing, empty, not_pem}) {
        INFO(path);
        TlsSettings s;
        s.ca_file = path;
        auto ctx = make_tls_client_context(s);
        REQUIRE_FALSE(ctx);
        CHECK(ctx.error().find("tls ca_file '" + path + "'") == 0);
    }
    CHECK(check_ca_file(missing).error() == "tls ca_file '" + missing + "': cannot open the file");
    CHECK(check_ca_file(not_pem).error() == "tls ca_file '" + not_pem + "': no PEM certificate in the file");
    const auto pki = make_test_pki({"localhost"});
    CHECK(check_ca_file(dir.write("ca.pem", pki.ca_cert_pem)));

    asio::io_context io;
    WsSettings ws_settings;
    ws_settings.tls.ca_file = missing;
    WsConnection ws(io.get_executor(), "tls-ws", ws_settings);
    run_test(
        io,
        [&]() -> asio::awaitable<void> {
            auto r = co_await ws_connect(ws, "wss://localhost:1/");
            REQUIRE_FALSE(r);
            CHECK(r.error().describe() == "endpoint 'tls-ws': connect: tls ca_file '" + missing +
                                              "': cannot open the file");
        }(),
        [&] { ws.close(); });
}

TEST_CASE("wss:// shutdown(): prompt with a live peer or one that drops the connection, a silent peer is cut at close_timeout") {
    AnvilProcess node(anvil_options());
    const auto pki = make_test_pki({"localhost"});
    TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca_cert_pem);
    TlsProxy proxy(node.port(), pki);
    const WsSettings settings = tls_settings(ca).ws;  // close_timeout 400 ms

    auto connected = [&](WsConnection& ws) -> asio::awaitable<void> {
        auto r = co_await ws_connect(ws, proxy.url("wss", "localhost"));
        REQUIRE(r);
        auto id = co_await ws.request(eth::chain_id());
        REQUIRE(id);
        CHECK(decode_u64(*id, "result").value() == kAnvilChainId);
    };

    asio::io_context io;
    WsConnection ws(io.get_executor(), "tls-ws", settings);
    std::chrono::milliseconds live{0}, dropped{0}, silent{0};
    run_test(
        io,
        [&]() -> asio::awaitable<void> {
            using std::chrono::duration_cast;
            using std::chrono::milliseconds;
            // A live peer: the close frame goes out; anvil answers by closing the connection.
            co_await connected(ws);
            auto t0 = Clock::now();
            co_await ws.shutdown();
            live = duration_cast<milliseconds>(Clock::now() - t0);
            CHECK_FALSE(ws.is_open());
            // A peer that just drops the TCP connection.
            co_await connected(ws);
            proxy.drop_all();
            t0 = Clock::now();
            co_await ws.shutdown();
            dropped = duration_cast<milliseconds>(Clock::now() - t0);
            CHECK_FALSE(ws.is_open());
            // A peer that stops answering: the close is cut at close_timeout.
            co_await connected(ws);
            proxy.set_silent(true);
            t0 = Clock::now();
            co_await ws.shutdown();
            silent = duration_cast<milliseconds>(Clock::now() - t0);
            proxy.set_silent(false);
            CHECK_FALSE(ws.is_open());
        }(),
        [&] { ws.close(); });
    INFO("live " << live.count() << " ms, dropped " << dropped.count() << " ms, silent " << silent.count() << " ms");
    CHECK(live < std::chrono::milliseconds(300));
    CHECK(dropped < std::chrono::milliseconds(300));
    CHECK(silent >= std::chrono::milliseconds(350));
    CHECK(silent < std::chrono::milliseconds(1000));
    CHECK(proxy.stats().handshakes == 3);
}

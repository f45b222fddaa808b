#include <utility>  // before Asio (Boost 1.74)

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "keeper/ops/http_server.hpp"

using namespace keeper::ops;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A server on a free loopback port, its event loop on a thread, and a blocking client.
class Fixture {
public:
    explicit Fixture(HttpServerSettings settings = {}) {
        settings.port = 0;
        registry.counter("keeper_trades_total", "Hedge transactions confirmed.").get().inc(2);
        server = std::make_unique<HttpServer>(ioc.get_executor(), settings, registry, [this] {
            const std::lock_guard lock(mutex);
            return health;
        });
        const auto started = server->start();
        INFO((started ? std::string() : started.error()));
        REQUIRE(started.has_value());
        REQUIRE(server->port() != 0);
        loop = std::async(std::launch::async, [this] { ioc.run(); });
    }
    ~Fixture() { stop(); }
    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    // Stops on the loop thread and waits for the loop to run out of work: every coroutine left.
    bool stop() {
        if (!loop.valid()) return true;
        asio::post(ioc, [this] { server->stop(); });
        const bool finished = loop.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
        if (!finished) ioc.stop();
        loop.get();
        return finished;
    }

    // The server's counters, read on the loop thread.
    HttpServerStats stats() {
        std::promise<HttpServerStats> p;
        auto f = p.get_future();
        asio::post(ioc, [&] { p.set_value(server->stats()); });
        return f.get();
    }

    void set_health(Health h) {
        const std::lock_guard lock(mutex);
        health = std::move(h);
    }

    [[nodiscard]] tcp::socket connect() {
        tcp::socket s(client_ioc);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
        return s;
    }

    http::response<http::string_body> request(tcp::socket& s, http::verb method, const std::string& target,
                                              bool keep_alive = true) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(keep_alive);
        http::write(s, req);
        http::response<http::string_body> res;
        http::read(s, buffer, res);
        return res;
    }

    http::response<http::string_body> get(const std::string& target) {
        auto s = connect();
        return request(s, http::verb::get, target, false);
    }

    asio::io_context ioc;
    asio::io_context client_ioc;
    Registry registry;
    std::mutex mutex;
    Health health;
    std::unique_ptr<HttpServer> server;
    std::future<void> loop;
    beast::flat_buffer buffer;
};

// Health's first six fields (the aggregate's later ones stay empty).
Health make_health(HealthStatus status, std::optional<std::uint64_t> head, std::optional<double> head_lag_s,
                   std::optional<std::uint64_t> last_decision, std::vector<std::string> reasons, bool ready) {
    Health h;
    h.status = status;
    h.head = head;
    h.head_lag_s = head_lag_s;
    h.last_decision = last_decision;
    h.reasons = std::move(reasons);
    h.ready = ready;
    return h;
}

std::string header(const http::response<http::string_body>& r, http::field f) {
    const auto v = r[f];
    return std::string(v.data(), v.size());
}

}  // namespace

TEST_CASE("http: /metrics serves the registry in the text format") {
    Fixture fx;
    const auto res = fx.get("/metrics");
    CHECK(res.result_int() == 200);
    CHECK(header(res, http::field::content_type) == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(res.body() ==
          "# HELP keeper_trades_total Hedge transactions confirmed.\n"
          "# TYPE keeper_trades_total counter\n"
          "keeper_trades_total 2\n");
    CHECK(fx.get("/metrics?x=1").result_int() == 200);
}

TEST_CASE("http: /health reports status, head and reasons, 503 when halted or stale") {
    Fixture fx;
    {
        // No head yet: degraded and 503.
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 503);
        CHECK(header(res, http::field::content_type) == "application/json");
        const auto j = nlohmann::json::parse(res.body());
        CHECK(j.at("status") == "degraded");
        CHECK(j.at("head").is_null());
        CHECK(j.at("reasons") == nlohmann::json::array({"no head seen yet"}));
    }
    fx.set_health(make_health(HealthStatus::kOk, 123, 2.5, 1'700'000'000, {}, true));
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 200);
        CHECK(res.body() ==
              "{\"status\":\"ok\",\"head\":123,\"head_lag_s\":2.5,\"head_received_s\":null,"
              "\"last_decision\":1700000000,\"reasons\":[],\"alerts\":[],\"ready\":true}\n");
    }
    fx.set_health(make_health(HealthStatus::kDegraded, 124, 1.0, std::nullopt, {"endpoint b benched"}, true));
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 200);
        const auto j = nlohmann::json::parse(res.body());
        CHECK(j.at("status") == "degraded");
        CHECK(j.at("last_decision").is_null());
        CHECK(j.at("reasons") == nlohmann::json::array({"endpoint b benched"}));
    }
    fx.set_health(make_health(HealthStatus::kHalted, 125, 1.0, 1'700'000'100, {"nonce gap"}, true));
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 503);
        CHECK(nlohmann::json::parse(res.body()).at("status") == "halted");
    }
    fx.set_health(make_health(HealthStatus::kOk, 126, 90.0, 1'700'000'100, {}, true));
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 503);
        const auto j = nlohmann::json::parse(res.body());
        CHECK(j.at("status") == "degraded");
        CHECK(j.at("reasons") == nlohmann::json::array({"head stale: 90.0 s old (limit 60.0 s)"}));
    }
}

TEST_CASE("http: /health is 503 when no head arrived for too long, whatever the chain's clock says") {
    Fixture fx;
    // A chain whose timestamps run ahead of the wall clock (anvil after evm_increaseTime): the
    // timestamp age is negative, but no head arrived for 61 s.
    Health h = make_health(HealthStatus::kOk, 7, -400.0, 1'700'000'000, {}, true);
    h.head_received_s = 61.0;
    fx.set_health(h);
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 503);
        const auto j = nlohmann::json::parse(res.body());
        CHECK(j.at("status") == "degraded");
        CHECK(j.at("head_received_s") == 61.0);
        CHECK(j.at("reasons") == nlohmann::json::array({"head stale: no new head for 61.0 s (limit 60.0 s)"}));
    }
    // Both ages past the limit: both reasons, after the daemon's own.
    h.reasons = {"collect failed: timeout"};
    h.head_lag_s = 75.5;
    fx.set_health(h);
    {
        const auto res = fx.get("/health");
        CHECK(res.result_int() == 503);
        CHECK(nlohmann::json::parse(res.body()).at("reasons") ==
              nlohmann::json::array({"collect failed: timeout", "head stale: 75.5 s old (limit 60.0 s)",
                                     "head stale: no new head for 61.0 s (limit 60.0 s)"}));
    }
    h.reasons.clear();
    h.head_lag_s = 1.0;
    h.head_received_s = 0.5;
    fx.set_health(h);
    CHECK(fx.get("/health").result_int() == 200);
}

TEST_CASE("http: /health lists the newest alerts with kind, intent, nonce, detail and time, detail redacted") {
    Fixture fx;
    Health h = make_health(HealthStatus::kOk, 9, 1.0, std::nullopt, {}, true);
    h.head_received_s = 0.25;
    h.alerts.push_back(HealthAlert{"executor", "dropped", 4, std::nullopt, "attempt 7 dropped", 1'700'000'001.5});
    h.alerts.push_back(HealthAlert{"relay", "relay_windows_missed", std::nullopt, 12,
                                   "3 windows missed via https://relay.example/key=abc?apikey=secret", 1'700'000'002.0});
    fx.set_health(h);
    const auto res = fx.get("/health");
    CHECK(res.result_int() == 200);  // alerts inform; they do not make the keeper unhealthy by themselves
    CHECK(res.body() ==
          "{\"status\":\"ok\",\"head\":9,\"head_lag_s\":1.0,\"head_received_s\":0.25,\"last_decision\":null,"
          "\"reasons\":[],\"alerts\":["
          "{\"source\":\"executor\",\"kind\":\"dropped\",\"intent\":4,\"nonce\":null,"
          "\"detail\":\"attempt 7 dropped\",\"time\":1700000001.5},"
          "{\"source\":\"relay\",\"kind\":\"relay_windows_missed\",\"intent\":null,\"nonce\":12,"
          "\"detail\":\"3 windows missed via https://relay.example:443\",\"time\":1700000002.0}],"
          "\"ready\":true}\n");
    CHECK(res.body().find("secret") == std::string::npos);
}

TEST_CASE("http: /ready, 404, 405, keep-alive") {
    Fixture fx;
    CHECK(fx.get("/ready").result_int() == 503);
    fx.set_health(make_health(HealthStatus::kOk, 1, 0.5, std::nullopt, {}, true));
    const auto ready = fx.get("/ready");
    CHECK(ready.result_int() == 200);
    CHECK(ready.body() == "ready\n");
    CHECK(fx.get("/").result_int() == 404);
    CHECK(fx.get("/metricsx").result_int() == 404);

    // Several requests on one connection.
    auto s = fx.connect();
    const auto r1 = fx.request(s, http::verb::get, "/metrics");
    CHECK(r1.result_int() == 200);
    CHECK(r1.keep_alive());
    const auto r2 = fx.request(s, http::verb::post, "/metrics");
    CHECK(r2.result_int() == 405);
    CHECK(header(r2, http::field::allow) == "GET");
    const auto r3 = fx.request(s, http::verb::get, "/health");
    CHECK(r3.result_int() == 200);
    CHECK(fx.stats().requests == 7);
}

TEST_CASE("http: oversized requests are refused with 413") {
    HttpServerSettings settings;
    settings.max_request_bytes = 512;
    Fixture fx(settings);
    auto s = fx.connect();
    http::request<http::string_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Padding", std::string(2048, 'a'));
    http::write(s, req);
    http::response<http::string_body> res;
    http::read(s, fx.buffer, res);
    CHECK(res.result_int() == 413);
    CHECK_FALSE(res.keep_alive());
    // The connection is closed after the answer.
    beast::error_code ec;
    http::response<http::string_body> next;
    http::read(s, fx.buffer, next, ec);
    CHECK(ec == http::error::end_of_stream);
    CHECK(fx.stats().rejected == 1);
}

TEST_CASE("http: binding rules") {
    asio::io_context ioc;
    Registry registry;
    HttpServerSettings remote;
    remote.host = "0.0.0.0";
    remote.port = 0;
    HttpServer refused(ioc.get_executor(), remote, registry, [] { return Health{}; });
    const auto r1 = refused.start();
    REQUIRE_FALSE(r1.has_value());
    CHECK(r1.error() == "metrics server 0.0.0.0:0: not a loopback address (allow_remote is off)");

    HttpServerSettings bad;
    bad.host = "metrics.example";
    HttpServer unparsable(ioc.get_executor(), bad, registry, [] { return Health{}; });
    const auto r2 = unparsable.start();
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error() == "metrics server metrics.example:9464: not an IP address");

    // A port in use.
    HttpServerSettings first;
    first.port = 0;
    HttpServer a(ioc.get_executor(), first, registry, [] { return Health{}; });
    REQUIRE(a.start().has_value());
    HttpServerSettings second;
    second.port = a.port();
    HttpServer b(ioc.get_executor(), second, registry, [] { return Health{}; });
    const auto r3 = b.start();
    REQUIRE_FALSE(r3.has_value());
    CHECK(r3.error().rfind("metrics server 127.0.0.1:" + std::to_string(a.port()) + ": ", 0) == 0);
}

TEST_CASE("http: stop() closes the listener and idle keep-alive connections") {
    Fixture fx;
    auto idle = fx.connect();
    const auto r = fx.request(idle, http::verb::get, "/metrics");
    CHECK(r.result_int() == 200);
    const auto port = fx.server->port();
    CHECK(fx.stop());  // the loop ran out of work: accept loop and session both ended
    beast::error_code ec;
    http::response<http::string_body> next;
    http::read(idle, fx.buffer, next, ec);
    CHECK(ec);  // closed by the server
    tcp::socket s(fx.client_ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    CHECK(ec == asio::error::connection_refused);
}

TEST_CASE("http: connections above max_connections are closed at once") {
    HttpServerSettings settings;
    settings.max_connections = 1;
    Fixture fx(settings);
    auto first = fx.connect();
    CHECK(fx.request(first, http::verb::get, "/metrics").result_int() == 200);  // held open (keep-alive)
    auto second = fx.connect();
    http::request<http::string_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, "127.0.0.1");
    beast::error_code ec;
    http::write(second, req, ec);  // may already fail: the server closed it
    http::response<http::string_body> res;
    beast::flat_buffer buf;
    http::read(second, buf, res, ec);
    CHECK(ec);
    CHECK(fx.stats().rejected == 1);
    // The first connection still works.
    CHECK(fx.request(first, http::verb::get, "/ready").result_int() == 503);
}

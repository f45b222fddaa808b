// The operations endpoint: a small HTTP/1.1 server (Boost.Beast, Asio C++20 coroutines) on the
// daemon's event loop, bound to loopback unless the operator allows otherwise.
//
//   GET /metrics  200, Prometheus text format 0.0.4 (Registry::render())
//   GET /health   JSON {"status":"ok|degraded|halted","head":N,"head_lag_s":x,"head_received_s":y,
//                 "last_decision":t,"reasons":[...],"alerts":[...],"ready":b}; 200 when ok or
//                 degraded, 503 when halted, when no head was seen yet, or when the head is
//                 older than max_head_lag_s by its timestamp or by when it arrived ("stale")
//   GET /ready    200 "ready" once the daemon says so, else 503
//   anything else 404 (405 for another method on a known path)
//
// Requests are bounded (header and body limits: 413 past them), connections are kept alive
// and closed after an idle timeout, the number of connections is capped, and stop() closes the
// listener and every open connection. The daemon supplies health through a callback, called on
// the loop thread for each /health or /ready request.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "keeper/core/expected.hpp"
#include "keeper/ops/metrics.hpp"

namespace keeper::ops {

namespace asio = boost::asio;

enum class HealthStatus : std::uint8_t {
    kOk,        // following the chain and able to hedge
    kDegraded,  // working, with a problem worth a look (an endpoint down, a relay failing, low balance)
    kHalted,    // stopped hedging (the transaction manager halted, a safety check failed)
};
[[nodiscard]] std::string_view to_string(HealthStatus s) noexcept;

/// Something an operator must see, as /health lists it (newest last).
struct HealthAlert {
    std::string source;                   // "executor" (transaction manager) or "relay" (MEV submitter)
    std::string kind;                     // stable token, as in keeper_alerts_total{kind}
    std::optional<std::int64_t> intent;   // the journal intent it concerns (0: none in particular), when known
    std::optional<std::uint64_t> nonce;   // the nonce it concerns, when known
    std::string detail;                   // words for a human (redacted again when rendered)
    double time{0.0};                     // unix seconds when the daemon saw it
};

/// What the daemon reports, computed when asked (each request); the server adds staleness
/// from head_lag_s and head_received_s.
struct Health {
    HealthStatus status{HealthStatus::kOk};
    std::optional<std::uint64_t> head;           // number of the last head processed
    std::optional<double> head_lag_s;            // now - that head's timestamp, seconds
    std::optional<std::uint64_t> last_decision;  // unix time of the last hedging decision
    std::vector<std::string> reasons;            // why degraded or halted (safe to publish)
    bool ready{false};                           // started: chain reachable, journal resumed, first head seen
    /// Seconds since the last head arrived (local monotonic clock): grows when heads stop even
    /// on a chain whose timestamps run ahead of the wall clock (anvil after evm_increaseTime).
    std::optional<double> head_received_s;
    std::vector<HealthAlert> alerts;  // the newest alerts, oldest first
};

/// The /health answer: HTTP status and JSON body. A missing head, or head_lag_s or
/// head_received_s above max_head_lag_s, turns "ok" into "degraded", adds a reason, and
/// answers 503.
struct HealthResponse {
    unsigned http_status{200};
    std::string body;
};
[[nodiscard]] HealthResponse render_health(const Health& h, double max_head_lag_s);

struct HttpServerSettings {
    std::string host{"127.0.0.1"};                   // IP literal or "localhost"
    std::uint16_t port{9464};                        // 0: any free port (see port())
    bool allow_remote{false};                        // bind a non-loopback address only with this
    std::size_t max_request_bytes{8 * 1024};         // request line + headers, and body, each
    std::chrono::milliseconds idle_timeout{30'000};  // a keep-alive connection idle this long is closed
    std::size_t max_connections{32};                 // more are accepted and closed at once
    double max_head_lag_s{60.0};                     // /health is 503 past this ([metrics] max_head_age_s)
};

struct HttpServerStats {
    std::uint64_t connections{0};  // accepted
    std::uint64_t requests{0};     // answered
    std::uint64_t rejected{0};     // closed at once (over max_connections) or refused as too large
};

class HttpServer {
public:
    using HealthProvider = std::function<Health()>;

    /// `registry` and `health` must outlive the server (or its stop()).
    HttpServer(asio::any_io_executor executor, HttpServerSettings settings, const Registry& registry,
               HealthProvider health);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and listens, then serves on the executor. Errors name the address: a non-loopback
    /// host without allow_remote, an unparsable host, a port in use.
    [[nodiscard]] Expected<void, std::string> start();
    /// The bound port (the chosen one when settings.port was 0); 0 before start().
    [[nodiscard]] std::uint16_t port() const noexcept;
    /// Closes the listener and all connections; idempotent. Call on the loop thread.
    void stop();
    [[nodiscard]] HttpServerStats stats() const noexcept;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace keeper::ops

// A JSON-RPC client for one MEV relay (or protect-style private RPC endpoint), I/O.
//
// Why not rpc::HttpEndpoint: relays authenticate each request with a header computed over the
// exact body bytes (flashbots_auth.hpp), and answer some failures with a non-2xx status AND a
// JSON-RPC error object we must read; HttpEndpoint has fixed headers and turns non-2xx into a
// transport error. This client serialises the request once, signs those bytes, and sends the
// same buffer. Like HttpEndpoint it runs libcurl on a worker thread (one easy handle, one
// keep-alive connection) and completes on the caller's executor; all other state lives on the
// event-loop thread. The URL may carry an API key: it is never logged or put in an error.
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "keeper/core/expected.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/rpc/jsonrpc.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::mev {

namespace asio = boost::asio;
using rpc::Json;

struct RelayError {
    enum class Kind : std::uint8_t {
        kTransport,    // connect, TLS, timeout, reset: the relay may not have seen the request
        kHttp,         // non-2xx without a JSON-RPC error object
        kRpc,          // the relay answered with an error object (code, message)
        kBadResponse,  // not a JSON-RPC response
        kCancelled,    // stop()
        kSigning,      // the reputation key could not sign (never expected with a valid key)
    };
    Kind kind{Kind::kTransport};
    long http_status{0};
    std::int64_t code{0};
    std::string message;  // safe to log: names the relay, never its URL
    /// Transport failures, 5xx, 429 and rate limits: worth trying again with the same bytes.
    [[nodiscard]] bool retryable() const noexcept;
    [[nodiscard]] std::string describe() const;
};
using RelayResult = Expected<Json, RelayError>;

struct RelayClientStats {
    std::uint64_t requests{0};
    std::uint64_t failures{0};
    std::uint64_t rpc_errors{0};
    std::chrono::microseconds last_latency{0};
};

class RelayClient {
public:
    /// `reputation_key` signs every request (X-Flashbots-Signature) when set; protect-style
    /// endpoints that take no authentication pass nullptr.
    RelayClient(asio::any_io_executor executor, std::string name, std::string url,
                std::shared_ptr<const SecretKey> reputation_key, rpc::HttpSettings http = {});
    ~RelayClient();
    RelayClient(const RelayClient&) = delete;
    RelayClient& operator=(const RelayClient&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool authenticated() const noexcept { return key_ != nullptr; }

    /// One JSON-RPC call: the result, or the relay's error object / transport failure.
    [[nodiscard]] asio::awaitable<RelayResult> call(std::string method, Json params);
    /// GET `url` (a status API such as <status_url><tx hash>) and parse the JSON body.
    [[nodiscard]] asio::awaitable<RelayResult> get_json(std::string url);

    /// Aborts transfers in flight; later calls fail with kCancelled.
    void stop();
    [[nodiscard]] const RelayClientStats& stats() const noexcept { return stats_; }

    struct HttpOutcome {
        bool ok{false};           // a response arrived (any status)
        bool timed_out{false};
        bool cancelled{false};
        long status{0};
        std::string body;
        std::string error;        // libcurl's message (host/port at most)
        std::chrono::microseconds latency{0};
    };

private:
    struct Request {
        std::string url;
        std::string body;       // empty: GET
        std::string signature;  // header value, empty when unsigned
    };
    struct Transport;

    [[nodiscard]] asio::awaitable<HttpOutcome> perform(Request request);

    asio::any_io_executor executor_;
    std::string name_;
    std::string url_;
    std::shared_ptr<const SecretKey> key_;
    rpc::HttpSettings http_;
    std::unique_ptr<Transport> transport_;
    std::atomic<bool> abort_{false};
    asio::thread_pool worker_{1};  // the only thread that touches the curl handle
    std::uint64_t next_id_{1};
    RelayClientStats stats_;
};

}  // namespace keeper::mev

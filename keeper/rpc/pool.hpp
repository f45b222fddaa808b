// The endpoint pool of one chain: several JSON-RPC HTTP endpoints behind one call()/batch().
//
//  - start(): every endpoint is asked eth_chainId; one answering another chain id is a
//    configuration error and start() fails naming it. Endpoints unreachable at start stay
//    unverified and are never used until a later probe verifies them.
//  - run(): health probes (eth_chainId + eth_blockNumber in one batch) every probe_interval;
//    an endpoint more than max_head_lag blocks behind the best known head is benched
//    (kLagging), one that failed its last request is kDown until it answers again.
//  - call()/batch(): the first usable endpoint in order healthy > lagging > down (config order
//    within a state) gets the request; on a transport failure, HTTP 429/5xx, a malformed body
//    or a JSON-RPC rate limit the next one gets it at once; an endpoint already tried waits a
//    jittered exponential backoff (RetrySettings). Error objects from the node (reverts,
//    "nonce too low") are answers and are returned, never retried.
// Everything runs on the event-loop thread; per-endpoint counters are exposed for metrics.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "keeper/rpc/error.hpp"
#include "keeper/rpc/jsonrpc.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::rpc {

namespace asio = boost::asio;

class HttpEndpoint;

struct EndpointConfig {
    std::string name;  // label for logs and metrics ("alchemy", "local"); defaults to the redacted URL
    std::string url;   // may carry an API key: never logged
};

enum class EndpointState : std::uint8_t {
    kUnverified,  // chain id not yet confirmed (unreachable so far): never used
    kHealthy,
    kLagging,     // benched: more than max_head_lag blocks behind the best head
    kDown,        // its last request failed: used only when nothing better is left
    kWrongChain,  // answered another chain id: never used again
};
[[nodiscard]] std::string_view to_string(EndpointState s) noexcept;

/// Per-endpoint counters and health, for logs and metrics.
struct EndpointStats {
    std::string name;
    EndpointState state{EndpointState::kUnverified};
    std::optional<std::uint64_t> head;  // last block number it reported
    std::uint64_t requests{0};          // HTTP round trips (a batch is one)
    std::uint64_t failures{0};          // transport or protocol failures
    std::uint64_t rate_limited{0};      // HTTP 429 or JSON-RPC -32005
    std::uint64_t rpc_errors{0};        // error objects returned for individual calls (reverts, ...)
    std::uint32_t consecutive_failures{0};
    std::chrono::microseconds last_latency{0};
    std::chrono::microseconds avg_latency{0};  // exponentially weighted, alpha = 1/8
    std::string last_error;
};

class EndpointPool {
public:
    EndpointPool(asio::any_io_executor executor, std::uint64_t chain_id, std::vector<EndpointConfig> endpoints,
                 RpcSettings settings = {});
    ~EndpointPool();
    EndpointPool(const EndpointPool&) = delete;
    EndpointPool& operator=(const EndpointPool&) = delete;

    /// Verifies chain ids. Fails with kChainIdMismatch if any endpoint serves another chain,
    /// with kNoEndpoint if none answered.
    [[nodiscard]] asio::awaitable<Result<void>> start();
    /// Health probes until stop(). co_spawn it next to the rest of the daemon.
    asio::awaitable<void> run();
    /// Ends run(), aborts requests in flight; later calls fail with kCancelled.
    void stop();

    /// One call; a node error object comes back as Errc::kRpc with Error::rpc set.
    [[nodiscard]] asio::awaitable<Result<Json>> call(Call call);
    /// One round trip (split if above max_batch_size); responses in request order, each a
    /// result or the node's error object for that call.
    [[nodiscard]] asio::awaitable<Result<std::vector<Response>>> batch(std::vector<Call> calls);

    /// call() and decode the result with one of the eth.hpp decoders, e.g.
    /// `co_await pool.call_as(eth::block_number(), decode_u64)`; a result of the wrong shape
    /// is Errc::kBadResult naming the member.
    template <class Decode>
    [[nodiscard]] auto call_as(Call c, Decode decode)
        -> asio::awaitable<Result<typename std::invoke_result_t<Decode, const Json&, std::string_view>::value_type>> {
        auto r = co_await call(std::move(c));
        if (!r) co_return Unexpected(std::move(r).error());
        auto v = decode(*r, std::string_view("result"));
        if (!v) co_return Unexpected(from_codec(v.error(), Errc::kBadResult));
        co_return std::move(*v);
    }

    /// Raises the best known head (e.g. from the head stream), against which lag is measured.
    void observe_head(std::uint64_t number);
    [[nodiscard]] std::uint64_t best_head() const noexcept { return best_head_; }
    [[nodiscard]] std::uint64_t chain_id() const noexcept { return chain_id_; }
    [[nodiscard]] std::vector<EndpointStats> stats() const;
    [[nodiscard]] const RpcSettings& settings() const noexcept { return settings_; }

private:
    struct Endpoint;

    asio::awaitable<Result<std::vector<Response>>> send(const std::vector<Call>& calls, bool single);
    asio::awaitable<Result<std::vector<Response>>> exchange(Endpoint& ep, const std::vector<Call>& calls, bool single);
    asio::awaitable<Result<void>> probe(Endpoint& ep);
    asio::awaitable<std::vector<Result<void>>> probe_all();
    [[nodiscard]] std::vector<Endpoint*> candidates() const;
    void set_state(Endpoint& ep, EndpointState state);
    void update_lag(Endpoint& ep);
    void record_failure(Endpoint& ep, const Error& e);

    asio::any_io_executor executor_;
    std::uint64_t chain_id_;
    RpcSettings settings_;
    std::vector<std::unique_ptr<Endpoint>> endpoints_;
    std::uint64_t next_id_{1};
    std::uint64_t best_head_{0};
    bool stopping_{false};
    asio::steady_timer probe_timer_;
};

}  // namespace keeper::rpc

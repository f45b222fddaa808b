// The endpoint pool of one chain: several JSON-RPC HTTP endpoints behind one call()/batch().
//
//  - start(): every endpoint is asked eth_chainId; one answering another chain id is a
//    configuration error and start() fails naming it. Endpoints unreachable at start stay
//    unverified and are never used until a later probe verifies them.
//  - run(): health probes (eth_chainId + eth_blockNumber in one batch) every probe_interval,
//    each bounded by probe_timeout (a hung endpoint fails its probe instead of holding up the
//    round). An endpoint more than max_head_lag blocks behind the best known head is benched
//    (kLagging); one that failed its last request, or stopped answering (below), is kDown
//    until it answers again.
//  - call()/batch(): the first usable endpoint in order healthy > lagging > down (config order
//    within a state) gets the request; on a transport failure, HTTP 429/5xx, a malformed body
//    or a JSON-RPC rate limit the next one gets it at once; an endpoint already tried waits a
//    jittered exponential backoff (RetrySettings). Error objects from the node (reverts,
//    "nonce too low") are answers and are returned, never retried. Benched endpoints are still
//    used when nothing better is left: with one endpoint there is nobody to fail over to.
//
// A hung endpoint (accepts the connection, never answers, or stalls mid-response) fails no
// request quickly; waiting out http.request_timeout (10 s) would miss heads. So reads are
// hedged: a read (is_hedgeable) not answered after the endpoint's hedge delay (PoolSettings:
// RFC 6298's srtt + 4 * rttvar over its own past answers, at least 2 * srtt, clamped to
// [hedge_floor, hedge_cap])
// is sent to the next endpoint as well; the first answer wins and the other request is
// abandoned (its connection closed). Failover from a hung endpoint thus takes one hedge delay
// (250 ms on a fast link, at most hedge_cap = 1.5 s), not a request timeout. Each read an
// endpoint loses that way is a strike; strikes_to_bench in a row bench it as unresponsive
// (kDown) for a hold that doubles if it relapses, after which a probe answered in time
// restores it. A healthy-but-slow endpoint does not flap: its delay follows its own latency,
// one slow answer is one strike, and any answer in time clears its strikes.
// Writes are never hedged (sent twice at once): an eth_sendRawTransaction attempt runs to its
// own timeout and only then moves on, as before. Reads are an explicit allow-list of methods
// (is_hedgeable); a batch is hedged only when every call in it is.
//
// Lag is judged on fresh evidence only: when an endpoint reports its head (after each probe
// round, for every endpoint; and when one of its answers reveals its head: eth_blockNumber,
// eth_getBlockByNumber) against the best head known at that moment. A best head that moves
// later (the websocket, another endpoint) does not bench an endpoint whose report is older:
// it is judged at its next report. So an endpoint is never "lagging" behind its own newer
// blocks, and a single endpoint does not flap healthy <-> lagging between probes on a chain
// with blocks faster than probe_interval.
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
#include "keeper/rpc/http.hpp"
#include "keeper/rpc/jsonrpc.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::rpc {

namespace asio = boost::asio;

struct EndpointConfig {
    std::string name;  // label for logs and metrics ("alchemy", "local"); defaults to the redacted URL
    std::string url;   // may carry an API key: never logged
};

enum class EndpointState : std::uint8_t {
    kUnverified,  // chain id not yet confirmed (unreachable so far): never used
    kHealthy,
    kLagging,     // benched: more than max_head_lag blocks behind the best head
    kDown,        // its last request failed, or it stopped answering: used only when nothing better is left
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
    std::uint64_t state_changes{0};    // transitions between states (a flapping endpoint shows here)
    std::uint64_t hedged{0};           // reads it had not answered by its hedge delay, sent elsewhere too
    std::uint64_t hedge_wins{0};       // hedged reads it answered first for another endpoint
    std::uint32_t strikes{0};          // hedged reads lost in a row (strikes_to_bench bench it)
    std::chrono::microseconds hedge_delay{0};  // its current hedge delay
};

/// Whether a JSON-RPC method only reads, so the pool may send it to a second endpoint while
/// the first has not answered (an allow-list: eth_call, eth_getBlockByNumber, eth_getLogs, ...).
/// Anything else (eth_sendRawTransaction, eth_sendTransaction, unknown methods) is never hedged.
[[nodiscard]] bool is_hedgeable(std::string_view method) noexcept;

/// RFC 6298 round-trip estimator (alpha = 1/8, beta = 1/4) of one endpoint's answers.
class LatencyEstimator {
public:
    void add(std::chrono::microseconds sample) noexcept;
    [[nodiscard]] bool empty() const noexcept { return samples_ == 0; }
    [[nodiscard]] std::chrono::microseconds srtt() const noexcept { return srtt_; }
    [[nodiscard]] std::chrono::microseconds rttvar() const noexcept { return rttvar_; }
    /// clamp(max(srtt + 4 * rttvar, 2 * srtt), floor, cap); `cap` with no sample yet.
    [[nodiscard]] std::chrono::microseconds hedge_delay(std::chrono::microseconds floor,
                                                        std::chrono::microseconds cap) const noexcept;

private:
    std::chrono::microseconds srtt_{0};
    std::chrono::microseconds rttvar_{0};
    std::uint64_t samples_{0};
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

    /// Raises the best known head (e.g. from the head stream), against which lag is measured
    /// when an endpoint next reports its own head (never retroactively, see the file comment).
    void observe_head(std::uint64_t number);
    [[nodiscard]] std::uint64_t best_head() const noexcept { return best_head_; }
    [[nodiscard]] std::uint64_t chain_id() const noexcept { return chain_id_; }
    [[nodiscard]] std::vector<EndpointStats> stats() const;
    [[nodiscard]] const RpcSettings& settings() const noexcept { return settings_; }

private:
    struct Endpoint;
    struct Race;
    using Responses = std::vector<Response>;

    asio::awaitable<Result<Responses>> send(const std::vector<Call>& calls, bool single);
    asio::awaitable<Result<Responses>> exchange(Endpoint& ep, const std::vector<Call>& calls, bool single,
                                                CancelToken cancel, bool probe);
    asio::awaitable<void> run_attempt(std::shared_ptr<Race> race, std::size_t index,
                                      std::shared_ptr<const std::vector<Call>> calls, bool single, bool probe);
    void launch(const std::shared_ptr<Race>& race, Endpoint& ep, std::size_t slot,
                const std::shared_ptr<const std::vector<Call>>& calls, bool single, bool probe);
    void settle(Race& race, std::size_t winner);
    asio::awaitable<Result<void>> probe(Endpoint& ep);
    asio::awaitable<std::vector<Result<void>>> probe_all();
    [[nodiscard]] std::vector<Endpoint*> candidates() const;
    [[nodiscard]] std::chrono::microseconds hedge_delay(const Endpoint& ep) const;
    void set_state(Endpoint& ep, EndpointState state);
    void update_lag(Endpoint& ep);
    void note_head(Endpoint& ep, const std::vector<Call>& calls, const Responses& responses);
    void record_failure(Endpoint& ep, const Error& e);
    void strike(Endpoint& ep);
    void restore_if_due(Endpoint& ep);

    asio::any_io_executor executor_;
    std::uint64_t chain_id_;
    RpcSettings settings_;
    std::vector<std::unique_ptr<Endpoint>> endpoints_;
    std::uint64_t next_id_{1};
    std::uint64_t best_head_{0};
    bool stopping_{false};
    // Attempts abandoned by a race may complete after the pool is gone: they check this first.
    std::shared_ptr<bool> alive_;
    asio::steady_timer probe_timer_;
};

}  // namespace keeper::rpc

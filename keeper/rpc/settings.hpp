// Every timeout, retry and health knob of chain access, in one struct (mapped 1:1 to the
// [rpc] section of the config later). Defaults suit a mainnet keeper on hosted endpoints.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace keeper::rpc {

using Millis = std::chrono::milliseconds;

/// TLS of https:// (libcurl: endpoints, relays) and wss:// (Asio + OpenSSL: the head stream).
/// Not negotiable: TLS 1.2 or later, the peer's certificate chain verified, and its name
/// checked against the URL's host (DNS name or IP literal); SNI is always sent. There is no
/// switch to turn verification off.
struct TlsSettings {
    /// PEM file of the CA certificates to trust, for private or self-signed deployments. Empty:
    /// the system trust store (OpenSSL's default paths, /etc/ssl/certs on Debian). When set,
    /// ONLY these CAs are trusted. Maps to [rpc.tls] ca_file.
    std::string ca_file;
    bool operator==(const TlsSettings&) const = default;
};

struct HttpSettings {
    Millis connect_timeout{2'000};   // TCP (+TLS) connect, per attempt
    Millis request_timeout{10'000};  // whole request, per attempt
    std::size_t max_response_bytes{32u << 20};
    unsigned connections_per_endpoint{2};  // worker threads, each with its own keep-alive connection
    TlsSettings tls;                       // https:// only
};

/// Retry policy of a call: up to `max_attempts` attempts in all. Moving to another endpoint
/// is immediate; trying an endpoint again waits a jittered exponential backoff
/// (delay_n = min(max, initial * multiplier^n), slept uniformly in [delay/2, delay]).
/// Transport failures, HTTP 429/5xx and JSON-RPC rate limits (-32005) are retried; answers
/// from the node (a revert, "nonce too low") are results and never retried.
struct RetrySettings {
    unsigned max_attempts{5};
    Millis initial_backoff{100};
    Millis max_backoff{2'000};
    double multiplier{2.0};
};

/// Health and hedging of the endpoint pool (see pool.hpp for the rules).
struct PoolSettings {
    std::uint64_t max_head_lag{3};  // blocks behind the best known head before an endpoint is benched
    Millis probe_interval{2'000};   // health probe (eth_chainId + eth_blockNumber) of every endpoint
    Millis probe_timeout{2'000};    // a probe unanswered this long fails: the endpoint is down
    std::size_t max_batch_size{100};  // larger batches are split (providers cap batch sizes)
    // Hedged reads: a read an endpoint has not answered after its hedge delay,
    //   clamp(max(srtt + 4 * rttvar, 2 * srtt), hedge_floor, min(hedge_cap, http.request_timeout))
    // (RFC 6298's retransmission timeout over that endpoint's own latencies, and never less
    // than twice its usual latency, so a slow-but-steady endpoint is not hedged on jitter),
    // is also sent to the next endpoint; the first answer wins. The floor keeps jitter on fast
    // links from duplicating requests; the cap bounds failover from a hung endpoint whatever
    // its history.
    Millis hedge_floor{250};
    Millis hedge_cap{1'500};
    // An endpoint that lost this many hedged reads in a row (no answer of its own in between)
    // is benched as unresponsive (kDown) for probe_interval, doubling for each new benching
    // within a minute of being restored, at most 64 * probe_interval.
    unsigned strikes_to_bench{3};
};

struct WsSettings {
    Millis connect_timeout{2'000};
    Millis handshake_timeout{5'000};
    Millis request_timeout{5'000};  // eth_chainId / eth_subscribe answers
    Millis idle_timeout{20'000};    // no frame (pings included) for this long: connection dead
    std::size_t max_message_bytes{16u << 20};
    Millis close_timeout{1'000};    // shutdown(): websocket close + TLS close_notify, then the socket is closed
    TlsSettings tls;                // wss:// only
};

struct HeadSettings {
    Millis poll_interval{2'000};      // HTTP polling while the websocket is down
    Millis stall_timeout{40'000};     // websocket connected but no head for this long: reconnect
    Millis reconnect_initial{250};    // websocket reconnect backoff (jittered, doubling)
    Millis reconnect_max{10'000};
    std::size_t history{256};         // recent canonical hashes kept to locate reorg fork points
};

struct RpcSettings {
    HttpSettings http;
    RetrySettings retry;
    PoolSettings pool;
    WsSettings ws;
    HeadSettings heads;
};

}  // namespace keeper::rpc

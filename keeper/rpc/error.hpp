// Errors of the I/O layer: one enum for what went wrong, a message safe to log (endpoint
// names, never URLs: they may hold API keys), and the node's error object when it sent one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keeper/core/expected.hpp"
#include "keeper/rpc/jsonrpc.hpp"

namespace keeper::rpc {

enum class Errc : std::uint8_t {
    kConnect,          // DNS, connection refused or reset, TLS
    kTimeout,          // connect or request timeout
    kHttpStatus,       // a non-2xx HTTP status other than 429
    kRateLimited,      // HTTP 429 or JSON-RPC -32005
    kResponseTooLarge, // above HttpSettings::max_response_bytes
    kBadResponse,      // not a well-formed JSON-RPC response (see the message)
    kRpc,              // the node answered with an error object (`rpc` holds it: code, message, data)
    kBadResult,        // a result of the wrong type or shape for the call
    kChainIdMismatch,  // an endpoint serves another chain
    kNoEndpoint,       // every endpoint failed, or none is usable
    kWebsocket,        // websocket handshake or protocol failure
    kCancelled,        // stopped
};
[[nodiscard]] std::string_view to_string(Errc e) noexcept;

struct Error {
    Errc code{Errc::kConnect};
    std::string message;
    std::string endpoint;           // endpoint name, empty when not tied to one
    std::optional<RpcError> rpc;    // for kRpc
    long http_status{0};            // for kHttpStatus / kRateLimited over HTTP

    /// Worth another attempt (same endpoint after a backoff, or another endpoint).
    [[nodiscard]] bool retryable() const noexcept;
    /// "endpoint 'a': timeout: ..." for logs.
    [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = Expected<T, Error>;

[[nodiscard]] Error make_error(Errc code, std::string message, std::string endpoint = {});
[[nodiscard]] Error from_codec(const CodecError& e, Errc code, std::string endpoint = {});
[[nodiscard]] Error from_rpc(RpcError e, std::string endpoint = {});

}  // namespace keeper::rpc

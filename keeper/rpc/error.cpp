#include "keeper/rpc/error.hpp"

namespace keeper::rpc {

std::string_view to_string(Errc e) noexcept {
    switch (e) {
        case Errc::kConnect: return "connect";
        case Errc::kTimeout: return "timeout";
        case Errc::kHttpStatus: return "http status";
        case Errc::kRateLimited: return "rate limited";
        case Errc::kResponseTooLarge: return "response too large";
        case Errc::kBadResponse: return "bad response";
        case Errc::kRpc: return "rpc error";
        case Errc::kBadResult: return "bad result";
        case Errc::kChainIdMismatch: return "chain id mismatch";
        case Errc::kNoEndpoint: return "no endpoint";
        case Errc::kWebsocket: return "websocket";
        case Errc::kCancelled: return "cancelled";
    }
    return "unknown";
}

bool Error::retryable() const noexcept {
    switch (code) {
        case Errc::kConnect:
        case Errc::kTimeout:
        case Errc::kRateLimited:
        case Errc::kBadResponse:
        case Errc::kWebsocket:
            return true;
        case Errc::kHttpStatus:
            return http_status >= 500;
        default:
            return false;
    }
}

std::string Error::describe() const {
    std::string out;
    if (!endpoint.empty()) out = "endpoint '" + endpoint + "': ";
    out += to_string(code);
    if (!message.empty()) out += ": " + message;
    return out;
}

Error make_error(Errc code, std::string message, std::string endpoint) {
    Error e;
    e.code = code;
    e.message = std::move(message);
    e.endpoint = std::move(endpoint);
    return e;
}

Error from_codec(const CodecError& e, Errc code, std::string endpoint) {
    return make_error(code, e.message, std::move(endpoint));
}

Error from_rpc(RpcError e, std::string endpoint) {
    Error out = make_error(Errc::kRpc, e.describe(), std::move(endpoint));
    out.rpc = std::move(e);
    return out;
}

}  // namespace keeper::rpc

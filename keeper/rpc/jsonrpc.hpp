// JSON-RPC 2.0 envelope codec: requests, batches, responses, error objects. Pure: no I/O,
// no exceptions; every failure is a CodecError value whose message names what was wrong.
//
// A call's outcome has two layers, kept apart on purpose:
//   Expected<Response, CodecError>  - did the server send a well-formed JSON-RPC response?
//   Response = Expected<Json, RpcError> - did the node answer with a result or an error object?
// A revert is a perfectly good response (RpcError with the revert data); a garbled body is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"

namespace keeper::rpc {

using Json = nlohmann::json;

enum class CodecErrc : std::uint8_t {
    kInvalidJson,      // the body is not JSON
    kNotAResponse,     // not a JSON-RPC 2.0 response (wrong shape, version, result and error both/neither)
    kBadId,            // id missing, not an unsigned integer, or one we did not send
    kDuplicateId,      // two responses of one batch carry the same id
    kMissingResponse,  // a request of the batch got no response
    kBatchRejected,    // the server answered a whole batch with one error object
    kBadErrorObject,   // "error" is not {code: integer, message: string, data?}
    kMissingField,     // a required member of a result object is absent
    kWrongType,        // a value has the wrong JSON type (e.g. a number where a hex string is due)
    kNotAQuantity,     // not "0x" + minimal hex digits (empty, leading zero, bad digit, no prefix)
    kOverflow,         // a quantity too large for its target type
    kNotData,          // not "0x" + an even number of hex digits
    kWrongLength,      // data of the wrong size for an address (20) or hash (32)
    kInconsistent,     // members that contradict each other (e.g. fee history array lengths)
};
[[nodiscard]] std::string_view to_string(CodecErrc e) noexcept;

struct CodecError {
    CodecErrc code{CodecErrc::kInvalidJson};
    std::string message;  // "result.baseFeePerGas: not a quantity: leading zero"
};

/// Error codes with a meaning across clients (JSON-RPC 2.0 and EIP-1474).
namespace errc {
inline constexpr std::int64_t kExecutionReverted = 3;  // geth, anvil, reth: eth_call / eth_estimateGas revert
inline constexpr std::int64_t kParseError = -32700;
inline constexpr std::int64_t kInvalidRequest = -32600;
inline constexpr std::int64_t kMethodNotFound = -32601;
inline constexpr std::int64_t kInvalidParams = -32602;
inline constexpr std::int64_t kInternalError = -32603;
inline constexpr std::int64_t kServerError = -32000;    // generic: nonce too low, underpriced, ...
inline constexpr std::int64_t kLimitExceeded = -32005;  // EIP-1474: request exceeds a rate limit
}  // namespace errc

/// An error object returned by the node, kept whole: `data` holds revert data for eth_call.
struct RpcError {
    std::int64_t code{0};
    std::string message;
    Json data;  // null when absent

    /// Revert data ("0x08c379a0..." for Error(string), a custom error's selector and args, or
    /// empty for a bare revert) when this is an execution revert; nullopt otherwise. Accepts
    /// `data` as a hex string (geth, anvil, reth) or as an object with a `data` member.
    [[nodiscard]] std::optional<Bytes> revert_data() const;
    [[nodiscard]] bool is_revert() const;
    /// True for the rate-limit signal (-32005); the transport treats it like HTTP 429.
    [[nodiscard]] bool is_rate_limit() const noexcept { return code == errc::kLimitExceeded; }
    /// "code -32000: nonce too low" (data left out: it may be long).
    [[nodiscard]] std::string describe() const;
};

using Response = Expected<Json, RpcError>;

/// One method call. `params` is a JSON array (by-position), as every eth_ method takes.
struct Call {
    std::string method;
    Json params = Json::array();
};

/// {"jsonrpc":"2.0","id":id,"method":...,"params":...}
[[nodiscard]] Json encode_request(const Call& call, std::uint64_t id);
[[nodiscard]] std::string encode_request_string(const Call& call, std::uint64_t id);
/// A batch array; the i-th call gets id first_id + i.
[[nodiscard]] std::string encode_batch(std::span<const Call> calls, std::uint64_t first_id);

/// Parses the response to a single request sent with `id`. An error response with a null id
/// (the server could not read our id, e.g. a parse error) is accepted as that call's error.
[[nodiscard]] Expected<Response, CodecError> decode_response(std::string_view body, std::uint64_t id);
/// Same, on an already parsed message (websocket frames are parsed once to classify them).
[[nodiscard]] Expected<Response, CodecError> decode_response_message(const Json& message, std::uint64_t id);

/// Parses a batch response for ids first_id .. first_id + count - 1 and returns the responses
/// in request order, whatever order the server used. Unknown, duplicate and missing ids fail.
[[nodiscard]] Expected<std::vector<Response>, CodecError> decode_batch_response(std::string_view body,
                                                                                std::uint64_t first_id,
                                                                                std::size_t count);

/// Reads the id of a response message: nullopt if absent, null or not an unsigned integer.
[[nodiscard]] std::optional<std::uint64_t> response_id(const Json& message);

/// An eth_subscription notification: {"method":"eth_subscription","params":{subscription,result}}.
struct Notification {
    std::string subscription;
    Json result;
};
/// nullopt if `message` is not a notification (e.g. it is a response).
[[nodiscard]] std::optional<Expected<Notification, CodecError>> decode_notification(const Json& message);

/// Parses text into JSON without throwing.
[[nodiscard]] Expected<Json, CodecError> parse_json(std::string_view text);

}  // namespace keeper::rpc

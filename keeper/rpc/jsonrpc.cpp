#include "keeper/rpc/jsonrpc.hpp"

#include <algorithm>

#include "keeper/core/hex.hpp"

namespace keeper::rpc {

std::string_view to_string(CodecErrc e) noexcept {
    switch (e) {
        case CodecErrc::kInvalidJson: return "invalid JSON";
        case CodecErrc::kNotAResponse: return "not a JSON-RPC 2.0 response";
        case CodecErrc::kBadId: return "bad response id";
        case CodecErrc::kDuplicateId: return "duplicate response id";
        case CodecErrc::kMissingResponse: return "missing response";
        case CodecErrc::kBatchRejected: return "batch rejected";
        case CodecErrc::kBadErrorObject: return "malformed error object";
        case CodecErrc::kMissingField: return "missing field";
        case CodecErrc::kWrongType: return "wrong JSON type";
        case CodecErrc::kNotAQuantity: return "not a quantity";
        case CodecErrc::kOverflow: return "quantity overflow";
        case CodecErrc::kNotData: return "not hex data";
        case CodecErrc::kWrongLength: return "wrong length";
        case CodecErrc::kInconsistent: return "inconsistent fields";
    }
    return "unknown codec error";
}

namespace {

Unexpected<CodecError> fail(CodecErrc code, std::string message) {
    return Unexpected(CodecError{code, std::move(message)});
}

Expected<RpcError, CodecError> decode_error_object(const Json& error) {
    if (!error.is_object()) return fail(CodecErrc::kBadErrorObject, "error: not an object");
    const auto code = error.find("code");
    if (code == error.end() || !code->is_number_integer())
        return fail(CodecErrc::kBadErrorObject, "error.code: missing or not an integer");
    const auto message = error.find("message");
    if (message == error.end() || !message->is_string())
        return fail(CodecErrc::kBadErrorObject, "error.message: missing or not a string");
    RpcError out;
    out.code = code->get<std::int64_t>();
    out.message = message->get<std::string>();
    if (const auto data = error.find("data"); data != error.end()) out.data = *data;
    return out;
}

// Checks the envelope of one response object and returns its outcome; the id is checked by
// the caller (single and batch responses differ there).
Expected<Response, CodecError> decode_outcome(const Json& m) {
    if (!m.is_object()) return fail(CodecErrc::kNotAResponse, "response: not an object");
    const auto version = m.find("jsonrpc");
    if (version == m.end() || *version != "2.0")
        return fail(CodecErrc::kNotAResponse, "response.jsonrpc: missing or not \"2.0\"");
    const auto result = m.find("result");
    const auto error = m.find("error");
    if ((result == m.end()) == (error == m.end()))
        return fail(CodecErrc::kNotAResponse, "response: must hold exactly one of result and error");
    if (result != m.end()) return Response(*result);
    auto rpc_error = decode_error_object(*error);
    if (!rpc_error) return Unexpected(std::move(rpc_error).error());
    return Response(Unexpected(std::move(*rpc_error)));
}

}  // namespace

std::optional<Bytes> RpcError::revert_data() const {
    if (!is_revert()) return std::nullopt;
    const Json* hex = &data;
    if (data.is_object()) {
        const auto inner = data.find("data");
        if (inner == data.end()) return std::nullopt;
        hex = &*inner;
    }
    if (hex->is_null()) return Bytes{};  // a bare revert() carries no data
    if (!hex->is_string()) return std::nullopt;
    auto bytes = from_hex(hex->get_ref<const std::string&>(), HexPrefix::kRequired);
    if (!bytes) return std::nullopt;
    return std::move(*bytes);
}

bool RpcError::is_revert() const {
    if (code == errc::kExecutionReverted) return true;
    // Some clients use -32000/-32015 for reverts; the message is the common ground.
    return message.find("revert") != std::string::npos;
}

std::string RpcError::describe() const { return "code " + std::to_string(code) + ": " + message; }

Json encode_request(const Call& call, std::uint64_t id) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", call.method}, {"params", call.params}};
}

std::string encode_request_string(const Call& call, std::uint64_t id) { return encode_request(call, id).dump(); }

std::string encode_batch(std::span<const Call> calls, std::uint64_t first_id) {
    Json batch = Json::array();
    for (std::size_t i = 0; i < calls.size(); ++i) batch.push_back(encode_request(calls[i], first_id + i));
    return batch.dump();
}

Expected<Json, CodecError> parse_json(std::string_view text) {
    Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return fail(CodecErrc::kInvalidJson, "body: invalid JSON");
    return j;
}

std::optional<std::uint64_t> response_id(const Json& message) {
    if (!message.is_object()) return std::nullopt;
    const auto id = message.find("id");
    if (id == message.end() || !id->is_number_unsigned()) return std::nullopt;
    return id->get<std::uint64_t>();
}

Expected<Response, CodecError> decode_response_message(const Json& message, std::uint64_t id) {
    auto outcome = decode_outcome(message);
    if (!outcome) return outcome;
    const auto got = message.find("id");
    if (got == message.end()) return fail(CodecErrc::kBadId, "response.id: missing");
    if (got->is_null() && !outcome->has_value()) return outcome;  // server could not read our id
    const auto value = response_id(message);
    if (!value) return fail(CodecErrc::kBadId, "response.id: not an unsigned integer");
    if (*value != id)
        return fail(CodecErrc::kBadId,
                    "response.id: got " + std::to_string(*value) + ", expected " + std::to_string(id));
    return outcome;
}

Expected<Response, CodecError> decode_response(std::string_view body, std::uint64_t id) {
    auto json = parse_json(body);
    if (!json) return Unexpected(std::move(json).error());
    if (json->is_array()) return fail(CodecErrc::kNotAResponse, "response: an array for a single request");
    return decode_response_message(*json, id);
}

Expected<std::vector<Response>, CodecError> decode_batch_response(std::string_view body, std::uint64_t first_id,
                                                                  std::size_t count) {
    auto json = parse_json(body);
    if (!json) return Unexpected(std::move(json).error());
    if (json->is_object()) {
        // A server that rejects the batch as a whole (too large, rate limited, parse error)
        // answers with one error object; surface its message.
        auto outcome = decode_outcome(*json);
        if (outcome && !outcome->has_value())
            return fail(CodecErrc::kBatchRejected, "batch: rejected with " + outcome->error().describe());
        return fail(CodecErrc::kNotAResponse, "batch: expected an array of responses");
    }
    if (!json->is_array()) return fail(CodecErrc::kNotAResponse, "batch: expected an array of responses");

    std::vector<std::optional<Response>> slots(count);
    for (std::size_t i = 0; i < json->size(); ++i) {
        const Json& m = (*json)[i];
        const std::string where = "batch[" + std::to_string(i) + "]";
        auto outcome = decode_outcome(m);
        if (!outcome) return fail(outcome.error().code, where + ": " + outcome.error().message);
        const auto id = response_id(m);
        if (!id) {
            if (!outcome->has_value())  // e.g. {"id":null,"error":{...}}: one entry unreadable
                return fail(CodecErrc::kBatchRejected, where + ": error without id: " + outcome->error().describe());
            return fail(CodecErrc::kBadId, where + ".id: missing or not an unsigned integer");
        }
        if (*id < first_id || *id - first_id >= count)
            return fail(CodecErrc::kBadId, where + ".id: " + std::to_string(*id) + " was not sent in this batch");
        auto& slot = slots[static_cast<std::size_t>(*id - first_id)];
        if (slot) return fail(CodecErrc::kDuplicateId, where + ".id: " + std::to_string(*id) + " answered twice");
        slot = std::move(*outcome);
    }
    std::vector<Response> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (!slots[i])
            return fail(CodecErrc::kMissingResponse, "batch: no response for id " + std::to_string(first_id + i));
        out.push_back(std::move(*slots[i]));
    }
    return out;
}

std::optional<Expected<Notification, CodecError>> decode_notification(const Json& message) {
    if (!message.is_object()) return std::nullopt;
    const auto method = message.find("method");
    if (method == message.end() || *method != "eth_subscription") return std::nullopt;
    const auto params = message.find("params");
    if (params == message.end() || !params->is_object())
        return Expected<Notification, CodecError>(fail(CodecErrc::kNotAResponse, "notification.params: not an object"));
    const auto sub = params->find("subscription");
    const auto result = params->find("result");
    if (sub == params->end() || !sub->is_string())
        return Expected<Notification, CodecError>(
            fail(CodecErrc::kMissingField, "notification.params.subscription: missing or not a string"));
    if (result == params->end())
        return Expected<Notification, CodecError>(fail(CodecErrc::kMissingField, "notification.params.result: missing"));
    return Expected<Notification, CodecError>(Notification{sub->get<std::string>(), *result});
}

}  // namespace keeper::rpc

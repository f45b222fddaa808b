#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/jsonrpc.hpp"

using namespace keeper;
using namespace keeper::rpc;

TEST_CASE("encode_request and encode_batch") {
    CHECK(encode_request_string(Call{"eth_chainId", Json::array()}, 7) ==
          R"({"id":7,"jsonrpc":"2.0","method":"eth_chainId","params":[]})");
    const std::vector<Call> calls{{"eth_blockNumber", Json::array()}, {"eth_getBalance", Json::array({"0x01", "latest"})}};
    CHECK(encode_batch(calls, 41) ==
          R"([{"id":41,"jsonrpc":"2.0","method":"eth_blockNumber","params":[]},)"
          R"({"id":42,"jsonrpc":"2.0","method":"eth_getBalance","params":["0x01","latest"]}])");
}

TEST_CASE("decode_response: result, error object with data, id checks") {
    auto ok = decode_response(R"({"jsonrpc":"2.0","id":3,"result":"0x7a69"})", 3);
    REQUIRE(ok);
    REQUIRE(ok->has_value());
    CHECK(**ok == "0x7a69");

    auto revert = decode_response(
        R"({"jsonrpc":"2.0","id":3,"error":{"code":3,"message":"execution reverted","data":"0xdeadbeef"}})", 3);
    REQUIRE(revert);
    REQUIRE_FALSE(revert->has_value());
    const RpcError& e = revert->error();
    CHECK(e.code == 3);
    CHECK(e.message == "execution reverted");
    CHECK(e.is_revert());
    CHECK(e.revert_data() == "0xdeadbeef"_hex);
    CHECK(e.describe() == "code 3: execution reverted");

    // The server could not read our id: a null id is accepted for an error.
    auto parse_error = decode_response(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})", 3);
    REQUIRE(parse_error);
    CHECK(parse_error->error().code == errc::kParseError);
    CHECK_FALSE(parse_error->error().revert_data());
}

TEST_CASE("decode_response: malformed envelopes are codec errors naming the problem") {
    struct Case {
        const char* body;
        CodecErrc code;
        const char* message;
    };
    const Case cases[] = {
        {"{", CodecErrc::kInvalidJson, "body: invalid JSON"},
        {R"([{"jsonrpc":"2.0","id":1,"result":1}])", CodecErrc::kNotAResponse, "response: an array for a single request"},
        {R"({"id":1,"result":1})", CodecErrc::kNotAResponse, "response.jsonrpc: missing or not \"2.0\""},
        {R"({"jsonrpc":"2.0","id":1})", CodecErrc::kNotAResponse, "response: must hold exactly one of result and error"},
        {R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}})", CodecErrc::kNotAResponse,
         "response: must hold exactly one of result and error"},
        {R"({"jsonrpc":"2.0","id":2,"result":1})", CodecErrc::kBadId, "response.id: got 2, expected 1"},
        {R"({"jsonrpc":"2.0","id":"1","result":1})", CodecErrc::kBadId, "response.id: not an unsigned integer"},
        {R"({"jsonrpc":"2.0","result":1})", CodecErrc::kBadId, "response.id: missing"},
        {R"({"jsonrpc":"2.0","id":null,"result":1})", CodecErrc::kBadId, "response.id: not an unsigned integer"},
        {R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})", CodecErrc::kBadErrorObject,
         "error.code: missing or not an integer"},
        {R"({"jsonrpc":"2.0","id":1,"error":{"code":1}})", CodecErrc::kBadErrorObject,
         "error.message: missing or not a string"},
        {R"({"jsonrpc":"2.0","id":1,"error":"boom"})", CodecErrc::kBadErrorObject, "error: not an object"},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        auto r = decode_response(c.body, 1);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == c.code);
        CHECK(r.error().message == c.message);
    }
}

TEST_CASE("decode_batch_response: out of order, mixed outcomes, id problems") {
    auto r = decode_batch_response(R"([
        {"jsonrpc":"2.0","id":12,"error":{"code":-32000,"message":"nonce too low"}},
        {"jsonrpc":"2.0","id":10,"result":"0x1"},
        {"jsonrpc":"2.0","id":11,"result":null}])",
                                   10, 3);
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    CHECK((*r)[0].value() == "0x1");
    CHECK((*r)[1].value().is_null());
    CHECK((*r)[2].error().message == "nonce too low");
    CHECK_FALSE((*r)[2].error().is_revert());

    auto dup = decode_batch_response(
        R"([{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":1,"result":2}])", 1, 2);
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == CodecErrc::kDuplicateId);
    CHECK(dup.error().message == "batch[1].id: 1 answered twice");

    auto missing = decode_batch_response(R"([{"jsonrpc":"2.0","id":2,"result":1}])", 1, 2);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == CodecErrc::kMissingResponse);
    CHECK(missing.error().message == "batch: no response for id 1");

    auto unknown = decode_batch_response(R"([{"jsonrpc":"2.0","id":9,"result":1}])", 1, 1);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == CodecErrc::kBadId);
    CHECK(unknown.error().message == "batch[0].id: 9 was not sent in this batch");

    auto rejected = decode_batch_response(
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"rate limited"}})", 1, 2);
    REQUIRE_FALSE(rejected);
    CHECK(rejected.error().code == CodecErrc::kBatchRejected);
    CHECK(rejected.error().message == "batch: rejected with code -32005: rate limited");

    auto bad_member = decode_batch_response(R"([{"jsonrpc":"1.0","id":1,"result":1}])", 1, 1);
    REQUIRE_FALSE(bad_member);
    CHECK(bad_member.error().message == "batch[0]: response.jsonrpc: missing or not \"2.0\"");

    CHECK(decode_batch_response("[]", 1, 0).value().empty());
}

TEST_CASE("RpcError::revert_data across client shapes") {
    RpcError nested{-32015, "VM execution error: reverted", Json{{"data", "0x08c379a0"}}};
    CHECK(nested.revert_data() == "0x08c379a0"_hex);
    RpcError bare{3, "execution reverted", nullptr};
    CHECK(bare.revert_data() == Bytes{});
    RpcError not_revert{-32000, "insufficient funds", "0x01"};
    CHECK_FALSE(not_revert.revert_data());
    RpcError bad_hex{3, "execution reverted", "0xzz"};
    CHECK_FALSE(bad_hex.revert_data());
    RpcError limit{errc::kLimitExceeded, "limit exceeded", nullptr};
    CHECK(limit.is_rate_limit());
}

TEST_CASE("decode_notification") {
    const Json n = Json::parse(
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xab","result":{"number":"0x1"}}})");
    auto r = decode_notification(n);
    REQUIRE(r);
    REQUIRE(*r);
    CHECK((*r)->subscription == "0xab");
    CHECK((*r)->result["number"] == "0x1");
    CHECK_FALSE(decode_notification(Json::parse(R"({"jsonrpc":"2.0","id":1,"result":"0x1"})")));
    auto bad = decode_notification(Json::parse(R"({"method":"eth_subscription","params":{"result":1}})"));
    REQUIRE(bad);
    CHECK((*bad).error().message == "notification.params.subscription: missing or not a string");
}

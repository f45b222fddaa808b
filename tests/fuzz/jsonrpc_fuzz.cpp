// JSON-RPC response decoders on hostile node answers: never crash; a decoded quantity, data,
// header or receipt never comes from a malformed body without an error value.
#include <cstdint>
#include <string_view>

#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/jsonrpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace keeper::rpc;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)decode_response(body, 1);
    (void)decode_batch_response(body, 1, 3);
    if (auto json = parse_json(body)) {
        (void)decode_notification(*json);
        (void)decode_block_header(*json);
        (void)decode_receipt(*json);
        (void)decode_fee_history(*json);
        (void)decode_log(*json);
    }
    return 0;
}

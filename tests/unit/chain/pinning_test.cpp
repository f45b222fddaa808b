// keeper/chain/collector: telling "this node does not take an EIP-1898 block hash object" from
// "that block is not available", on error objects as nodes send them.
#include <catch2/catch.hpp>

#include "keeper/chain/collector.hpp"

using namespace keeper;
using namespace keeper::chain;

namespace {
rpc::RpcError err(std::int64_t code, std::string message) { return rpc::RpcError{code, std::move(message), nullptr}; }
}  // namespace

TEST_CASE("EIP-1898 rejection: invalid params and decoding complaints") {
    CHECK(rejects_block_hash_param(err(-32602, "invalid params")));
    CHECK(rejects_block_hash_param(err(-32600, "invalid request")));
    CHECK(rejects_block_hash_param(err(-32700, "parse error")));
    // geth before EIP-1898 (v1.9.5): the object does not decode as a block number string.
    CHECK(rejects_block_hash_param(
        err(-32000, "json: cannot unmarshal object into Go value of type string")));
    CHECK(rejects_block_hash_param(err(-32000, "invalid argument 1: hex string without 0x prefix")));
    CHECK(rejects_block_hash_param(err(-32000, "Invalid block number")));
}

TEST_CASE("EIP-1898 rejection: an unavailable or non-canonical block is not a rejection") {
    CHECK_FALSE(rejects_block_hash_param(err(-32001, "Resource not found")));  // anvil, unknown hash
    CHECK_FALSE(rejects_block_hash_param(err(-32000, "header for hash not found")));  // geth
    CHECK_FALSE(rejects_block_hash_param(err(-32000, "hash 0x12ab is not currently canonical")));  // geth
    CHECK_FALSE(rejects_block_hash_param(err(-32000, "missing trie node")));  // pruned state
    CHECK_FALSE(rejects_block_hash_param(err(3, "execution reverted")));
    CHECK(to_string(BlockPinning::kAuto) == "auto");
    CHECK(to_string(BlockPinning::kHash) == "hash");
    CHECK(to_string(BlockPinning::kNumber) == "number");
}

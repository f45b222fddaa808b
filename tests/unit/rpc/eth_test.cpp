#include <catch2/catch.hpp>

#include <limits>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"

using namespace keeper;
using namespace keeper::rpc;

namespace {
Json j(const char* text) { return Json::parse(text); }
}  // namespace

TEST_CASE("quantities: minimal 0x hex only, with clear errors") {
    CHECK(decode_quantity("0x0", "q").value() == 0);
    CHECK(decode_quantity("0x1a", "q").value() == 26);
    CHECK(decode_quantity("0xDEADbeef", "q").value() == 0xdeadbeefU);
    const std::string max = "0x" + std::string(64, 'f');
    CHECK(decode_quantity(max, "q").value() == std::numeric_limits<U256>::max());

    struct Case {
        Json in;
        CodecErrc code;
        const char* message;
    };
    const Case cases[] = {
        {"0x", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: no digits"},
        {"0x01", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: leading zero"},
        {"0x00", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: leading zero"},
        {"1a", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: missing 0x prefix"},
        {"0X1a", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: missing 0x prefix"},
        {"0x1g", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: invalid hex digit"},
        {"0x-1", CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: invalid hex digit"},
        {26, CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: not a string"},
        {nullptr, CodecErrc::kNotAQuantity, "result.baseFeePerGas: not a quantity: not a string"},
        {"0x1" + std::string(64, '0'), CodecErrc::kOverflow, "result.baseFeePerGas: quantity exceeds 256 bits"},
    };
    for (const auto& c : cases) {
        INFO(c.in.dump());
        auto r = decode_quantity(c.in, "result.baseFeePerGas");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == c.code);
        CHECK(r.error().message == c.message);
    }
}

TEST_CASE("u64 quantities") {
    CHECK(decode_u64("0xffffffffffffffff", "n").value() == std::numeric_limits<std::uint64_t>::max());
    auto over = decode_u64("0x10000000000000000", "result.number");
    REQUIRE_FALSE(over);
    CHECK(over.error().code == CodecErrc::kOverflow);
    CHECK(over.error().message == "result.number: quantity exceeds 64 bits");
    CHECK(to_quantity(std::uint64_t{0}) == "0x0");
    CHECK(to_quantity(std::uint64_t{31337}) == "0x7a69");
}

TEST_CASE("data, addresses, hashes") {
    CHECK(decode_data("0x", "d").value().empty());
    CHECK(decode_data("0x00ff", "d").value() == "0x00ff"_hex);
    CHECK(decode_data("0x0", "d").error().message == "d: not hex data: odd number of hex digits");
    CHECK(decode_data("00ff", "d").error().code == CodecErrc::kNotData);
    CHECK(decode_data(1, "d").error().message == "d: not hex data: not a string");
    CHECK(decode_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "a").value() ==
          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address);
    auto short_addr = decode_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb922", "result.to");
    REQUIRE_FALSE(short_addr);
    CHECK(short_addr.error().code == CodecErrc::kWrongLength);
    CHECK(short_addr.error().message == "result.to: address must be 20 bytes, got 19");
    CHECK(decode_hash("0x" + std::string(64, 'a'), "h").value() ==
          "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"_hash);
}

namespace {
constexpr const char* kBlock = R"({
  "number": "0x10", "hash": "0x1111111111111111111111111111111111111111111111111111111111111111",
  "parentHash": "0x2222222222222222222222222222222222222222222222222222222222222222",
  "timestamp": "0x65f0a1b2", "baseFeePerGas": "0x3b9aca00", "gasLimit": "0x1c9c380", "gasUsed": "0x5208",
  "miner": "0x0000000000000000000000000000000000000000", "transactions": []})";
}  // namespace

TEST_CASE("block headers") {
    auto h = decode_block_header(j(kBlock));
    REQUIRE(h);
    CHECK(h->number == 16);
    CHECK(h->hash == "0x1111111111111111111111111111111111111111111111111111111111111111"_hash);
    CHECK(h->parent_hash == "0x2222222222222222222222222222222222222222222222222222222222222222"_hash);
    CHECK(h->timestamp == 0x65f0a1b2U);
    CHECK(h->base_fee_per_gas == U256(1'000'000'000));
    CHECK(h->gas_limit == 30'000'000);
    CHECK(h->gas_used == 21'000);

    Json pre_london = j(kBlock);
    pre_london.erase("baseFeePerGas");
    CHECK_FALSE(decode_block_header(pre_london).value().base_fee_per_gas);

    Json bad = j(kBlock);
    bad["baseFeePerGas"] = "0x03b9aca00";
    CHECK(decode_block_header(bad).error().message == "result.baseFeePerGas: not a quantity: leading zero");
    Json missing = j(kBlock);
    missing.erase("parentHash");
    CHECK(decode_block_header(missing, "params.result").error().message == "params.result.parentHash: missing");
    CHECK(decode_block_header(Json::array()).error().message == "result: not an object");
}

namespace {
constexpr const char* kReceipt = R"({
  "transactionHash": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "transactionIndex": "0x0", "blockHash": "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  "blockNumber": "0x2", "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": null,
  "cumulativeGasUsed": "0x10a3c", "gasUsed": "0x10a3c", "effectiveGasPrice": "0x77359400",
  "contractAddress": "0x5fbdb2315678afecb367f032d93f642f64180aa3", "status": "0x1", "type": "0x2",
  "logsBloom": "0x00",
  "logs": [{"address": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "topics": ["0xcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"],
            "data": "0x0102", "blockNumber": "0x2",
            "blockHash": "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "transactionHash": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "transactionIndex": "0x0", "logIndex": "0x0", "removed": false}]})";
}  // namespace

TEST_CASE("receipts and logs") {
    auto r = decode_receipt(j(kReceipt));
    REQUIRE(r);
    CHECK(r->status);
    CHECK(r->block_number == 2);
    CHECK(r->gas_used == 0x10a3c);
    CHECK(r->effective_gas_price == U256(2'000'000'000));
    CHECK(r->contract_address == "0x5fbdb2315678afecb367f032d93f642f64180aa3"_address);
    REQUIRE(r->logs.size() == 1);
    CHECK(r->logs[0].topics.size() == 1);
    CHECK(r->logs[0].data == "0x0102"_hex);
    CHECK_FALSE(r->logs[0].removed);

    Json failed = j(kReceipt);
    failed["status"] = "0x0";
    failed["contractAddress"] = nullptr;
    auto f = decode_receipt(failed);
    REQUIRE(f);
    CHECK_FALSE(f->status);
    CHECK_FALSE(f->contract_address);

    Json bad_topic = j(kReceipt);
    bad_topic["logs"][0]["topics"].push_back("0x01");
    CHECK(decode_receipt(bad_topic).error().message == "result.logs[0].topics[1]: hash must be 32 bytes, got 1");
    Json bad_status = j(kReceipt);
    bad_status["status"] = "0x2";
    CHECK(decode_receipt(bad_status).error().code == CodecErrc::kInconsistent);

    auto pending = decode_nullable(Json(nullptr), "result", [](const Json& x, std::string_view p) { return decode_receipt(x, p); });
    REQUIRE(pending);
    CHECK_FALSE(*pending);
}

TEST_CASE("fee history") {
    auto f = decode_fee_history(j(R"({"oldestBlock":"0x10","baseFeePerGas":["0x1","0x2","0x3"],
                                      "gasUsedRatio":[0.5,1],"reward":[["0x1","0x2"],["0x3","0x4"]]})"));
    REQUIRE(f);
    CHECK(f->oldest_block == 16);
    CHECK(f->base_fee_per_gas == std::vector<U256>{1, 2, 3});
    CHECK(f->gas_used_ratio == std::vector<double>{0.5, 1.0});
    CHECK(f->reward[1][0] == 3);

    auto inconsistent = decode_fee_history(j(R"({"oldestBlock":"0x10","baseFeePerGas":["0x1"],"gasUsedRatio":[0.5]})"));
    REQUIRE_FALSE(inconsistent);
    CHECK(inconsistent.error().message == "result.baseFeePerGas: expected 2 entries (gasUsedRatio + 1), got 1");
    auto bad_reward = decode_fee_history(
        j(R"({"oldestBlock":"0x1","baseFeePerGas":["0x1","0x2"],"gasUsedRatio":[0.5],"reward":[["0x01"]]})"));
    CHECK(bad_reward.error().message == "result.reward[0][0]: not a quantity: leading zero");
}

TEST_CASE("request builders") {
    CallRequest req;
    req.from = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address;
    req.to = "0x5fbdb2315678afecb367f032d93f642f64180aa3"_address;
    req.data = "0xdeadbeef"_hex;
    req.value = U256(1);
    CHECK(encode_request_string(eth::call(req, std::uint64_t{255}), 1) ==
          R"({"id":1,"jsonrpc":"2.0","method":"eth_call","params":[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",)"
          R"("input":"0xdeadbeef","to":"0x5fbdb2315678afecb367f032d93f642f64180aa3","value":"0x1"},"0xff"]})");
    CHECK(eth::get_block_by_number(BlockTag::kFinalized).params.dump() == R"(["finalized",false])");
    CHECK(eth::fee_history(4, BlockTag::kLatest, {25.0, 75.0}).params.dump() == R"(["0x4","latest",[25.0,75.0]])");
    CHECK(eth::send_raw_transaction("0x02f8"_hex).params.dump() == R"(["0x02f8"])");
}

TEST_CASE("EIP-1898 block parameter: a block hash object, canonical required by default") {
    const Hash32 hash = "0x077feeb9f3784d1c79c0dd43dcf14d81d66788c0717f0c37255c9fbb048c5556"_hash;
    const auto account = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address;
    // The shape of EIP-1898's example: {"blockHash": "0x..", "requireCanonical": true}.
    CHECK(eth::get_balance(account, BlockHashRef{hash}).params.dump() ==
          R"(["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",{"blockHash":"0x077feeb9f3784d1c79c0dd43dcf14d81d66788c0717f0c37255c9fbb048c5556","requireCanonical":true}])");
    CallRequest req;
    req.to = account;
    req.data = "0x06fdde03"_hex;
    CHECK(eth::call(req, BlockHashRef{hash, false}).params.dump() ==
          R"([{"input":"0x06fdde03","to":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"},)"
          R"({"blockHash":"0x077feeb9f3784d1c79c0dd43dcf14d81d66788c0717f0c37255c9fbb048c5556","requireCanonical":false}])");
    CHECK(to_json(BlockRef{std::uint64_t{16}}).dump() == R"("0x10")");
}

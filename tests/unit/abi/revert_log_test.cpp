#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "keeper/abi/log.hpp"
#include "keeper/abi/revert.hpp"
#include "keeper/crypto/keccak.hpp"

using namespace keeper;
using namespace keeper::abi;
using namespace keeper::abi::test;

TEST_CASE("Error(string): require(cond, \"message\")") {
    // What solc returns for require(false, "Not enough Ether provided.").
    const Bytes data = from_hex(
                           "0x08c379a0"
                           "0000000000000000000000000000000000000000000000000000000000000020"
                           "000000000000000000000000000000000000000000000000000000000000001a"
                           "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000")
                           .value();
    const auto r = decode_revert(data);
    REQUIRE(r);
    CHECK(r->kind == RevertKind::kError);
    CHECK(r->message == "Not enough Ether provided.");
    CHECK(describe(*r) == R"(Error("Not enough Ether provided."))");
    CHECK(r->data == data);
}

TEST_CASE("Panic(uint256) and the meaning of its codes") {
    const Bytes data = from_hex("0x4e487b71" + word(0x11)).value();
    const auto r = decode_revert(data);
    REQUIRE(r);
    CHECK(r->kind == RevertKind::kPanic);
    CHECK(r->panic_code == 0x11);
    CHECK(describe(*r) == "Panic(0x11: arithmetic underflow or overflow)");
    CHECK(panic_meaning(0x00) == "generic compiler-inserted panic");
    CHECK(panic_meaning(0x01) == "assertion failed");
    CHECK(panic_meaning(0x12) == "division or modulo by zero");
    CHECK(panic_meaning(0x21) == "conversion to an enum out of range");
    CHECK(panic_meaning(0x22) == "incorrectly encoded storage byte array");
    CHECK(panic_meaning(0x31) == "pop() on an empty array");
    CHECK(panic_meaning(0x32) == "array index out of bounds");
    CHECK(panic_meaning(0x41) == "too much memory allocated or array too large");
    CHECK(panic_meaning(0x51) == "call to a zero-initialized internal function");
    CHECK(panic_meaning(0x02) == "unknown panic code");
    CHECK(panic_meaning(U256(1) << 200) == "unknown panic code");
}

TEST_CASE("custom errors from a JSON ABI, unknown selectors, empty and short data") {
    const auto abi = Abi::from_json(R"([{"type":"error","name":"InsufficientBalance","inputs":[
        {"name":"available","type":"uint256"},{"name":"required","type":"uint256"}]}])")
                         .value();
    const auto e = abi.error("InsufficientBalance").value();
    const Bytes data = encode_error(*e, std::vector<Value>{u(5), u(100000)}).value();
    CHECK(to_hex(ByteView(data).first(4)) ==
          to_hex(ByteView(function_selector("InsufficientBalance(uint256,uint256)"))));
    const auto r = decode_revert(data, &abi);
    REQUIRE(r);
    CHECK(r->kind == RevertKind::kCustom);
    CHECK(r->error == e);
    CHECK(r->args == std::vector<Value>{u(5), u(100000)});
    CHECK(describe(*r) == "InsufficientBalance(5, 100000)");

    CHECK(decode_revert(data)->kind == RevertKind::kUnknown);  // no ABI given
    CHECK(describe(*decode_revert(data)) == "unknown error " + to_hex(ByteView(data).first(4)) + " (68 bytes)");
    CHECK(decode_revert({})->kind == RevertKind::kEmpty);
    CHECK(describe(*decode_revert({})) == "empty revert data");
    CHECK(decode_revert(from_hex("0x08c379").value())->kind == RevertKind::kUnknown);
}

TEST_CASE("malformed arguments of a recognised revert are errors") {
    CHECK(decode_revert(from_hex("0x08c379a0").value()).error().code == AbiErrc::kInputTooShort);
    CHECK(decode_revert(from_hex("0x08c379a0" + word(0x20) + word(0x1000)).value()).error().code ==
          AbiErrc::kLengthTooLarge);
    const auto r = decode_revert(from_hex("0x4e487b71").value());
    CHECK(r.error().message.find("Panic(uint256): ") == 0);
}

namespace {
Hash32 topic_word(std::string_view hex32) {
    return fixed_from_hex<Hash32>(hex32).value();
}
}  // namespace

TEST_CASE("an ERC-20 Transfer log") {
    const auto ev = parse_event("event Transfer(address indexed from, address indexed to, uint256 value)").value();
    const std::vector<Hash32> topics{
        ev.topic0(),
        topic_word("0x000000000000000000000000c02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"),
        topic_word("0x000000000000000000000000000000000000000000000000000000000000dead"),
    };
    const Bytes data = words({"0000000000000000000000000000000000000000000000000de0b6b3a7640000"});
    const auto fields = decode_log(ev, topics, data);
    REQUIRE(fields);
    REQUIRE(fields->size() == 3);
    CHECK((*fields)[0] == LogField{"from", Value("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"_address), true, false});
    CHECK((*fields)[1] == LogField{"to", Value("0x000000000000000000000000000000000000dEaD"_address), true, false});
    CHECK((*fields)[2] == LogField{"value", Value(U256(1000000000000000000ULL)), false, false});

    // Through an ABI: topic 0 selects the event.
    const auto abi = Abi::from_json(R"([{"type":"event","name":"Transfer","anonymous":false,"inputs":[
        {"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},
        {"name":"value","type":"uint256","indexed":false}]}])")
                         .value();
    const auto log = decode_log(abi, topics, data);
    REQUIRE(log);
    CHECK(log->event->name == "Transfer");
    CHECK(log->fields == *fields);
}

TEST_CASE("indexed dynamic values are returned as their hash, anonymous events") {
    const auto ev =
        parse_event("Named(string indexed name, uint256[] indexed ids, int8 indexed delta, bytes data)").value();
    const Hash32 name_hash = keccak256("alice");
    const Bytes data = encode(types({"bytes"}), std::vector<Value>{bytes("0xc0ffee")}).value();
    const std::vector<Hash32> topics{ev.topic0(), name_hash, keccak256(""),
                                     topic_word("0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe")};
    const auto fields = decode_log(ev, topics, data);
    REQUIRE(fields);
    CHECK((*fields)[0].hashed);
    CHECK((*fields)[0].value == Value(BytesN::from(name_hash.view())));
    CHECK((*fields)[1].hashed);
    CHECK((*fields)[2] == LogField{"delta", i(-2), true, false});
    CHECK((*fields)[3] == LogField{"data", bytes("0xc0ffee"), false, false});

    const auto anon = parse_event("event Note(bytes32 indexed tag, uint8 indexed n) anonymous").value();
    const std::vector<Hash32> anon_topics{keccak256("tag"), topic_word("0x" + word(7))};
    const auto a = decode_log(anon, anon_topics, {});
    REQUIRE(a);
    CHECK((*a)[1].value == u(7));
}

TEST_CASE("log decoding errors: topic 0, topic count, dirty topic, bad data") {
    const auto ev = parse_event("Transfer(address indexed from, address indexed to, uint256 value)").value();
    const Bytes data = words({word(1)});
    const Hash32 addr = topic_word("0x000000000000000000000000000000000000000000000000000000000000dead");
    const std::vector<Hash32> wrong0{keccak256("Approval(address,address,uint256)"), addr, addr};
    CHECK(decode_log(ev, wrong0, data).error().code == AbiErrc::kTopicMismatch);
    const std::vector<Hash32> too_few{ev.topic0(), addr};
    CHECK(decode_log(ev, too_few, data).error().code == AbiErrc::kTopicMismatch);
    CHECK(decode_log(ev, {}, data).error().code == AbiErrc::kTopicMismatch);
    const std::vector<Hash32> dirty{ev.topic0(), addr,
                                    topic_word("0x0000000000000000000000010000000000000000000000000000000000000000")};
    const auto r = decode_log(ev, dirty, data);
    CHECK(r.error().code == AbiErrc::kDirtyHighBits);
    CHECK(r.error().message.find("topic 2 ('to')") == 0);
    const std::vector<Hash32> good{ev.topic0(), addr, addr};
    CHECK(decode_log(ev, good, {}).error().code == AbiErrc::kInputTooShort);

    const auto abi = Abi::from_json("[]").value();
    CHECK(decode_log(abi, good, data).error().code == AbiErrc::kNotFound);
    CHECK(decode_log(abi, {}, data).error().code == AbiErrc::kNotFound);
}

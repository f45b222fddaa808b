// Encodings published in the Solidity ABI specification ("Examples" and "Use of Dynamic
// Types"), word for word, and round trips through the strictest decoder.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::abi;
using namespace keeper::abi::test;

namespace {

/// encode_call(f, args) == expected, and decoding it back (canonical mode) gives args.
void check_call(std::string_view signature, const std::vector<Value>& args, const Bytes& expected) {
    const auto f = parse_function(signature).value();
    const auto encoded = encode_call(f, args);
    REQUIRE(encoded);
    CHECK(to_hex(*encoded) == to_hex(expected));
    const auto decoded = decode_call(f, expected, DecodeMode::kCanonical);
    REQUIRE(decoded);
    CHECK(*decoded == args);
}

Bytes with_selector(std::string_view sel, const Bytes& body) {
    Bytes out = from_hex(sel).value();
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

TEST_CASE("spec: baz(uint32,bool) with 69 and true") {
    check_call("baz(uint32 x, bool y)", {u(69), Value(true)},
               with_selector("0xcdcd77c0", words({
                                               "0000000000000000000000000000000000000000000000000000000000000045",
                                               "0000000000000000000000000000000000000000000000000000000000000001",
                                           })));
}

TEST_CASE("spec: bar(bytes3[2]) with [\"abc\", \"def\"]") {
    check_call("bar(bytes3[2])", {array({bytes_n("616263"), bytes_n("646566")})},
               with_selector("0xfce353f6", words({
                                               "6162630000000000000000000000000000000000000000000000000000000000",
                                               "6465660000000000000000000000000000000000000000000000000000000000",
                                           })));
}

TEST_CASE("spec: sam(bytes,bool,uint256[]) with \"dave\", true, [1,2,3]") {
    check_call("sam(bytes,bool,uint[])", {bytes("64617665"), Value(true), array({u(1), u(2), u(3)})},
               with_selector("0xa5643bf2", words({
                                               "0000000000000000000000000000000000000000000000000000000000000060",
                                               "0000000000000000000000000000000000000000000000000000000000000001",
                                               "00000000000000000000000000000000000000000000000000000000000000a0",
                                               "0000000000000000000000000000000000000000000000000000000000000004",
                                               "6461766500000000000000000000000000000000000000000000000000000000",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                               "0000000000000000000000000000000000000000000000000000000000000001",
                                               "0000000000000000000000000000000000000000000000000000000000000002",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                           })));
}

TEST_CASE("spec: f(uint256,uint32[],bytes10,bytes) with 0x123, [0x456, 0x789], \"1234567890\", \"Hello, world!\"") {
    check_call(
        "f(uint256,uint32[],bytes10,bytes)",
        {u(0x123), array({u(0x456), u(0x789)}), bytes_n("31323334353637383930"), bytes("48656c6c6f2c20776f726c6421")},
        with_selector("0x8be65246", words({
                                        "0000000000000000000000000000000000000000000000000000000000000123",
                                        "0000000000000000000000000000000000000000000000000000000000000080",
                                        "3132333435363738393000000000000000000000000000000000000000000000",
                                        "00000000000000000000000000000000000000000000000000000000000000e0",
                                        "0000000000000000000000000000000000000000000000000000000000000002",
                                        "0000000000000000000000000000000000000000000000000000000000000456",
                                        "0000000000000000000000000000000000000000000000000000000000000789",
                                        "000000000000000000000000000000000000000000000000000000000000000d",
                                        "48656c6c6f2c20776f726c642100000000000000000000000000000000000000",
                                    })));
}

TEST_CASE("spec: g(uint256[][],string[]) with [[1, 2], [3]] and [\"one\", \"two\", \"three\"]") {
    check_call("g(uint256[][],string[])",
               {array({array({u(1), u(2)}), array({u(3)})}), array({str("one"), str("two"), str("three")})},
               with_selector("0x2289b18c", words({
                                               "0000000000000000000000000000000000000000000000000000000000000040",
                                               "0000000000000000000000000000000000000000000000000000000000000140",
                                               "0000000000000000000000000000000000000000000000000000000000000002",
                                               "0000000000000000000000000000000000000000000000000000000000000040",
                                               "00000000000000000000000000000000000000000000000000000000000000a0",
                                               "0000000000000000000000000000000000000000000000000000000000000002",
                                               "0000000000000000000000000000000000000000000000000000000000000001",
                                               "0000000000000000000000000000000000000000000000000000000000000002",
                                               "0000000000000000000000000000000000000000000000000000000000000001",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                               "0000000000000000000000000000000000000000000000000000000000000060",
                                               "00000000000000000000000000000000000000000000000000000000000000a0",
                                               "00000000000000000000000000000000000000000000000000000000000000e0",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                               "6f6e650000000000000000000000000000000000000000000000000000000000",
                                               "0000000000000000000000000000000000000000000000000000000000000003",
                                               "74776f0000000000000000000000000000000000000000000000000000000000",
                                               "0000000000000000000000000000000000000000000000000000000000000005",
                                               "7468726565000000000000000000000000000000000000000000000000000000",
                                           })));
}

TEST_CASE("Uniswap V3 SwapRouter02 exactInputSingle calldata") {
    const Address weth = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"_address;
    const Address usdc = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"_address;
    const Address me = "0x000000000000000000000000000000000000dEaD"_address;
    const std::vector<Value> args{
        tuple({Value(weth), Value(usdc), u(500), Value(me), Value(U256(1000000000000000000ULL)), u(0), u(0)})};
    check_call("exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))", args,
               with_selector("0x04e45aaf", words({
                                               "000000000000000000000000c02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
                                               "000000000000000000000000a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
                                               "00000000000000000000000000000000000000000000000000000000000001f4",
                                               "000000000000000000000000000000000000000000000000000000000000dead",
                                               "0000000000000000000000000000000000000000000000000de0b6b3a7640000",
                                               "0000000000000000000000000000000000000000000000000000000000000000",
                                               "0000000000000000000000000000000000000000000000000000000000000000",
                                           })));
}

TEST_CASE("signed integers are sign-extended two's complement") {
    const auto ts = types({"int8", "int256", "int24"});
    const std::vector<Value> vs{i(-1), Value(-(I256(1) << 255)), i(-887272)};
    const auto e = encode(ts, vs);
    REQUIRE(e);
    CHECK(to_hex(*e) == to_hex(words({
                            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                            "8000000000000000000000000000000000000000000000000000000000000000",
                            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffff27618",
                        })));
    CHECK(decode(ts, *e, DecodeMode::kCanonical).value() == vs);
}

TEST_CASE("dynamic tuples and empty dynamic values") {
    const auto ts = types({"(string,uint8)[]", "bytes", "string[2]", "uint8[][]"});
    const std::vector<Value> vs{array({tuple({str("a"), u(1)})}), bytes(""), array({str(""), str("x")}),
                                array({array({})})};
    const auto e = encode(ts, vs);
    REQUIRE(e);
    CHECK(decode(ts, *e, DecodeMode::kCanonical).value() == vs);
    CHECK(e->size() % 32 == 0);
    // Nothing to encode is nothing.
    CHECK(encode({}, {}).value().empty());
    CHECK(decode({}, {}, DecodeMode::kCanonical).value().empty());
}

TEST_CASE("encode checks values against types and names the argument") {
    const auto ts = types({"uint8", "(bool,address)"});
    auto r = encode(ts, std::vector<Value>{u(1), tuple({Value(true), u(5)})});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kTypeMismatch);
    CHECK(r.error().message == "argument 2: component 1: expected address, got an unsigned integer");
    CHECK(encode(ts, std::vector<Value>{u(1)}).error().code == AbiErrc::kArityMismatch);
    CHECK(encode(types({"uint8"}), std::vector<Value>{u(256)}).error().code == AbiErrc::kOutOfRange);
}

TEST_CASE("decode_call and decode_output") {
    const auto f = parse_function("balanceOf(address)(uint256)").value();
    const auto call = encode_call(f, std::vector<Value>{Value("0x000000000000000000000000000000000000dEaD"_address)});
    REQUIRE(call);
    CHECK(to_hex(*call) == "0x70a08231000000000000000000000000000000000000000000000000000000000000dead");
    CHECK(decode_call(f, *call).value().size() == 1);
    CHECK(decode_output(f, words({word(42)})).value() == std::vector<Value>{u(42)});

    const auto other = parse_function("transfer(address,uint256)").value();
    CHECK(decode_call(other, *call).error().code == AbiErrc::kSelectorMismatch);
    CHECK(decode_call(f, from_hex("0x70a082").value()).error().code == AbiErrc::kInputTooShort);
}

TEST_CASE("spec: abi.encodePacked(int16(-1), bytes1(0x42), uint16(0x03), string(\"Hello, world!\"))") {
    const auto packed = encode_packed(types({"int16", "bytes1", "uint16", "string"}),
                                      std::vector<Value>{i(-1), bytes_n("42"), u(3), str("Hello, world!")});
    REQUIRE(packed);
    CHECK(to_hex(*packed) == "0xffff42000348656c6c6f2c20776f726c6421");
}

TEST_CASE("encodePacked pads array elements to 32 bytes and refuses what Solidity refuses") {
    const auto packed = encode_packed(
        types({"uint8[]", "address", "bool", "bytes3[2]", "int8[1]"}),
        std::vector<Value>{array({u(1), u(2)}), Value("0x000000000000000000000000000000000000dEaD"_address),
                           Value(true), array({bytes_n("010203"), bytes_n("040506")}), array({i(-1)})});
    REQUIRE(packed);
    CHECK(to_hex(*packed) ==
          to_hex(words({word(1), word(2)})) +
              "000000000000000000000000000000000000dead"
              "01" +
              to_hex_raw(words({"0102030000000000000000000000000000000000000000000000000000000000",
                                "0405060000000000000000000000000000000000000000000000000000000000",
                                "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})));
    CHECK(encode_packed(types({"(uint8,bool)"}), std::vector<Value>{tuple({u(1), Value(true)})}).error().code ==
          AbiErrc::kTypeMismatch);
    CHECK(encode_packed(types({"string[]"}), std::vector<Value>{array({str("a")})}).error().code ==
          AbiErrc::kTypeMismatch);
    CHECK(encode_packed(types({"uint8"}), std::vector<Value>{u(256)}).error().code == AbiErrc::kOutOfRange);
}

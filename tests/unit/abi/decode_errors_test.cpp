// Every way the decoder refuses input, and what each DecodeMode lets through.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::abi;
using namespace keeper::abi::test;

namespace {

constexpr auto kZero = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr auto kMax = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

AbiErrc error_of(std::initializer_list<std::string_view> ts, const Bytes& data, DecodeMode mode = DecodeMode::kStrict) {
    std::vector<Type> t;
    for (const auto s : ts) t.push_back(type(s));
    const auto r = decode(t, data, mode);
    REQUIRE_FALSE(r);
    return r.error().code;
}

std::vector<Value> ok(std::initializer_list<std::string_view> ts, const Bytes& data, DecodeMode mode) {
    std::vector<Type> t;
    for (const auto s : ts) t.push_back(type(s));
    auto r = decode(t, data, mode);
    if (!r) FAIL(r.error().message);
    return *r;
}

}  // namespace

TEST_CASE("truncated input") {
    CHECK(error_of({"uint256"}, {}) == AbiErrc::kInputTooShort);
    Bytes short_word = words({word(1)});
    short_word.pop_back();
    CHECK(error_of({"uint256"}, short_word) == AbiErrc::kInputTooShort);
    CHECK(error_of({"uint256", "uint256"}, words({word(1)})) == AbiErrc::kInputTooShort);
    CHECK(error_of({"(uint256,bool)[2]"}, words({word(1), word(1), word(1)})) == AbiErrc::kInputTooShort);
    // The offset points exactly at the end: no room for the length word.
    CHECK(error_of({"bytes"}, words({word(32)})) == AbiErrc::kInputTooShort);
    // A dynamic tuple whose head is cut off.
    CHECK(error_of({"(uint256,string)"}, words({word(32), word(1)})) == AbiErrc::kInputTooShort);
}

TEST_CASE("offsets out of bounds, including ones that would overflow") {
    CHECK(error_of({"bytes"}, words({word(0x1000), word(0)})) == AbiErrc::kOffsetOutOfBounds);
    CHECK(error_of({"bytes"}, words({word(65), word(0)})) == AbiErrc::kOffsetOutOfBounds);
    CHECK(error_of({"bytes"}, words({kMax, word(0)})) == AbiErrc::kOffsetOutOfBounds);
    CHECK(error_of({"bytes"}, words({"0000000000000000000000000000000000000000000000010000000000000000", word(0)})) ==
          AbiErrc::kOffsetOutOfBounds);
    // 2^64 - 32: base + offset would wrap a 64-bit size_t.
    CHECK(error_of({"uint8[][]"},
                   words({word(32), word(1), "000000000000000000000000000000000000000000000000ffffffffffffffe0"})) ==
          AbiErrc::kOffsetOutOfBounds);
    const auto r = decode(types({"uint8", "string"}), words({word(1), word(0x999)}));
    CHECK(r.error().message.find("argument 2: offset 0x") == 0);
}

TEST_CASE("lengths and counts larger than the input are refused before allocating") {
    CHECK(error_of({"bytes"}, words({word(32), kMax})) == AbiErrc::kLengthTooLarge);
    CHECK(error_of({"string"}, words({word(32), word(33), kZero})) == AbiErrc::kLengthTooLarge);
    CHECK(error_of({"uint256[]"}, words({word(32), kMax})) == AbiErrc::kLengthTooLarge);
    CHECK(error_of({"uint256[]"},
                   words({word(32), "0000000000000000000000000000000000000000000000000fffffffffffffff"})) ==
          AbiErrc::kLengthTooLarge);
    CHECK(error_of({"uint256[]"}, words({word(32), word(2), word(7)})) == AbiErrc::kLengthTooLarge);
    // Element heads of a static tuple are 64 bytes: two of them need 128 bytes.
    CHECK(error_of({"(uint256,uint256)[]"}, words({word(32), word(2), word(1), word(2), word(3)})) ==
          AbiErrc::kLengthTooLarge);
    // Exactly enough is fine.
    CHECK(ok({"uint256[]"}, words({word(32), word(2), word(7), word(8)}), DecodeMode::kCanonical) ==
          std::vector<Value>{array({u(7), u(8)})});
    CHECK(ok({"string"}, words({word(32), word(32), kZero}), DecodeMode::kCanonical) ==
          std::vector<Value>{str(std::string(32, '\0'))});
}

TEST_CASE("uintN and address must be zero-extended, intN sign-extended") {
    CHECK(error_of({"uint8"}, words({word(0x100)})) == AbiErrc::kDirtyHighBits);
    CHECK(error_of({"uint160"}, words({"0000000000000000000000010000000000000000000000000000000000000000"})) ==
          AbiErrc::kDirtyHighBits);
    CHECK(error_of({"address"}, words({"000000000000000000000001000000000000000000000000000000000000dead"})) ==
          AbiErrc::kDirtyHighBits);
    CHECK(error_of({"int8"}, words({word(0x80)})) == AbiErrc::kDirtyHighBits);  // 128 is not an int8
    CHECK(error_of({"int8"}, words({"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"})) ==
          AbiErrc::kDirtyHighBits);
    CHECK(error_of({"int16"}, words({"00000000000000000000000000000000000000000000000000000000000180ff"})) ==
          AbiErrc::kDirtyHighBits);
    CHECK(ok({"int8"}, words({"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80"}),
             DecodeMode::kCanonical) == std::vector<Value>{i(-128)});
    CHECK(ok({"uint256", "int256"}, words({kMax, kMax}), DecodeMode::kCanonical) ==
          std::vector<Value>{Value(~U256(0)), i(-1)});
    const auto r = decode(types({"uint8"}), words({word(0x100)}));
    CHECK(r.error().message ==
          "argument 1: at byte 0: uint8 word 0x0000000000000000000000000000000000000000000000000000000000000100 has "
          "non-zero high bits");
}

TEST_CASE("bool must be 0 or 1, bytesN zero-padded") {
    CHECK(error_of({"bool"}, words({word(2)})) == AbiErrc::kInvalidBool);
    CHECK(error_of({"bool"}, words({"0100000000000000000000000000000000000000000000000000000000000001"})) ==
          AbiErrc::kInvalidBool);
    CHECK(error_of({"bytes3"}, words({"6162630000000000000000000000000000000000000000000000000000000001"})) ==
          AbiErrc::kDirtyPadding);
    CHECK(error_of({"bytes3[2]"}, words({"6162630000000000000000000000000000000000000000000000000000000000",
                                         "6465666700000000000000000000000000000000000000000000000000000000"})) ==
          AbiErrc::kDirtyPadding);
}

TEST_CASE("errors inside nested values say where") {
    const auto r = decode(types({"(uint8,bool[])"}), words({word(32), word(1), word(64), word(2), word(1), word(2)}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kInvalidBool);
    CHECK(r.error().message.find("argument 1: component 1: element 1: at byte 160: bool word") == 0);
}

TEST_CASE("kCanonical: offsets, padding and length exactly as encode() writes them") {
    // A gap between head and tail: valid for Solidity, not canonical.
    const Bytes gap =
        words({word(64), kZero, word(1), "6100000000000000000000000000000000000000000000000000000000000000"});
    CHECK(ok({"string"}, gap, DecodeMode::kStrict) == std::vector<Value>{str("a")});
    CHECK(error_of({"string"}, gap, DecodeMode::kCanonical) == AbiErrc::kNonCanonical);
    // Two values sharing one tail.
    const Bytes shared =
        words({word(64), word(64), word(1), "6100000000000000000000000000000000000000000000000000000000000000"});
    CHECK(ok({"string", "string"}, shared, DecodeMode::kStrict) == std::vector<Value>{str("a"), str("a")});
    CHECK(error_of({"string", "string"}, shared, DecodeMode::kCanonical) == AbiErrc::kNonCanonical);
    // Dirty or missing padding after bytes.
    const Bytes dirty = words({word(32), word(1), "6100000000000000000000000000000000000000000000000000000000000001"});
    CHECK(ok({"bytes"}, dirty, DecodeMode::kStrict) == std::vector<Value>{bytes("61")});
    CHECK(error_of({"bytes"}, dirty, DecodeMode::kCanonical) == AbiErrc::kDirtyPadding);
    Bytes unpadded = words({word(32), word(1)});
    unpadded.push_back(0x61);
    CHECK(ok({"bytes"}, unpadded, DecodeMode::kStrict) == std::vector<Value>{bytes("61")});
    CHECK(error_of({"bytes"}, unpadded, DecodeMode::kCanonical) == AbiErrc::kInputTooShort);
    // Trailing bytes.
    const Bytes trailing = words({word(7), kZero});
    CHECK(ok({"uint8"}, trailing, DecodeMode::kStrict) == std::vector<Value>{u(7)});
    CHECK(error_of({"uint8"}, trailing, DecodeMode::kCanonical) == AbiErrc::kTrailingData);
}

TEST_CASE("kLenient masks what kStrict refuses, and still bounds-checks") {
    CHECK(ok({"uint8"}, words({word(0x1ff)}), DecodeMode::kLenient) == std::vector<Value>{u(0xff)});
    CHECK(ok({"int8"}, words({word(0xff)}), DecodeMode::kLenient) == std::vector<Value>{i(-1)});
    CHECK(ok({"bool"}, words({word(2)}), DecodeMode::kLenient) == std::vector<Value>{Value(true)});
    CHECK(ok({"address"}, words({kMax}), DecodeMode::kLenient) ==
          std::vector<Value>{Value("0xffffffffffffffffffffffffffffffffffffffff"_address)});
    CHECK(ok({"bytes2"}, words({kMax}), DecodeMode::kLenient) == std::vector<Value>{bytes_n("ffff")});
    CHECK(error_of({"bytes"}, words({word(32), kMax}), DecodeMode::kLenient) == AbiErrc::kLengthTooLarge);
    CHECK(error_of({"bytes"}, words({kMax}), DecodeMode::kLenient) == AbiErrc::kOffsetOutOfBounds);
}

TEST_CASE("overlapping offsets cannot multiply a small input into a huge value") {
    // uint256[][] with n inner offsets all pointing at one array of m elements: n*m values from
    // n+m words.
    constexpr std::size_t n = 300;
    constexpr std::size_t m = 300;
    std::vector<std::string> ws{word(32), word(n)};
    for (std::size_t k = 0; k < n; ++k) ws.push_back(word(32 * n));  // relative to the offsets' start
    ws.push_back(word(m));
    for (std::size_t k = 0; k < m; ++k) ws.push_back(word(k));
    Bytes data;
    for (const auto& w : ws) {
        const Bytes b = from_hex(w).value();
        data.insert(data.end(), b.begin(), b.end());
    }
    CHECK(error_of({"uint256[][]"}, data, DecodeMode::kStrict) == AbiErrc::kTooManyValues);
    CHECK(error_of({"uint256[][]"}, data, DecodeMode::kCanonical) == AbiErrc::kNonCanonical);
}

TEST_CASE("decode_word checks a single word for each elementary type") {
    std::array<std::uint8_t, 32> w{};
    w[31] = 1;
    CHECK(decode_word(type("bool"), w).value() == Value(true));
    CHECK(decode_word(type("uint8"), w).value() == u(1));
    CHECK(decode_word(type("string"), w).error().code == AbiErrc::kInvalidType);
    w[0] = 1;
    CHECK(decode_word(type("uint8"), w).error().code == AbiErrc::kDirtyHighBits);
    CHECK(decode_word(type("bytes32"), w).value() ==
          bytes_n("0100000000000000000000000000000000000000000000000000000000000001"));
}

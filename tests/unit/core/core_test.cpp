#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"

using namespace keeper;

TEST_CASE("hex round-trips and rejects malformed input") {
    CHECK(to_hex(Bytes{}) == "0x");
    CHECK(to_hex("0x00ff10"_hex) == "0x00ff10");
    CHECK(to_hex(*from_hex("ABcd")) == "0xabcd");
    CHECK(from_hex("0x123").error() == HexError::kOddLength);
    CHECK(from_hex("0xzz").error() == HexError::kInvalidDigit);
    CHECK(from_hex("abcd", HexPrefix::kRequired).error() == HexError::kInvalidDigit);
    CHECK(fixed_from_hex<Hash32>("0x1234").error() == HexError::kWrongLength);
}

TEST_CASE("compile-time address and hash literals") {
    constexpr Address a = "0x000000000000000000000000000000000000dEaD"_address;
    STATIC_REQUIRE(a.bytes[18] == 0xde);
    STATIC_REQUIRE(a.bytes[19] == 0xad);
    constexpr Hash32 h = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"_hash;
    STATIC_REQUIRE(h.bytes[0] == 0xc5);
    CHECK(to_hex(h) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CHECK(Address{} < a);
    CHECK(Address{}.is_zero());
}

TEST_CASE("U256 parsing, byte images and quantities") {
    CHECK(*parse_u256("0") == 0);
    CHECK(*parse_u256("0x0") == 0);
    const U256 max = ~U256(0);
    CHECK(*parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639935") == max);
    CHECK(parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639936").error() ==
          U256Error::kOverflow);
    CHECK(parse_u256("0x1" + std::string(64, '0')).error() == U256Error::kOverflow);
    CHECK(parse_u256("").error() == U256Error::kEmpty);
    CHECK(parse_u256("0x").error() == U256Error::kEmpty);
    CHECK(parse_u256("-1").error() == U256Error::kInvalidDigit);
    CHECK(parse_u256("12a").error() == U256Error::kInvalidDigit);
    CHECK(to_quantity(0) == "0x0");
    CHECK(to_quantity(U256(1) << 64) == "0x10000000000000000");
    CHECK(to_be_minimal(0).empty());
    CHECK(to_be_minimal(0x0400) == "0x0400"_hex);
    CHECK(*from_be("0x0400"_hex) == 1024);
    CHECK(from_be(Bytes(33, 1)).error() == U256Error::kTooLong);
    const auto be = to_be32(max - 1);
    CHECK(be[31] == 0xfe);
    CHECK(be[0] == 0xff);
}

TEST_CASE("two's complement covers the whole int256 range") {
    CHECK(to_twos(I256(-1)) == ~U256(0));
    CHECK(from_twos(~U256(0)) == -1);
    const U256 min_image = U256(1) << 255;
    const I256 min = from_twos(min_image);
    CHECK(min < 0);
    CHECK(to_twos(min) == min_image);
    const I256 max = from_twos(min_image - 1);
    CHECK(max > 0);
    CHECK(to_twos(max) == min_image - 1);
}

TEST_CASE("mul_div keeps the full 512-bit product") {
    const U256 max = ~U256(0);
    CHECK(mul_div(max, max, max) == max);
    CHECK(mul_div(3, 5, 2) == 7);
}

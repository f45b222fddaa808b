#include <catch2/catch.hpp>

#include "keeper/crypto/eip55.hpp"

using namespace keeper;

TEST_CASE("EIP-55 checksum vectors from the EIP") {
    for (const char* s : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                          "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
                          "0x52908400098527886E0F7030069857D2E4169EE7", "0xde709f2102306220921060314715629080e2fb77"}) {
        const auto a = parse_address(s, ChecksumPolicy::kRequire);
        REQUIRE(a);
        CHECK(to_checksum(*a) == s);
    }
}

TEST_CASE("address parsing errors are specific") {
    CHECK(parse_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").error() == AddressError::kMissingPrefix);
    CHECK(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe").error() == AddressError::kWrongLength);
    CHECK(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeZ").error() == AddressError::kInvalidDigit);
    CHECK(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").error() == AddressError::kBadChecksum);
    CHECK(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
    CHECK(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", ChecksumPolicy::kRequire).error() ==
          AddressError::kBadChecksum);
}

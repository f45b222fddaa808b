// scrypt against RFC 7914's published vectors (sections 8 and 12), and its parameter checks.
#include <array>
#include <limits>
#include <string_view>

#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/keystore/scrypt.hpp"

using namespace keeper;

namespace {
Bytes derive(std::string_view password, std::string_view salt, ScryptCost cost, std::size_t len) {
    Bytes out(len);
    REQUIRE(scrypt(as_bytes(password), as_bytes(salt), cost, out));
    return out;
}
}  // namespace

TEST_CASE("Salsa20/8 core matches RFC 7914 section 8") {
    const Bytes in =
        "0x7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d"
        "ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e"_hex;
    const Bytes want =
        "0xa41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29"
        "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81"_hex;
    std::array<std::uint32_t, 16> words{};
    for (std::size_t i = 0; i < 16; ++i) {
        words[i] = static_cast<std::uint32_t>(in[4 * i]) | static_cast<std::uint32_t>(in[4 * i + 1]) << 8 |
                   static_cast<std::uint32_t>(in[4 * i + 2]) << 16 | static_cast<std::uint32_t>(in[4 * i + 3]) << 24;
    }
    salsa20_8(words);
    Bytes got;
    for (const std::uint32_t w : words)
        for (int shift = 0; shift < 32; shift += 8) got.push_back(static_cast<std::uint8_t>(w >> shift));
    CHECK(to_hex(got) == to_hex(want));
}

TEST_CASE("scrypt matches RFC 7914 section 12 vectors") {
    CHECK(to_hex(derive("", "", {16, 1, 1}, 64)) ==
          "0x77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
          "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
    CHECK(to_hex(derive("password", "NaCl", {1024, 8, 16}, 64)) ==
          "0xfdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
          "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
    CHECK(to_hex(derive("pleaseletmein", "SodiumChloride", {16384, 8, 1}, 64)) ==
          "0x7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
          "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
}

TEST_CASE("scrypt refuses invalid parameters instead of computing") {
    Bytes out(32);
    CHECK_FALSE(scrypt({}, {}, {0, 1, 1}, out));
    CHECK_FALSE(scrypt({}, {}, {1, 1, 1}, out));
    CHECK_FALSE(scrypt({}, {}, {1000, 1, 1}, out));  // not a power of two
    CHECK_FALSE(scrypt({}, {}, {16, 0, 1}, out));
    CHECK_FALSE(scrypt({}, {}, {16, 1, 0}, out));
    CHECK_FALSE(scrypt({}, {}, {16, 1, 1}, std::span<std::uint8_t>{}));
}

TEST_CASE("scrypt_memory counts V, B and XY and saturates") {
    CHECK(scrypt_memory({8192, 8, 1}) == 128ULL * 8 * 8192 + 128 * 8 + 256 * 8);
    CHECK(scrypt_memory({262144, 1, 8}) == 128ULL * 262144 + 128 * 8 + 256);
    CHECK(scrypt_memory({1ULL << 62, 1U << 31, 1U << 31}) == std::numeric_limits<std::uint64_t>::max());
}

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <random>
#include <string>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"

using namespace keeper;

TEST_CASE("keccak256 published vectors") {
    CHECK(to_hex(keccak256("")) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CHECK(to_hex(keccak256("abc")) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    CHECK(to_hex(keccak256("The quick brown fox jumps over the lazy dog")) ==
          "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

TEST_CASE("selectors and event topics") {
    CHECK(to_hex(ByteView(function_selector("transfer(address,uint256)"))) == "0xa9059cbb");
    CHECK(to_hex(ByteView(function_selector(
              "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"))) ==
          "0x414bf389");
    CHECK(to_hex(event_topic("Transfer(address,address,uint256)")) ==
          "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST_CASE("incremental hashing equals one-shot across block boundaries") {
    std::mt19937 rng(7);
    for (const std::size_t len : {0UL, 1UL, 135UL, 136UL, 137UL, 272UL, 1000UL, 4096UL}) {
        Bytes msg(len);
        for (auto& b : msg) b = static_cast<std::uint8_t>(rng());
        const Hash32 one_shot = keccak256(msg);
        for (const std::size_t chunk : {1UL, 7UL, 136UL, 200UL}) {
            Keccak256 h;
            for (std::size_t i = 0; i < len; i += chunk)
                h.update(ByteView(msg).subspan(i, std::min(chunk, len - i)));
            CHECK(h.finalize() == one_shot);
        }
    }
}

// The permutation checked independently: SHA3-256 is Keccak-f[1600] with the same rate and
// 0x06 padding, and OpenSSL implements it in its own code.
TEST_CASE("keccak_f1600 agrees with OpenSSL's SHA3-256 on multi-block messages") {
    std::mt19937 rng(11);
    for (const std::size_t len : {0UL, 135UL, 136UL, 5000UL, 100000UL}) {
        Bytes msg(len);
        for (auto& b : msg) b = static_cast<std::uint8_t>(rng());
        std::array<std::uint64_t, 25> st{};
        Bytes padded = msg;
        padded.push_back(0x06);
        while (padded.size() % 136 != 0) padded.push_back(0);
        padded.back() |= 0x80;
        for (std::size_t off = 0; off < padded.size(); off += 136) {
            for (std::size_t i = 0; i < 17; ++i) {
                std::uint64_t lane = 0;
                for (std::size_t k = 0; k < 8; ++k) lane |= std::uint64_t{padded[off + 8 * i + k]} << (8 * k);
                st[i] ^= lane;
            }
            keccak_f1600(st);
        }
        Bytes ours(32);
        for (std::size_t i = 0; i < 32; ++i) ours[i] = static_cast<std::uint8_t>(st[i / 8] >> (8 * (i % 8)));
        Bytes ref(32);
        unsigned int n = 0;
        REQUIRE(EVP_Digest(msg.data(), msg.size(), ref.data(), &n, EVP_sha3_256(), nullptr) == 1);
        CHECK(to_hex(ours) == to_hex(ref));
    }
}

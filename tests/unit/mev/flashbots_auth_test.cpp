// Relay authentication, pure parts: the signed message, round trips and every refusal.
// (The differential check against cast over bytes a relay actually received is in
// tests/integration/mev.)
#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/mev/flashbots_auth.hpp"

using namespace keeper;
using namespace keeper::mev;

namespace {
SecretKey key_from(std::string_view hex) { return *SecretKey::from_bytes(*from_hex(hex)); }
// anvil dev account 5 (a reputation key: holds nothing the keeper needs)
constexpr std::string_view kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr std::string_view kRepAddress = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
}  // namespace

TEST_CASE("the signed message is 0x + hex(keccak256(body))", "[mev]") {
    // keccak256("") = c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
    CHECK(flashbots_message("") == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    // keccak256("abc") = 4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45
    CHECK(flashbots_message("abc") == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST_CASE("a header verifies over the exact body and names the reputation address", "[mev]") {
    const auto key = key_from(kRepKey);
    const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"eth_sendPrivateTransaction","params":[{"tx":"0x02"}]})";
    const auto header = flashbots_signature(body, key);
    REQUIRE(header);
    CHECK(header->rfind(std::string(kRepAddress) + ":0x", 0) == 0);
    CHECK(header->size() == 42 + 1 + 132);
    const auto signer = verify_flashbots_signature(*header, body);
    REQUIRE(signer);
    CHECK(to_checksum(*signer) == kRepAddress);
    // Deterministic (RFC 6979): the same body gives the same header.
    CHECK(*flashbots_signature(body, key) == *header);
}

TEST_CASE("one changed byte of the body breaks the signature", "[mev]") {
    const auto key = key_from(kRepKey);
    const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"eth_cancelBundle","params":[]})";
    const auto header = *flashbots_signature(body, key);
    std::string spaced;
    spaced.push_back(body.front());
    spaced.push_back(' ');
    spaced.append(body, 1);
    const auto r = verify_flashbots_signature(header, spaced);
    REQUIRE_FALSE(r);
    CHECK(r.error() == AuthError::kSignerMismatch);
}

TEST_CASE("malformed headers are refused with the reason", "[mev]") {
    const std::string body = "{}";
    const auto header = *flashbots_signature(body, key_from(kRepKey));
    const auto sig = header.substr(header.find(':') + 1);
    CHECK(verify_flashbots_signature("no-colon", body).error() == AuthError::kMalformedHeader);
    CHECK(verify_flashbots_signature("a:b:c", body).error() == AuthError::kMalformedHeader);
    CHECK(verify_flashbots_signature("0x1234:" + sig, body).error() == AuthError::kBadAddress);
    CHECK(verify_flashbots_signature(std::string(kRepAddress) + ":0x1234", body).error() == AuthError::kBadSignature);
    // Right signature, claimed by another address.
    CHECK(verify_flashbots_signature("0x70997970C51812dc3A010C7d01b50e0d17dc79C8:" + sig, body).error() ==
          AuthError::kSignerMismatch);
    CHECK(to_string(AuthError::kSignerMismatch).find("address") != std::string_view::npos);
}

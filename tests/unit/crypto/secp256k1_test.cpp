// secp256k1 keys, recoverable signatures and addresses.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <type_traits>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/crypto/secp256k1.hpp"

using namespace keeper;

static_assert(!std::is_copy_constructible_v<SecretKey> && !std::is_copy_assignable_v<SecretKey>);
static_assert(std::is_nothrow_move_constructible_v<SecretKey>);

namespace {

SecretKey key_from_hex(std::string_view hex) {
    auto bytes = from_hex(hex);
    REQUIRE(bytes.has_value());
    auto key = SecretKey::from_bytes(*bytes);
    REQUIRE(key.has_value());
    return std::move(*key);
}

SignError key_error(const Bytes& b) {
    auto key = SecretKey::from_bytes(b);
    REQUIRE_FALSE(key.has_value());
    return key.error();
}

}  // namespace

TEST_CASE("secret keys must be scalars in 1..n-1") {
    const auto n = to_be32(kSecp256k1N);
    const auto n_minus_1 = to_be32(kSecp256k1N - 1);
    CHECK(key_error(Bytes(32, 0)) == SignError::kInvalidSecretKey);
    CHECK(key_error(Bytes(n.begin(), n.end())) == SignError::kInvalidSecretKey);
    CHECK(key_error(Bytes(32, 0xff)) == SignError::kInvalidSecretKey);
    CHECK(key_error(Bytes(31, 0x01)) == SignError::kInvalidSecretKey);
    CHECK(key_error(Bytes(33, 0x01)) == SignError::kInvalidSecretKey);
    CHECK(SecretKey::from_bytes(Bytes(n_minus_1.begin(), n_minus_1.end())).has_value());
    CHECK((kSecp256k1HalfN == kSecp256k1N / 2));
}

TEST_CASE("addresses of known keys") {
    // Private key 1: the generator G; its address is widely published.
    CHECK(to_checksum(address_of(key_from_hex("0x0000000000000000000000000000000000000000000000000000000000000001"))) ==
          "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    // The EIP-155 example key.
    CHECK(address_of(key_from_hex("0x4646464646464646464646464646464646464646464646464646464646464646")) ==
          "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"_address);
    // anvil's first default account.
    CHECK(address_of(key_from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")) ==
          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address);
    const auto pub = public_key_of(key_from_hex("0x0000000000000000000000000000000000000000000000000000000000000001"));
    CHECK(to_hex(ByteView(pub).first(32)) == "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    CHECK(to_hex(ByteView(pub).last(32)) == "0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
}

TEST_CASE("moving a secret key wipes the source") {
    SecretKey a = key_from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
    SecretKey b = std::move(a);
    CHECK(std::all_of(a.reveal().begin(), a.reveal().end(),
                      [](auto x) { return x == 0; }));  // NOLINT(bugprone-use-after-move)
    CHECK(std::all_of(b.reveal().begin(), b.reveal().end(), [](auto x) { return x == 0x46; }));
    SecretKey c = SecretKey::generate();
    c = std::move(b);
    CHECK(std::all_of(b.reveal().begin(), b.reveal().end(),
                      [](auto x) { return x == 0; }));  // NOLINT(bugprone-use-after-move)
    CHECK(address_of(c) == "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"_address);
}

TEST_CASE("generated keys are valid and distinct") {
    SecretKey a = SecretKey::generate();
    SecretKey b = SecretKey::generate();
    CHECK(SecretKey::from_bytes(a.reveal()).has_value());
    CHECK_FALSE(std::equal(a.reveal().begin(), a.reveal().end(), b.reveal().begin()));
}

TEST_CASE("signatures are deterministic, low-s, and recover the signer") {
    std::mt19937_64 rng(155);
    for (int i = 0; i < 64; ++i) {
        SecretKey key = SecretKey::generate();
        Hash32 digest;
        for (auto& byte : digest.bytes) byte = static_cast<std::uint8_t>(rng());
        const auto sig = sign_hash(key, digest);
        REQUIRE(sig.has_value());
        CHECK((sig->s <= kSecp256k1HalfN));
        CHECK((sig->r != 0));
        CHECK(sig->y_parity <= 1);
        CHECK(*sign_hash(key, digest) == *sig);  // RFC 6979
        const auto who = recover_address(digest, *sig);
        REQUIRE(who.has_value());
        CHECK(*who == address_of(key));
        // Another digest recovers some other address (or fails), never the signer.
        Hash32 other = digest;
        other.bytes[0] ^= 1;
        const auto not_who = recover_address(other, *sig);
        CHECK((!not_who || *not_who != address_of(key)));
    }
}

TEST_CASE("recovery rejects high-s and out-of-range values") {
    const SecretKey key = key_from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
    const Hash32 digest = keccak256("keeper");
    const Signature sig = *sign_hash(key, digest);

    // (r, n - s, !y) is the same ECDSA signature in its high-s form: malleable, so refused.
    Signature high = sig;
    high.s = kSecp256k1N - sig.s;
    high.y_parity ^= 1;
    CHECK(recover_address(digest, high).error() == SignError::kHighS);

    Signature bad = sig;
    bad.y_parity = 2;
    CHECK(recover_address(digest, bad).error() == SignError::kInvalidSignature);
    bad = sig;
    bad.r = 0;
    CHECK(recover_address(digest, bad).error() == SignError::kInvalidSignature);
    bad = sig;
    bad.s = 0;
    CHECK(recover_address(digest, bad).error() == SignError::kInvalidSignature);
    bad = sig;
    bad.r = kSecp256k1N;
    CHECK(recover_address(digest, bad).error() == SignError::kInvalidSignature);
    // The wrong parity recovers a different key.
    bad = sig;
    bad.y_parity ^= 1;
    const auto other = recover_address(digest, bad);
    CHECK((!other || *other != address_of(key)));
}

TEST_CASE("sign error messages") {
    for (const auto e : {SignError::kInvalidSecretKey, SignError::kInvalidSignature, SignError::kHighS,
                         SignError::kRecoveryFailed, SignError::kWrongLength, SignError::kInvalidRecoveryId})
        CHECK_FALSE(to_string(e).empty());
}

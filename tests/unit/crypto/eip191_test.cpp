// EIP-191 personal messages.
#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip191.hpp"

using namespace keeper;

namespace {
SecretKey key_from_hex(std::string_view hex) {
    auto key = SecretKey::from_bytes(*from_hex(hex));
    REQUIRE(key.has_value());
    return std::move(*key);
}
}  // namespace

TEST_CASE("personal_sign: the eth-account documentation vector") {
    // eth_account's sign_message example: "I♥SF" signed by this key.
    const SecretKey key = key_from_hex("0xb25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364");
    const ByteView msg = as_bytes("I\xe2\x99\xa5SF");
    CHECK(personal_message_hash(msg) == "0x1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750"_hash);
    const auto sig = personal_sign(key, msg);
    REQUIRE(sig.has_value());
    CHECK(to_dec(sig->r) == "104389933075820307925104709181714897380569894203213074526835978196648170704563");
    CHECK(to_dec(sig->s) == "28205917190874851400050446352651915501321657673772411533993420917949420456142");
    CHECK(to_hex(ByteView(to_rsv(*sig))) ==
          "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb33e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141"
          "b239934ad43cb33fcec8ce1c");
    const auto signer = personal_recover(msg, *sig);
    REQUIRE(signer.has_value());
    CHECK(*signer == address_of(key));
}

TEST_CASE("personal_message_hash prefixes the decimal length") {
    // keccak256("\x19Ethereum Signed Message:\n0") and "...:\n5hello", as in every wallet library.
    CHECK(personal_message_hash({}) == "0x5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad"_hash);
    CHECK(personal_message_hash(as_bytes("hello")) ==
          "0x50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750"_hash);
}

TEST_CASE("r||s||v round trip and v forms") {
    const SecretKey key = key_from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
    const Signature sig = *personal_sign(key, as_bytes("keeper"));
    auto rsv = to_rsv(sig);
    CHECK(rsv[64] == 27 + sig.y_parity);
    CHECK(*from_rsv(rsv) == sig);
    rsv[64] = sig.y_parity;  // 0/1 form
    CHECK(*from_rsv(rsv) == sig);
    rsv[64] = 29;
    CHECK(from_rsv(rsv).error() == SignError::kInvalidRecoveryId);
    CHECK(from_rsv(ByteView(rsv).first(64)).error() == SignError::kWrongLength);
    // A signature over another message names someone else.
    const auto other = personal_recover(as_bytes("keeper!"), sig);
    CHECK((!other || *other != address_of(key)));
}

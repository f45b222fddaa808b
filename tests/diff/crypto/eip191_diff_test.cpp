// EIP-191 personal messages against cast: random messages signed by both (cast wallet sign
// --private-key, test keys only) must give the same 65 bytes; cast wallet verify accepts ours
// and refuses a tampered one; we recover cast's signer.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip191.hpp"
#include "keeper/crypto/eip55.hpp"
#include "support/process.hpp"

using namespace keeper;
using test::cast_all;
using test::trimmed;

namespace {

struct Case {
    Bytes key;
    Bytes message;
    std::string cast_arg;  // how cast is given the message: 0x-hex, or the text itself
};

}  // namespace

TEST_CASE("random personal messages: ours and cast sign identically and verify each other") {
    std::mt19937_64 rng(191);
    std::vector<Case> cases;
    for (int i = 0; i < 60; ++i) {
        Case c;
        do {
            c.key = Bytes(32);
            for (auto& x : c.key) x = static_cast<std::uint8_t>(rng());
        } while (!SecretKey::from_bytes(c.key).has_value());
        static constexpr std::size_t kLengths[] = {0, 1, 9, 10, 32, 99, 100, 1000};
        if (i % 2 == 0) {
            // Printable text (lengths with 1..4 decimal digits), passed to cast as is.
            std::string text(kLengths[rng() % std::size(kLengths)], ' ');
            for (auto& ch : text) ch = static_cast<char>('a' + rng() % 26);
            if (!text.empty()) text[0] = 'k';  // never "0x..."
            c.message.assign(text.begin(), text.end());
            c.cast_arg = text;
            if (text.empty()) c.cast_arg = "0x";  // cast needs a non-empty argument
        } else {
            c.message = Bytes(kLengths[rng() % std::size(kLengths)]);
            for (auto& x : c.message) x = static_cast<std::uint8_t>(rng());
            c.cast_arg = to_hex(c.message);
        }
        cases.push_back(std::move(c));
    }

    std::vector<std::vector<std::string>> sign_calls;
    for (const auto& c : cases) sign_calls.push_back({"wallet", "sign", "--private-key", to_hex(c.key), c.cast_arg});
    const auto cast_sigs = cast_all(sign_calls);

    std::vector<std::vector<std::string>> verify_calls;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto key = SecretKey::from_bytes(cases[i].key);
        const Address signer = address_of(*key);
        const auto sig = personal_sign(*key, cases[i].message);
        REQUIRE(sig.has_value());
        const auto rsv = to_rsv(*sig);
        CAPTURE(i, cases[i].cast_arg);
        REQUIRE(cast_sigs[i].exit_code == 0);
        CHECK(trimmed(cast_sigs[i].out) == to_hex(ByteView(rsv)));

        // cast's signature, read back and recovered by us.
        const auto theirs = from_rsv(*from_hex(trimmed(cast_sigs[i].out)));
        REQUIRE(theirs.has_value());
        CHECK(*personal_recover(cases[i].message, *theirs) == signer);

        // Ours, verified by cast; and a tampered copy (one bit of s), which cast must refuse.
        auto tampered = rsv;
        tampered[40] ^= 0x01;
        verify_calls.push_back(
            {"wallet", "verify", "--address", to_checksum(signer), cases[i].cast_arg, to_hex(ByteView(rsv))});
        verify_calls.push_back(
            {"wallet", "verify", "--address", to_checksum(signer), cases[i].cast_arg, to_hex(ByteView(tampered))});
        const auto ours_tampered = from_rsv(tampered);
        const auto who = ours_tampered ? personal_recover(cases[i].message, *ours_tampered)
                                       : Expected<Address, SignError>(Unexpected(ours_tampered.error()));
        CHECK((!who || *who != signer));
    }
    const auto verified = cast_all(verify_calls);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i, cases[i].cast_arg, verified[2 * i].err);
        CHECK(verified[2 * i].exit_code == 0);
        CHECK(verified[2 * i + 1].exit_code != 0);
    }
}

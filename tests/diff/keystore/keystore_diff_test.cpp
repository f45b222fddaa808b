// Keystores both ways against cast 1.7.1: files written by `cast wallet new` and
// `cast wallet import` opened by ours; files written by ours opened by `cast wallet address`
// and `cast wallet decrypt-keystore`. Keys and passwords come from a fixed-seed generator.
// Every file lives in a private temporary directory; nothing touches ~/.foundry.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/keystore/keystore.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace keeper;
using keeper::test::cast;
using keeper::test::TempDir;

namespace {

constexpr std::uint64_t kSeed = 0x6b65657065721;  // fixed: a failure reproduces

SecretKey random_key(std::mt19937_64& rng) {
    while (true) {
        Bytes b(32);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        if (auto k = SecretKey::from_bytes(b)) return std::move(*k);
    }
}

/// Printable passwords with spaces, symbols and multi-byte UTF-8; never empty.
std::string random_password(std::mt19937_64& rng) {
    static const std::vector<std::string> kPieces = {"a", "Z", "7",  " ",        "!", "\"",
                                                     "'", "$", "\\", "pässwörd", "🔑", "-"};
    std::string p;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t i = 0; i < n; ++i) p += kPieces[rng() % kPieces.size()];
    return p;
}

/// The line cast prints after "Address:" (wallet new) or "Address: " (wallet import).
std::string address_after(const std::string& out, const std::string& marker) {
    const auto at = out.find(marker);
    REQUIRE(at != std::string::npos);
    return out.substr(at + marker.size(), 42);
}

}  // namespace

TEST_CASE("keystores from cast wallet new open with ours") {
    TempDir dir;
    std::mt19937_64 rng(kSeed);
    for (int i = 0; i < 3; ++i) {
        const std::string password = random_password(rng);
        const std::string name = "new" + std::to_string(i);
        const std::string out = cast({"wallet", "new", dir.path().string(), name, "--unsafe-password", password});
        const std::string json = TempDir::read(dir.file(name));
        auto key = decrypt_keystore(json, password);
        REQUIRE(key);
        const std::string ours = to_checksum(address_of(*key));
        CHECK(ours == address_after(out, "Address:    "));
        CHECK(ours == cast({"wallet", "address", "--keystore", dir.file(name), "--password", password}));
        // What cast writes: kCastScrypt, no address field.
        auto parsed = parse_keystore(json);
        REQUIRE(parsed);
        CHECK(std::get<ScryptParams>(parsed->kdf) == kCastScrypt);
        CHECK_FALSE(parsed->address.has_value());
        CHECK(decrypt_keystore(json, password + "x").error().code == KeystoreError::kMacMismatch);
    }
}

TEST_CASE("keystores from cast wallet import open with ours to the same key") {
    TempDir dir;
    std::mt19937_64 rng(kSeed + 1);
    for (int i = 0; i < 4; ++i) {
        const SecretKey key = random_key(rng);
        const std::string password = random_password(rng);
        const std::string name = "import" + std::to_string(i);
        const std::string out = cast({"wallet", "import", name, "--private-key", to_hex(key.reveal()),
                                      "--unsafe-password", password, "--keystore-dir", dir.path().string()});
        CHECK(address_after(out, "Address: ") == to_hex(address_of(key).view()));  // cast prints it lower-case here
        auto back = decrypt_keystore(TempDir::read(dir.file(name)), password);
        REQUIRE(back);
        CHECK(to_hex(back->reveal()) == to_hex(key.reveal()));
    }
}

TEST_CASE("keystores written by ours open with cast wallet address and decrypt-keystore") {
    TempDir dir;
    std::mt19937_64 rng(kSeed + 2);
    const std::vector<KdfParams> kdfs = {kCastScrypt, ScryptParams{1024, 8, 1}, ScryptParams{4096, 4, 2},
                                         Pbkdf2Params{1000}, Pbkdf2Params{262144}};
    for (std::size_t i = 0; i < kdfs.size(); ++i) {
        const SecretKey key = random_key(rng);
        const std::string password = random_password(rng);
        auto ks = encrypt_keystore(key, password, kdfs[i]);
        REQUIRE(ks);
        const std::string name = "ours" + std::to_string(i);
        const std::string path = dir.write(name, to_json(*ks));
        INFO("kdf #" << i);
        CHECK(cast({"wallet", "address", "--keystore", path, "--password", password}) == to_checksum(address_of(key)));
        const std::string decrypted = cast(
            {"wallet", "decrypt-keystore", name, "--keystore-dir", dir.path().string(), "--unsafe-password", password});
        CHECK(decrypted == name + "'s private key is: " + to_hex(key.reveal()));
    }
}

TEST_CASE("cast refuses with a MAC error what ours refuses with a MAC error") {
    TempDir dir;
    std::mt19937_64 rng(kSeed + 3);
    const SecretKey key = random_key(rng);
    auto ks = encrypt_keystore(key, "right", kCastScrypt);
    REQUIRE(ks);
    const std::string path = dir.write("k", to_json(*ks));
    const auto r =
        keeper::test::run_process({KEEPER_CAST, "wallet", "address", "--keystore", path, "--password", "wrong"});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("Mac Mismatch") != std::string::npos);
    CHECK(decrypt_keystore(to_json(*ks), "wrong").error().code == KeystoreError::kMacMismatch);
}

// Web3 Secret Storage v3 keystores (the JSON files geth, cast and wallets write).
//
//   derived = KDF(password, salt)                       scrypt or PBKDF2-HMAC-SHA256, dklen 32
//   mac     = keccak256(derived[16..32] || ciphertext)  compared in constant time
//   secret  = AES-128-CTR(key = derived[0..16], iv) over ciphertext
//
// A pure layer: the JSON arrives as a string and leaves as a string; there is no file I/O.
// Errors are values carrying a code and a one-line message that names the offending field
// ("crypto.kdfparams.n must be a power of two > 1"); neither the password nor any key
// material ever appears in a message.
//
// Hostile input: a keystore names its own KDF cost, so parse_keystore bounds it before anything
// is allocated or computed (KdfLimits: scrypt 128*r*n*p <= 256 MiB, PBKDF2 c <= 10,000,000).
// The scrypt bound covers memory (V is 128*r*n bytes) and work (p passes over V) at once. The
// 2^18 published vectors sit exactly at it: about 1.1 s and up to 256 MiB to open, the same as
// OpenSSL's scrypt. cast's own files (n = 2^13) take about 35 ms.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/crypto/secp256k1.hpp"

namespace keeper {

enum class KeystoreError : std::uint8_t {
    kInvalidJson,         // not JSON, not an object, or larger than kMaxKeystoreJsonSize
    kMissingField,        // a required field is absent
    kWrongType,           // a field has the wrong JSON type
    kUnsupportedVersion,  // "version" is not 3
    kUnsupportedCipher,   // cipher other than aes-128-ctr
    kUnsupportedKdf,      // kdf other than scrypt or pbkdf2, or prf other than hmac-sha256
    kInvalidHex,          // a hex field is not hex
    kInvalidLength,       // iv, salt, ciphertext, mac, address or dklen of the wrong size
    kInvalidKdfParams,    // e.g. n not a power of two, r or p or c zero
    kCostTooHigh,         // KDF parameters above the KdfLimits cap (rejected before allocating)
    kMacMismatch,         // wrong password, or the file was altered
    kInvalidSecretKey,    // decrypted bytes are not a valid secp256k1 scalar
    kAddressMismatch,     // "address" present and not the address of the decrypted key
    kCryptoFailure,       // OpenSSL or allocation failure
};
[[nodiscard]] std::string_view to_string(KeystoreError e) noexcept;

/// An error code plus a human-readable line naming the field at fault.
struct KeystoreFailure {
    KeystoreError code;
    std::string message;
};

/// scrypt cost parameters (RFC 7914). n must be a power of two > 1.
struct ScryptParams {
    std::uint64_t n;
    std::uint32_t r;
    std::uint32_t p;
    bool operator==(const ScryptParams&) const = default;
};

/// PBKDF2-HMAC-SHA256 iteration count.
struct Pbkdf2Params {
    std::uint32_t c;
    bool operator==(const Pbkdf2Params&) const = default;
};

using KdfParams = std::variant<ScryptParams, Pbkdf2Params>;

/// What `cast wallet new` and `cast wallet import` write (foundry's eth-keystore defaults):
/// scrypt n = 2^13, r = 8, p = 1, about 8 MiB and 30 ms.
inline constexpr ScryptParams kCastScrypt{8192, 8, 1};
/// geth's "standard" cost: n = 2^18, r = 8, p = 1, 256 MiB and about half a second.
inline constexpr ScryptParams kStandardScrypt{262144, 8, 1};

/// Caps on the work a keystore may ask for; checked before any allocation.
struct KdfLimits {
    std::uint64_t max_scrypt_bytes{256ULL << 20};  // bound on 128 * r * n * p
    std::uint32_t max_pbkdf2_iterations{10'000'000};
};

/// Keystore JSON larger than this is rejected unparsed (real files are under 1 KiB).
inline constexpr std::size_t kMaxKeystoreJsonSize = std::size_t{64} * 1024;
/// Salt sizes accepted on reading (we write 32 bytes, as geth and cast do).
inline constexpr std::size_t kMinSaltSize = 16;
inline constexpr std::size_t kMaxSaltSize = 1024;

/// A parsed and validated keystore, not yet decrypted. Holds no secret.
struct Keystore {
    KdfParams kdf;
    Bytes salt;
    std::array<std::uint8_t, 16> iv{};
    std::array<std::uint8_t, 32> ciphertext{};
    Hash32 mac;
    std::optional<Address> address;  // the optional "address" field
    std::string id;                  // the "id" UUID, or empty when absent
    bool operator==(const Keystore&) const = default;
};

/// Parses and validates a v3 keystore: structure, types, hex, sizes, and KDF cost against
/// `limits`. Accepts "crypto" or geth's legacy "Crypto" (not both), an optional "address"
/// (with or without 0x), and ignores unknown fields. Does no key derivation.
[[nodiscard]] Expected<Keystore, KeystoreFailure> parse_keystore(std::string_view json, const KdfLimits& limits = {});

/// Serializes in the layout cast writes (lower-case "crypto", hex without 0x, sorted keys),
/// plus "address" when set. parse_keystore(to_json(k)) == k.
[[nodiscard]] std::string to_json(const Keystore& keystore);

/// Derives the key, checks the MAC in constant time, decrypts, and checks "address" if present.
/// A wrong password is kMacMismatch and nothing derived from the password is returned or kept.
/// The KDF cost is checked against `limits` again, since a Keystore may be built by hand.
[[nodiscard]] Expected<SecretKey, KeystoreFailure> decrypt_keystore(const Keystore& keystore, std::string_view password,
                                                                    const KdfLimits& limits = {});
/// parse_keystore followed by decrypt_keystore.
[[nodiscard]] Expected<SecretKey, KeystoreFailure> decrypt_keystore(std::string_view json, std::string_view password,
                                                                    const KdfLimits& limits = {});

/// The random inputs of an encryption, injectable so tests are deterministic.
struct KeystoreRandomness {
    std::array<std::uint8_t, 32> salt{};
    std::array<std::uint8_t, 16> iv{};
    std::array<std::uint8_t, 16> uuid{};  // version and variant bits are set on use (UUID v4)
};
/// Fresh salt, iv and UUID from OpenSSL's CSPRNG; aborts if the CSPRNG fails.
[[nodiscard]] KeystoreRandomness fresh_keystore_randomness();

/// Encrypts `key` under `password`. The result carries "address", as geth writes it.
/// Fails (kCostTooHigh, kInvalidKdfParams) for parameters parse_keystore would refuse.
[[nodiscard]] Expected<Keystore, KeystoreFailure> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                                   const KdfParams& kdf,
                                                                   const KeystoreRandomness& randomness,
                                                                   const KdfLimits& limits = {});
/// As above with fresh randomness.
[[nodiscard]] Expected<Keystore, KeystoreFailure> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                                   const KdfParams& kdf = kCastScrypt);

/// The "8-4-4-4-12" text form of a UUID.
[[nodiscard]] std::string format_uuid(const std::array<std::uint8_t, 16>& uuid);

}  // namespace keeper

// Ethereum signing on libsecp256k1: secret keys, recoverable ECDSA (low-s, RFC 6979),
// public-key recovery and addresses.
//
// One randomized libsecp256k1 context serves the whole process; it is created on first use
// and only read afterwards, so every function here is safe to call from any thread.
// Runtime failures are values (SignError) and nothing here throws. If the OS cannot supply
// randomness (context blinding, SecretKey::generate) the process aborts rather than continue
// with weak keys.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"

namespace keeper {

enum class SignError : std::uint8_t {
    kInvalidSecretKey,   // not 32 bytes, zero, or not below the curve order n
    kInvalidSignature,   // r or s zero or not below n, or y_parity not 0/1
    kHighS,              // s above n/2: valid ECDSA, but not the canonical low-s form Ethereum requires
    kRecoveryFailed,     // no public key recovers from this digest and signature
    kWrongLength,        // a 65-byte r||s||v signature of another length
    kInvalidRecoveryId,  // v outside {0, 1, 27, 28}
};
[[nodiscard]] std::string_view to_string(SignError e) noexcept;

/// A secp256k1 secret key. Move-only; the 32 bytes are wiped when the key is destroyed or
/// moved from. Deliberately not printable: no operator<<, no to_string, no to_hex overload.
class SecretKey {
public:
    static constexpr std::size_t kSize = 32;

    /// Exactly 32 big-endian bytes holding a scalar k with 0 < k < n.
    [[nodiscard]] static Expected<SecretKey, SignError> from_bytes(ByteView bytes) noexcept;
    /// A fresh key from the OS (getrandom), redrawn until it is a valid scalar.
    [[nodiscard]] static SecretKey generate();

    SecretKey(SecretKey&& other) noexcept;
    SecretKey& operator=(SecretKey&& other) noexcept;
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;
    ~SecretKey();

    /// The raw key bytes, for keystore encryption only. Callers must not log or copy them
    /// into unwiped memory. The name is meant to be easy to grep for in review.
    [[nodiscard]] ByteView reveal() const noexcept { return {bytes_.data(), bytes_.size()}; }

private:
    SecretKey() noexcept = default;
    std::array<std::uint8_t, kSize> bytes_{};
};

/// A recoverable ECDSA signature as Ethereum carries it: r, s and the parity of R's y.
struct Signature {
    U256 r;
    U256 s;
    std::uint8_t y_parity{0};
    bool operator==(const Signature&) const = default;
};

/// The 64-byte uncompressed public key (x || y, without the 0x04 prefix).
[[nodiscard]] std::array<std::uint8_t, 64> public_key_of(const SecretKey& key);
/// keccak256(x || y)[12:].
[[nodiscard]] Address address_of(const SecretKey& key);
/// The address of a 64-byte public key x || y (no validation that it is on the curve).
[[nodiscard]] Address address_of_public_key(std::span<const std::uint8_t, 64> xy) noexcept;

/// Signs a 32-byte digest: deterministic (RFC 6979) and low-s.
[[nodiscard]] Expected<Signature, SignError> sign_hash(const SecretKey& key, const Hash32& digest) noexcept;

/// Recovers the signer's address. Rejects high-s signatures (EIP-2) and out-of-range values.
[[nodiscard]] Expected<Address, SignError> recover_address(const Hash32& digest, const Signature& sig) noexcept;

/// The secp256k1 group order n, and n/2 (the low-s bound).
inline constexpr U256 kSecp256k1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_cppui256;
inline constexpr U256 kSecp256k1HalfN = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_cppui256;

}  // namespace keeper

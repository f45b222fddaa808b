#include "keeper/crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>  // NOLINT(modernize-deprecated-headers): explicit_bzero is POSIX, not <cstring>
#include <sys/random.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "keeper/crypto/keccak.hpp"
#include "keeper/crypto/secp256k1_context.hpp"

namespace keeper {

namespace detail {

namespace {

struct ContextDeleter {
    void operator()(secp256k1_context* ctx) const noexcept { secp256k1_context_destroy(ctx); }
};
using ContextPtr = std::unique_ptr<secp256k1_context, ContextDeleter>;

ContextPtr make_context() noexcept {
    ContextPtr ctx{secp256k1_context_create(SECP256K1_CONTEXT_NONE)};
    if (!ctx) {
        std::fputs("keeper: secp256k1_context_create failed\n", stderr);
        std::abort();
    }
    // Blinding against side channels; the seed itself need not be kept secret afterwards.
    std::array<std::uint8_t, 32> seed{};
    os_random(seed);
    const int ok = secp256k1_context_randomize(ctx.get(), seed.data());
    secure_wipe(seed);
    if (ok != 1) {
        std::fputs("keeper: secp256k1_context_randomize failed\n", stderr);
        std::abort();
    }
    return ctx;
}

}  // namespace

const secp256k1_context* secp256k1_ctx() noexcept {
    static const ContextPtr ctx = make_context();
    return ctx.get();
}

void os_random(std::span<std::uint8_t> out) noexcept {
    std::size_t filled = 0;
    while (filled < out.size()) {
        const ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::fputs("keeper: getrandom failed; refusing to continue without OS randomness\n", stderr);
            std::abort();
        }
        filled += static_cast<std::size_t>(n);
    }
}

void secure_wipe(std::span<std::uint8_t> bytes) noexcept {
    if (!bytes.empty()) ::explicit_bzero(bytes.data(), bytes.size());
}

}  // namespace detail

std::string_view to_string(SignError e) noexcept {
    switch (e) {
        case SignError::kInvalidSecretKey:
            return "invalid secret key (must be 32 bytes, 0 < k < n)";
        case SignError::kInvalidSignature:
            return "invalid signature (r and s must be in [1, n), y parity 0 or 1)";
        case SignError::kHighS:
            return "signature s is not in the lower half of the curve order";
        case SignError::kRecoveryFailed:
            return "no public key recovers from this signature";
        case SignError::kWrongLength:
            return "signature must be 65 bytes (r || s || v)";
        case SignError::kInvalidRecoveryId:
            return "signature v must be 0, 1, 27 or 28";
    }
    return "unknown signing error";
}

// ---- SecretKey -----------------------------------------------------------------------------

Expected<SecretKey, SignError> SecretKey::from_bytes(ByteView bytes) noexcept {
    if (bytes.size() != kSize) return Unexpected(SignError::kInvalidSecretKey);
    SecretKey key;
    std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
    if (secp256k1_ec_seckey_verify(detail::secp256k1_ctx(), key.bytes_.data()) != 1)
        return Unexpected(SignError::kInvalidSecretKey);  // `key` wipes itself
    return key;
}

SecretKey SecretKey::generate() {
    SecretKey key;
    // A uniformly random 256-bit string is a valid scalar with probability 1 - 2^-128.
    do {
        detail::os_random(key.bytes_);
    } while (secp256k1_ec_seckey_verify(detail::secp256k1_ctx(), key.bytes_.data()) != 1);
    return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
    detail::secure_wipe(other.bytes_);
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
    if (this != &other) {
        bytes_ = other.bytes_;
        detail::secure_wipe(other.bytes_);
    }
    return *this;
}

SecretKey::~SecretKey() {
    detail::secure_wipe(bytes_);
}

// ---- keys and addresses --------------------------------------------------------------------

namespace {

/// Big-endian 32 bytes to U256 via Boost's import_bits (word-wise; the generic from_be
/// shifts byte by byte, which shows in the signing benchmark).
U256 u256_from_be32(const std::uint8_t* be) noexcept {
    U256 v;
    boost::multiprecision::import_bits(v, be, be + 32, 8, /*msv_first=*/true);
    return v;
}

std::array<std::uint8_t, 64> serialize_xy(const secp256k1_pubkey& pubkey) noexcept {
    std::array<std::uint8_t, 65> sec1{};
    std::size_t len = sec1.size();
    const int ok =
        secp256k1_ec_pubkey_serialize(detail::secp256k1_ctx(), sec1.data(), &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
    assert(ok == 1 && len == 65 && sec1[0] == 0x04);
    (void)ok;
    std::array<std::uint8_t, 64> xy{};
    std::copy(sec1.begin() + 1, sec1.end(), xy.begin());
    return xy;
}

}  // namespace

std::array<std::uint8_t, 64> public_key_of(const SecretKey& key) {
    secp256k1_pubkey pubkey;
    // A SecretKey only exists holding a valid scalar, unless it was moved from: using a
    // moved-from key is a programmer error.
    const int ok = secp256k1_ec_pubkey_create(detail::secp256k1_ctx(), &pubkey, key.reveal().data());
    assert(ok == 1 && "public_key_of: secret key was moved from");
    (void)ok;
    return serialize_xy(pubkey);
}

Address address_of_public_key(std::span<const std::uint8_t, 64> xy) noexcept {
    const Hash32 h = keccak256(ByteView(xy));
    Address a;
    std::copy(h.bytes.begin() + 12, h.bytes.end(), a.bytes.begin());
    return a;
}

Address address_of(const SecretKey& key) {
    return address_of_public_key(public_key_of(key));
}

// ---- signing and recovery ------------------------------------------------------------------

Expected<Signature, SignError> sign_hash(const SecretKey& key, const Hash32& digest) noexcept {
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    secp256k1_ecdsa_recoverable_signature sig;
    // nullptr nonce function: RFC 6979 (secp256k1_nonce_function_default). The library
    // always produces the low-s form.
    if (secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest.data(), key.reveal().data(), nullptr, nullptr) != 1)
        return Unexpected(SignError::kInvalidSecretKey);
    std::array<std::uint8_t, 64> rs{};
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs.data(), &recid, &sig);
    assert(recid == 0 || recid == 1);  // 2 and 3 (r >= n - p) are never produced for Ethereum-size r
    Signature out;
    out.r = u256_from_be32(rs.data());
    out.s = u256_from_be32(rs.data() + 32);
    out.y_parity = static_cast<std::uint8_t>(recid);
    return out;
}

Expected<Address, SignError> recover_address(const Hash32& digest, const Signature& sig) noexcept {
    if (sig.y_parity > 1 || sig.r == 0 || sig.s == 0 || sig.r >= kSecp256k1N || sig.s >= kSecp256k1N)
        return Unexpected(SignError::kInvalidSignature);
    if (sig.s > kSecp256k1HalfN) return Unexpected(SignError::kHighS);
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    std::array<std::uint8_t, 64> rs{};
    const auto r = to_be32(sig.r);
    const auto s = to_be32(sig.s);
    std::copy(r.begin(), r.end(), rs.begin());
    std::copy(s.begin(), s.end(), rs.begin() + 32);
    secp256k1_ecdsa_recoverable_signature parsed;
    if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, rs.data(), sig.y_parity) != 1)
        return Unexpected(SignError::kInvalidSignature);
    secp256k1_pubkey pubkey;
    if (secp256k1_ecdsa_recover(ctx, &pubkey, &parsed, digest.data()) != 1)
        return Unexpected(SignError::kRecoveryFailed);
    return address_of_public_key(serialize_xy(pubkey));
}

}  // namespace keeper

#include "keeper/keystore/keystore.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <memory>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/keystore/scrypt.hpp"

namespace keeper {

std::string_view to_string(KeystoreError e) noexcept {
    switch (e) {
        case KeystoreError::kInvalidJson:
            return "invalid JSON";
        case KeystoreError::kMissingField:
            return "missing field";
        case KeystoreError::kWrongType:
            return "wrong type";
        case KeystoreError::kUnsupportedVersion:
            return "unsupported version";
        case KeystoreError::kUnsupportedCipher:
            return "unsupported cipher";
        case KeystoreError::kUnsupportedKdf:
            return "unsupported KDF";
        case KeystoreError::kInvalidHex:
            return "invalid hex";
        case KeystoreError::kInvalidLength:
            return "invalid length";
        case KeystoreError::kInvalidKdfParams:
            return "invalid KDF parameters";
        case KeystoreError::kCostTooHigh:
            return "KDF cost too high";
        case KeystoreError::kMacMismatch:
            return "MAC mismatch";
        case KeystoreError::kInvalidSecretKey:
            return "invalid secret key";
        case KeystoreError::kAddressMismatch:
            return "address mismatch";
        case KeystoreError::kCryptoFailure:
            return "crypto failure";
    }
    return "unknown keystore error";
}

namespace {

using Json = nlohmann::json;

constexpr std::size_t kDerivedKeySize = 32;  // dklen: 16 bytes of AES key, 16 bytes of MAC key
constexpr std::size_t kAesKeySize = 16;

Unexpected<KeystoreFailure> fail(KeystoreError code, std::string message) {
    return Unexpected(KeystoreFailure{code, std::move(message)});
}

/// A fixed-size secret buffer wiped when it leaves scope.
template <std::size_t N>
struct WipedArray {
    std::array<std::uint8_t, N> bytes{};
    WipedArray() = default;
    WipedArray(const WipedArray&) = delete;
    WipedArray& operator=(const WipedArray&) = delete;
    ~WipedArray() { OPENSSL_cleanse(bytes.data(), N); }
};

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }  // also wipes the key schedule
};

/// AES-128-CTR (encryption and decryption are the same operation). `in` and `out` are 32 bytes.
bool aes_128_ctr(std::span<const std::uint8_t, kAesKeySize> key, const std::array<std::uint8_t, 16>& iv,
                 std::span<const std::uint8_t, 32> in, std::span<std::uint8_t, 32> out) noexcept {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return false;
    int len = 0;
    int tail = 0;
    return EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data()) == 1 &&
           EVP_EncryptUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) == 1 &&
           len == static_cast<int>(in.size()) && EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) == 1 &&
           tail == 0;
}

/// keccak256(derived[16..32] || ciphertext). The hasher's state is wiped: Keccak-f is a
/// permutation, so the final state would give back the MAC key.
Hash32 compute_mac(const WipedArray<kDerivedKeySize>& derived,
                   const std::array<std::uint8_t, 32>& ciphertext) noexcept {
    Keccak256 hasher;
    hasher.update(ByteView{derived.bytes}.subspan(kAesKeySize));
    hasher.update(ByteView{ciphertext});
    const Hash32 mac = hasher.finalize();
    OPENSSL_cleanse(&hasher, sizeof(hasher));
    return mac;
}

std::string scrypt_cost_message(const ScryptParams& s, const KdfLimits& limits) {
    return "crypto.kdfparams: scrypt cost 128*r*n*p (n=" + std::to_string(s.n) + ", r=" + std::to_string(s.r) +
           ", p=" + std::to_string(s.p) + ") exceeds the limit of " + std::to_string(limits.max_scrypt_bytes >> 20) +
           " MiB";
}

Expected<void, KeystoreFailure> validate_kdf(const KdfParams& kdf, const KdfLimits& limits) {
    if (const auto* s = std::get_if<ScryptParams>(&kdf)) {
        if (s->n <= 1 || (s->n & (s->n - 1)) != 0)
            return fail(KeystoreError::kInvalidKdfParams, "crypto.kdfparams.n must be a power of two > 1");
        if (s->r == 0) return fail(KeystoreError::kInvalidKdfParams, "crypto.kdfparams.r must be at least 1");
        if (s->p == 0) return fail(KeystoreError::kInvalidKdfParams, "crypto.kdfparams.p must be at least 1");
        // 128*r*n*p <= max without overflow: a*b <= m exactly when b <= floor(m/a), factor by factor.
        std::uint64_t remaining = limits.max_scrypt_bytes / 128;
        for (const std::uint64_t factor : {static_cast<std::uint64_t>(s->r), s->n, static_cast<std::uint64_t>(s->p)}) {
            if (factor > remaining) return fail(KeystoreError::kCostTooHigh, scrypt_cost_message(*s, limits));
            remaining /= factor;
        }
        return {};
    }
    const auto& p = std::get<Pbkdf2Params>(kdf);
    if (p.c == 0) return fail(KeystoreError::kInvalidKdfParams, "crypto.kdfparams.c must be at least 1");
    if (p.c > limits.max_pbkdf2_iterations) {
        return fail(KeystoreError::kCostTooHigh, "crypto.kdfparams.c exceeds the limit of " +
                                                     std::to_string(limits.max_pbkdf2_iterations) + " iterations");
    }
    return {};
}

Expected<void, KeystoreFailure> validate_salt(std::size_t size) {
    if (size < kMinSaltSize || size > kMaxSaltSize) {
        return fail(KeystoreError::kInvalidLength, "crypto.kdfparams.salt must be " + std::to_string(kMinSaltSize) +
                                                       " to " + std::to_string(kMaxSaltSize) + " bytes");
    }
    return {};
}

/// The 32-byte derived key. The caller has validated the parameters against its limits.
Expected<void, KeystoreFailure> derive_key(const KdfParams& kdf, std::string_view password, ByteView salt,
                                           WipedArray<kDerivedKeySize>& out) {
    bool ok = false;
    if (const auto* s = std::get_if<ScryptParams>(&kdf)) {
        ok = scrypt(as_bytes(password), salt, ScryptCost{s->n, s->r, s->p}, out.bytes);
    } else {
        const auto& p = std::get<Pbkdf2Params>(kdf);
        if (password.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
            p.c <= static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
            ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                                   static_cast<int>(salt.size()), static_cast<int>(p.c), EVP_sha256(),
                                   static_cast<int>(kDerivedKeySize), out.bytes.data()) == 1;
        }
    }
    if (!ok) return fail(KeystoreError::kCryptoFailure, "key derivation failed (out of memory or OpenSSL error)");
    return {};
}

// ---- JSON field access (nlohmann's non-throwing API only) ----------------------------------

/// Looks up `key` in `obj`; nullptr when absent.
const Json* find(const Json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

Expected<const Json*, KeystoreFailure> require(const Json& obj, const char* key, const std::string& path) {
    const Json* v = find(obj, key);
    if (v == nullptr) return fail(KeystoreError::kMissingField, path + " is missing");
    return v;
}

Expected<std::string_view, KeystoreFailure> require_string(const Json& obj, const char* key, const std::string& path) {
    auto v = require(obj, key, path);
    if (!v) return Unexpected(std::move(v).error());
    if (!(*v)->is_string()) return fail(KeystoreError::kWrongType, path + " must be a string");
    return std::string_view((*v)->get_ref<const std::string&>());
}

Expected<const Json*, KeystoreFailure> require_object(const Json& obj, const char* key, const std::string& path) {
    auto v = require(obj, key, path);
    if (!v) return v;
    if (!(*v)->is_object()) return fail(KeystoreError::kWrongType, path + " must be an object");
    return v;
}

Expected<std::uint64_t, KeystoreFailure> require_uint(const Json& obj, const char* key, const std::string& path) {
    auto v = require(obj, key, path);
    if (!v) return Unexpected(std::move(v).error());
    if (!(*v)->is_number_unsigned()) return fail(KeystoreError::kWrongType, path + " must be a non-negative integer");
    return (*v)->get<std::uint64_t>();
}

Expected<Bytes, KeystoreFailure> require_hex(const Json& obj, const char* key, const std::string& path) {
    auto s = require_string(obj, key, path);
    if (!s) return Unexpected(std::move(s).error());
    auto bytes = from_hex(*s, HexPrefix::kOptional);
    if (!bytes) {
        return fail(KeystoreError::kInvalidHex,
                    path + " is not valid hex (" + std::string(to_string(bytes.error())) + ")");
    }
    return std::move(*bytes);
}

template <std::size_t N>
Expected<void, KeystoreFailure> require_hex_fixed(const Json& obj, const char* key, const std::string& path,
                                                  std::array<std::uint8_t, N>& out) {
    auto bytes = require_hex(obj, key, path);
    if (!bytes) return Unexpected(std::move(bytes).error());
    if (bytes->size() != N) {
        return fail(KeystoreError::kInvalidLength,
                    path + " must be " + std::to_string(N) + " bytes, got " + std::to_string(bytes->size()));
    }
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return {};
}

Expected<std::uint32_t, KeystoreFailure> require_u32(const Json& obj, const char* key, const std::string& path,
                                                     KeystoreError too_large) {
    auto v = require_uint(obj, key, path);
    if (!v) return Unexpected(std::move(v).error());
    if (*v > std::numeric_limits<std::uint32_t>::max()) return fail(too_large, path + " is too large");
    return static_cast<std::uint32_t>(*v);
}

// ---- parsing -----------------------------------------------------------------------------------

#define KEEPER_TRY(expr)                                                                                   \
    do {                                                                                                   \
        if (auto keeper_try_r = (expr); !keeper_try_r) return Unexpected(std::move(keeper_try_r).error()); \
    } while (false)

Expected<KdfParams, KeystoreFailure> parse_kdf(const Json& crypto, const std::string& cp, const KdfLimits& limits,
                                               Bytes& salt) {
    auto kdf = require_string(crypto, "kdf", cp + ".kdf");
    if (!kdf) return Unexpected(std::move(kdf).error());
    if (*kdf != "scrypt" && *kdf != "pbkdf2")
        return fail(KeystoreError::kUnsupportedKdf, cp + ".kdf must be scrypt or pbkdf2");

    const std::string pp = cp + ".kdfparams";
    auto params = require_object(crypto, "kdfparams", pp);
    if (!params) return Unexpected(std::move(params).error());
    const Json& kp = **params;

    auto dklen = require_uint(kp, "dklen", pp + ".dklen");
    if (!dklen) return Unexpected(std::move(dklen).error());
    if (*dklen != kDerivedKeySize) return fail(KeystoreError::kInvalidLength, pp + ".dklen must be 32");

    auto salt_bytes = require_hex(kp, "salt", pp + ".salt");
    if (!salt_bytes) return Unexpected(std::move(salt_bytes).error());
    KEEPER_TRY(validate_salt(salt_bytes->size()));
    salt = std::move(*salt_bytes);

    KdfParams out;
    if (*kdf == "scrypt") {
        auto n = require_uint(kp, "n", pp + ".n");
        if (!n) return Unexpected(std::move(n).error());
        auto r = require_u32(kp, "r", pp + ".r", KeystoreError::kCostTooHigh);
        if (!r) return Unexpected(std::move(r).error());
        auto p = require_u32(kp, "p", pp + ".p", KeystoreError::kCostTooHigh);
        if (!p) return Unexpected(std::move(p).error());
        out = ScryptParams{*n, *r, *p};
    } else {
        auto prf = require_string(kp, "prf", pp + ".prf");
        if (!prf) return Unexpected(std::move(prf).error());
        if (*prf != "hmac-sha256") return fail(KeystoreError::kUnsupportedKdf, pp + ".prf must be hmac-sha256");
        auto c = require_u32(kp, "c", pp + ".c", KeystoreError::kCostTooHigh);
        if (!c) return Unexpected(std::move(c).error());
        out = Pbkdf2Params{*c};
    }
    KEEPER_TRY(validate_kdf(out, limits));
    return out;
}

}  // namespace

Expected<Keystore, KeystoreFailure> parse_keystore(std::string_view text, const KdfLimits& limits) {
    if (text.size() > kMaxKeystoreJsonSize)
        return fail(KeystoreError::kInvalidJson, "keystore JSON is larger than 64 KiB");
    const Json root = Json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return fail(KeystoreError::kInvalidJson, "keystore is not valid JSON");
    if (!root.is_object()) return fail(KeystoreError::kInvalidJson, "keystore must be a JSON object");

    auto version = require_uint(root, "version", "version");
    if (!version) return Unexpected(std::move(version).error());
    if (*version != 3) return fail(KeystoreError::kUnsupportedVersion, "version must be 3");

    // geth wrote "Crypto" in early files; cast and current geth write "crypto".
    const Json* lower = find(root, "crypto");
    const Json* upper = find(root, "Crypto");
    if (lower != nullptr && upper != nullptr)
        return fail(KeystoreError::kInvalidJson, "crypto and Crypto are both present");
    if (lower == nullptr && upper == nullptr) return fail(KeystoreError::kMissingField, "crypto is missing");
    const std::string cp = lower != nullptr ? "crypto" : "Crypto";
    const Json& crypto = lower != nullptr ? *lower : *upper;
    if (!crypto.is_object()) return fail(KeystoreError::kWrongType, cp + " must be an object");

    Keystore ks;
    auto cipher = require_string(crypto, "cipher", cp + ".cipher");
    if (!cipher) return Unexpected(std::move(cipher).error());
    if (*cipher != "aes-128-ctr") return fail(KeystoreError::kUnsupportedCipher, cp + ".cipher must be aes-128-ctr");
    auto cipherparams = require_object(crypto, "cipherparams", cp + ".cipherparams");
    if (!cipherparams) return Unexpected(std::move(cipherparams).error());
    KEEPER_TRY(require_hex_fixed(**cipherparams, "iv", cp + ".cipherparams.iv", ks.iv));
    KEEPER_TRY(require_hex_fixed(crypto, "ciphertext", cp + ".ciphertext", ks.ciphertext));
    KEEPER_TRY(require_hex_fixed(crypto, "mac", cp + ".mac", ks.mac.bytes));

    auto kdf = parse_kdf(crypto, cp, limits, ks.salt);
    if (!kdf) return Unexpected(std::move(kdf).error());
    ks.kdf = *kdf;

    if (const Json* address = find(root, "address"); address != nullptr) {
        Address a;
        KEEPER_TRY(require_hex_fixed(root, "address", "address", a.bytes));
        ks.address = a;
    }
    if (const Json* id = find(root, "id"); id != nullptr) {
        if (!id->is_string()) return fail(KeystoreError::kWrongType, "id must be a string");
        ks.id = id->get_ref<const std::string&>();
    }
    return ks;
}

std::string to_json(const Keystore& ks) {
    Json kdfparams = {{"dklen", kDerivedKeySize}, {"salt", to_hex_raw(ks.salt)}};
    std::string kdf;
    if (const auto* s = std::get_if<ScryptParams>(&ks.kdf)) {
        kdf = "scrypt";
        kdfparams["n"] = s->n;
        kdfparams["r"] = s->r;
        kdfparams["p"] = s->p;
    } else {
        kdf = "pbkdf2";
        kdfparams["c"] = std::get<Pbkdf2Params>(ks.kdf).c;
        kdfparams["prf"] = "hmac-sha256";
    }
    Json root = {
        {"crypto",
         {{"cipher", "aes-128-ctr"},
          {"cipherparams", {{"iv", to_hex_raw(ks.iv)}}},
          {"ciphertext", to_hex_raw(ks.ciphertext)},
          {"kdf", kdf},
          {"kdfparams", std::move(kdfparams)},
          {"mac", to_hex_raw(ks.mac.view())}}},
        {"version", 3},
    };
    if (ks.address) root["address"] = to_hex_raw(ks.address->view());
    if (!ks.id.empty()) root["id"] = ks.id;
    return root.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Expected<SecretKey, KeystoreFailure> decrypt_keystore(const Keystore& ks, std::string_view password,
                                                      const KdfLimits& limits) {
    // A Keystore may be built by hand: bound its cost exactly as parsing would.
    KEEPER_TRY(validate_kdf(ks.kdf, limits));
    KEEPER_TRY(validate_salt(ks.salt.size()));

    WipedArray<kDerivedKeySize> derived;
    KEEPER_TRY(derive_key(ks.kdf, password, ks.salt, derived));
    const Hash32 mac = compute_mac(derived, ks.ciphertext);
    if (CRYPTO_memcmp(mac.data(), ks.mac.data(), Hash32::size()) != 0)
        return fail(KeystoreError::kMacMismatch, "wrong password or corrupted keystore (MAC mismatch)");

    WipedArray<32> plain;
    if (!aes_128_ctr(std::span<const std::uint8_t, kAesKeySize>(derived.bytes.data(), kAesKeySize), ks.iv,
                     ks.ciphertext, plain.bytes))
        return fail(KeystoreError::kCryptoFailure, "AES-128-CTR decryption failed");
    auto key = SecretKey::from_bytes(plain.bytes);
    if (!key) return fail(KeystoreError::kInvalidSecretKey, "the decrypted key is not a valid secp256k1 secret key");
    if (ks.address && address_of(*key) != *ks.address)
        return fail(KeystoreError::kAddressMismatch, "address does not match the decrypted key");
    return std::move(*key);
}

Expected<SecretKey, KeystoreFailure> decrypt_keystore(std::string_view json, std::string_view password,
                                                      const KdfLimits& limits) {
    auto ks = parse_keystore(json, limits);
    if (!ks) return Unexpected(std::move(ks).error());
    return decrypt_keystore(*ks, password, limits);
}

KeystoreRandomness fresh_keystore_randomness() {
    KeystoreRandomness r;
    if (RAND_bytes(r.salt.data(), static_cast<int>(r.salt.size())) != 1 ||
        RAND_bytes(r.iv.data(), static_cast<int>(r.iv.size())) != 1 ||
        RAND_bytes(r.uuid.data(), static_cast<int>(r.uuid.size())) != 1)
        std::abort();  // no CSPRNG: nothing safe to do
    return r;
}

std::string format_uuid(const std::array<std::uint8_t, 16>& uuid) {
    const std::string hex = to_hex_raw(uuid);
    return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
           hex.substr(20);
}

Expected<Keystore, KeystoreFailure> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                     const KdfParams& kdf, const KeystoreRandomness& randomness,
                                                     const KdfLimits& limits) {
    KEEPER_TRY(validate_kdf(kdf, limits));
    Keystore ks;
    ks.kdf = kdf;
    ks.salt.assign(randomness.salt.begin(), randomness.salt.end());
    ks.iv = randomness.iv;

    WipedArray<kDerivedKeySize> derived;
    KEEPER_TRY(derive_key(kdf, password, ks.salt, derived));
    if (!aes_128_ctr(std::span<const std::uint8_t, kAesKeySize>(derived.bytes.data(), kAesKeySize), ks.iv,
                     std::span<const std::uint8_t, 32>(key.reveal().data(), 32), ks.ciphertext))
        return fail(KeystoreError::kCryptoFailure, "AES-128-CTR encryption failed");
    ks.mac = compute_mac(derived, ks.ciphertext);

    auto uuid = randomness.uuid;
    uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0f) | 0x40);  // version 4 (random)
    uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3f) | 0x80);  // RFC 4122 variant
    ks.id = format_uuid(uuid);
    ks.address = address_of(key);
    return ks;
}

Expected<Keystore, KeystoreFailure> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                     const KdfParams& kdf) {
    return encrypt_keystore(key, password, kdf, fresh_keystore_randomness());
}

#undef KEEPER_TRY

}  // namespace keeper

#include "keeper/mev/flashbots_auth.hpp"

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip191.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/crypto/keccak.hpp"

namespace keeper::mev {

std::string flashbots_message(std::string_view body) { return to_hex(keccak256(body)); }

Expected<std::string, SignError> flashbots_signature(std::string_view body, const SecretKey& reputation_key) {
    const std::string message = flashbots_message(body);
    auto sig = personal_sign(reputation_key, as_bytes(message));
    if (!sig) return Unexpected(sig.error());
    const auto rsv = to_rsv(*sig);
    std::string out = to_checksum(address_of(reputation_key));
    out += ':';
    out += to_hex(ByteView(rsv.data(), rsv.size()));
    return out;
}

std::string_view to_string(AuthError e) noexcept {
    switch (e) {
        case AuthError::kMalformedHeader: return "malformed signature header (expected <address>:<signature>)";
        case AuthError::kBadAddress: return "signature header: address is not 20 bytes of hex";
        case AuthError::kBadSignature: return "signature header: signature is not a valid 65-byte signature";
        case AuthError::kSignerMismatch: return "signature header: signature does not match the address";
    }
    return "unknown auth error";
}

Expected<Address, AuthError> verify_flashbots_signature(std::string_view header_value, std::string_view body) {
    const auto colon = header_value.find(':');
    if (colon == std::string_view::npos || header_value.find(':', colon + 1) != std::string_view::npos)
        return Unexpected(AuthError::kMalformedHeader);
    auto address = fixed_from_hex<Address>(header_value.substr(0, colon));
    if (!address) return Unexpected(AuthError::kBadAddress);
    auto sig_bytes = from_hex(header_value.substr(colon + 1), HexPrefix::kRequired);
    if (!sig_bytes || sig_bytes->size() != 65) return Unexpected(AuthError::kBadSignature);
    auto sig = from_rsv(*sig_bytes);
    if (!sig) return Unexpected(AuthError::kBadSignature);
    const std::string message = flashbots_message(body);
    auto signer = personal_recover(as_bytes(message), *sig);
    if (!signer) return Unexpected(AuthError::kBadSignature);
    if (!(*signer == *address)) return Unexpected(AuthError::kSignerMismatch);
    return *signer;
}

}  // namespace keeper::mev

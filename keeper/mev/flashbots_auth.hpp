// Relay authentication (Flashbots scheme), pure: no I/O.
//
// Every request to a relay carries
//     X-Flashbots-Signature: <address>:<signature>
// where <signature> is an EIP-191 personal_sign (65 bytes r||s||v, v in {27, 28}, 0x-hex) over
// the ASCII text "0x" + lowercase hex(keccak256(body)), body being the EXACT bytes sent on the
// wire (one changed space breaks it). <address> is the signer, 0x-hex (checksummed here; relays
// compare case-insensitively).
//
// The signing key is the keeper's *reputation* key: relays rank searchers by it, it holds no
// funds, and it must never be the funds key (make_submitter refuses that configuration).
#pragma once

#include <string>
#include <string_view>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/crypto/secp256k1.hpp"

namespace keeper::mev {

inline constexpr std::string_view kSignatureHeader = "X-Flashbots-Signature";

/// The text that is personal_signed for `body`: "0x" + hex(keccak256(body)).
[[nodiscard]] std::string flashbots_message(std::string_view body);

/// "<0xAddress>:<0xsignature>" for `body`, signed with `reputation_key`.
[[nodiscard]] Expected<std::string, SignError> flashbots_signature(std::string_view body,
                                                                    const SecretKey& reputation_key);

enum class AuthError : std::uint8_t {
    kMalformedHeader,   // not "<address>:<signature>"
    kBadAddress,        // the address part is not 20 bytes of hex
    kBadSignature,      // the signature part is not 65 bytes of hex, or nothing recovers from it
    kSignerMismatch,    // the signature recovers to another address than the one claimed
};
[[nodiscard]] std::string_view to_string(AuthError e) noexcept;

/// Checks a header value against `body`; returns the authenticated signer.
[[nodiscard]] Expected<Address, AuthError> verify_flashbots_signature(std::string_view header_value,
                                                                      std::string_view body);

}  // namespace keeper::mev

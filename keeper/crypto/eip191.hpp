// EIP-191 version 0x45 ("personal_sign") messages and the 65-byte r||s||v signature form.
#pragma once

#include <array>
#include <cstdint>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/crypto/secp256k1.hpp"

namespace keeper {

/// keccak256("\x19Ethereum Signed Message:\n" + decimal(len(message)) + message).
[[nodiscard]] Hash32 personal_message_hash(ByteView message) noexcept;

[[nodiscard]] Expected<Signature, SignError> personal_sign(const SecretKey& key, ByteView message) noexcept;
[[nodiscard]] Expected<Address, SignError> personal_recover(ByteView message, const Signature& sig) noexcept;

/// r || s || v with v = 27 + y_parity (what personal_sign wallets return).
[[nodiscard]] std::array<std::uint8_t, 65> to_rsv(const Signature& sig) noexcept;
/// Parses r || s || v, accepting v in {0, 1, 27, 28}. Range and low-s checks happen on recovery.
[[nodiscard]] Expected<Signature, SignError> from_rsv(ByteView sig65) noexcept;

}  // namespace keeper

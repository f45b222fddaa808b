// EIP-55 mixed-case checksum addresses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"

namespace keeper {

enum class AddressError : std::uint8_t {
    kMissingPrefix,  // no 0x
    kWrongLength,    // not 40 hex digits
    kInvalidDigit,   // not hex
    kBadChecksum,    // mixed case that does not match EIP-55
};
[[nodiscard]] std::string_view to_string(AddressError e) noexcept;

enum class ChecksumPolicy : std::uint8_t {
    kVerifyMixedCase,  // all-lower or all-upper accepted; mixed case must be a valid checksum
    kRequire,          // the checksum must be present and valid
};

/// "0x" + EIP-55 checksummed hex.
[[nodiscard]] std::string to_checksum(const Address& a);

[[nodiscard]] Expected<Address, AddressError> parse_address(
    std::string_view text, ChecksumPolicy policy = ChecksumPolicy::kVerifyMixedCase);

}  // namespace keeper

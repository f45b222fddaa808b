#include "keeper/crypto/eip55.hpp"

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"

namespace keeper {

std::string_view to_string(AddressError e) noexcept {
    switch (e) {
        case AddressError::kMissingPrefix: return "address must start with 0x";
        case AddressError::kWrongLength: return "address must have 40 hex digits";
        case AddressError::kInvalidDigit: return "address has a non-hex character";
        case AddressError::kBadChecksum: return "address has an invalid EIP-55 checksum";
    }
    return "unknown address error";
}

std::string to_checksum(const Address& a) {
    std::string lower = to_hex_raw(a.view());
    const Hash32 h = keccak256(lower);
    for (std::size_t i = 0; i < lower.size(); ++i) {
        const std::uint8_t nibble = (i % 2 == 0) ? (h.bytes[i / 2] >> 4) : (h.bytes[i / 2] & 0x0f);
        if (lower[i] >= 'a' && nibble >= 8) lower[i] = static_cast<char>(lower[i] - 'a' + 'A');
    }
    return "0x" + lower;
}

Expected<Address, AddressError> parse_address(std::string_view text, ChecksumPolicy policy) {
    if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        return Unexpected(AddressError::kMissingPrefix);
    const std::string_view digits = text.substr(2);
    if (digits.size() != 40) return Unexpected(AddressError::kWrongLength);
    auto decoded = fixed_from_hex<Address>(digits);
    if (!decoded) return Unexpected(AddressError::kInvalidDigit);
    bool has_lower = false;
    bool has_upper = false;
    for (const char c : digits) {
        has_lower |= (c >= 'a' && c <= 'f');
        has_upper |= (c >= 'A' && c <= 'F');
    }
    const bool mixed = has_lower && has_upper;
    if (mixed || policy == ChecksumPolicy::kRequire) {
        if (to_checksum(*decoded).substr(2) != digits) return Unexpected(AddressError::kBadChecksum);
    }
    return *decoded;
}

}  // namespace keeper

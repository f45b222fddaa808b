// Hex encoding and strict decoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"

namespace keeper {

enum class HexError : std::uint8_t {
    kOddLength,     // an odd number of hex digits
    kInvalidDigit,  // a character outside [0-9a-fA-F]
    kWrongLength,   // valid hex, but not the fixed size asked for
};

[[nodiscard]] std::string_view to_string(HexError e) noexcept;

/// Whether decoding requires the "0x" prefix. Both accept "0X".
enum class HexPrefix : std::uint8_t { kOptional, kRequired };

/// Lower-case hex with "0x" prefix (the empty input gives "0x").
[[nodiscard]] std::string to_hex(ByteView bytes);
/// Lower-case hex without prefix.
[[nodiscard]] std::string to_hex_raw(ByteView bytes);

template <std::size_t N>
[[nodiscard]] std::string to_hex(const FixedBytes<N>& b) {
    return to_hex(b.view());
}

[[nodiscard]] Expected<Bytes, HexError> from_hex(std::string_view hex, HexPrefix prefix = HexPrefix::kOptional);

/// Decodes exactly N bytes (2N digits) into a fixed type such as Address or Hash32.
template <class Fixed>
[[nodiscard]] Expected<Fixed, HexError> fixed_from_hex(std::string_view hex) {
    auto b = from_hex(hex);
    if (!b) return Unexpected(b.error());
    Fixed out{};
    if (!Fixed::from_view(*b, out)) return Unexpected(HexError::kWrongLength);
    return out;
}

/// Strips an optional 0x/0X prefix.
[[nodiscard]] constexpr std::string_view strip_0x(std::string_view s) noexcept {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    return s;
}

inline namespace literals {
/// Test and constant helper: "0x01ab"_hex. An invalid literal is a programmer error (asserts).
Bytes operator""_hex(const char* s, std::size_t len);
}  // namespace literals

}  // namespace keeper

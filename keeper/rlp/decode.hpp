// Strict RLP decoding: only the canonical encoding of a value is accepted, so every accepted
// input re-encodes to exactly the same bytes.
//
// Decoders consume from the front of a ByteView (advancing it) and take an explicit
// Leftover policy: kProhibit fails with kInputTooLong unless the view is empty afterwards,
// kAllow leaves the rest for the next field.
#pragma once

#include <cstdint>
#include <string_view>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/rlp/encode.hpp"

namespace keeper::rlp {

enum class DecodingError : std::uint8_t {
    kInputTooShort,           // a header, or the payload it announces, runs past the input
    kInputTooLong,            // bytes left over where Leftover::kProhibit applies
    kLeadingZero,             // a length or a scalar written with a leading zero byte
    kNonCanonicalSingleByte,  // 0x81 followed by a byte below 0x80 (that byte is its own encoding)
    kNonCanonicalSize,        // long-form header for a payload shorter than 56 bytes
    kOverflow,                // a length beyond size_t, or a scalar too wide for its type
    kUnexpectedList,          // a list where a string was required
    kUnexpectedString,        // a string where a list was required
    kUnexpectedLength,        // a fixed-size string (address, hash) of another length
    kUnexpectedListElements,  // a list with more elements than its schema
    kNestingTooDeep,          // lists nested beyond kMaxDepth (generic decoding only)
};
[[nodiscard]] std::string_view to_string(DecodingError e) noexcept;

enum class Leftover : std::uint8_t { kProhibit, kAllow };

using DecodingResult = Expected<void, DecodingError>;

/// Reads a header. For a single byte below 0x80 the header is {string, 1} and the byte is
/// left in place as the payload. Guarantees payload_length <= from.size() afterwards.
[[nodiscard]] Expected<Header, DecodingError> decode_header(ByteView& from) noexcept;

/// A string item as a view into `from` (no copy).
[[nodiscard]] Expected<ByteView, DecodingError> decode_string(ByteView& from, Leftover mode) noexcept;
/// A list header; returns the payload (the concatenated elements) and advances past it.
[[nodiscard]] Expected<ByteView, DecodingError> decode_list(ByteView& from, Leftover mode) noexcept;

[[nodiscard]] DecodingResult decode(ByteView& from, Bytes& to, Leftover mode);
/// Scalars: minimal big-endian, no leading zero (so 0 must be 0x80, never 0x00).
[[nodiscard]] DecodingResult decode(ByteView& from, std::uint64_t& to, Leftover mode) noexcept;
[[nodiscard]] DecodingResult decode(ByteView& from, U256& to, Leftover mode) noexcept;

template <std::size_t N>
[[nodiscard]] DecodingResult decode(ByteView& from, FixedBytes<N>& to, Leftover mode) noexcept {
    auto str = decode_string(from, mode);
    if (!str) return Unexpected(str.error());
    if (!FixedBytes<N>::from_view(*str, to)) return Unexpected(DecodingError::kUnexpectedLength);
    return {};
}

}  // namespace keeper::rlp

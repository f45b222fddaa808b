// Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
//
// Encoders append to a Bytes buffer; length() gives the exact encoded size without encoding,
// so callers can write a list header first and reserve once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::rlp {

inline constexpr std::uint8_t kEmptyStringCode = 0x80;
inline constexpr std::uint8_t kEmptyListCode = 0xc0;
/// Payloads shorter than this use the one-byte short form of the header.
inline constexpr std::size_t kShortFormLimit = 56;

/// The prefix of an RLP item: whether it is a list, and the length of what follows.
struct Header {
    bool list{false};
    std::size_t payload_length{0};
    bool operator==(const Header&) const = default;
};

/// Size of the header for a payload of this length (1, or 1 + big-endian length bytes).
[[nodiscard]] std::size_t length_of_header(std::size_t payload_length) noexcept;

void encode_header(Bytes& to, const Header& header);

/// A byte string; a single byte below 0x80 is its own encoding.
void encode(Bytes& to, ByteView str);
/// A scalar: minimal big-endian bytes, so 0 is the empty string 0x80.
void encode(Bytes& to, std::uint64_t n);
void encode(Bytes& to, const U256& n);
template <std::size_t N>
void encode(Bytes& to, const FixedBytes<N>& b) {
    encode(to, b.view());
}

[[nodiscard]] std::size_t length(ByteView str) noexcept;
[[nodiscard]] std::size_t length(std::uint64_t n) noexcept;
[[nodiscard]] std::size_t length(const U256& n) noexcept;
template <std::size_t N>
[[nodiscard]] constexpr std::size_t length(const FixedBytes<N>& /*b*/) noexcept {
    static_assert(N >= 2 && N < kShortFormLimit, "fixed strings of 2..55 bytes: header is one byte");
    return 1 + N;
}

}  // namespace keeper::rlp

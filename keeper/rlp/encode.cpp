#include "keeper/rlp/encode.hpp"

#include <array>
#include <bit>

namespace keeper::rlp {

namespace {

/// Number of bytes in the minimal big-endian form of n (0 for n == 0).
constexpr std::size_t byte_length(std::uint64_t n) noexcept {
    return static_cast<std::size_t>(8 - std::countl_zero(n) / 8);
}

void append_be(Bytes& to, std::uint64_t n, std::size_t len) {
    for (std::size_t i = len; i-- > 0;) to.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

/// Minimal big-endian image of a 256-bit value, right-aligned in `be`; returns its length.
/// Reads the limbs directly: U256 is a fixed-width cpp_int with 64-bit limbs, least
/// significant first. This is the hot path of transaction encoding.
std::size_t minimal_be(const U256& n, std::array<std::uint8_t, 32>& be) noexcept {
    const auto& backend = n.backend();
    static_assert(sizeof(*backend.limbs()) == 8, "U256 expected to use 64-bit limbs");
    const std::size_t limbs = backend.size();
    std::size_t top = 0;  // index of the highest non-zero limb + 1
    for (std::size_t i = 0; i < limbs; ++i) {
        const std::uint64_t limb = backend.limbs()[i];
        for (std::size_t j = 0; j < 8; ++j) be[31 - (8 * i + j)] = static_cast<std::uint8_t>(limb >> (8 * j));
        if (limb != 0) top = i + 1;
    }
    if (top == 0) return 0;
    return 8 * (top - 1) + byte_length(backend.limbs()[top - 1]);
}

}  // namespace

std::size_t length_of_header(std::size_t payload_length) noexcept {
    return payload_length < kShortFormLimit ? 1 : 1 + byte_length(payload_length);
}

void encode_header(Bytes& to, const Header& header) {
    const std::uint8_t short_base = header.list ? kEmptyListCode : kEmptyStringCode;
    if (header.payload_length < kShortFormLimit) {
        to.push_back(static_cast<std::uint8_t>(short_base + header.payload_length));
        return;
    }
    const std::size_t len_of_len = byte_length(header.payload_length);
    // Long form: 0xb7 / 0xf7 + number of length bytes, then the big-endian length.
    to.push_back(static_cast<std::uint8_t>(short_base + kShortFormLimit - 1 + len_of_len));
    append_be(to, header.payload_length, len_of_len);
}

std::size_t length(ByteView str) noexcept {
    if (str.size() == 1 && str[0] < kEmptyStringCode) return 1;
    return length_of_header(str.size()) + str.size();
}

void encode(Bytes& to, ByteView str) {
    if (str.size() != 1 || str[0] >= kEmptyStringCode) encode_header(to, {false, str.size()});
    to.insert(to.end(), str.begin(), str.end());
}

std::size_t length(std::uint64_t n) noexcept {
    return n < kEmptyStringCode ? 1 : 1 + byte_length(n);
}

void encode(Bytes& to, std::uint64_t n) {
    if (n == 0) {
        to.push_back(kEmptyStringCode);
    } else if (n < kEmptyStringCode) {
        to.push_back(static_cast<std::uint8_t>(n));
    } else {
        const std::size_t len = byte_length(n);
        to.push_back(static_cast<std::uint8_t>(kEmptyStringCode + len));
        append_be(to, n, len);
    }
}

std::size_t length(const U256& n) noexcept {
    std::array<std::uint8_t, 32> be{};
    const std::size_t len = minimal_be(n, be);
    return (len == 1 && be[31] < kEmptyStringCode) ? 1 : 1 + len;
}

void encode(Bytes& to, const U256& n) {
    std::array<std::uint8_t, 32> be{};
    const std::size_t len = minimal_be(n, be);
    encode(to, ByteView(be).last(len));  // 0 -> empty string 0x80; 1..0x7f -> the byte itself
}

}  // namespace keeper::rlp

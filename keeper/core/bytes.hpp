// Byte containers and fixed-size byte types (Address, Hash32) with compile-time literals.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keeper {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// View over the bytes of a string (e.g. a message or a request body).
[[nodiscard]] inline ByteView as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT
}

namespace detail {
consteval int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw "invalid hex digit in literal";  // compile-time error: the literal is malformed
}
}  // namespace detail

/// N bytes, value semantics, ordered. Base of Address and Hash32.
template <std::size_t N>
struct FixedBytes {
    static constexpr std::size_t kSize = N;
    std::array<std::uint8_t, N> bytes{};

    [[nodiscard]] constexpr const std::uint8_t* data() const noexcept { return bytes.data(); }
    [[nodiscard]] constexpr std::uint8_t* data() noexcept { return bytes.data(); }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
    [[nodiscard]] constexpr ByteView view() const noexcept { return {bytes.data(), N}; }
    [[nodiscard]] constexpr std::span<const std::uint8_t, N> span() const noexcept { return bytes; }
    [[nodiscard]] constexpr bool is_zero() const noexcept {
        return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
    }
    constexpr auto operator<=>(const FixedBytes&) const = default;

    /// Copies exactly N bytes; returns false (and leaves *this zero) if `in` has another size.
    [[nodiscard]] static constexpr bool from_view(ByteView in, FixedBytes& out) noexcept {
        if (in.size() != N) return false;
        std::copy(in.begin(), in.end(), out.bytes.begin());
        return true;
    }

    /// Parses "0x" + 2N hex digits at compile time; a malformed literal fails to compile.
    static consteval FixedBytes parse_literal(const char* s, std::size_t len) {
        if (len != 2 + 2 * N || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
            throw "fixed-bytes literal must be 0x followed by exactly 2N hex digits";
        FixedBytes out{};
        for (std::size_t i = 0; i < N; ++i)
            out.bytes[i] = static_cast<std::uint8_t>(detail::hex_digit(s[2 + 2 * i]) * 16 +
                                                     detail::hex_digit(s[3 + 2 * i]));
        return out;
    }
};

struct Address : FixedBytes<20> {
    constexpr auto operator<=>(const Address&) const = default;
};
struct Hash32 : FixedBytes<32> {
    constexpr auto operator<=>(const Hash32&) const = default;
};

inline namespace literals {
consteval Address operator""_address(const char* s, std::size_t len) {
    return Address{FixedBytes<20>::parse_literal(s, len)};
}
consteval Hash32 operator""_hash(const char* s, std::size_t len) {
    return Hash32{FixedBytes<32>::parse_literal(s, len)};
}
}  // namespace literals

}  // namespace keeper

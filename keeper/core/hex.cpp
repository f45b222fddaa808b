#include "keeper/core/hex.hpp"

#include <array>
#include <cstdlib>

namespace keeper {

namespace {
constexpr std::array<char, 16> kDigits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                          '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

constexpr std::array<std::int8_t, 256> make_table() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(i);
    for (int i = 0; i < 6; ++i) {
        t[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(10 + i);
        t[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(10 + i);
    }
    return t;
}
constexpr auto kTable = make_table();
}  // namespace

std::string_view to_string(HexError e) noexcept {
    switch (e) {
        case HexError::kOddLength: return "odd number of hex digits";
        case HexError::kInvalidDigit: return "invalid hex digit";
        case HexError::kWrongLength: return "wrong length";
    }
    return "unknown hex error";
}

std::string to_hex_raw(ByteView bytes) {
    std::string out(bytes.size() * 2, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
    }
    return out;
}

std::string to_hex(ByteView bytes) { return "0x" + to_hex_raw(bytes); }

Expected<Bytes, HexError> from_hex(std::string_view hex, HexPrefix prefix) {
    const std::string_view digits = strip_0x(hex);
    if (prefix == HexPrefix::kRequired && digits.size() == hex.size()) return Unexpected(HexError::kInvalidDigit);
    if (digits.size() % 2 != 0) return Unexpected(HexError::kOddLength);
    Bytes out(digits.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto hi = kTable[static_cast<unsigned char>(digits[2 * i])];
        const auto lo = kTable[static_cast<unsigned char>(digits[2 * i + 1])];
        if (hi < 0 || lo < 0) return Unexpected(HexError::kInvalidDigit);
        out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    return out;
}

inline namespace literals {
Bytes operator""_hex(const char* s, std::size_t len) {
    auto b = from_hex(std::string_view(s, len));
    if (!b) std::abort();  // a malformed literal in our own source
    return std::move(b).value();
}
}  // namespace literals

}  // namespace keeper

#include "keeper/core/u256.hpp"

#include <cassert>

namespace keeper {

std::string_view to_string(U256Error e) noexcept {
    switch (e) {
        case U256Error::kEmpty: return "empty number";
        case U256Error::kInvalidDigit: return "invalid digit in number";
        case U256Error::kOverflow: return "number does not fit in 256 bits";
        case U256Error::kTooLong: return "more than 32 bytes";
    }
    return "unknown number error";
}

std::array<std::uint8_t, 32> to_be32(const U256& v) noexcept {
    std::array<std::uint8_t, 32> out{};
    U256 x = v;
    for (std::size_t i = 0; i < 32; ++i) {
        out[31 - i] = static_cast<std::uint8_t>(x & 0xff);
        x >>= 8;
    }
    return out;
}

Bytes to_be_minimal(const U256& v) {
    const auto full = to_be32(v);
    std::size_t first = 0;
    while (first < 32 && full[first] == 0) ++first;
    return {full.begin() + static_cast<std::ptrdiff_t>(first), full.end()};
}

Expected<U256, U256Error> from_be(ByteView be) noexcept {
    if (be.size() > 32) return Unexpected(U256Error::kTooLong);
    U256 out = 0;
    for (const auto b : be) out = (out << 8) | b;
    return out;
}

Expected<U256, U256Error> parse_u256(std::string_view text) noexcept {
    const bool hex = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (hex) text.remove_prefix(2);
    if (text.empty()) return Unexpected(U256Error::kEmpty);
    U512 acc = 0;  // wide accumulator: overflow is detected, not wrapped
    const U512 limit = U512(1) << 256;
    for (const char c : text) {
        unsigned d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<unsigned>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
            d = static_cast<unsigned>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
            d = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return Unexpected(U256Error::kInvalidDigit);
        }
        acc = acc * (hex ? 16U : 10U) + d;
        if (acc >= limit) return Unexpected(U256Error::kOverflow);
    }
    return static_cast<U256>(acc);
}

// Formatting by hand: Boost's str() trips a g++ 12 -Wrestrict false positive inside std::string.
std::string to_dec(const U256& v) {
    if (v == 0) return "0";
    char buf[80];
    std::size_t pos = sizeof(buf);
    U256 x = v;
    while (x != 0) {
        const auto digit = static_cast<unsigned>(x % 10);
        x /= 10;
        buf[--pos] = static_cast<char>('0' + digit);
    }
    return {buf + pos, sizeof(buf) - pos};
}

std::string to_quantity(const U256& v) {
    if (v == 0) return "0x0";
    static constexpr char kDigits[] = "0123456789abcdef";
    char buf[66];
    std::size_t pos = sizeof(buf);
    U256 x = v;
    while (x != 0) {
        buf[--pos] = kDigits[static_cast<unsigned>(x & 0xf)];
        x >>= 4;
    }
    buf[--pos] = 'x';
    buf[--pos] = '0';
    return {buf + pos, sizeof(buf) - pos};
}

U256 to_twos(const I256& v) noexcept {
    if (v >= 0) return static_cast<U256>(v);
    const U256 mag = static_cast<U256>(-v);
    return ~mag + 1;  // wraps modulo 2^256
}

I256 from_twos(const U256& v) noexcept {
    if (!boost::multiprecision::bit_test(v, 255)) return static_cast<I256>(v);
    const U256 mag = ~v + 1;  // 2^255 for the most negative value: int256_t's magnitude holds it
    return -static_cast<I256>(mag);
}

U256 mul_div(const U256& a, const U256& b, const U256& d) noexcept {
    assert(d != 0);
    return static_cast<U256>(static_cast<U512>(a) * b / d);
}

}  // namespace keeper

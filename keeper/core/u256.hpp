// 256-bit integers on Boost.Multiprecision (fixed-width, modular arithmetic, no allocation).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/multiprecision/cpp_int.hpp>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"

namespace keeper {

using U256 = boost::multiprecision::uint256_t;  // wraps modulo 2^256
using I256 = boost::multiprecision::int256_t;   // sign-magnitude; two's complement via to_twos/from_twos
using U512 = boost::multiprecision::uint512_t;  // for exact intermediate products (mul-div)

inline namespace literals {
using boost::multiprecision::literals::operator""_cppui256;  // 0x..._cppui256 at compile time
}

enum class U256Error : std::uint8_t {
    kEmpty,         // no digits
    kInvalidDigit,  // not a decimal / hex digit
    kOverflow,      // does not fit in 256 bits
    kTooLong,       // more than 32 bytes
};
[[nodiscard]] std::string_view to_string(U256Error e) noexcept;

/// Big-endian 32-byte image.
[[nodiscard]] std::array<std::uint8_t, 32> to_be32(const U256& v) noexcept;
/// Minimal big-endian bytes (no leading zeros; zero gives an empty vector), as RLP wants.
[[nodiscard]] Bytes to_be_minimal(const U256& v);
/// Big-endian bytes of at most 32; shorter input is left-padded.
[[nodiscard]] Expected<U256, U256Error> from_be(ByteView be) noexcept;

/// Decimal, or hex with 0x prefix. Rejects signs, spaces, and values above 2^256-1.
[[nodiscard]] Expected<U256, U256Error> parse_u256(std::string_view text) noexcept;

[[nodiscard]] std::string to_dec(const U256& v);
/// "0x" + minimal lower-case hex ("0x0" for zero), as JSON-RPC quantities are written.
[[nodiscard]] std::string to_quantity(const U256& v);

/// Two's complement image of a signed value in 256 bits, and back.
[[nodiscard]] U256 to_twos(const I256& v) noexcept;
[[nodiscard]] I256 from_twos(const U256& v) noexcept;

/// floor(a * b / d) without intermediate overflow; d must be non-zero.
[[nodiscard]] U256 mul_div(const U256& a, const U256& b, const U256& d) noexcept;

}  // namespace keeper

// ABI values: a variant over what the types hold, a parser for cast-style text arguments and a
// formatter that prints like `cast abi-decode`.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/type.hpp"
#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::abi {

class Value;

namespace detail {
template <class T, class... Alternatives>
concept OneOf = (std::is_same_v<T, Alternatives> || ...);
}  // namespace detail

/// bytes1..bytes32: `size` significant bytes, the rest of `data` zero.
struct BytesN {
    std::array<std::uint8_t, 32> data{};
    std::uint8_t size{0};

    /// Copies `bytes` (1..32 of them; asserted).
    [[nodiscard]] static BytesN from(ByteView bytes) noexcept;
    [[nodiscard]] ByteView view() const noexcept { return {data.data(), size}; }
    friend bool operator==(const BytesN&, const BytesN&) = default;
};

/// T[k] and T[].
struct ArrayValue {
    std::vector<Value> items;
    friend bool operator==(const ArrayValue&, const ArrayValue&);
};

/// (T1,...,Tn).
struct TupleValue {
    std::vector<Value> items;
    friend bool operator==(const TupleValue&, const TupleValue&);
};

/// One ABI value. uintN holds U256, intN holds I256, address Address, bool bool, bytesN BytesN,
/// bytes Bytes, string std::string (raw bytes, not validated as UTF-8).
class Value {
public:
    using Storage = std::variant<U256, I256, Address, bool, BytesN, Bytes, std::string, ArrayValue, TupleValue>;

    Value() = default;
    /// Implicit from exactly one of the alternatives (no conversions: 5 is not a U256 here).
    template <class T>
    requires detail::OneOf < std::remove_cvref_t<T>, U256, I256, Address,
    bool, BytesN, Bytes, std::string, ArrayValue,
        TupleValue > Value(T&& v) : v_(std::forward<T>(v)) {}  // NOLINT(google-explicit-constructor)

    template <class T>
    [[nodiscard]] bool holds() const noexcept {
        return std::holds_alternative<T>(v_);
    }
    template <class T>
    [[nodiscard]] const T* get_if() const noexcept {
        return std::get_if<T>(&v_);
    }
    [[nodiscard]] const Storage& storage() const noexcept { return v_; }

    friend bool operator==(const Value&, const Value&) = default;

private:
    Storage v_{U256{0}};
};

inline bool operator==(const ArrayValue& a, const ArrayValue& b) {
    return a.items == b.items;
}
inline bool operator==(const TupleValue& a, const TupleValue& b) {
    return a.items == b.items;
}

/// Whether `value` has the shape and range of `type`; the error names the offending element.
[[nodiscard]] Expected<void, AbiError> check_value(const Type& type, const Value& value);

/// Parses one command-line argument as cast does: numbers in decimal, 0x-hex, "1e18",
/// "1.5 gwei"/"1ether"; intN with a sign; addresses (an EIP-55 checksum is verified when the
/// text is mixed-case); true/false; bytes and bytesN as hex; arrays "[a, b]" and tuples "(a, b)";
/// strings at top level raw without trailing white space or quoted ('...' or "..."), inside
/// brackets quoted or bare (trimmed); no escapes inside quotes, as in cast.
[[nodiscard]] Result<Value> parse_value(const Type& type, std::string_view text);
/// One argument per type; the error names the argument (1-based).
[[nodiscard]] Result<std::vector<Value>> parse_values(std::span<const Type> types, std::span<const std::string> args);

enum class NumberStyle : std::uint8_t {
    kAnnotated,  // cast's default: "1000000000000000000 [1e18]" for values >= 10000
    kPlain,      // digits only
};

/// Formats as `cast abi-decode` prints: checksummed addresses, 0x-hex bytes, quoted and escaped
/// strings, "[a, b]" arrays and "(a, b)" tuples.
[[nodiscard]] std::string format_value(const Value& value, NumberStyle style = NumberStyle::kAnnotated);

}  // namespace keeper::abi

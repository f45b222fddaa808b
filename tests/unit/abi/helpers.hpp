// Shared helpers of the abi unit tests.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/type.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/core/hex.hpp"

namespace keeper::abi::test {

/// Concatenates 32-byte words written as 64 hex digits (as the Solidity docs list them).
inline Bytes words(std::initializer_list<std::string_view> hex_words) {
    Bytes out;
    for (const auto w : hex_words) {
        const Bytes b = from_hex(w).value();
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

/// A word holding a small number.
inline std::string word(std::uint64_t v) {
    std::string hex = to_hex_raw(ByteView(to_be32(U256(v))));
    return hex;
}

inline Type type(std::string_view text) {
    return parse_type(text).value();
}

inline std::vector<Type> types(std::initializer_list<std::string_view> texts) {
    std::vector<Type> out;
    for (const auto t : texts) out.push_back(type(t));
    return out;
}

inline Value u(std::uint64_t v) {
    return Value(U256(v));
}
inline Value i(std::int64_t v) {
    return Value(I256(v));
}
inline Value str(std::string s) {
    return Value(std::move(s));
}
inline Value bytes(std::string_view hex) {
    return Value(from_hex(hex).value());
}
inline Value bytes_n(std::string_view hex) {
    return Value(BytesN::from(from_hex(hex).value()));
}
inline Value array(std::vector<Value> items) {
    return Value(ArrayValue{std::move(items)});
}
inline Value tuple(std::vector<Value> items) {
    return Value(TupleValue{std::move(items)});
}

}  // namespace keeper::abi::test

// RLP: the examples of the Ethereum wiki / yellow paper appendix B, and one malformed input
// per decoding error.
#include <catch2/catch.hpp>

#include <string>

#include "keeper/core/hex.hpp"
#include "keeper/rlp/decode.hpp"
#include "keeper/rlp/encode.hpp"
#include "keeper/rlp/item.hpp"

using namespace keeper;
using rlp::DecodingError;
using rlp::Item;
using rlp::Leftover;

namespace {

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Item str(std::string_view s) {
    return Item::string(Bytes(s.begin(), s.end()));
}
Item list(Item::List items) {
    return Item::list(std::move(items));
}

template <class T>
Bytes encoded(const T& v) {
    Bytes out;
    rlp::encode(out, v);
    return out;
}

/// Decodes all of `in` as T with Leftover::kProhibit and returns the error (or fails).
template <class T>
DecodingError error_of(const Bytes& in) {
    ByteView view(in);
    T value{};
    auto r = rlp::decode(view, value, Leftover::kProhibit);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

DecodingError item_error(const Bytes& in) {
    ByteView view(in);
    auto r = rlp::decode_item(view, Leftover::kProhibit);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

Item decode_all(const Bytes& in) {
    ByteView view(in);
    auto r = rlp::decode_item(view, Leftover::kProhibit);
    REQUIRE(r.has_value());
    return *r;
}

const std::string kLorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";

}  // namespace

TEST_CASE("rlp wiki examples encode and decode") {
    const Item set_theoretic_three = list({list({}), list({list({})}), list({list({}), list({list({})})})});
    const std::vector<std::pair<Item, Bytes>> cases = {
        {str("dog"), "0x83646f67"_hex},
        {list({str("cat"), str("dog")}), "0xc88363617483646f67"_hex},
        {str(""), "0x80"_hex},
        {list({}), "0xc0"_hex},
        {Item::string({0x00}), "0x00"_hex},
        {Item::string({0x0f}), "0x0f"_hex},
        {Item::string({0x04, 0x00}), "0x820400"_hex},
        {set_theoretic_three, "0xc7c0c1c0c3c0c1c0"_hex},
        {str(kLorem),
         "0xb8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974"_hex},
    };
    for (const auto& [item, bytes] : cases) {
        CAPTURE(to_hex(bytes));
        CHECK(rlp::encode(item) == bytes);
        CHECK(rlp::length(item) == bytes.size());
        CHECK(decode_all(bytes) == item);
    }
    CHECK(kLorem.size() == 56);
}

TEST_CASE("rlp scalars are minimal big-endian") {
    CHECK(encoded(std::uint64_t{0}) == "0x80"_hex);
    CHECK(encoded(std::uint64_t{15}) == "0x0f"_hex);
    CHECK(encoded(std::uint64_t{127}) == "0x7f"_hex);
    CHECK(encoded(std::uint64_t{128}) == "0x8180"_hex);
    CHECK(encoded(std::uint64_t{1024}) == "0x820400"_hex);
    CHECK(encoded(std::uint64_t{0xffffffffffffffff}) == "0x88ffffffffffffffff"_hex);
    CHECK(encoded(U256(0)) == "0x80"_hex);
    CHECK(encoded(U256(1024)) == "0x820400"_hex);
    CHECK(encoded(U256(1) << 64) == "0x89010000000000000000"_hex);
    CHECK(encoded(~U256(0)) == "0xa0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"_hex);
    for (const U256& v : {U256(0), U256(1), U256(127), U256(128), U256(255), U256(256), U256(1) << 63, U256(1) << 64,
                          U256(1) << 200, ~U256(0)}) {
        const Bytes e = encoded(v);
        CHECK(rlp::length(v) == e.size());
        ByteView view(e);
        U256 back;
        REQUIRE(rlp::decode(view, back, Leftover::kProhibit).has_value());
        CHECK(back == v);
    }
    std::uint64_t n = 0;
    const Bytes in = "0x820400"_hex;
    ByteView view(in);
    REQUIRE(rlp::decode(view, n, Leftover::kProhibit).has_value());
    CHECK(n == 1024);
}

TEST_CASE("rlp long headers") {
    const Bytes payload(1024, 0xaa);
    const Bytes e = encoded(ByteView(payload));
    CHECK(Bytes(e.begin(), e.begin() + 3) == "0xb90400"_hex);
    CHECK(e.size() == 1027);
    CHECK(rlp::length_of_header(55) == 1);
    CHECK(rlp::length_of_header(56) == 2);
    CHECK(rlp::length_of_header(255) == 2);
    CHECK(rlp::length_of_header(256) == 3);
    Bytes h;
    rlp::encode_header(h, {true, 56});
    CHECK(h == "0xf838"_hex);
    h.clear();
    rlp::encode_header(h, {true, 55});
    CHECK(h == "0xf7"_hex);
}

TEST_CASE("rlp malformed input: each defect has its own error") {
    // Input too short: empty, truncated payloads, missing length bytes, lengths beyond input.
    CHECK(item_error(Bytes{}) == DecodingError::kInputTooShort);
    CHECK(item_error("0x83646f"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0xb8"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0xb90400"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0xc2c0"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0x81"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0xc3c380"_hex) == DecodingError::kInputTooShort);  // inner list runs past outer
    // Oversize lengths: a 2^64-1 byte payload announced in 9 bytes of input.
    CHECK(item_error("0xbfffffffffffffffff"_hex) == DecodingError::kInputTooShort);
    CHECK(item_error("0xffffffffffffffffff"_hex) == DecodingError::kInputTooShort);
    // Leading zeros in a length or a scalar.
    CHECK(item_error(concat("0xb90038"_hex, Bytes(56, 0x61))) == DecodingError::kLeadingZero);
    CHECK(error_of<std::uint64_t>("0x820004"_hex) == DecodingError::kLeadingZero);
    CHECK(error_of<U256>("0x00"_hex) == DecodingError::kLeadingZero);
    CHECK(error_of<U256>("0x8200ff"_hex) == DecodingError::kLeadingZero);
    // A byte below 0x80 wrapped in a one-byte string.
    CHECK(item_error("0x8100"_hex) == DecodingError::kNonCanonicalSingleByte);
    CHECK(item_error("0x817f"_hex) == DecodingError::kNonCanonicalSingleByte);
    CHECK(decode_all("0x8180"_hex) == Item::string({0x80}));
    // Long form for fewer than 56 bytes.
    CHECK(item_error("0xb80161"_hex) == DecodingError::kNonCanonicalSize);
    CHECK(item_error(concat("0xb837"_hex, Bytes(55, 0x61))) == DecodingError::kNonCanonicalSize);
    CHECK(item_error("0xf801c0"_hex) == DecodingError::kNonCanonicalSize);
    CHECK(item_error("0xf800"_hex) == DecodingError::kLeadingZero);  // length 0 written as 0x00
    // Scalars too wide for their type.
    CHECK(error_of<std::uint64_t>("0x89010000000000000000"_hex) == DecodingError::kOverflow);
    CHECK(error_of<U256>(concat("0xa1"_hex, Bytes(33, 0x01))) == DecodingError::kOverflow);
    // Trailing bytes.
    CHECK(item_error("0x8000"_hex) == DecodingError::kInputTooLong);
    CHECK(item_error("0xc0c0"_hex) == DecodingError::kInputTooLong);
    CHECK(error_of<std::uint64_t>("0x0101"_hex) == DecodingError::kInputTooLong);
    // Shape mismatches.
    CHECK(error_of<U256>("0xc0"_hex) == DecodingError::kUnexpectedList);
    CHECK(error_of<Bytes>("0xc180"_hex) == DecodingError::kUnexpectedList);
    CHECK(error_of<Address>("0x8401020304"_hex) == DecodingError::kUnexpectedLength);
    {
        const Bytes in = "0x83646f67"_hex;
        ByteView view(in);
        auto r = rlp::decode_list(view, Leftover::kProhibit);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodingError::kUnexpectedString);
    }
}

TEST_CASE("rlp leftover policy") {
    const Bytes in = "0x83646f6783636174"_hex;
    ByteView view(in);
    Bytes first;
    REQUIRE(rlp::decode(view, first, Leftover::kAllow).has_value());
    CHECK(first == Bytes{'d', 'o', 'g'});
    CHECK(view.size() == 4);
    Bytes second;
    REQUIRE(rlp::decode(view, second, Leftover::kProhibit).has_value());
    CHECK(second == Bytes{'c', 'a', 't'});
    CHECK(view.empty());
}

TEST_CASE("rlp nesting depth is bounded") {
    auto nested = [](std::size_t depth) {
        Bytes b = "0xc0"_hex;
        for (std::size_t i = 0; i < depth; ++i) {
            Bytes outer;
            rlp::encode_header(outer, {true, b.size()});
            outer.insert(outer.end(), b.begin(), b.end());
            b = std::move(outer);
        }
        return b;
    };
    const Bytes ok = nested(rlp::kMaxDepth - 1);  // kMaxDepth lists in total
    CHECK(rlp::encode(decode_all(ok)) == ok);
    CHECK(item_error(nested(rlp::kMaxDepth)) == DecodingError::kNestingTooDeep);
    const std::string deep_text = std::string(rlp::kMaxDepth + 1, '[') + std::string(rlp::kMaxDepth + 1, ']');
    auto parsed = rlp::parse_item_text(deep_text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error() == rlp::TextError::kNestingTooDeep);
}

TEST_CASE("rlp text notation follows cast") {
    auto parse = [](std::string_view t) {
        auto r = rlp::parse_item_text(t);
        REQUIRE(r.has_value());
        return rlp::encode(*r);
    };
    // The examples from `cast to-rlp --help`, and cast's treatment of numbers and null.
    CHECK(parse("[]") == "0xc0"_hex);
    CHECK(parse("0x22") == "0x22"_hex);
    CHECK(parse(R"(["0x61"])") == "0xc161"_hex);
    CHECK(parse(R"(["0xf1", "f2"])") == "0xc481f181f2"_hex);
    CHECK(parse(R"(["0x01",["0x02"]])") == "0xc301c102"_hex);
    CHECK(parse("[256]") == "0xc3820100"_hex);
    CHECK(parse("0") == "0x80"_hex);
    CHECK(parse("null") == "0x80"_hex);
    CHECK(parse("") == "0x80"_hex);
    CHECK(parse("18446744073709551616") == "0x89010000000000000000"_hex);
    CHECK(parse(" [ \"0x01\" , [ ] ] ") == "0xc201c0"_hex);

    auto error = [](std::string_view t) {
        auto r = rlp::parse_item_text(t);
        REQUIRE_FALSE(r.has_value());
        return r.error();
    };
    CHECK(error(R"(["0x1"])") == rlp::TextError::kInvalidHex);
    CHECK(error(R"(["0xzz"])") == rlp::TextError::kInvalidHex);
    CHECK(error("[") == rlp::TextError::kInvalidHex);  // not JSON: read as hex, as cast does
    CHECK(error("1.5") == rlp::TextError::kInvalidNumber);
    CHECK(error("{}") == rlp::TextError::kUnsupportedValue);
    CHECK(error("[true]") == rlp::TextError::kUnsupportedValue);

    CHECK(rlp::to_text(decode_all("0xc7c0c1c0c3c0c1c0"_hex)) == "[[],[[]],[[],[[]]]]");
    CHECK(rlp::to_text(decode_all("0xc301c102"_hex)) == R"(["0x01",["0x02"]])");
    CHECK(rlp::to_text(decode_all("0x80"_hex)) == R"("0x")");
}

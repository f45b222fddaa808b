// A generic RLP value (a byte string or a list of values) for tools and tests, with the
// text notation cast uses: "0x.." for strings, [a,b] for lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/rlp/decode.hpp"

namespace keeper::rlp {

/// Lists nested deeper than this are rejected by decode_item and parse_item_text, which
/// bounds their recursion (and so their stack use) on hostile input.
inline constexpr std::size_t kMaxDepth = 1024;

class Item {
public:
    using List = std::vector<Item>;

    Item() = default;  // the empty string
    [[nodiscard]] static Item string(Bytes bytes) { return Item(std::move(bytes)); }
    [[nodiscard]] static Item list(List items) { return Item(std::move(items)); }

    [[nodiscard]] bool is_list() const noexcept { return std::holds_alternative<List>(value_); }
    /// The bytes of a string item; asserts it is one.
    [[nodiscard]] const Bytes& bytes() const;
    /// The elements of a list item; asserts it is one.
    [[nodiscard]] const List& items() const;

    bool operator==(const Item&) const = default;

private:
    explicit Item(Bytes b) : value_(std::move(b)) {}
    explicit Item(List l) : value_(std::move(l)) {}
    std::variant<Bytes, List> value_;
};

[[nodiscard]] std::size_t length(const Item& item) noexcept;
void encode(Bytes& to, const Item& item);
[[nodiscard]] Bytes encode(const Item& item);

/// Decodes one item of any shape (strict, as all decoders here).
[[nodiscard]] Expected<Item, DecodingError> decode_item(ByteView& from, Leftover mode);

/// Text form as printed by `cast from-rlp`: ["0x01",["0x02"]] (no spaces).
[[nodiscard]] std::string to_text(const Item& item);

enum class TextError : std::uint8_t {
    kInvalidHex,        // a string that is not hex (odd length or a bad digit)
    kInvalidNumber,     // a number that is negative, fractional or wider than 256 bits
    kUnsupportedValue,  // JSON objects and booleans have no RLP form
    kNestingTooDeep,    // deeper than kMaxDepth
};
[[nodiscard]] std::string_view to_string(TextError e) noexcept;

/// Parses the input notation of `cast to-rlp`: JSON made of arrays, hex strings (0x optional),
/// non-negative decimal numbers (encoded as minimal big-endian scalars) and null (the empty
/// string). Text that is not such JSON is read as one hex string, as cast does.
[[nodiscard]] Expected<Item, TextError> parse_item_text(std::string_view text);

}  // namespace keeper::rlp

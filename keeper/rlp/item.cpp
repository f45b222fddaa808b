#include "keeper/rlp/item.hpp"

#include <cassert>
#include <optional>

#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::rlp {

const Bytes& Item::bytes() const {
    assert(!is_list());
    return std::get<Bytes>(value_);
}

const Item::List& Item::items() const {
    assert(is_list());
    return std::get<List>(value_);
}

// ---- binary ----------------------------------------------------------------------------------

namespace {

std::size_t payload_length(const Item::List& items) noexcept {
    std::size_t total = 0;
    for (const auto& i : items) total += length(i);
    return total;
}

Expected<Item, DecodingError> decode_at_depth(ByteView& from, std::size_t depth) {
    ByteView probe = from;
    const auto h = decode_header(probe);
    if (!h) return Unexpected(h.error());
    if (!h->list) {
        Bytes b;
        if (auto ok = decode(from, b, Leftover::kAllow); !ok) return Unexpected(ok.error());
        return Item::string(std::move(b));
    }
    if (depth >= kMaxDepth) return Unexpected(DecodingError::kNestingTooDeep);
    auto payload = decode_list(from, Leftover::kAllow);
    if (!payload) return Unexpected(payload.error());
    Item::List items;
    while (!payload->empty()) {
        auto child = decode_at_depth(*payload, depth + 1);
        if (!child) return child;
        items.push_back(std::move(*child));
    }
    return Item::list(std::move(items));
}

}  // namespace

std::size_t length(const Item& item) noexcept {
    if (!item.is_list()) return length(ByteView(item.bytes()));
    const std::size_t payload = payload_length(item.items());
    return length_of_header(payload) + payload;
}

void encode(Bytes& to, const Item& item) {
    if (!item.is_list()) {
        encode(to, ByteView(item.bytes()));
        return;
    }
    encode_header(to, {true, payload_length(item.items())});
    for (const auto& i : item.items()) encode(to, i);
}

Bytes encode(const Item& item) {
    Bytes out;
    out.reserve(length(item));
    encode(out, item);
    return out;
}

Expected<Item, DecodingError> decode_item(ByteView& from, Leftover mode) {
    auto item = decode_at_depth(from, 0);
    if (!item) return item;
    if (mode == Leftover::kProhibit && !from.empty()) return Unexpected(DecodingError::kInputTooLong);
    return item;
}

// ---- text ------------------------------------------------------------------------------------

namespace {

void append_text(std::string& out, const Item& item) {
    if (!item.is_list()) {
        out += '"';
        out += to_hex(item.bytes());
        out += '"';
        return;
    }
    out += '[';
    bool first = true;
    for (const auto& i : item.items()) {
        if (!first) out += ',';
        first = false;
        append_text(out, i);
    }
    out += ']';
}

/// A recursive-descent reader for the JSON subset cast accepts. Returns nullopt on a JSON
/// syntax error (the caller then falls back to reading the text as hex) and an error value
/// for well-formed JSON that has no RLP meaning.
class TextParser {
public:
    explicit TextParser(std::string_view text) : text_(text) {}

    std::optional<Expected<Item, TextError>> parse_document() {
        auto v = parse_value(0);
        if (!v) return std::nullopt;
        if (!*v && v->error() == TextError::kNestingTooDeep) return v;  // parsing stopped early
        skip_space();
        if (pos_ != text_.size()) return std::nullopt;
        return v;
    }

private:
    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool consume_word(std::string_view w) {
        if (text_.substr(pos_, w.size()) != w) return false;
        pos_ += w.size();
        return true;
    }

    std::optional<Expected<Item, TextError>> parse_value(std::size_t depth) {
        skip_space();
        if (pos_ >= text_.size()) return std::nullopt;
        const char c = text_[pos_];
        if (c == '[') return parse_array(depth);
        if (c == '"') return parse_string();
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        if (consume_word("null")) return Expected<Item, TextError>(Item{});
        if (consume_word("true") || consume_word("false"))
            return Expected<Item, TextError>(Unexpected(TextError::kUnsupportedValue));
        if (c == '{') return skip_object();
        return std::nullopt;
    }

    std::optional<Expected<Item, TextError>> parse_array(std::size_t depth) {
        ++pos_;  // '['
        if (depth >= kMaxDepth) return Expected<Item, TextError>(Unexpected(TextError::kNestingTooDeep));
        Item::List items;
        std::optional<TextError> error;
        if (consume(']')) return Expected<Item, TextError>(Item::list(std::move(items)));
        while (true) {
            auto v = parse_value(depth + 1);
            if (!v) return std::nullopt;
            if (!*v) {
                // Remember the first semantic error; keep reading so a later syntax error
                // still takes precedence (it means "not JSON at all").
                if (!error) error = v->error();
                if (v->error() == TextError::kNestingTooDeep) return v;
            } else {
                items.push_back(std::move(**v));
            }
            if (consume(',')) continue;
            if (consume(']')) break;
            return std::nullopt;
        }
        if (error) return Expected<Item, TextError>(Unexpected(*error));
        return Expected<Item, TextError>(Item::list(std::move(items)));
    }

    std::optional<Expected<Item, TextError>> parse_string() {
        ++pos_;  // opening quote
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\') return std::nullopt;  // escapes never occur in hex
            ++pos_;
        }
        if (pos_ >= text_.size()) return std::nullopt;
        const std::string_view body = text_.substr(start, pos_ - start);
        ++pos_;  // closing quote
        auto bytes = from_hex(body);
        if (!bytes) return Expected<Item, TextError>(Unexpected(TextError::kInvalidHex));
        return Expected<Item, TextError>(Item::string(std::move(*bytes)));
    }

    std::optional<Expected<Item, TextError>> parse_number() {
        const std::size_t start = pos_;
        if (text_[pos_] == '-') ++pos_;
        while (pos_ < text_.size() &&
               ((text_[pos_] >= '0' && text_[pos_] <= '9') || text_[pos_] == '.' || text_[pos_] == 'e' ||
                text_[pos_] == 'E' || text_[pos_] == '+' || text_[pos_] == '-'))
            ++pos_;
        const std::string_view digits = text_.substr(start, pos_ - start);
        const auto n = parse_u256(digits);  // decimal only: rejects '-', '.', exponents
        if (!n) return Expected<Item, TextError>(Unexpected(TextError::kInvalidNumber));
        return Expected<Item, TextError>(Item::string(to_be_minimal(*n)));
    }

    std::optional<Expected<Item, TextError>> skip_object() {
        // Objects are never valid here; report that rather than a hex error, as cast does.
        std::size_t nesting = 0;
        for (; pos_ < text_.size(); ++pos_) {
            if (text_[pos_] == '{') ++nesting;
            if (text_[pos_] == '}' && --nesting == 0) {
                ++pos_;
                return Expected<Item, TextError>(Unexpected(TextError::kUnsupportedValue));
            }
        }
        return std::nullopt;
    }

    std::string_view text_;
    std::size_t pos_{0};
};

}  // namespace

std::string to_text(const Item& item) {
    std::string out;
    append_text(out, item);
    return out;
}

std::string_view to_string(TextError e) noexcept {
    switch (e) {
        case TextError::kInvalidHex:
            return "not valid hex (odd number of digits or a bad digit)";
        case TextError::kInvalidNumber:
            return "numbers must be non-negative decimal integers below 2^256";
        case TextError::kUnsupportedValue:
            return "objects and booleans have no RLP form";
        case TextError::kNestingTooDeep:
            return "lists nested too deeply";
    }
    return "unknown RLP text error";
}

Expected<Item, TextError> parse_item_text(std::string_view text) {
    TextParser parser(text);
    if (auto doc = parser.parse_document()) return std::move(*doc);
    // Not JSON: the whole text is one hex string (cast to-rlp 0x1234).
    std::size_t b = 0;
    std::size_t e = text.size();
    while (b < e && (text[b] == ' ' || text[b] == '\n' || text[b] == '\t' || text[b] == '\r')) ++b;
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\n' || text[e - 1] == '\t' || text[e - 1] == '\r')) --e;
    auto bytes = from_hex(text.substr(b, e - b));
    if (!bytes) return Unexpected(TextError::kInvalidHex);
    return Item::string(std::move(*bytes));
}

}  // namespace keeper::rlp

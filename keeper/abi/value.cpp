#include "keeper/abi/value.hpp"

#include <cassert>

#include "keeper/abi/text.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"

namespace keeper::abi {

namespace {

std::string_view kind_name(const Value& v) noexcept {
    switch (v.storage().index()) {
        case 0:
            return "an unsigned integer";
        case 1:
            return "a signed integer";
        case 2:
            return "an address";
        case 3:
            return "a bool";
        case 4:
            return "fixed bytes";
        case 5:
            return "bytes";
        case 6:
            return "a string";
        case 7:
            return "an array";
        default:
            return "a tuple";
    }
}

std::string signed_to_dec(const I256& v) {
    if (v < 0) return "-" + to_dec(static_cast<U256>(-v));
    return to_dec(static_cast<U256>(v));
}

bool fits_uint(const U256& v, std::size_t bits) noexcept {
    return bits >= 256 || (v >> bits) == 0;
}

bool fits_int(const I256& v, std::size_t bits) noexcept {
    const I256 bound = I256(1) << (bits - 1);  // 2^(bits-1): int256_t's magnitude holds 2^255
    return v < bound && v >= -bound;
}

AbiError mismatch(const Type& type, const Value& value) {
    return {AbiErrc::kTypeMismatch, "expected " + type.canonical() + ", got " + std::string(kind_name(value))};
}

// ---- text arguments ----------------------------------------------------------------------------

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) noexcept {
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

AbiError bad_value(std::string_view text, std::string_view why) {
    return {AbiErrc::kInvalidValue, detail::cat({"'", text.substr(0, 100), "': ", why})};
}

/// Decimal "123", hex "0x7b", scientific "1.5e3", with units "1 ether", "2.5gwei", "7wei".
Result<U256> parse_unsigned_text(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        auto v = parse_u256(text);
        if (!v) return Unexpected(bad_value(text, to_string(v.error())));
        return *v;
    }
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    const std::string_view whole = text.substr(0, i);
    std::string_view fraction;
    if (i < text.size() && text[i] == '.') {
        const std::size_t start = ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        fraction = text.substr(start, i - start);
        if (fraction.empty()) return Unexpected(bad_value(text, "expected digits after '.'"));
    }
    if (whole.empty()) return Unexpected(bad_value(text, "expected a number"));
    std::string_view rest = text.substr(i);
    std::size_t exponent = 0;
    if (rest.size() > 1 && (rest.front() == 'e' || rest.front() == 'E') && all_digits(rest.substr(1))) {
        const auto digits = rest.substr(1);
        if (digits.size() > 3) return Unexpected(bad_value(text, "exponent too large"));
        for (const char c : digits) exponent = exponent * 10 + static_cast<std::size_t>(c - '0');
    } else {
        rest = trim(rest);
        if (rest == "ether")
            exponent = 18;
        else if (rest == "gwei")
            exponent = 9;
        else if (rest == "wei" || rest.empty())
            exponent = 0;
        else
            return Unexpected(bad_value(text, "not a number (units: wei, gwei, ether)"));
    }
    if (fraction.size() > exponent)
        return Unexpected(bad_value(text, "more decimals than the exponent or unit allows"));
    std::string digits(whole);
    digits += fraction;
    digits.append(exponent - fraction.size(), '0');
    auto v = parse_u256(digits);
    if (!v) return Unexpected(bad_value(text, to_string(v.error())));
    return *v;
}

Result<I256> parse_signed_text(std::string_view text) {
    bool negative = false;
    std::string_view magnitude = text;
    if (!magnitude.empty() && (magnitude.front() == '-' || magnitude.front() == '+')) {
        negative = magnitude.front() == '-';
        magnitude.remove_prefix(1);
    }
    auto m = parse_unsigned_text(magnitude);
    if (!m) return Unexpected(std::move(m).error());
    if (*m > (U256(1) << 255)) return Unexpected(bad_value(text, "does not fit in int256"));
    const I256 v = static_cast<I256>(*m);
    return negative ? I256(-v) : v;
}

Result<Value> parse_scalar(const Type& type, std::string_view token) {
    switch (type.kind()) {
        case TypeKind::kUint: {
            auto v = parse_unsigned_text(token);
            if (!v) return Unexpected(std::move(v).error());
            if (!fits_uint(*v, type.size()))
                return fail(AbiErrc::kOutOfRange, std::string(token) + " does not fit in " + type.canonical());
            return Value(*v);
        }
        case TypeKind::kInt: {
            auto v = parse_signed_text(token);
            if (!v) return Unexpected(std::move(v).error());
            if (!fits_int(*v, type.size()))
                return fail(AbiErrc::kOutOfRange, std::string(token) + " does not fit in " + type.canonical());
            return Value(*v);
        }
        case TypeKind::kAddress: {
            const std::string text =
                (token.starts_with("0x") || token.starts_with("0X")) ? std::string(token) : "0x" + std::string(token);
            auto a = parse_address(text);
            if (!a) return Unexpected(bad_value(token, to_string(a.error())));
            return Value(*a);
        }
        case TypeKind::kBool:
            if (token == "true") return Value(true);
            if (token == "false") return Value(false);
            return Unexpected(bad_value(token, "expected true or false"));
        case TypeKind::kBytes: {
            auto b = from_hex(token);
            if (!b) return Unexpected(bad_value(token, to_string(b.error())));
            return Value(std::move(*b));
        }
        case TypeKind::kFixedBytes: {
            auto b = from_hex(token);
            if (!b) return Unexpected(bad_value(token, to_string(b.error())));
            if (b->size() != type.size())
                return Unexpected(bad_value(
                    token, "expected exactly " + std::to_string(type.size()) + " bytes for " + type.canonical()));
            return Value(BytesN::from(*b));
        }
        default:
            return Unexpected(bad_value(token, "internal: not a scalar type"));
    }
}

/// Reads values nested in "[...]" and "(...)", where strings may be quoted or bare.
class ValueReader {
public:
    explicit ValueReader(std::string_view text) noexcept : text_(text) {}

    Result<Value> read(const Type& type, std::size_t depth) {
        if (depth > kMaxTypeDepth) return Unexpected(here("nested too deeply"));
        skip_space();
        switch (type.kind()) {
            case TypeKind::kArray:
            case TypeKind::kFixedArray: {
                auto items = read_list(
                    '[', ']', depth, [&](std::size_t) -> const Type& { return type.element(); },
                    type.kind() == TypeKind::kFixedArray ? type.size() : SIZE_MAX);
                if (!items) return Unexpected(std::move(items).error());
                if (type.kind() == TypeKind::kFixedArray && items->size() != type.size())
                    return Unexpected(here("expected " + std::to_string(type.size()) + " elements for " +
                                           type.canonical() + ", got " + std::to_string(items->size())));
                return Value(ArrayValue{std::move(*items)});
            }
            case TypeKind::kTuple: {
                const auto comps = type.components();
                auto items = read_list(
                    '(', ')', depth, [&](std::size_t i) -> const Type& { return comps[i]; }, comps.size());
                if (!items) return Unexpected(std::move(items).error());
                if (items->size() != comps.size())
                    return Unexpected(here("expected " + std::to_string(comps.size()) + " components for " +
                                           type.canonical() + ", got " + std::to_string(items->size())));
                return Value(TupleValue{std::move(*items)});
            }
            case TypeKind::kString: {
                if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
                    const auto close = text_.find(text_[pos_], pos_ + 1);
                    if (close == std::string_view::npos) return Unexpected(here("unterminated quoted string"));
                    std::string s(text_.substr(pos_ + 1, close - pos_ - 1));
                    pos_ = close + 1;
                    return Value(std::move(s));
                }
                const auto token = read_token();
                if (token.empty()) return Unexpected(here("expected a string"));
                return Value(std::string(token));
            }
            default: {
                const auto token = read_token();
                if (token.empty()) return Unexpected(here("expected " + type.canonical()));
                return parse_scalar(type, token);
            }
        }
    }

    [[nodiscard]] bool at_end() noexcept {
        skip_space();
        return pos_ == text_.size();
    }

    [[nodiscard]] AbiError here(std::string_view what) const {
        return {AbiErrc::kInvalidValue, std::string(what) + " at position " + std::to_string(pos_)};
    }

private:
    void skip_space() noexcept {
        while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    }

    /// Up to the next ',' ']' or ')', without surrounding spaces.
    std::string_view read_token() noexcept {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != ')') ++pos_;
        return trim(text_.substr(start, pos_ - start));
    }

    template <class TypeAt>
    Result<std::vector<Value>> read_list(char open, char close, std::size_t depth, TypeAt type_at, std::size_t max) {
        if (pos_ >= text_.size() || text_[pos_] != open)
            return Unexpected(here(std::string("expected '") + open + "'"));
        ++pos_;
        std::vector<Value> items;
        while (true) {
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == close) {
                ++pos_;
                return items;
            }
            if (items.size() >= max) return Unexpected(here("more than " + std::to_string(max) + " elements"));
            auto v = read(type_at(items.size()), depth + 1);
            if (!v) return Unexpected(std::move(v).error());
            items.push_back(std::move(*v));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < text_.size() && text_[pos_] == close) continue;
            return Unexpected(here(std::string("expected ',' or '") + close + "'"));
        }
    }

    std::string_view text_;
    std::size_t pos_{0};
};

// ---- formatting ----------------------------------------------------------------------------------

/// cast's "[1.234e8]" annotation: four significant digits, truncated, trailing zeros dropped.
std::string exp_notation(const std::string& digits) {
    std::string mantissa = digits.substr(0, 4);
    while (mantissa.size() > 1 && mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.size() > 1) mantissa.insert(1, ".");
    return mantissa + "e" + std::to_string(digits.size() - 1);
}

std::string format_unsigned(const U256& v, NumberStyle style, bool negative) {
    const std::string digits = to_dec(v);
    std::string out = negative ? "-" + digits : digits;
    if (style == NumberStyle::kAnnotated && v >= 10000)
        out += " [" + std::string(negative ? "-" : "") + exp_notation(digits) + "]";
    return out;
}

void append_codepoint_escaped(std::string& out, std::uint32_t cp) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string digits;
    do {
        digits.insert(digits.begin(), kHex[cp & 0xf]);
        cp >>= 4;
    } while (cp != 0);
    out += "\\u{" + digits + "}";
}

/// Rust's Debug for a string decoded with from_utf8_lossy: invalid sequences become U+FFFD,
/// quotes, backslashes and control characters are escaped.
std::string quote_string(std::string_view s) {
    std::string out = "\"";
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    while (i < s.size()) {
        const std::uint8_t b = byte(i);
        if (b < 0x80) {
            switch (b) {
                case '\0':
                    out += "\\0";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                default:
                    if (b < 0x20 || b == 0x7f)
                        append_codepoint_escaped(out, b);
                    else
                        out += static_cast<char>(b);
            }
            ++i;
            continue;
        }
        // Multi-byte sequence: length from the lead byte, allowed range of the second byte.
        std::size_t len = 0;
        std::uint8_t lo = 0x80;
        std::uint8_t hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) {
            len = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            len = 3;
            if (b == 0xe0) lo = 0xa0;
            if (b == 0xed) hi = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            len = 4;
            if (b == 0xf0) lo = 0x90;
            if (b == 0xf4) hi = 0x8f;
        }
        std::size_t valid = 1;  // bytes of the longest valid prefix
        if (len != 0) {
            while (valid < len && i + valid < s.size()) {
                const std::uint8_t c = byte(i + valid);
                const std::uint8_t min = valid == 1 ? lo : 0x80;
                const std::uint8_t max = valid == 1 ? hi : 0xbf;
                if (c < min || c > max) break;
                ++valid;
            }
        }
        if (len == 0 || valid < len) {
            out += "\xef\xbf\xbd";  // U+FFFD for the maximal invalid prefix
            i += valid;
            continue;
        }
        std::uint32_t cp = b & (len == 2 ? 0x1fU : len == 3 ? 0x0fU : 0x07U);
        for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte(i + k) & 0x3fU);
        if (cp >= 0x80 && cp < 0xa0)
            append_codepoint_escaped(out, cp);  // C1 controls
        else
            out.append(s.substr(i, len));
        i += len;
    }
    out += '"';
    return out;
}

void format_into(std::string& out, const Value& value, NumberStyle style);

void format_list(std::string& out, const std::vector<Value>& items, NumberStyle style, char open, char close) {
    out += open;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) out += ", ";
        format_into(out, items[i], style);
    }
    out += close;
}

void format_into(std::string& out, const Value& value, NumberStyle style) {
    struct Visitor {
        std::string& out;
        NumberStyle style;
        void operator()(const U256& v) const { out += format_unsigned(v, style, false); }
        void operator()(const I256& v) const {
            out += format_unsigned(static_cast<U256>(v < 0 ? I256(-v) : v), style, v < 0);
        }
        void operator()(const Address& a) const { out += to_checksum(a); }
        void operator()(bool b) const { out += b ? "true" : "false"; }
        void operator()(const BytesN& b) const { out += to_hex(b.view()); }
        void operator()(const Bytes& b) const { out += to_hex(b); }
        void operator()(const std::string& s) const { out += quote_string(s); }
        void operator()(const ArrayValue& a) const { format_list(out, a.items, style, '[', ']'); }
        void operator()(const TupleValue& t) const { format_list(out, t.items, style, '(', ')'); }
    };
    std::visit(Visitor{out, style}, value.storage());
}

}  // namespace

BytesN BytesN::from(ByteView bytes) noexcept {
    assert(!bytes.empty() && bytes.size() <= 32);
    BytesN out;
    std::copy(bytes.begin(), bytes.end(), out.data.begin());
    out.size = static_cast<std::uint8_t>(bytes.size());
    return out;
}

Expected<void, AbiError> check_value(const Type& type, const Value& value) {
    switch (type.kind()) {
        case TypeKind::kUint: {
            const auto* v = value.get_if<U256>();
            if (v == nullptr) return Unexpected(mismatch(type, value));
            if (!fits_uint(*v, type.size()))
                return fail(AbiErrc::kOutOfRange, to_dec(*v) + " does not fit in " + type.canonical());
            return {};
        }
        case TypeKind::kInt: {
            const auto* v = value.get_if<I256>();
            if (v == nullptr) return Unexpected(mismatch(type, value));
            if (!fits_int(*v, type.size()))
                return fail(AbiErrc::kOutOfRange, signed_to_dec(*v) + " does not fit in " + type.canonical());
            return {};
        }
        case TypeKind::kAddress:
            if (!value.holds<Address>()) return Unexpected(mismatch(type, value));
            return {};
        case TypeKind::kBool:
            if (!value.holds<bool>()) return Unexpected(mismatch(type, value));
            return {};
        case TypeKind::kFixedBytes: {
            const auto* v = value.get_if<BytesN>();
            if (v == nullptr) return Unexpected(mismatch(type, value));
            if (v->size != type.size())
                return fail(AbiErrc::kOutOfRange, std::to_string(v->size) + " bytes given for " + type.canonical());
            for (std::size_t i = v->size; i < 32; ++i)
                if (v->data[i] != 0)
                    return fail(AbiErrc::kOutOfRange, "bytesN value with non-zero bytes past its size");
            return {};
        }
        case TypeKind::kBytes:
            if (!value.holds<Bytes>()) return Unexpected(mismatch(type, value));
            return {};
        case TypeKind::kString:
            if (!value.holds<std::string>()) return Unexpected(mismatch(type, value));
            return {};
        case TypeKind::kFixedArray:
        case TypeKind::kArray: {
            const auto* v = value.get_if<ArrayValue>();
            if (v == nullptr) return Unexpected(mismatch(type, value));
            if (type.kind() == TypeKind::kFixedArray && v->items.size() != type.size())
                return fail(AbiErrc::kArityMismatch,
                            std::to_string(v->items.size()) + " elements given for " + type.canonical());
            for (std::size_t i = 0; i < v->items.size(); ++i) {
                auto r = check_value(type.element(), v->items[i]);
                if (!r) return Unexpected(AbiError(r.error()).within("element " + std::to_string(i)));
            }
            return {};
        }
        case TypeKind::kTuple: {
            const auto* v = value.get_if<TupleValue>();
            if (v == nullptr) return Unexpected(mismatch(type, value));
            const auto comps = type.components();
            if (v->items.size() != comps.size())
                return fail(AbiErrc::kArityMismatch,
                            std::to_string(v->items.size()) + " components given for " + type.canonical());
            for (std::size_t i = 0; i < comps.size(); ++i) {
                auto r = check_value(comps[i], v->items[i]);
                if (!r) return Unexpected(AbiError(r.error()).within("component " + std::to_string(i)));
            }
            return {};
        }
    }
    return {};
}

Result<Value> parse_value(const Type& type, std::string_view text) {
    if (type.kind() == TypeKind::kString) {
        // Raw text without trailing white space; or quoted: a leading quote (either kind) must
        // be closed at the end, and the text between is taken as it is.
        if (!text.empty() && (text.front() == '"' || text.front() == '\'')) {
            if (text.size() < 2 || text.back() != text.front())
                return Unexpected(bad_value(text, "unterminated quoted string"));
            text = text.substr(1, text.size() - 2);
        } else {
            while (!text.empty() && is_space(text.back())) text.remove_suffix(1);  // as cast does
        }
        return Value(std::string(text));
    }
    ValueReader reader(text);
    auto v = reader.read(type, 0);
    if (!v) return v;
    if (!reader.at_end()) return Unexpected(reader.here("unexpected text after the value"));
    return v;
}

Result<std::vector<Value>> parse_values(std::span<const Type> types, std::span<const std::string> args) {
    if (types.size() != args.size())
        return fail(AbiErrc::kArityMismatch,
                    "expected " + std::to_string(types.size()) + " arguments, got " + std::to_string(args.size()));
    std::vector<Value> out;
    out.reserve(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto v = parse_value(types[i], args[i]);
        if (!v)
            return Unexpected(
                std::move(v).error().within("argument " + std::to_string(i + 1) + " (" + types[i].canonical() + ")"));
        out.push_back(std::move(*v));
    }
    return out;
}

std::string format_value(const Value& value, NumberStyle style) {
    std::string out;
    format_into(out, value, style);
    return out;
}

}  // namespace keeper::abi

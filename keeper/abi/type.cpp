#include "keeper/abi/type.hpp"

#include <cassert>
#include <charconv>

#include "keeper/abi/parser.hpp"

namespace keeper::abi {

// ---- Type ------------------------------------------------------------------------------------

Type Type::uint(std::size_t bits) {
    assert(bits >= 8 && bits <= 256 && bits % 8 == 0);
    return {TypeKind::kUint, bits};
}
Type Type::sint(std::size_t bits) {
    assert(bits >= 8 && bits <= 256 && bits % 8 == 0);
    return {TypeKind::kInt, bits};
}
Type Type::address() {
    return {TypeKind::kAddress, 160};
}
Type Type::boolean() {
    return {TypeKind::kBool, 8};
}
Type Type::fixed_bytes(std::size_t size) {
    assert(size >= 1 && size <= 32);
    return {TypeKind::kFixedBytes, size};
}
Type Type::bytes() {
    Type t{TypeKind::kBytes, 0};
    t.dynamic_ = true;
    return t;
}
Type Type::string() {
    Type t{TypeKind::kString, 0};
    t.dynamic_ = true;
    return t;
}
Type Type::array(Type element) {
    Type t{TypeKind::kArray, 0};
    t.dynamic_ = true;
    t.depth_ = element.depth_ + 1;
    t.children_.push_back(std::move(element));
    return t;
}
Type Type::fixed_array(Type element, std::size_t length) {
    assert(length >= 1 && element.head_size_ <= kMaxStaticSize / length);
    Type t{TypeKind::kFixedArray, length};
    t.dynamic_ = element.dynamic_;
    t.head_size_ = t.dynamic_ ? 32 : element.head_size_ * length;
    t.depth_ = element.depth_ + 1;
    t.children_.push_back(std::move(element));
    return t;
}
Type Type::tuple(std::vector<Type> components, std::vector<std::string> names) {
    assert(!components.empty());
    assert(names.empty() || names.size() == components.size());
    Type t{TypeKind::kTuple, components.size()};
    std::size_t head = 0;
    for (const auto& c : components) {
        t.dynamic_ = t.dynamic_ || c.dynamic_;
        t.depth_ = std::max(t.depth_, c.depth_ + 1);
        head += c.head_size_;
    }
    assert(head <= kMaxStaticSize * components.size());
    t.head_size_ = t.dynamic_ ? 32 : head;
    t.children_ = std::move(components);
    if (!names.empty())
        t.names_ = std::move(names);
    else
        t.names_.resize(t.children_.size());
    return t;
}

const Type& Type::element() const noexcept {
    assert(kind_ == TypeKind::kArray || kind_ == TypeKind::kFixedArray);
    return children_.front();
}

void Type::append_canonical(std::string& out, bool with_names) const {
    switch (kind_) {
        case TypeKind::kUint:
            out += "uint";
            out += std::to_string(size_);
            return;
        case TypeKind::kInt:
            out += "int";
            out += std::to_string(size_);
            return;
        case TypeKind::kAddress:
            out += "address";
            return;
        case TypeKind::kBool:
            out += "bool";
            return;
        case TypeKind::kFixedBytes:
            out += "bytes";
            out += std::to_string(size_);
            return;
        case TypeKind::kBytes:
            out += "bytes";
            return;
        case TypeKind::kString:
            out += "string";
            return;
        case TypeKind::kFixedArray:
            children_.front().append_canonical(out, with_names);
            out += '[';
            out += std::to_string(size_);
            out += ']';
            return;
        case TypeKind::kArray:
            children_.front().append_canonical(out, with_names);
            out += "[]";
            return;
        case TypeKind::kTuple:
            out += '(';
            for (std::size_t i = 0; i < children_.size(); ++i) {
                if (i != 0) out += ',';
                children_[i].append_canonical(out, with_names);
                if (with_names && !names_[i].empty()) {
                    out += ' ';
                    out += names_[i];
                }
            }
            out += ')';
            return;
    }
}

std::string Type::canonical() const {
    std::string out;
    append_canonical(out, false);
    return out;
}

std::string Type::to_string() const {
    std::string out;
    append_canonical(out, true);
    return out;
}

bool operator==(const Type& a, const Type& b) noexcept {
    return a.kind_ == b.kind_ && a.size_ == b.size_ && a.children_ == b.children_;
}

// ---- the reader --------------------------------------------------------------------------------

namespace detail {

namespace {
bool is_ident_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool is_ident_char(char c) noexcept {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}
bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// A decimal size without sign or leading zero; false if absent, malformed or above `max`.
bool parse_size(std::string_view digits, std::size_t max, std::size_t& out) noexcept {
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, out);
    return ec == std::errc{} && ptr == end && out <= max;
}
}  // namespace

void SignatureReader::skip_space() noexcept {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
}
bool SignatureReader::at_end() noexcept {
    skip_space();
    return pos_ == text_.size();
}
bool SignatureReader::peek(char c) noexcept {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
}
bool SignatureReader::consume(char c) noexcept {
    if (!peek(c)) return false;
    ++pos_;
    return true;
}
std::string_view SignatureReader::identifier() noexcept {
    skip_space();
    const std::size_t start = pos_;
    if (pos_ < text_.size() && is_ident_start(text_[pos_])) {
        while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
    }
    return text_.substr(start, pos_ - start);
}

AbiError SignatureReader::error(AbiErrc code, std::string_view what) const {
    std::string msg(what);
    msg += " at position " + std::to_string(pos_) + " of '";
    msg += text_.substr(0, 200);
    if (text_.size() > 200) msg += "...";
    msg += "'";
    return {code, std::move(msg)};
}

Result<Type> SignatureReader::elementary(std::string_view name) {
    const auto bad = [&](std::string_view why) {
        return Unexpected(error(AbiErrc::kInvalidType, std::string(why) + " '" + std::string(name) + "'"));
    };
    if (name == "address") return Type::address();
    if (name == "bool") return Type::boolean();
    if (name == "string") return Type::string();
    if (name == "bytes") return Type::bytes();
    if (name == "uint") return Type::uint(256);
    if (name == "int") return Type::sint(256);
    std::size_t n = 0;
    if (name.starts_with("uint") || name.starts_with("int")) {
        const bool is_unsigned = name.front() == 'u';
        if (!parse_size(name.substr(is_unsigned ? 4 : 3), 256, n) || n % 8 != 0 || n == 0)
            return bad("integer width must be a multiple of 8 in 8..256:");
        return is_unsigned ? Type::uint(n) : Type::sint(n);
    }
    if (name.starts_with("bytes")) {
        if (!parse_size(name.substr(5), 32, n) || n == 0) return bad("fixed bytes size must be 1..32:");
        return Type::fixed_bytes(n);
    }
    if (name == "function" || name.starts_with("fixed") || name.starts_with("ufixed")) return bad("unsupported type");
    if (name.empty()) return Unexpected(error(AbiErrc::kInvalidType, "expected a type"));
    return bad("unknown type");
}

Result<Type> SignatureReader::tuple_body(std::size_t depth) {
    if (!consume('(')) return Unexpected(error(AbiErrc::kInvalidType, "expected '('"));
    std::vector<Type> components;
    std::vector<std::string> names;
    if (peek(')')) return Unexpected(error(AbiErrc::kInvalidType, "empty tuple"));
    do {
        auto t = type(depth);
        if (!t) return Unexpected(std::move(t).error());
        components.push_back(std::move(*t));
        names.emplace_back(identifier());
    } while (consume(','));
    if (!consume(')')) return Unexpected(error(AbiErrc::kInvalidType, "expected ',' or ')' in tuple"));
    for (const auto& c : components) {
        if (c.head_size() > kMaxStaticSize / components.size())
            return Unexpected(error(AbiErrc::kInvalidType, "tuple too large"));
    }
    return Type::tuple(std::move(components), std::move(names));
}

Result<Type> SignatureReader::type(std::size_t depth) {
    if (depth > kMaxTypeDepth) return Unexpected(error(AbiErrc::kInvalidType, "type nested too deeply"));
    Result<Type> base = [&]() -> Result<Type> {
        if (peek('(')) return tuple_body(depth + 1);
        const std::size_t start = position();
        const auto name = identifier();
        if (name == "tuple" && peek('(')) return tuple_body(depth + 1);
        auto t = elementary(name);
        if (!t) rewind(start);
        return t;
    }();
    if (!base) return base;
    Type t = std::move(*base);
    if (t.depth() > kMaxTypeDepth) return Unexpected(error(AbiErrc::kInvalidType, "type nested too deeply"));
    while (consume('[')) {
        if (t.depth() >= kMaxTypeDepth) return Unexpected(error(AbiErrc::kInvalidType, "type nested too deeply"));
        skip_space();
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
        const auto digits = text_.substr(start, pos_ - start);
        if (!consume(']')) return Unexpected(error(AbiErrc::kInvalidType, "expected ']'"));
        if (digits.empty()) {
            t = Type::array(std::move(t));
            continue;
        }
        std::size_t k = 0;
        if (!parse_size(digits, kMaxStaticSize, k) || k == 0 || t.head_size() > kMaxStaticSize / k)
            return Unexpected(
                error(AbiErrc::kInvalidType, "fixed array length must be 1.. and the array at most 4 GiB"));
        t = Type::fixed_array(std::move(t), k);
    }
    return t;
}

Result<std::vector<ParsedParam>> SignatureReader::param_list(bool allow_indexed) {
    if (!consume('(')) return Unexpected(error(AbiErrc::kInvalidSignature, "expected '('"));
    std::vector<ParsedParam> params;
    if (consume(')')) return params;
    do {
        auto t = type();
        if (!t) {
            AbiError e = std::move(t).error();
            e.code = AbiErrc::kInvalidSignature;
            return Unexpected(std::move(e));
        }
        ParsedParam p{std::move(*t), {}, false};
        while (true) {
            const std::size_t start = position();
            const auto word = identifier();
            if (word.empty()) break;
            if (word == "indexed" && allow_indexed && !p.indexed) {
                p.indexed = true;
            } else if (word == "memory" || word == "calldata" || word == "storage" ||
                       (word == "payable" && p.type.kind() == TypeKind::kAddress)) {
                continue;
            } else if (p.name.empty()) {
                p.name = std::string(word);
            } else {
                rewind(start);
                return Unexpected(error(AbiErrc::kInvalidSignature, "unexpected '" + std::string(word) + "'"));
            }
        }
        params.push_back(std::move(p));
    } while (consume(','));
    if (!consume(')')) return Unexpected(error(AbiErrc::kInvalidSignature, "expected ',' or ')'"));
    return params;
}

}  // namespace detail

Result<Type> parse_type(std::string_view text) {
    detail::SignatureReader reader(text);
    auto t = reader.type();
    if (!t) return t;
    if (!reader.at_end()) return Unexpected(reader.error(AbiErrc::kInvalidType, "unexpected text after the type"));
    return t;
}

}  // namespace keeper::abi

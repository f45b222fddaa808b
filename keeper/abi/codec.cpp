#include "keeper/abi/codec.hpp"

#include <algorithm>
#include <cassert>

#include "keeper/core/hex.hpp"

namespace keeper::abi {

namespace {

constexpr std::size_t kWord = 32;

std::size_t padded_size(std::size_t n) noexcept {
    return (n + kWord - 1) / kWord * kWord;
}

// ---- encoding (values are checked by check_value() before any byte is written) ----------------

void put_uint(Bytes& out, std::size_t pos, const U256& v) {
    const auto be = to_be32(v);
    std::copy(be.begin(), be.end(), out.begin() + static_cast<std::ptrdiff_t>(pos));
}

void put_size(Bytes& out, std::size_t pos, std::size_t v) {
    for (std::size_t i = 0; i < 8; ++i) out[pos + 31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
}

class Encoder {
public:
    explicit Encoder(Bytes& out) noexcept : out_(out) {}

    /// Appends the encoding of a sequence (tuple components or array elements) at the end.
    template <class TypeAt>
    void append_sequence(TypeAt type_at, std::span<const Value> items) {
        const std::size_t base = out_.size();
        std::size_t head_len = 0;
        for (std::size_t i = 0; i < items.size(); ++i) head_len += type_at(i).head_size();
        out_.insert(out_.end(), head_len, std::uint8_t{0});
        std::size_t pos = base;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const Type& t = type_at(i);
            if (t.is_dynamic()) {
                put_size(out_, pos, out_.size() - base);
                append_dynamic(t, items[i]);
            } else {
                write_static(t, items[i], pos);
            }
            pos += t.head_size();
        }
    }

private:
    void append_dynamic(const Type& t, const Value& v) {
        switch (t.kind()) {
            case TypeKind::kBytes:
            case TypeKind::kString: {
                ByteView data;
                if (const auto* b = v.get_if<Bytes>())
                    data = *b;
                else
                    data = as_bytes(*v.get_if<std::string>());
                const std::size_t pos = out_.size();
                out_.resize(pos + kWord + padded_size(data.size()));
                put_size(out_, pos, data.size());
                std::copy(data.begin(), data.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos + kWord));
                return;
            }
            case TypeKind::kArray: {
                const auto& items = v.get_if<ArrayValue>()->items;
                const std::size_t pos = out_.size();
                out_.resize(pos + kWord);
                put_size(out_, pos, items.size());
                append_sequence([&](std::size_t) -> const Type& { return t.element(); }, items);
                return;
            }
            case TypeKind::kFixedArray:
                append_sequence([&](std::size_t) -> const Type& { return t.element(); }, v.get_if<ArrayValue>()->items);
                return;
            case TypeKind::kTuple: {
                const auto comps = t.components();
                append_sequence([&](std::size_t i) -> const Type& { return comps[i]; }, v.get_if<TupleValue>()->items);
                return;
            }
            default:
                assert(false && "static type in append_dynamic");
        }
    }

    void write_static(const Type& t, const Value& v, std::size_t pos) {
        switch (t.kind()) {
            case TypeKind::kUint:
                put_uint(out_, pos, *v.get_if<U256>());
                return;
            case TypeKind::kInt:
                put_uint(out_, pos, to_twos(*v.get_if<I256>()));
                return;
            case TypeKind::kAddress: {
                const auto& a = *v.get_if<Address>();
                std::copy(a.bytes.begin(), a.bytes.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos + 12));
                return;
            }
            case TypeKind::kBool:
                out_[pos + 31] = *v.get_if<bool>() ? 1 : 0;
                return;
            case TypeKind::kFixedBytes: {
                const auto& b = *v.get_if<BytesN>();
                std::copy(b.data.begin(), b.data.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos));
                return;
            }
            case TypeKind::kFixedArray: {
                const auto& items = v.get_if<ArrayValue>()->items;
                for (std::size_t i = 0; i < items.size(); ++i)
                    write_static(t.element(), items[i], pos + i * t.element().head_size());
                return;
            }
            case TypeKind::kTuple: {
                const auto comps = t.components();
                const auto& items = v.get_if<TupleValue>()->items;
                for (std::size_t i = 0; i < items.size(); ++i) {
                    write_static(comps[i], items[i], pos);
                    pos += comps[i].head_size();
                }
                return;
            }
            default:
                assert(false && "dynamic type in write_static");
        }
    }

    Bytes& out_;
};

Result<Bytes> encode_with_prefix(ByteView prefix, std::span<const Type> types, std::span<const Value> values) {
    if (types.size() != values.size())
        return fail(AbiErrc::kArityMismatch,
                    "expected " + std::to_string(types.size()) + " values, got " + std::to_string(values.size()));
    for (std::size_t i = 0; i < types.size(); ++i) {
        auto r = check_value(types[i], values[i]);
        if (!r) return Unexpected(AbiError(r.error()).within("argument " + std::to_string(i + 1)));
    }
    Bytes out(prefix.begin(), prefix.end());
    Encoder(out).append_sequence([&](std::size_t i) -> const Type& { return types[i]; }, values);
    return out;
}

// ---- packed encoding -----------------------------------------------------------------------------

/// Appends the elementary value in `width` bytes (32 inside arrays).
void append_packed_word(Bytes& out, const Type& t, const Value& v, bool padded) {
    std::array<std::uint8_t, 32> w{};
    switch (t.kind()) {
        case TypeKind::kUint:
            w = to_be32(*v.get_if<U256>());
            break;
        case TypeKind::kInt:
            w = to_be32(to_twos(*v.get_if<I256>()));
            break;
        case TypeKind::kAddress:
            std::copy(v.get_if<Address>()->bytes.begin(), v.get_if<Address>()->bytes.end(), w.begin() + 12);
            break;
        case TypeKind::kBool:
            w[31] = *v.get_if<bool>() ? 1 : 0;
            break;
        case TypeKind::kFixedBytes: {
            const auto& b = *v.get_if<BytesN>();
            if (padded) {
                out.insert(out.end(), b.data.begin(), b.data.end());
            } else {
                out.insert(out.end(), b.data.begin(), b.data.begin() + b.size);
            }
            return;
        }
        default:
            assert(false && "not elementary");
    }
    const std::size_t width = padded ? 32 : (t.kind() == TypeKind::kBool ? 1 : t.size() / 8);
    out.insert(out.end(), w.end() - static_cast<std::ptrdiff_t>(width), w.end());
}

bool is_packable_element(const Type& t) noexcept {
    switch (t.kind()) {
        case TypeKind::kUint:
        case TypeKind::kInt:
        case TypeKind::kAddress:
        case TypeKind::kBool:
        case TypeKind::kFixedBytes:
            return true;
        default:
            return false;
    }
}

// ---- decoding --------------------------------------------------------------------------------

std::string hex_word(std::span<const std::uint8_t, 32> w) {
    return to_hex(ByteView(w));
}

class Decoder {
public:
    Decoder(ByteView data, DecodeMode mode) noexcept
        : data_(data), mode_(mode), budget_((data.size() / kWord + 1) * (kMaxTypeDepth + 1)) {}

    /// Decodes a sequence whose head starts at `base`; returns where its encoding ends (the
    /// canonical extent; in non-canonical modes just the end of the head).
    template <class TypeAt>
    Result<std::size_t> read_sequence(TypeAt type_at, std::size_t count, std::size_t base, std::vector<Value>& items,
                                      std::string_view what) {
        std::size_t head_len = 0;
        for (std::size_t i = 0; i < count; ++i) {  // stops after at most input/32 steps
            head_len += type_at(i).head_size();
            if (head_len > data_.size() - base)
                return fail(AbiErrc::kInputTooShort, "need " + std::to_string(head_len) + "+ bytes at offset " +
                                                         std::to_string(base) + ", input has " +
                                                         std::to_string(data_.size()));
        }
        if (!spend(count)) return too_many();
        items.clear();
        items.reserve(count);
        std::size_t cursor = base + head_len;
        std::size_t pos = base;
        for (std::size_t i = 0; i < count; ++i) {
            const Type& t = type_at(i);
            // Arguments are counted from 1 as people do; elements and components by index.
            const std::string where = std::string(what) + " " + std::to_string(what == "argument" ? i + 1 : i);
            Value v;
            if (t.is_dynamic()) {
                std::size_t offset = 0;
                if (!read_size(pos, offset) || offset > data_.size() - base)
                    return fail(AbiErrc::kOffsetOutOfBounds, where + ": offset " + hex_word(word(pos)) + " at byte " +
                                                                 std::to_string(pos) + " points outside the input (" +
                                                                 std::to_string(data_.size()) + " bytes)");
                const std::size_t target = base + offset;
                if (mode_ == DecodeMode::kCanonical && target != cursor)
                    return fail(AbiErrc::kNonCanonical, where + ": offset " + std::to_string(offset) + " at byte " +
                                                            std::to_string(pos) + ", the canonical one is " +
                                                            std::to_string(cursor - base));
                auto end = read_dynamic(t, target, v);
                if (!end) return Unexpected(std::move(end).error().within(where));
                cursor = *end;
            } else {
                auto r = read_static(t, pos, v);
                if (!r) return Unexpected(r.error().within(where));
            }
            items.push_back(std::move(v));
            pos += t.head_size();
        }
        return mode_ == DecodeMode::kCanonical ? cursor : base + head_len;
    }

    [[nodiscard]] ByteView data() const noexcept { return data_; }

private:
    [[nodiscard]] std::span<const std::uint8_t, 32> word(std::size_t pos) const noexcept {
        return data_.subspan(pos).first<32>();
    }

    /// A length or offset word: false unless it fits in 64 bits (any larger value is out of
    /// bounds for every input we can hold).
    [[nodiscard]] bool read_size(std::size_t pos, std::size_t& out) const noexcept {
        const auto w = word(pos);
        for (std::size_t i = 0; i < 24; ++i)
            if (w[i] != 0) return false;
        std::uint64_t v = 0;
        for (std::size_t i = 24; i < 32; ++i) v = (v << 8) | w[i];
        out = static_cast<std::size_t>(v);
        return true;
    }

    bool spend(std::size_t n) noexcept {
        if (n > budget_) return false;
        budget_ -= n;
        return true;
    }
    static Unexpected<AbiError> too_many() {
        return fail(AbiErrc::kTooManyValues, "offsets overlap so much that the values exceed what the input holds");
    }

    Result<std::size_t> need_word(std::size_t pos, std::string_view what) const {
        if (pos > data_.size() || data_.size() - pos < kWord)
            return fail(AbiErrc::kInputTooShort, std::string(what) + " at byte " + std::to_string(pos) +
                                                     " is past the end of the input (" + std::to_string(data_.size()) +
                                                     " bytes)");
        return pos;
    }

    /// A value of dynamic type whose encoding starts at `pos` (where its offset points).
    Result<std::size_t> read_dynamic(const Type& t, std::size_t pos, Value& out) {
        switch (t.kind()) {
            case TypeKind::kBytes:
            case TypeKind::kString: {
                if (auto r = need_word(pos, "length"); !r) return r;
                std::size_t len = 0;
                const std::size_t avail = data_.size() - pos - kWord;
                if (!read_size(pos, len) || len > avail)
                    return fail(AbiErrc::kLengthTooLarge, "length " + hex_word(word(pos)) + " at byte " +
                                                              std::to_string(pos) + " exceeds the " +
                                                              std::to_string(avail) + " bytes that follow");
                const auto body = data_.subspan(pos + kWord, len);
                std::size_t end = pos + kWord + len;
                if (mode_ == DecodeMode::kCanonical) {
                    const std::size_t padded = padded_size(len);
                    if (padded > avail)
                        return fail(AbiErrc::kInputTooShort, "the padding of " + std::to_string(len) +
                                                                 " bytes at byte " + std::to_string(pos + kWord) +
                                                                 " is cut off");
                    const auto pad = data_.subspan(pos + kWord + len, padded - len);
                    if (std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; }))
                        return fail(AbiErrc::kDirtyPadding, "non-zero padding after " + t.canonical() + " at byte " +
                                                                std::to_string(pos + kWord + len));
                    end = pos + kWord + padded;
                }
                if (!spend(1)) return too_many();
                if (t.kind() == TypeKind::kBytes)
                    out = Bytes(body.begin(), body.end());
                else
                    out = std::string(body.begin(), body.end());
                return end;
            }
            case TypeKind::kArray: {
                if (auto r = need_word(pos, "array length"); !r) return r;
                std::size_t count = 0;
                const std::size_t avail = data_.size() - pos - kWord;
                const std::size_t elem = t.element().head_size();
                if (!read_size(pos, count) || count > avail / elem)
                    return fail(AbiErrc::kLengthTooLarge, "array length " + hex_word(word(pos)) + " at byte " +
                                                              std::to_string(pos) + " exceeds the " +
                                                              std::to_string(avail / elem) + " elements of " +
                                                              t.element().canonical() + " that fit in what follows");
                ArrayValue a;
                auto end = read_sequence([&](std::size_t) -> const Type& { return t.element(); }, count, pos + kWord,
                                         a.items, "element");
                if (!end) return end;
                out = std::move(a);
                return end;
            }
            case TypeKind::kFixedArray: {
                ArrayValue a;
                auto end = read_sequence([&](std::size_t) -> const Type& { return t.element(); }, t.size(), pos,
                                         a.items, "element");
                if (!end) return end;
                out = std::move(a);
                return end;
            }
            case TypeKind::kTuple: {
                const auto comps = t.components();
                TupleValue tv;
                auto end = read_sequence([&](std::size_t i) -> const Type& { return comps[i]; }, comps.size(), pos,
                                         tv.items, "component");
                if (!end) return end;
                out = std::move(tv);
                return end;
            }
            default:
                return fail(AbiErrc::kInvalidType, "internal: static type read as dynamic");
        }
    }

    /// A value of static type at `pos`; the caller has checked that its head is in bounds.
    Expected<void, AbiError> read_static(const Type& t, std::size_t pos, Value& out) {
        switch (t.kind()) {
            case TypeKind::kFixedArray: {
                if (!spend(t.size())) return too_many();
                ArrayValue a;
                a.items.resize(t.size());
                const std::size_t h = t.element().head_size();
                for (std::size_t i = 0; i < t.size(); ++i) {
                    auto r = read_static(t.element(), pos + i * h, a.items[i]);
                    if (!r) return Unexpected(AbiError(r.error()).within("element " + std::to_string(i)));
                }
                out = std::move(a);
                return {};
            }
            case TypeKind::kTuple: {
                const auto comps = t.components();
                if (!spend(comps.size())) return too_many();
                TupleValue tv;
                tv.items.resize(comps.size());
                for (std::size_t i = 0; i < comps.size(); ++i) {
                    auto r = read_static(comps[i], pos, tv.items[i]);
                    if (!r) return Unexpected(AbiError(r.error()).within("component " + std::to_string(i)));
                    pos += comps[i].head_size();
                }
                out = std::move(tv);
                return {};
            }
            default: {
                auto v = decode_word(t, word(pos), mode_);
                if (!v) return Unexpected(std::move(v).error().within("at byte " + std::to_string(pos)));
                out = std::move(*v);
                return {};
            }
        }
    }

    ByteView data_;
    DecodeMode mode_;
    std::size_t budget_;  // values still allowed: linear in the input, whatever the offsets
};

}  // namespace

Result<Bytes> encode(std::span<const Type> types, std::span<const Value> values) {
    return encode_with_prefix({}, types, values);
}

Result<Bytes> encode_call(const Function& function, std::span<const Value> args) {
    const auto sel = function.selector();
    auto out = encode_with_prefix(sel, types_of(function.inputs), args);
    if (!out) return Unexpected(std::move(out).error().within(function.signature()));
    return out;
}

Result<Bytes> encode_error(const CustomError& error, std::span<const Value> args) {
    const auto sel = error.selector();
    auto out = encode_with_prefix(sel, types_of(error.inputs), args);
    if (!out) return Unexpected(std::move(out).error().within(error.signature()));
    return out;
}

Result<Bytes> encode_packed(std::span<const Type> types, std::span<const Value> values) {
    if (types.size() != values.size())
        return fail(AbiErrc::kArityMismatch,
                    "expected " + std::to_string(types.size()) + " values, got " + std::to_string(values.size()));
    Bytes out;
    for (std::size_t i = 0; i < types.size(); ++i) {
        const Type& t = types[i];
        const std::string where = "argument " + std::to_string(i + 1);
        auto r = check_value(t, values[i]);
        if (!r) return Unexpected(r.error().within(where));
        if (t.kind() == TypeKind::kBytes) {
            const auto& b = *values[i].get_if<Bytes>();
            out.insert(out.end(), b.begin(), b.end());
        } else if (t.kind() == TypeKind::kString) {
            const auto& s = *values[i].get_if<std::string>();
            out.insert(out.end(), s.begin(), s.end());
        } else if (t.kind() == TypeKind::kArray || t.kind() == TypeKind::kFixedArray) {
            if (!is_packable_element(t.element()))
                return fail(AbiErrc::kTypeMismatch, where + ": encodePacked does not support " + t.canonical());
            for (const auto& item : values[i].get_if<ArrayValue>()->items)
                append_packed_word(out, t.element(), item, true);
        } else if (t.kind() == TypeKind::kTuple) {
            return fail(AbiErrc::kTypeMismatch, where + ": encodePacked does not support tuples");
        } else {
            append_packed_word(out, t, values[i], false);
        }
    }
    return out;
}

Result<std::vector<Value>> decode(std::span<const Type> types, ByteView data, DecodeMode mode) {
    Decoder decoder(data, mode);
    std::vector<Value> items;
    auto end = decoder.read_sequence([&](std::size_t i) -> const Type& { return types[i]; }, types.size(), 0, items,
                                     "argument");
    if (!end) return Unexpected(std::move(end).error());
    if (mode == DecodeMode::kCanonical && *end != data.size())
        return fail(AbiErrc::kTrailingData,
                    std::to_string(data.size() - *end) + " bytes after the encoding at byte " + std::to_string(*end));
    return items;
}

Result<std::vector<Value>> decode_call(const Function& function, ByteView calldata, DecodeMode mode) {
    if (calldata.size() < 4)
        return fail(AbiErrc::kInputTooShort,
                    "calldata of " + std::to_string(calldata.size()) + " bytes has no 4-byte selector");
    const auto sel = function.selector();
    if (!std::equal(sel.begin(), sel.end(), calldata.begin()))
        return fail(AbiErrc::kSelectorMismatch, "selector " + to_hex(calldata.first(4)) + " is not " +
                                                    to_hex(ByteView(sel)) + " (" + function.signature() + ")");
    return decode(types_of(function.inputs), calldata.subspan(4), mode);
}

Result<std::vector<Value>> decode_output(const Function& function, ByteView data, DecodeMode mode) {
    return decode(types_of(function.outputs), data, mode);
}

Result<Value> decode_word(const Type& type, std::span<const std::uint8_t, 32> word, DecodeMode mode) {
    const bool lenient = mode == DecodeMode::kLenient;
    const auto dirty = [&](std::string_view why) {
        return fail(AbiErrc::kDirtyHighBits, type.canonical() + " word " + hex_word(word) + " " + std::string(why));
    };
    const auto all_equal = [&](std::size_t from, std::size_t to, std::uint8_t b) {
        return std::all_of(word.begin() + static_cast<std::ptrdiff_t>(from),
                           word.begin() + static_cast<std::ptrdiff_t>(to), [b](std::uint8_t x) { return x == b; });
    };
    switch (type.kind()) {
        case TypeKind::kUint: {
            const std::size_t skip = 32 - type.size() / 8;
            if (!lenient && !all_equal(0, skip, 0)) return dirty("has non-zero high bits");
            U256 v;
            boost::multiprecision::import_bits(v, word.begin() + static_cast<std::ptrdiff_t>(skip), word.end());
            return Value(v);
        }
        case TypeKind::kInt: {
            const std::size_t skip = 32 - type.size() / 8;
            const std::uint8_t fill = (word[skip] & 0x80) != 0 ? 0xff : 0x00;
            if (!lenient && !all_equal(0, skip, fill)) return dirty("is not sign-extended");
            std::array<std::uint8_t, 32> extended{};
            std::fill(extended.begin(), extended.begin() + static_cast<std::ptrdiff_t>(skip), fill);
            std::copy(word.begin() + static_cast<std::ptrdiff_t>(skip), word.end(),
                      extended.begin() + static_cast<std::ptrdiff_t>(skip));
            U256 v;
            boost::multiprecision::import_bits(v, extended.begin(), extended.end());
            return Value(from_twos(v));
        }
        case TypeKind::kAddress: {
            if (!lenient && !all_equal(0, 12, 0)) return dirty("has non-zero high bytes");
            Address a;
            std::copy(word.begin() + 12, word.end(), a.bytes.begin());
            return Value(a);
        }
        case TypeKind::kBool: {
            const bool zero_high = all_equal(0, 31, 0);
            if (!lenient && (!zero_high || word[31] > 1))
                return fail(AbiErrc::kInvalidBool, "bool word " + hex_word(word) + " is neither 0 nor 1");
            return Value(!zero_high || word[31] != 0);
        }
        case TypeKind::kFixedBytes: {
            if (!lenient && !all_equal(type.size(), 32, 0))
                return fail(AbiErrc::kDirtyPadding,
                            type.canonical() + " word " + hex_word(word) + " has non-zero padding");
            return Value(BytesN::from(ByteView(word).first(type.size())));
        }
        default:
            return fail(AbiErrc::kInvalidType, type.canonical() + " is not a one-word type");
    }
}

}  // namespace keeper::abi

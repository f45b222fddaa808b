#include "keeper/rlp/decode.hpp"

#include <cassert>

namespace keeper::rlp {

std::string_view to_string(DecodingError e) noexcept {
    switch (e) {
        case DecodingError::kInputTooShort:
            return "input too short";
        case DecodingError::kInputTooLong:
            return "unexpected trailing bytes";
        case DecodingError::kLeadingZero:
            return "leading zero in a length or scalar";
        case DecodingError::kNonCanonicalSingleByte:
            return "non-canonical single byte (a byte below 0x80 is its own encoding)";
        case DecodingError::kNonCanonicalSize:
            return "non-canonical size (long form used for fewer than 56 bytes)";
        case DecodingError::kOverflow:
            return "value too large for its type";
        case DecodingError::kUnexpectedList:
            return "unexpected list (expected a string)";
        case DecodingError::kUnexpectedString:
            return "unexpected string (expected a list)";
        case DecodingError::kUnexpectedLength:
            return "string of unexpected length";
        case DecodingError::kUnexpectedListElements:
            return "list has more elements than expected";
        case DecodingError::kNestingTooDeep:
            return "lists nested too deeply";
    }
    return "unknown RLP error";
}

namespace {

DecodingResult check_leftover(const ByteView& from, Leftover mode) noexcept {
    if (mode == Leftover::kProhibit && !from.empty()) return Unexpected(DecodingError::kInputTooLong);
    return {};
}

}  // namespace

Expected<Header, DecodingError> decode_header(ByteView& from) noexcept {
    if (from.empty()) return Unexpected(DecodingError::kInputTooShort);
    const std::uint8_t b = from[0];
    Header h;
    if (b < 0x80) {
        h.payload_length = 1;  // the byte is its own payload: leave it in `from`
        return h;
    }
    h.list = b >= kEmptyListCode;
    const std::uint8_t base = h.list ? kEmptyListCode : kEmptyStringCode;
    const std::size_t short_max = base + kShortFormLimit - 1;  // 0xb7 or 0xf7
    from = from.subspan(1);
    if (b <= short_max) {
        h.payload_length = static_cast<std::size_t>(b - base);
        if (!h.list && h.payload_length == 1) {
            if (from.empty()) return Unexpected(DecodingError::kInputTooShort);
            if (from[0] < 0x80) return Unexpected(DecodingError::kNonCanonicalSingleByte);
        }
    } else {
        const std::size_t len_of_len = b - short_max;  // 1..8
        if (len_of_len > sizeof(std::size_t)) return Unexpected(DecodingError::kOverflow);
        if (from.size() < len_of_len) return Unexpected(DecodingError::kInputTooShort);
        if (from[0] == 0) return Unexpected(DecodingError::kLeadingZero);
        std::size_t len = 0;
        for (std::size_t i = 0; i < len_of_len; ++i) len = (len << 8) | from[i];
        if (len < kShortFormLimit) return Unexpected(DecodingError::kNonCanonicalSize);
        from = from.subspan(len_of_len);
        h.payload_length = len;
    }
    if (h.payload_length > from.size()) return Unexpected(DecodingError::kInputTooShort);
    return h;
}

Expected<ByteView, DecodingError> decode_string(ByteView& from, Leftover mode) noexcept {
    const auto h = decode_header(from);
    if (!h) return Unexpected(h.error());
    if (h->list) return Unexpected(DecodingError::kUnexpectedList);
    const ByteView payload = from.first(h->payload_length);
    from = from.subspan(h->payload_length);
    if (auto ok = check_leftover(from, mode); !ok) return Unexpected(ok.error());
    return payload;
}

Expected<ByteView, DecodingError> decode_list(ByteView& from, Leftover mode) noexcept {
    const auto h = decode_header(from);
    if (!h) return Unexpected(h.error());
    if (!h->list) return Unexpected(DecodingError::kUnexpectedString);
    const ByteView payload = from.first(h->payload_length);
    from = from.subspan(h->payload_length);
    if (auto ok = check_leftover(from, mode); !ok) return Unexpected(ok.error());
    return payload;
}

DecodingResult decode(ByteView& from, Bytes& to, Leftover mode) {
    const auto str = decode_string(from, mode);
    if (!str) return Unexpected(str.error());
    to.assign(str->begin(), str->end());
    return {};
}

namespace {

/// Checks a scalar's payload: at most `max_bytes`, no leading zero.
Expected<ByteView, DecodingError> scalar_payload(ByteView& from, Leftover mode, std::size_t max_bytes) noexcept {
    const auto str = decode_string(from, mode);
    if (!str) return Unexpected(str.error());
    if (!str->empty() && (*str)[0] == 0) return Unexpected(DecodingError::kLeadingZero);
    if (str->size() > max_bytes) return Unexpected(DecodingError::kOverflow);
    return *str;
}

}  // namespace

DecodingResult decode(ByteView& from, std::uint64_t& to, Leftover mode) noexcept {
    const auto be = scalar_payload(from, mode, sizeof(std::uint64_t));
    if (!be) return Unexpected(be.error());
    std::uint64_t v = 0;
    for (const auto b : *be) v = (v << 8) | b;
    to = v;
    return {};
}

DecodingResult decode(ByteView& from, U256& to, Leftover mode) noexcept {
    const auto be = scalar_payload(from, mode, 32);
    if (!be) return Unexpected(be.error());
    to = *from_be(*be);  // at most 32 bytes: cannot fail
    return {};
}

}  // namespace keeper::rlp

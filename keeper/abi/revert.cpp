#include "keeper/abi/revert.hpp"

#include <algorithm>

#include "keeper/core/hex.hpp"

namespace keeper::abi {

std::string_view panic_meaning(const U256& code) noexcept {
    if (code > 0xff) return "unknown panic code";
    switch (static_cast<unsigned>(code)) {
        case 0x00:
            return "generic compiler-inserted panic";
        case 0x01:
            return "assertion failed";
        case 0x11:
            return "arithmetic underflow or overflow";
        case 0x12:
            return "division or modulo by zero";
        case 0x21:
            return "conversion to an enum out of range";
        case 0x22:
            return "incorrectly encoded storage byte array";
        case 0x31:
            return "pop() on an empty array";
        case 0x32:
            return "array index out of bounds";
        case 0x41:
            return "too much memory allocated or array too large";
        case 0x51:
            return "call to a zero-initialized internal function";
        default:
            return "unknown panic code";
    }
}

Result<RevertReason> decode_revert(ByteView data, const Abi* abi, DecodeMode mode) {
    RevertReason r;
    r.data.assign(data.begin(), data.end());
    if (data.empty()) return r;
    if (data.size() < 4) {
        r.kind = RevertKind::kUnknown;
        return r;
    }
    Selector sel{};
    std::copy_n(data.begin(), 4, sel.begin());
    const auto args = data.subspan(4);
    if (sel == kErrorSelector) {
        const Type types[] = {Type::string()};
        auto v = decode(types, args, mode);
        if (!v) return Unexpected(std::move(v).error().within("Error(string)"));
        r.kind = RevertKind::kError;
        r.message = *v->front().get_if<std::string>();
        return r;
    }
    if (sel == kPanicSelector) {
        const Type types[] = {Type::uint(256)};
        auto v = decode(types, args, mode);
        if (!v) return Unexpected(std::move(v).error().within("Panic(uint256)"));
        r.kind = RevertKind::kPanic;
        r.panic_code = *v->front().get_if<U256>();
        return r;
    }
    if (abi != nullptr) {
        if (const auto* e = abi->error_by_selector(sel)) {
            auto v = decode(types_of(e->inputs), args, mode);
            if (!v) return Unexpected(std::move(v).error().within(e->signature()));
            r.kind = RevertKind::kCustom;
            r.error = e;
            r.args = std::move(*v);
            return r;
        }
    }
    r.kind = RevertKind::kUnknown;
    return r;
}

std::string describe(const RevertReason& reason) {
    switch (reason.kind) {
        case RevertKind::kEmpty:
            return "empty revert data";
        case RevertKind::kError:
            return "Error(" + format_value(Value(reason.message)) + ")";
        case RevertKind::kPanic:
            return "Panic(" + to_quantity(reason.panic_code) + ": " + std::string(panic_meaning(reason.panic_code)) +
                   ")";
        case RevertKind::kCustom: {
            std::string out = reason.error->name + "(";
            for (std::size_t i = 0; i < reason.args.size(); ++i) {
                if (i != 0) out += ", ";
                out += format_value(reason.args[i], NumberStyle::kPlain);
            }
            return out + ")";
        }
        case RevertKind::kUnknown:
            return "unknown error " +
                   (reason.data.size() >= 4 ? to_hex(ByteView(reason.data).first(4)) : to_hex(reason.data)) + " (" +
                   std::to_string(reason.data.size()) + " bytes)";
    }
    return "unknown revert";
}

}  // namespace keeper::abi

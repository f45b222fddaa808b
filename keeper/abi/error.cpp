#include "keeper/abi/error.hpp"

namespace keeper::abi {

std::string_view to_string(AbiErrc code) noexcept {
    switch (code) {
        case AbiErrc::kInvalidType:
            return "invalid type";
        case AbiErrc::kInvalidSignature:
            return "invalid signature";
        case AbiErrc::kInvalidJson:
            return "invalid JSON ABI";
        case AbiErrc::kNotFound:
            return "not found";
        case AbiErrc::kAmbiguous:
            return "ambiguous name";
        case AbiErrc::kArityMismatch:
            return "wrong number of values";
        case AbiErrc::kTypeMismatch:
            return "value of the wrong type";
        case AbiErrc::kOutOfRange:
            return "value out of range";
        case AbiErrc::kInvalidValue:
            return "invalid value";
        case AbiErrc::kInputTooShort:
            return "input too short";
        case AbiErrc::kOffsetOutOfBounds:
            return "offset out of bounds";
        case AbiErrc::kLengthTooLarge:
            return "length too large";
        case AbiErrc::kDirtyHighBits:
            return "dirty high bits";
        case AbiErrc::kInvalidBool:
            return "invalid bool";
        case AbiErrc::kDirtyPadding:
            return "dirty padding";
        case AbiErrc::kNonCanonical:
            return "non-canonical encoding";
        case AbiErrc::kTrailingData:
            return "trailing data";
        case AbiErrc::kTooManyValues:
            return "too many values";
        case AbiErrc::kSelectorMismatch:
            return "selector mismatch";
        case AbiErrc::kTopicMismatch:
            return "topic mismatch";
    }
    return "unknown ABI error";
}

}  // namespace keeper::abi

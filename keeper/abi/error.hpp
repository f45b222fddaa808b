// Errors of the ABI layer: an enum class code a caller can branch on, plus a message that names
// what was wrong and where ("argument 2: element 3: 300 does not fit in uint8").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keeper/core/expected.hpp"

namespace keeper::abi {

enum class AbiErrc : std::uint8_t {
    // Types, signatures and JSON ABI files.
    kInvalidType,       // not a Solidity ABI type ("uint7", "bytes33", "fixed128x18")
    kInvalidSignature,  // a human-readable signature that does not parse
    kInvalidJson,       // a JSON ABI that is not valid JSON or not shaped like an ABI
    kNotFound,          // no function/event/error with that name, selector or topic
    kAmbiguous,         // a name that matches several overloads
    // Values (encoding and text arguments).
    kArityMismatch,  // wrong number of values for the types
    kTypeMismatch,   // a value of another kind than its type (bool for uint256)
    kOutOfRange,     // a value that does not fit its type (300 for uint8)
    kInvalidValue,   // a text argument that does not parse as its type
    // Decoding.
    kInputTooShort,      // reading past the end of the input
    kOffsetOutOfBounds,  // an offset pointing outside the input
    kLengthTooLarge,     // a length or element count larger than the remaining input allows
    kDirtyHighBits,      // uintN/address not zero-extended, intN not sign-extended
    kInvalidBool,        // a bool word other than 0 or 1
    kDirtyPadding,       // non-zero padding after bytesN, bytes or string
    kNonCanonical,       // an offset other than the canonical encoder's (DecodeMode::kCanonical)
    kTrailingData,       // bytes after the encoding (DecodeMode::kCanonical)
    kTooManyValues,      // overlapping offsets that would decode more values than the input holds
    kSelectorMismatch,   // calldata or revert data for another function/error
    kTopicMismatch,      // event topics that do not fit the event
};

[[nodiscard]] std::string_view to_string(AbiErrc code) noexcept;

struct AbiError {
    AbiErrc code{AbiErrc::kInvalidValue};
    std::string message;

    /// "<context>: <message>", for errors passed up through nested values.
    [[nodiscard]] AbiError within(std::string_view context) && {
        message.insert(0, ": ");
        message.insert(0, context);
        return std::move(*this);
    }
    [[nodiscard]] AbiError within(std::string_view context) const& { return AbiError(*this).within(context); }
};

template <class T>
using Result = Expected<T, AbiError>;

[[nodiscard]] inline Unexpected<AbiError> fail(AbiErrc code, std::string message) {
    return Unexpected(AbiError{code, std::move(message)});
}

}  // namespace keeper::abi

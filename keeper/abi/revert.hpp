// Revert data: Error(string), Panic(uint256), custom errors from an ABI, empty reverts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/error.hpp"
#include "keeper/abi/json_abi.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"

namespace keeper::abi {

inline constexpr Selector kErrorSelector{0x08, 0xc3, 0x79, 0xa0};  // Error(string)
inline constexpr Selector kPanicSelector{0x4e, 0x48, 0x7b, 0x71};  // Panic(uint256)

enum class RevertKind : std::uint8_t {
    kEmpty,    // no data: revert() or require(cond) without a message, or out of gas
    kError,    // Error(string): require(cond, "message") or revert("message")
    kPanic,    // Panic(uint256): assert, overflow, division by zero, ...
    kCustom,   // a custom error found in the ABI
    kUnknown,  // a selector the ABI does not know (or data shorter than a selector)
};

struct RevertReason {
    RevertKind kind{RevertKind::kEmpty};
    std::string message;                // kError
    U256 panic_code{0};                 // kPanic
    const CustomError* error{nullptr};  // kCustom: points into the Abi passed to decode_revert
    std::vector<Value> args;            // kCustom
    Bytes data;                         // the raw revert data
};

/// What a Solidity panic code means ("arithmetic underflow or overflow" for 0x11), or
/// "unknown panic code" for codes Solidity does not define.
[[nodiscard]] std::string_view panic_meaning(const U256& code) noexcept;

/// Classifies revert data. Error(string) and Panic(uint256) are decoded built in; custom errors
/// are looked up in `abi` when given. Malformed arguments of a recognised selector are an error.
[[nodiscard]] Result<RevertReason> decode_revert(ByteView data, const Abi* abi = nullptr,
                                                 DecodeMode mode = DecodeMode::kStrict);

/// One line for logs and the CLI: `Error("boom")`, `Panic(0x11: arithmetic underflow or
/// overflow)`, `InsufficientBalance(5, 7)`, `empty revert data`, `unknown error 0xdeadbeef...`.
[[nodiscard]] std::string describe(const RevertReason& reason);

}  // namespace keeper::abi

// ABI encoding (head/tail layout, 32-byte words) and strict decoding over a byte view.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/type.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/core/bytes.hpp"

namespace keeper::abi {

/// How much a decoder accepts. Every mode bounds-checks offsets and lengths, bounds element
/// counts by the remaining input and refuses overlapping offsets that would multiply the input.
enum class DecodeMode : std::uint8_t {
    /// Exactly what encode() produces: kStrict, plus canonical offsets, zero padding after
    /// bytes/string, and no trailing bytes. Whatever it accepts re-encodes byte for byte.
    kCanonical,
    /// Value checks as Solidity's abi.decode: uintN/address zero-extended, intN sign-extended,
    /// bool 0 or 1, bytesN zero-padded. Offsets may point anywhere in bounds; trailing bytes allowed.
    kStrict,
    /// As kStrict, but dirty high bits and padding are ignored (values are masked, any non-zero
    /// bool word is true), as lenient decoders such as cast's do.
    kLenient,
};

/// abi.encode(values...): the values as one tuple of `types`.
[[nodiscard]] Result<Bytes> encode(std::span<const Type> types, std::span<const Value> values);
/// Selector + encoded arguments.
[[nodiscard]] Result<Bytes> encode_call(const Function& function, std::span<const Value> args);
/// Selector + encoded arguments of a custom error (what `revert E(args)` returns).
[[nodiscard]] Result<Bytes> encode_error(const CustomError& error, std::span<const Value> args);

/// abi.encodePacked(values...): elementary values in their natural width (uintN in N/8 bytes,
/// address 20, bool 1, bytesN N), bytes and string raw, arrays of elementary static types with
/// each element padded to 32 bytes. Tuples and arrays of dynamic or nested types are refused, as
/// Solidity refuses them. Not decodable: use for hashing and signing schemes.
[[nodiscard]] Result<Bytes> encode_packed(std::span<const Type> types, std::span<const Value> values);

/// Decodes `data` as a tuple of `types` (function arguments without selector, return data,
/// event data, error arguments without selector).
[[nodiscard]] Result<std::vector<Value>> decode(std::span<const Type> types, ByteView data,
                                                DecodeMode mode = DecodeMode::kStrict);
/// Checks the selector and decodes the arguments of `function`.
[[nodiscard]] Result<std::vector<Value>> decode_call(const Function& function, ByteView calldata,
                                                     DecodeMode mode = DecodeMode::kStrict);
/// Decodes return data with the outputs of `function`.
[[nodiscard]] Result<std::vector<Value>> decode_output(const Function& function, ByteView data,
                                                       DecodeMode mode = DecodeMode::kStrict);

/// Checks one 32-byte word against an elementary type (uintN, intN, address, bool, bytesN) and
/// returns its value; used by decode() and for indexed event topics.
[[nodiscard]] Result<Value> decode_word(const Type& type, std::span<const std::uint8_t, 32> word,
                                        DecodeMode mode = DecodeMode::kStrict);

}  // namespace keeper::abi

// Event logs: indexed parameters from topics, the others from the data.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/error.hpp"
#include "keeper/abi/json_abi.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/core/bytes.hpp"

namespace keeper::abi {

struct LogField {
    std::string name;
    Value value;
    bool indexed{false};
    /// An indexed string, bytes, array or tuple: the topic holds only keccak256 of its encoding,
    /// so `value` is that hash as bytes32.
    bool hashed{false};

    friend bool operator==(const LogField&, const LogField&) = default;
};

struct DecodedLog {
    const Event* event{nullptr};   // points into the Abi that matched topic 0
    std::vector<LogField> fields;  // in declaration order
};

/// Whether an indexed parameter of this type is stored as its keccak hash (every type but the
/// one-word value types).
[[nodiscard]] bool is_hashed_when_indexed(const Type& type) noexcept;

/// Decodes a log of `event`: checks topic 0 (unless anonymous) and the topic count, decodes
/// indexed value types from their topics with the same range checks as data, and the data.
[[nodiscard]] Result<std::vector<LogField>> decode_log(const Event& event, std::span<const Hash32> topics,
                                                       ByteView data, DecodeMode mode = DecodeMode::kStrict);

/// Finds the event by topic 0 in `abi` (anonymous events cannot be matched) and decodes it.
[[nodiscard]] Result<DecodedLog> decode_log(const Abi& abi, std::span<const Hash32> topics, ByteView data,
                                            DecodeMode mode = DecodeMode::kStrict);

}  // namespace keeper::abi

// JSON view of a signed transaction in the field names of JSON-RPC and `cast decode-transaction`.
#pragma once

#include <nlohmann/json.hpp>

#include "keeper/tx/transaction.hpp"

namespace keeper {

/// {"signer", "type", "chainId", "nonce", "gasPrice" | "maxFeePerGas"/"maxPriorityFeePerGas",
///  "gas", "to", "value", "accessList", "input", "r", "s", "yParity", "v", "hash"} with
/// quantities as minimal 0x-hex, in cast's order. "signer" is null if recovery fails; fields a
/// type does not carry are omitted.
[[nodiscard]] nlohmann::ordered_json to_json(const SignedTransaction& tx);

}  // namespace keeper

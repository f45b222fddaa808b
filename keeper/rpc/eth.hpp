// Typed eth_ namespace: request builders and strict decoders for the values and objects the
// keeper reads (quantities, data, addresses, hashes, block headers, receipts, logs, fee
// history). Pure: no I/O, errors as values naming the offending member
// ("result.baseFeePerGas: not a quantity: leading zero").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/rpc/jsonrpc.hpp"

namespace keeper::rpc {

// ---- values ------------------------------------------------------------------------------------

/// "0x" + minimal lower- or upper-case hex digits: "0x0", "0x1a". Rejects "0x", "0x01", "1a".
[[nodiscard]] Expected<U256, CodecError> parse_quantity(std::string_view text, std::string_view path);
[[nodiscard]] Expected<U256, CodecError> decode_quantity(const Json& j, std::string_view path);
/// A quantity that must fit in 64 bits (block numbers, gas, nonces, timestamps).
[[nodiscard]] Expected<std::uint64_t, CodecError> decode_u64(const Json& j, std::string_view path);
/// "0x" + an even number of hex digits ("0x" is empty data).
[[nodiscard]] Expected<Bytes, CodecError> decode_data(const Json& j, std::string_view path);
[[nodiscard]] Expected<Address, CodecError> decode_address(const Json& j, std::string_view path);
[[nodiscard]] Expected<Hash32, CodecError> decode_hash(const Json& j, std::string_view path);

/// "0x" + minimal hex of a 64-bit value.
[[nodiscard]] std::string to_quantity(std::uint64_t v);
using keeper::to_quantity;

// ---- objects -----------------------------------------------------------------------------------

struct BlockHeader {
    std::uint64_t number{0};
    Hash32 hash;
    Hash32 parent_hash;
    std::uint64_t timestamp{0};
    std::optional<U256> base_fee_per_gas;  // absent before London
    std::uint64_t gas_limit{0};
    std::uint64_t gas_used{0};
    bool operator==(const BlockHeader&) const = default;
};

struct Log {
    Address address;
    std::vector<Hash32> topics;
    Bytes data;
    std::uint64_t block_number{0};
    Hash32 block_hash;
    Hash32 transaction_hash;
    std::uint64_t log_index{0};
    bool removed{false};
    bool operator==(const Log&) const = default;
};

struct Receipt {
    Hash32 transaction_hash;
    std::uint64_t transaction_index{0};
    Hash32 block_hash;
    std::uint64_t block_number{0};
    bool status{false};  // true: success (0x1), false: reverted (0x0)
    std::uint64_t gas_used{0};
    U256 effective_gas_price;
    std::optional<Address> contract_address;
    std::vector<Log> logs;
    bool operator==(const Receipt&) const = default;
};

struct FeeHistory {
    std::uint64_t oldest_block{0};
    std::vector<U256> base_fee_per_gas;           // blocks + 1 entries (the last is the next block's)
    std::vector<double> gas_used_ratio;           // blocks entries
    std::vector<std::vector<U256>> reward;        // blocks entries of one value per percentile, or empty
    bool operator==(const FeeHistory&) const = default;
};

/// Block objects from eth_getBlockByNumber/Hash or a newHeads notification (transactions, if
/// present, are ignored).
[[nodiscard]] Expected<BlockHeader, CodecError> decode_block_header(const Json& j, std::string_view path = "result");
[[nodiscard]] Expected<Log, CodecError> decode_log(const Json& j, std::string_view path = "result");
/// Post-Byzantium receipts only (a `status` is required).
[[nodiscard]] Expected<Receipt, CodecError> decode_receipt(const Json& j, std::string_view path = "result");
[[nodiscard]] Expected<FeeHistory, CodecError> decode_fee_history(const Json& j, std::string_view path = "result");

/// For results that may be null (a pending receipt, a block not yet known): null gives nullopt,
/// anything else goes through `decode`.
template <class Decode>
[[nodiscard]] auto decode_nullable(const Json& j, std::string_view path, Decode decode)
    -> Expected<std::optional<typename decltype(decode(j, path))::value_type>, CodecError> {
    using T = typename decltype(decode(j, path))::value_type;
    if (j.is_null()) return std::optional<T>{};
    auto v = decode(j, path);
    if (!v) return Unexpected(std::move(v).error());
    return std::optional<T>(std::move(*v));
}

// ---- requests ----------------------------------------------------------------------------------

enum class BlockTag : std::uint8_t { kLatest, kPending, kSafe, kFinalized, kEarliest };
/// EIP-1898: a block named by its hash, `{"blockHash": "0x..", "requireCanonical": true}`. For
/// state reads (eth_call, eth_getBalance, eth_getCode, eth_getTransactionCount,
/// eth_getStorageAt): unlike a number, a hash cannot silently resolve to another block during
/// a reorg; with require_canonical the node refuses a hash that is no longer canonical.
/// Not for eth_getBlockByNumber or eth_feeHistory (use get_block_by_hash).
struct BlockHashRef {
    Hash32 hash;
    bool require_canonical{true};
    bool operator==(const BlockHashRef&) const = default;
};
/// A block number, a tag or a hash, as the block parameter of eth_call, eth_getBalance, ...
using BlockRef = std::variant<std::uint64_t, BlockTag, BlockHashRef>;
[[nodiscard]] Json to_json(const BlockRef& block);

/// Fields of eth_call / eth_estimateGas. `to` empty means contract creation.
struct CallRequest {
    std::optional<Address> from;
    std::optional<Address> to;
    Bytes data;
    std::optional<U256> value;
    std::optional<std::uint64_t> gas;
};
[[nodiscard]] Json to_json(const CallRequest& request);

namespace eth {
[[nodiscard]] Call chain_id();
[[nodiscard]] Call block_number();
[[nodiscard]] Call get_balance(const Address& account, const BlockRef& block = BlockTag::kLatest);
[[nodiscard]] Call get_transaction_count(const Address& account, const BlockRef& block = BlockTag::kLatest);
[[nodiscard]] Call get_block_by_number(const BlockRef& block, bool full_transactions = false);
[[nodiscard]] Call get_block_by_hash(const Hash32& hash, bool full_transactions = false);
[[nodiscard]] Call call(const CallRequest& request, const BlockRef& block = BlockTag::kLatest);
[[nodiscard]] Call estimate_gas(const CallRequest& request);
[[nodiscard]] Call get_transaction_receipt(const Hash32& tx_hash);
[[nodiscard]] Call send_raw_transaction(ByteView signed_tx);
[[nodiscard]] Call fee_history(std::uint64_t block_count, const BlockRef& newest, const std::vector<double>& percentiles);
[[nodiscard]] Call max_priority_fee_per_gas();
}  // namespace eth

}  // namespace keeper::rpc

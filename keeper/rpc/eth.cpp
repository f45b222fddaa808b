#include "keeper/rpc/eth.hpp"

#include <cstdlib>

#include "keeper/core/hex.hpp"

namespace keeper::rpc {

namespace {

Unexpected<CodecError> fail(CodecErrc code, std::string_view path, std::string_view what) {
    std::string message(path);
    message += ": ";
    message += what;
    return Unexpected(CodecError{code, std::move(message)});
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Path of a member or element, built only when an error is reported.
std::string member(std::string_view path, std::string_view key) {
    std::string out(path);
    out += '.';
    out += key;
    return out;
}
std::string element(std::string_view path, std::size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
}

// Looks up a required member; on failure the error names "path.key".
Expected<const Json*, CodecError> field(const Json& obj, std::string_view path, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end()) return fail(CodecErrc::kMissingField, member(path, key), "missing");
    return &*it;
}

Expected<const Json*, CodecError> object(const Json& j, std::string_view path) {
    if (!j.is_object()) return fail(CodecErrc::kWrongType, path, "not an object");
    return &j;
}

// Decodes obj[key] with `decode`, naming "path.key" in errors.
template <class Decode>
auto get(const Json& obj, std::string_view path, const char* key, Decode decode)
    -> decltype(decode(obj, std::string_view{})) {
    auto f = field(obj, path, key);
    if (!f) return Unexpected(std::move(f).error());
    return decode(**f, member(path, key));
}

template <class Decode>
auto get_optional(const Json& obj, std::string_view path, const char* key, Decode decode)
    -> Expected<std::optional<typename decltype(decode(obj, std::string_view{}))::value_type>, CodecError> {
    using T = typename decltype(decode(obj, std::string_view{}))::value_type;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::optional<T>{};
    auto v = decode(*it, member(path, key));
    if (!v) return Unexpected(std::move(v).error());
    return std::optional<T>(std::move(*v));
}

template <class Decode>
auto get_array(const Json& j, std::string_view path, Decode decode)
    -> Expected<std::vector<typename decltype(decode(j, std::string_view{}))::value_type>, CodecError> {
    using T = typename decltype(decode(j, std::string_view{}))::value_type;
    if (!j.is_array()) return fail(CodecErrc::kWrongType, path, "not an array");
    std::vector<T> out;
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        auto v = decode(j[i], element(path, i));
        if (!v) return Unexpected(std::move(v).error());
        out.push_back(std::move(*v));
    }
    return out;
}

const auto kQuantity = [](const Json& j, std::string_view p) { return decode_quantity(j, p); };
const auto kU64 = [](const Json& j, std::string_view p) { return decode_u64(j, p); };
const auto kData = [](const Json& j, std::string_view p) { return decode_data(j, p); };
const auto kAddress = [](const Json& j, std::string_view p) { return decode_address(j, p); };
const auto kHash = [](const Json& j, std::string_view p) { return decode_hash(j, p); };
const auto kLog = [](const Json& j, std::string_view p) { return decode_log(j, p); };
const auto kBool = [](const Json& j, std::string_view p) -> Expected<bool, CodecError> {
    if (!j.is_boolean()) return fail(CodecErrc::kWrongType, p, "not a boolean");
    return j.get<bool>();
};
const auto kNumber = [](const Json& j, std::string_view p) -> Expected<double, CodecError> {
    if (!j.is_number()) return fail(CodecErrc::kWrongType, p, "not a number");
    return j.get<double>();
};

// Shorthand inside decoders: assigns or returns the error.
#define KEEPER_RPC_TRY(lhs, expr)                          \
    do {                                                   \
        auto keeper_rpc_v = (expr);                        \
        if (!keeper_rpc_v) return Unexpected(std::move(keeper_rpc_v).error()); \
        (lhs) = std::move(*keeper_rpc_v);                  \
    } while (false)

}  // namespace

Expected<U256, CodecError> parse_quantity(std::string_view text, std::string_view path) {
    if (text.size() < 2 || text[0] != '0' || text[1] != 'x')
        return fail(CodecErrc::kNotAQuantity, path, "not a quantity: missing 0x prefix");
    text.remove_prefix(2);
    if (text.empty()) return fail(CodecErrc::kNotAQuantity, path, "not a quantity: no digits");
    if (text.size() > 1 && text[0] == '0') return fail(CodecErrc::kNotAQuantity, path, "not a quantity: leading zero");
    if (text.size() > 64) return fail(CodecErrc::kOverflow, path, "quantity exceeds 256 bits");
    U256 out = 0;
    for (const char c : text) {
        const int d = hex_value(c);
        if (d < 0) return fail(CodecErrc::kNotAQuantity, path, "not a quantity: invalid hex digit");
        out = (out << 4) | static_cast<unsigned>(d);
    }
    return out;
}

Expected<U256, CodecError> decode_quantity(const Json& j, std::string_view path) {
    if (!j.is_string()) return fail(CodecErrc::kNotAQuantity, path, "not a quantity: not a string");
    return parse_quantity(j.get_ref<const std::string&>(), path);
}

Expected<std::uint64_t, CodecError> decode_u64(const Json& j, std::string_view path) {
    auto v = decode_quantity(j, path);
    if (!v) return Unexpected(std::move(v).error());
    if (*v > std::numeric_limits<std::uint64_t>::max())
        return fail(CodecErrc::kOverflow, path, "quantity exceeds 64 bits");
    return static_cast<std::uint64_t>(*v);
}

Expected<Bytes, CodecError> decode_data(const Json& j, std::string_view path) {
    if (!j.is_string()) return fail(CodecErrc::kNotData, path, "not hex data: not a string");
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() < 2 || s[0] != '0' || s[1] != 'x') return fail(CodecErrc::kNotData, path, "not hex data: missing 0x prefix");
    auto bytes = from_hex(s, HexPrefix::kRequired);
    if (!bytes) return fail(CodecErrc::kNotData, path, std::string("not hex data: ") + std::string(to_string(bytes.error())));
    return std::move(*bytes);
}

namespace {
template <class Fixed>
Expected<Fixed, CodecError> decode_fixed(const Json& j, std::string_view path, std::string_view what) {
    auto bytes = decode_data(j, path);
    if (!bytes) return Unexpected(std::move(bytes).error());
    Fixed out{};
    if (!Fixed::from_view(*bytes, out))
        return fail(CodecErrc::kWrongLength, path,
                    std::string(what) + " must be " + std::to_string(Fixed::kSize) + " bytes, got " +
                        std::to_string(bytes->size()));
    return out;
}
}  // namespace

Expected<Address, CodecError> decode_address(const Json& j, std::string_view path) {
    return decode_fixed<Address>(j, path, "address");
}

Expected<Hash32, CodecError> decode_hash(const Json& j, std::string_view path) {
    return decode_fixed<Hash32>(j, path, "hash");
}

std::string to_quantity(std::uint64_t v) { return keeper::to_quantity(U256(v)); }

Expected<BlockHeader, CodecError> decode_block_header(const Json& j, std::string_view path) {
    if (auto o = object(j, path); !o) return Unexpected(std::move(o).error());
    BlockHeader h;
    KEEPER_RPC_TRY(h.number, get(j, path, "number", kU64));
    KEEPER_RPC_TRY(h.hash, get(j, path, "hash", kHash));
    KEEPER_RPC_TRY(h.parent_hash, get(j, path, "parentHash", kHash));
    KEEPER_RPC_TRY(h.timestamp, get(j, path, "timestamp", kU64));
    KEEPER_RPC_TRY(h.base_fee_per_gas, get_optional(j, path, "baseFeePerGas", kQuantity));
    KEEPER_RPC_TRY(h.gas_limit, get(j, path, "gasLimit", kU64));
    KEEPER_RPC_TRY(h.gas_used, get(j, path, "gasUsed", kU64));
    return h;
}

Expected<Log, CodecError> decode_log(const Json& j, std::string_view path) {
    if (auto o = object(j, path); !o) return Unexpected(std::move(o).error());
    Log log;
    KEEPER_RPC_TRY(log.address, get(j, path, "address", kAddress));
    KEEPER_RPC_TRY(log.topics, get(j, path, "topics", [](const Json& a, std::string_view p) { return get_array(a, p, kHash); }));
    if (log.topics.size() > 4) return fail(CodecErrc::kInconsistent, member(path, "topics"), "more than 4 topics");
    KEEPER_RPC_TRY(log.data, get(j, path, "data", kData));
    KEEPER_RPC_TRY(log.block_number, get(j, path, "blockNumber", kU64));
    KEEPER_RPC_TRY(log.block_hash, get(j, path, "blockHash", kHash));
    KEEPER_RPC_TRY(log.transaction_hash, get(j, path, "transactionHash", kHash));
    KEEPER_RPC_TRY(log.log_index, get(j, path, "logIndex", kU64));
    std::optional<bool> removed;
    KEEPER_RPC_TRY(removed, get_optional(j, path, "removed", kBool));
    log.removed = removed.value_or(false);
    return log;
}

Expected<Receipt, CodecError> decode_receipt(const Json& j, std::string_view path) {
    if (auto o = object(j, path); !o) return Unexpected(std::move(o).error());
    Receipt r;
    KEEPER_RPC_TRY(r.transaction_hash, get(j, path, "transactionHash", kHash));
    KEEPER_RPC_TRY(r.transaction_index, get(j, path, "transactionIndex", kU64));
    KEEPER_RPC_TRY(r.block_hash, get(j, path, "blockHash", kHash));
    KEEPER_RPC_TRY(r.block_number, get(j, path, "blockNumber", kU64));
    std::uint64_t status = 0;
    KEEPER_RPC_TRY(status, get(j, path, "status", kU64));
    if (status > 1) return fail(CodecErrc::kInconsistent, member(path, "status"), "must be 0x0 or 0x1");
    r.status = status == 1;
    KEEPER_RPC_TRY(r.gas_used, get(j, path, "gasUsed", kU64));
    KEEPER_RPC_TRY(r.effective_gas_price, get(j, path, "effectiveGasPrice", kQuantity));
    KEEPER_RPC_TRY(r.contract_address, get_optional(j, path, "contractAddress", kAddress));
    KEEPER_RPC_TRY(r.logs, get(j, path, "logs", [](const Json& a, std::string_view p) { return get_array(a, p, kLog); }));
    return r;
}

Expected<FeeHistory, CodecError> decode_fee_history(const Json& j, std::string_view path) {
    if (auto o = object(j, path); !o) return Unexpected(std::move(o).error());
    FeeHistory f;
    KEEPER_RPC_TRY(f.oldest_block, get(j, path, "oldestBlock", kU64));
    KEEPER_RPC_TRY(f.base_fee_per_gas,
                   get(j, path, "baseFeePerGas", [](const Json& a, std::string_view p) { return get_array(a, p, kQuantity); }));
    KEEPER_RPC_TRY(f.gas_used_ratio,
                   get(j, path, "gasUsedRatio", [](const Json& a, std::string_view p) { return get_array(a, p, kNumber); }));
    std::optional<std::vector<std::vector<U256>>> reward;
    KEEPER_RPC_TRY(reward, get_optional(j, path, "reward", [](const Json& a, std::string_view p) {
                       return get_array(a, p, [](const Json& row, std::string_view rp) { return get_array(row, rp, kQuantity); });
                   }));
    f.reward = std::move(reward).value_or(std::vector<std::vector<U256>>{});
    if (f.base_fee_per_gas.size() != f.gas_used_ratio.size() + 1)
        return fail(CodecErrc::kInconsistent, member(path, "baseFeePerGas"),
                    "expected " + std::to_string(f.gas_used_ratio.size() + 1) + " entries (gasUsedRatio + 1), got " +
                        std::to_string(f.base_fee_per_gas.size()));
    if (!f.reward.empty() && f.reward.size() != f.gas_used_ratio.size())
        return fail(CodecErrc::kInconsistent, member(path, "reward"),
                    "expected " + std::to_string(f.gas_used_ratio.size()) + " rows, got " + std::to_string(f.reward.size()));
    return f;
}

#undef KEEPER_RPC_TRY

Json to_json(const BlockRef& block) {
    if (const auto* n = std::get_if<std::uint64_t>(&block)) return to_quantity(*n);
    if (const auto* h = std::get_if<BlockHashRef>(&block))
        return Json{{"blockHash", to_hex(h->hash)}, {"requireCanonical", h->require_canonical}};
    switch (std::get<BlockTag>(block)) {
        case BlockTag::kLatest: return "latest";
        case BlockTag::kPending: return "pending";
        case BlockTag::kSafe: return "safe";
        case BlockTag::kFinalized: return "finalized";
        case BlockTag::kEarliest: return "earliest";
    }
    return "latest";
}

Json to_json(const CallRequest& request) {
    Json out = Json::object();
    if (request.from) out["from"] = to_hex(*request.from);
    if (request.to) out["to"] = to_hex(*request.to);
    out["input"] = to_hex(request.data);
    if (request.value) out["value"] = keeper::to_quantity(*request.value);
    if (request.gas) out["gas"] = to_quantity(*request.gas);
    return out;
}

namespace eth {
Call chain_id() { return {"eth_chainId", Json::array()}; }
Call block_number() { return {"eth_blockNumber", Json::array()}; }
Call get_balance(const Address& account, const BlockRef& block) {
    return {"eth_getBalance", Json::array({to_hex(account), to_json(block)})};
}
Call get_transaction_count(const Address& account, const BlockRef& block) {
    return {"eth_getTransactionCount", Json::array({to_hex(account), to_json(block)})};
}
Call get_block_by_number(const BlockRef& block, bool full_transactions) {
    return {"eth_getBlockByNumber", Json::array({to_json(block), full_transactions})};
}
Call get_block_by_hash(const Hash32& hash, bool full_transactions) {
    return {"eth_getBlockByHash", Json::array({to_hex(hash), full_transactions})};
}
Call call(const CallRequest& request, const BlockRef& block) {
    return {"eth_call", Json::array({to_json(request), to_json(block)})};
}
Call estimate_gas(const CallRequest& request) { return {"eth_estimateGas", Json::array({to_json(request)})}; }
Call get_transaction_receipt(const Hash32& tx_hash) {
    return {"eth_getTransactionReceipt", Json::array({to_hex(tx_hash)})};
}
Call send_raw_transaction(ByteView signed_tx) { return {"eth_sendRawTransaction", Json::array({to_hex(signed_tx)})}; }
Call fee_history(std::uint64_t block_count, const BlockRef& newest, const std::vector<double>& percentiles) {
    return {"eth_feeHistory", Json::array({to_quantity(block_count), to_json(newest), percentiles})};
}
Call max_priority_fee_per_gas() { return {"eth_maxPriorityFeePerGas", Json::array()}; }
}  // namespace eth

}  // namespace keeper::rpc

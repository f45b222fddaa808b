#include "keeper/tx/json.hpp"

#include "keeper/core/hex.hpp"

namespace keeper {

nlohmann::ordered_json to_json(const SignedTransaction& tx) {
    nlohmann::ordered_json j;
    const auto signer = tx.recover_sender();
    j["signer"] = signer ? nlohmann::ordered_json(to_hex(*signer)) : nlohmann::ordered_json(nullptr);
    j["type"] = to_quantity(static_cast<std::uint8_t>(tx.type));
    if (tx.chain_id) j["chainId"] = to_quantity(*tx.chain_id);
    j["nonce"] = to_quantity(tx.nonce);
    if (tx.type == TransactionType::kDynamicFee) {
        j["gas"] = to_quantity(tx.gas_limit);
        j["maxFeePerGas"] = to_quantity(tx.max_fee_per_gas);
        j["maxPriorityFeePerGas"] = to_quantity(tx.max_priority_fee_per_gas);
    } else {
        j["gasPrice"] = to_quantity(tx.gas_price);
        j["gas"] = to_quantity(tx.gas_limit);
    }
    j["to"] = tx.to ? nlohmann::ordered_json(to_hex(*tx.to)) : nlohmann::ordered_json(nullptr);
    j["value"] = to_quantity(tx.value);
    if (tx.type != TransactionType::kLegacy) {
        auto list = nlohmann::ordered_json::array();
        for (const auto& e : tx.access_list) {
            auto keys = nlohmann::ordered_json::array();
            for (const auto& k : e.storage_keys) keys.push_back(to_hex(k));
            list.push_back({{"address", to_hex(e.account)}, {"storageKeys", std::move(keys)}});
        }
        j["accessList"] = std::move(list);
    }
    j["input"] = to_hex(tx.data);
    j["r"] = to_quantity(tx.r);
    j["s"] = to_quantity(tx.s);
    if (tx.type != TransactionType::kLegacy) j["yParity"] = to_quantity(tx.y_parity);
    j["v"] = to_quantity(tx.v());
    j["hash"] = to_hex(tx.hash());
    return j;
}

}  // namespace keeper

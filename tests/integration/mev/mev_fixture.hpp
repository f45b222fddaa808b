// Shared helpers of the MEV integration tests (run_co comes from support/run_co.hpp): sign a keeper
// transaction, read balances with cast.
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/tx/transaction.hpp"
#include "support/anvil.hpp"
#include "support/run_co.hpp"
#include "support/stack.hpp"

namespace keeper::test {

namespace asio = boost::asio;

/// The JSON result of a raw call to anvil (throws on an error object).
inline nlohmann::json rpc_result(const AnvilProcess& anvil, const std::string& method, const std::string& params = "[]") {
    const auto reply = nlohmann::json::parse(anvil.raw_call(method, params));
    if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
    return reply["result"];
}

inline std::uint64_t hex_u64(const nlohmann::json& j) { return std::stoull(j.get<std::string>(), nullptr, 16); }

/// First number cast printed ("123 [1.23e2]" -> 123).
inline U256 cast_number(const std::string& out) {
    const auto v = parse_u256(out.substr(0, out.find(' ')));
    if (!v) throw std::runtime_error("not a number: " + out);
    return *v;
}

inline U256 balance_of(const AnvilProcess& anvil, const std::string& token, const std::string& who) {
    return cast_number(call(anvil, token, "balanceOf(address)(uint256)", {who}));
}

inline SecretKey key_of(const char* hex) { return *SecretKey::from_bytes(*from_hex(hex)); }

struct SignedTx {
    Bytes raw;
    Hash32 hash;
    std::uint64_t nonce{0};
};

inline SignedTx sign_tx(const SecretKey& key, std::uint64_t nonce, const std::string& to, Bytes data,
                        const U256& tip, const U256& max_fee, std::uint64_t gas = 1'500'000, std::uint64_t chain_id = 31337) {
    UnsignedTransaction u;
    u.type = TransactionType::kDynamicFee;
    u.chain_id = chain_id;
    u.nonce = nonce;
    u.max_priority_fee_per_gas = tip;
    u.max_fee_per_gas = max_fee;
    u.gas_limit = gas;
    u.to = *fixed_from_hex<Address>(to);
    u.data = std::move(data);
    auto s = sign(u, key);
    if (!s) throw std::runtime_error("signing failed");
    return {s->encode(), s->hash(), nonce};
}

/// Calldata of IOptionsVault.rebalance((bool,uint256,uint256,uint160,uint256)): a static tuple.
inline Bytes rebalance_calldata(bool buy, const U256& amount_in, const U256& min_out, const U256& deadline) {
    Bytes out;
    const auto sel = function_selector("rebalance((bool,uint256,uint256,uint160,uint256))");
    out.insert(out.end(), sel.begin(), sel.end());
    for (const U256& w : {U256(buy ? 1 : 0), amount_in, min_out, U256(0), deadline}) {
        const auto be = to_be32(w);
        out.insert(out.end(), be.begin(), be.end());
    }
    return out;
}

}  // namespace keeper::test

// Journal test helpers: a temporary directory, a signed EIP-1559 transaction, a decision.
#pragma once

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"


#include <filesystem>
#include <string>
#include <system_error>

#include "keeper/core/hex.hpp"
#include "keeper/journal/journal.hpp"
#include "keeper/tx/transaction.hpp"

namespace keeper::test {

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.

inline constexpr std::uint64_t kChainId = 31337;
// anvil's first dev account: a public test key, never used outside tests.
inline constexpr Address kSender = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"_address;
inline constexpr Address kVault = "0x5fbdb2315678afecb367f032d93f642f64180aa3"_address;

inline SecretKey dev_key() {
    auto key = SecretKey::from_bytes("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"_hex);
    REQUIRE(key.has_value());
    return std::move(*key);
}

inline const U256 kGwei = 1'000'000'000;

/// An EIP-1559 call to the vault at `nonce`, signed with the dev key.
inline SignedTransaction signed_tx(std::uint64_t nonce, const U256& max_fee = 100 * kGwei,
                                   const U256& tip = 2 * kGwei) {
    UnsignedTransaction tx;
    tx.type = TransactionType::kDynamicFee;
    tx.chain_id = kChainId;
    tx.nonce = nonce;
    tx.max_fee_per_gas = max_fee;
    tx.max_priority_fee_per_gas = tip;
    tx.gas_limit = 250'000;
    tx.to = kVault;
    tx.data = "0x12345678"_hex;
    auto stx = sign(tx, dev_key());
    REQUIRE(stx.has_value());
    return *stx;
}

inline journal::NewIntent new_intent(const std::string& key, std::uint64_t deadline = 1'700'000'600) {
    journal::NewIntent in;
    in.idempotency_key = key;
    in.chain_id = kChainId;
    in.sender = kSender;
    in.decision = {kVault, journal::Direction::kSell, 5 * kGwei * kGwei, 9'000'000'000, deadline};
    in.created_at = 1'700'000'000;
    return in;
}

template <class T>
T ok(journal::Result<T>&& r) {
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
}
inline void ok(journal::Result<void>&& r) {
    if (!r) FAIL(r.error().message);
}

inline journal::Journal open_journal(const std::string& path) {
    return ok(journal::Journal::open(path));
}

}  // namespace keeper::test

// Test support: the full vault stack on a local anvil, deployed by the project's own forge
// script (contracts/script/Deploy.s.sol: mock tokens, real Uniswap V3 factory, pool and
// SwapRouter bytecode, mock feed, adapter, vault, lens), plus a few market moves done with
// `cast` so test setup stays independent of the keeper code under test.
//
// Accounts: anvil's well-known dev keys. Account 0 deploys and holds admin, guardian, writer
// and vol-setter; account 1 is the keeper (its key signs the keeper's transactions, so its
// nonces are not disturbed by setup). forge runs under a file lock: tests may run in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/anvil.hpp"

namespace keeper::test {

/// Anvil dev account 0 (deployer, admin, writer) and 1 (keeper).
inline constexpr const char* kDeployerAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
inline constexpr const char* kDeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
inline constexpr const char* kKeeperAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
inline constexpr const char* kKeeperKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Anvil dev account 2: a market participant (swaps, sandwich bot).
inline constexpr const char* kTraderAddress = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
inline constexpr const char* kTraderKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

/// Addresses as written by the deploy script (checksummed hex strings).
struct Stack {
    std::uint64_t chain_id{0};
    std::string quote, underlying, factory, router, pool, feed, adapter, vault, lens;
};

struct StackOptions {
    std::string keeper{kKeeperAddress};  // gets KEEPER_ROLE and a delta budget
};

/// Runs the deploy script against `anvil` (automine must be on while it runs). Fails the
/// current test with forge's output when the script fails.
Stack deploy_stack(const AnvilProcess& anvil, const StackOptions& options = {});

/// `cast send --unlocked --from <from> <to> <sig> <args...>` against `anvil`, waiting for the
/// receipt; fails the current test on a revert. Returns cast's output.
std::string send_as(const AnvilProcess& anvil, const std::string& from, const std::string& to,
                    const std::string& sig, const std::vector<std::string>& args = {});
/// `cast call <to> <sig> <args...>`; returns cast's decoded output, trimmed.
std::string call(const AnvilProcess& anvil, const std::string& to, const std::string& sig,
                 const std::vector<std::string>& args = {});

/// One option series to write into the vault.
struct SeriesSpec {
    bool is_call{true};
    std::string strike_wad;         // e.g. "3000000000000000000000"
    std::uint64_t expiry_in{7 * 86400};  // seconds from the current block
    std::string vol_wad{"700000000000000000"};
    std::string size;               // underlying base units, e.g. "10000000000000000000" (10 WETH)
};

/// Deposits `deposit_quote` (quote base units) from the deployer into the vault, then creates
/// and writes each series to the deployer as holder, paying the lens's fair premium (+1%).
/// Returns the series ids.
std::vector<std::string> seed_vault(const AnvilProcess& anvil, const Stack& stack, const std::string& deposit_quote,
                                    const std::vector<SeriesSpec>& series);

/// Sets the mock feed's answer (8 decimals, e.g. "300000000000" for 3000.00).
void set_oracle_answer(const AnvilProcess& anvil, const Stack& stack, const std::string& answer_8dec);

/// Swaps on the pool through the SwapRouter from `from` (unlocked; the deployer holds both
/// tokens): `buy_underlying` spends `amount_in` quote, otherwise sells `amount_in` underlying.
void swap_on_pool(const AnvilProcess& anvil, const Stack& stack, const std::string& from, bool buy_underlying,
                  const std::string& amount_in);

}  // namespace keeper::test

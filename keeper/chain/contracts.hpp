// The contract calls the keeper makes, encoded and decoded from the ABIs in abi/.
//
// The vault, lens and oracle-adapter ABIs (abi/IOptionsVault.json, IOptionsVaultLens.json,
// IOracleAdapter.json, and OptionsVault.json for the implementation's inherited errors) are
// embedded into the binary at build time by keeper/chain/embed_abis.cmake and parsed once, on
// first use, with keeper/abi/json_abi. A build therefore always runs with the ABIs it was built
// from; abi_fingerprints() reports their SHA-256 for the startup log. ERC-20 and the Uniswap V3
// pool are standard, frozen interfaces that abi/ does not carry: they are declared here as
// human-readable signatures and parsed with the same ABI layer.
//
// Every encoder returns calldata (selector + arguments). Every decoder takes the return data of
// that call and decodes it strictly (DecodeMode::kStrict: values in range, bools 0/1); an error
// names the call ("IOptionsVault.openSeries: ..."). Integer results keep their on-chain form
// (U256 / I256) and are range-checked into the narrower C++ fields of keeper/hedge/types.hpp.
//
// No I/O here: keeper/chain/collector.hpp batches these calls over JSON-RPC.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/json_abi.hpp"
#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/hedge/types.hpp"

namespace keeper::chain {

// ---- the ABIs ------------------------------------------------------------------------------------

/// IOptionsVault (abi/IOptionsVault.json).
[[nodiscard]] const abi::Abi& vault_abi();
/// IOptionsVaultLens (abi/IOptionsVaultLens.json).
[[nodiscard]] const abi::Abi& lens_abi();
/// IOracleAdapter (abi/IOracleAdapter.json).
[[nodiscard]] const abi::Abi& oracle_abi();
/// OptionsVault (abi/OptionsVault.json): the implementation, whose errors include the inherited
/// OpenZeppelin ones (AccessControlUnauthorizedAccount, SafeERC20FailedOperation, ...).
[[nodiscard]] const abi::Abi& vault_impl_abi();

struct AbiFingerprint {
    std::string name;    // "IOptionsVault"
    std::string sha256;  // of the embedded JSON file, hex
};
/// The embedded ABI files and their SHA-256, for the startup log.
[[nodiscard]] std::vector<AbiFingerprint> abi_fingerprints();

/// Revert data of any call the keeper makes, described for logs:
/// "VaultWithinTolerance(5, 0, 10)", "OracleStalePrice(1700000000, 3600)", "Error(\"...\")",
/// "Panic(0x11: ...)", "empty revert data" or "unknown error 0x...". Custom errors are looked up
/// in the vault, lens and oracle ABIs. Never fails: malformed data is described as such.
[[nodiscard]] std::string describe_revert(ByteView revert_data);

// ---- IOptionsVault -------------------------------------------------------------------------------

/// rebalance((bool,uint256,uint256,uint160,uint256)). A sqrt price limit above 2^160 - 1 is a
/// programmer error (asserted; the planner never produces one).
[[nodiscard]] Bytes encode_rebalance(const hedge::RebalanceParams& params);
/// Decodes rebalance calldata back (journal checks, tests); the error names the field.
[[nodiscard]] abi::Result<hedge::RebalanceParams> decode_rebalance_call(ByteView calldata);

/// amountIn and amountOut of rebalance()'s return data (a simulated call).
struct RebalanceResult {
    U256 amount_in{0};
    U256 amount_out{0};
    bool operator==(const RebalanceResult&) const = default;
};
[[nodiscard]] abi::Result<RebalanceResult> decode_rebalance_result(ByteView data);

/// The Rebalanced event, decoded from a receipt's log.
struct RebalancedEvent {
    Address keeper;
    bool buy_underlying{false};
    U256 amount_in{0};
    U256 amount_out{0};
    U256 oracle_price_wad{0};
    I256 delta_before{0};
    I256 delta_after{0};
    U256 budget_remaining{0};
    bool operator==(const RebalancedEvent&) const = default;
};
/// topic 0 of Rebalanced(address,bool,uint256,uint256,uint256,int256,int256,uint256).
[[nodiscard]] Hash32 rebalanced_topic();
/// Fails with kTopicMismatch for another event.
[[nodiscard]] abi::Result<RebalancedEvent> decode_rebalanced(std::span<const Hash32> topics, ByteView data);

namespace vault {
[[nodiscard]] Bytes encode_paused();
[[nodiscard]] abi::Result<bool> decode_paused(ByteView data);

[[nodiscard]] Bytes encode_open_series();
/// Series with openSize == 0 are kept (the planner skips them); payoffPerUnit is dropped (only
/// settled series have one, and openSeries() returns unsettled ones).
[[nodiscard]] abi::Result<std::vector<hedge::SeriesState>> decode_open_series(ByteView data);

/// pool(), oracle(), underlying(), swapRouter() and ERC-4626 asset() (the quote token).
[[nodiscard]] Bytes encode_pool();
[[nodiscard]] Bytes encode_oracle();
[[nodiscard]] Bytes encode_underlying();
[[nodiscard]] Bytes encode_swap_router();
[[nodiscard]] Bytes encode_asset();
/// Return data of any of the address getters above; `call` names it in errors ("pool").
[[nodiscard]] abi::Result<Address> decode_address(ByteView data, std::string_view call);

[[nodiscard]] Bytes encode_rebalance_config();
[[nodiscard]] abi::Result<hedge::RebalanceConfig> decode_rebalance_config(ByteView data);

struct DeltaConfig {
    I256 target_delta{0};
    U256 tolerance{0};
    U256 urgent_threshold{0};
    bool operator==(const DeltaConfig&) const = default;
};
[[nodiscard]] Bytes encode_delta_config();
[[nodiscard]] abi::Result<DeltaConfig> decode_delta_config(ByteView data);

[[nodiscard]] Bytes encode_delta_budget(const Address& keeper);
[[nodiscard]] Bytes encode_last_rebalance_at();
/// uint256 results: deltaBudget, lastRebalanceAt; `call` names it in errors.
[[nodiscard]] abi::Result<U256> decode_uint(ByteView data, std::string_view call);
}  // namespace vault

// ---- IOptionsVaultLens ---------------------------------------------------------------------------

namespace lens {
[[nodiscard]] Bytes encode_rebalance_bounds(const Address& vault, const Address& keeper);
[[nodiscard]] abi::Result<hedge::RebalanceBounds> decode_rebalance_bounds(ByteView data);

[[nodiscard]] Bytes encode_portfolio_delta(const Address& vault);
struct PortfolioDelta {
    I256 delta{0};
    U256 oracle_price_wad{0};
    bool operator==(const PortfolioDelta&) const = default;
};
[[nodiscard]] abi::Result<PortfolioDelta> decode_portfolio_delta(ByteView data);
}  // namespace lens

// ---- IOracleAdapter ------------------------------------------------------------------------------

namespace oracle {
/// IOracleAdapter.Status.
enum class Status : std::uint8_t {
    kOk,
    kFeedCallFailed,
    kNonPositiveAnswer,
    kUpdatedInFuture,
    kStale,
    kSequencerCallFailed,
    kSequencerDown,
    kSequencerGracePeriod,
};
[[nodiscard]] std::string_view to_string(Status s) noexcept;

/// latestPrice(): reverts when the price is unusable.
[[nodiscard]] Bytes encode_latest_price();
[[nodiscard]] abi::Result<hedge::OracleState> decode_latest_price(ByteView data);

/// tryLatestPrice(): never reverts; price and time are zero unless status is kOk.
struct TryPrice {
    Status status{Status::kOk};
    hedge::OracleState price;
    bool operator==(const TryPrice&) const = default;
};
[[nodiscard]] Bytes encode_try_latest_price();
[[nodiscard]] abi::Result<TryPrice> decode_try_latest_price(ByteView data);

[[nodiscard]] Bytes encode_staleness_limit();
[[nodiscard]] abi::Result<std::uint64_t> decode_staleness_limit(ByteView data);
}  // namespace oracle

// ---- ERC-20 (standard interface) -----------------------------------------------------------------

namespace erc20 {
[[nodiscard]] Bytes encode_balance_of(const Address& owner);
[[nodiscard]] abi::Result<U256> decode_balance_of(ByteView data);
[[nodiscard]] Bytes encode_decimals();
[[nodiscard]] abi::Result<std::uint8_t> decode_decimals(ByteView data);
}  // namespace erc20

// ---- Uniswap V3 pool (standard interface) --------------------------------------------------------

namespace univ3 {
struct Slot0 {
    U256 sqrt_price_x96{0};  // uint160
    std::int32_t tick{0};    // int24
    bool unlocked{false};
    bool operator==(const Slot0&) const = default;
};
/// slot0() -> (uint160,int24,uint16,uint16,uint16,uint8,bool)
[[nodiscard]] Bytes encode_slot0();
[[nodiscard]] abi::Result<Slot0> decode_slot0(ByteView data);
/// liquidity() -> uint128
[[nodiscard]] Bytes encode_liquidity();
[[nodiscard]] abi::Result<U256> decode_liquidity(ByteView data);
/// token0(), token1() -> address
[[nodiscard]] Bytes encode_token0();
[[nodiscard]] Bytes encode_token1();
[[nodiscard]] abi::Result<Address> decode_token(ByteView data, std::string_view call);
/// fee() -> uint24, in hundredths of a basis point (500 = 0.05 %)
[[nodiscard]] Bytes encode_fee();
[[nodiscard]] abi::Result<std::uint32_t> decode_fee(ByteView data);
}  // namespace univ3

}  // namespace keeper::chain

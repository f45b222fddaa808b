// EIP-1559 fees from eth_feeHistory, under a hard cap.
//
//   next base fee  = the history's last baseFeePerGas entry (the node's figure for the block
//                    after `newest`)
//   priority fee   = the median, over the blocks that carried transactions, of each block's
//                    `reward_percentile` reward; clamped to [priority_fee_min, priority_fee_max]
//                    (priority_fee_min when no block in the window carried a transaction)
//   max fee        = ceil(next base fee * base_fee_multiplier) + priority fee, at most fee_cap
//                    (the priority fee is lowered to the max fee if the cap cuts below it)
// A next base fee above the cap is not a price: compute_fees() fails with kBaseFeeAboveCap
// ("cannot price: base fee X above cap Y") and the caller does not trade. It never clamps the
// base fee silently: a transaction priced below the base fee cannot be included.
//
// compute_fees() is pure (literal feeHistory JSON in the unit tests); fetch_fees() is its one
// I/O call.
#pragma once

#include <utility>  // before Asio

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/txm/types.hpp"

namespace keeper::daemon {

struct FeeSettings {
    std::uint64_t history_blocks{10};        // eth_feeHistory block count (1..1024)
    double reward_percentile{50.0};          // [0, 100]
    U256 priority_fee_min{100'000'000};      // wei per gas (0.1 gwei)
    U256 priority_fee_max{5'000'000'000};    // wei per gas (5 gwei)
    double base_fee_multiplier{2.0};         // headroom for base fee rises while in flight (>= 1)
    U256 fee_cap{200'000'000'000};           // hard cap on max_fee_per_gas (200 gwei)
};

/// The first invalid field, named: "fees.reward_percentile: must be within [0, 100]".
[[nodiscard]] Expected<void, std::string> validate(const FeeSettings& settings);

enum class FeeErrc : std::uint8_t {
    kBaseFeeAboveCap,  // the next block's base fee is above fee_cap: cannot trade at any price we allow
    kBadHistory,       // the history is empty or inconsistent (no next base fee)
    kRpc,              // eth_feeHistory failed (transport or node error)
};
[[nodiscard]] std::string_view to_string(FeeErrc e) noexcept;

struct FeeError {
    FeeErrc code{FeeErrc::kBadHistory};
    std::string message;  // "cannot price: base fee 250000000000 above cap 200000000000"
};

struct FeeQuote {
    txm::Fees fees;
    U256 next_base_fee{0};
    U256 reward{0};       // the percentile reward before clamping (0 when no block had transactions)
    bool capped{false};   // the max fee was cut to fee_cap
    bool operator==(const FeeQuote&) const = default;
};

/// eth_feeHistory(history_blocks, "latest", [reward_percentile]).
[[nodiscard]] rpc::Call fee_history_call(const FeeSettings& settings);

/// The fees to sign with, from a decoded fee history. Pure.
[[nodiscard]] Expected<FeeQuote, FeeError> compute_fees(const rpc::FeeHistory& history, const FeeSettings& settings);

/// fee_history_call() through the pool, decoded, then compute_fees().
[[nodiscard]] boost::asio::awaitable<Expected<FeeQuote, FeeError>> fetch_fees(rpc::EndpointPool& pool,
                                                                              const FeeSettings& settings);

}  // namespace keeper::daemon

// EIP-1559 replacement fees. A node accepts a transaction replacing one at the same nonce only
// if both fee fields rise by at least 10% (geth's and anvil's txpool rule, "replacement
// transaction underpriced" otherwise). The keeper raises both by the larger of that rule, its
// own percentage and an absolute minimum, and never above the operator's hard cap. Pure.
#pragma once

#include <cstdint>
#include <string_view>

#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/txm/types.hpp"

namespace keeper::txm {

/// The node's replacement rule: +10% on both fee fields.
inline constexpr std::uint32_t kNodeReplacementPercent = 10;

struct BumpPolicy {
    std::uint32_t min_percent{kNodeReplacementPercent};  // raised to the node rule if below it
    U256 min_increment{0};                               // wei per gas, on both fields
    U256 fee_cap{0};                                     // hard cap on max_fee_per_gas
};

enum class BumpError : std::uint8_t {
    kCapReached,  // the smallest valid replacement would exceed the fee cap
};
[[nodiscard]] std::string_view to_string(BumpError e) noexcept;

/// The smallest fees a node accepts as a replacement of `current` under `policy`: each field
/// becomes max(ceil(field * (100 + p) / 100), field + min_increment) with p at least 10. The
/// priority fee is never above the max fee (the max fee is raised to it if needed).
[[nodiscard]] Expected<Fees, BumpError> bump_fees(const Fees& current, const BumpPolicy& policy);

/// The fees to replace `current` with while the market (e.g. from eth_feeHistory) asks
/// `market`: per field the larger of the minimal bump and the market, the max fee clipped to the
/// cap (never below the minimal bump) and the priority fee to the max fee. kCapReached when even
/// the minimal bump is above the cap.
[[nodiscard]] Expected<Fees, BumpError> replacement_fees(const Fees& current, const Fees& market,
                                                         const BumpPolicy& policy);

/// Whether `next` is a valid replacement of `current` under the node's 10% rule.
[[nodiscard]] bool is_valid_replacement(const Fees& current, const Fees& next);

}  // namespace keeper::txm

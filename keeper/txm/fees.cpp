#include "keeper/txm/fees.hpp"

#include <algorithm>
#include <limits>

namespace keeper::txm {

std::string_view to_string(BumpError e) noexcept {
    switch (e) {
        case BumpError::kCapReached:
            return "fee cap reached: no valid replacement below the cap";
    }
    return "unknown bump error";
}

namespace {

// ceil(v * (100 + percent) / 100), computed in 512 bits so no fee can overflow.
U256 raise_by_percent(const U256& v, std::uint32_t percent) {
    const U512 scaled = U512(v) * (100U + percent) + 99U;
    const U512 out = scaled / 100U;
    if (out > U512(std::numeric_limits<U256>::max())) return std::numeric_limits<U256>::max();
    return static_cast<U256>(out);
}

U256 raise(const U256& v, const BumpPolicy& policy) {
    const std::uint32_t percent = std::max(policy.min_percent, kNodeReplacementPercent);
    U256 by_percent = raise_by_percent(v, percent);
    const U256 headroom = std::numeric_limits<U256>::max() - v;
    const U256 by_increment =
        policy.min_increment > headroom ? std::numeric_limits<U256>::max() : v + policy.min_increment;
    return std::max(by_percent, by_increment);
}

}  // namespace

Expected<Fees, BumpError> bump_fees(const Fees& current, const BumpPolicy& policy) {
    Fees next;
    next.max_priority_fee_per_gas = raise(current.max_priority_fee_per_gas, policy);
    next.max_fee_per_gas = std::max(raise(current.max_fee_per_gas, policy), next.max_priority_fee_per_gas);
    if (next.max_fee_per_gas > policy.fee_cap) return Unexpected(BumpError::kCapReached);
    return next;
}

Expected<Fees, BumpError> replacement_fees(const Fees& current, const Fees& market, const BumpPolicy& policy) {
    auto minimal = bump_fees(current, policy);
    if (!minimal) return minimal;
    Fees next;
    next.max_fee_per_gas = std::min(std::max(minimal->max_fee_per_gas, market.max_fee_per_gas), policy.fee_cap);
    next.max_priority_fee_per_gas =
        std::min(std::max(minimal->max_priority_fee_per_gas, market.max_priority_fee_per_gas), next.max_fee_per_gas);
    return next;
}

bool is_valid_replacement(const Fees& current, const Fees& next) {
    return next.max_fee_per_gas >= raise_by_percent(current.max_fee_per_gas, kNodeReplacementPercent) &&
           next.max_priority_fee_per_gas >= raise_by_percent(current.max_priority_fee_per_gas, kNodeReplacementPercent);
}

}  // namespace keeper::txm

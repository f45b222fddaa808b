#include "keeper/policy/cost_model.hpp"

#include <algorithm>
#include <cmath>

namespace keeper::policy {

std::string_view to_string(CostError e) noexcept {
    switch (e) {
        case CostError::kInvalidPool:
            return "invalid pool state";
        case CostError::kNonFiniteTrade:
            return "non-finite trade size";
        case CostError::kExceedsActiveRange:
            return "trade would leave the active liquidity range";
    }
    return "unknown cost error";
}

ConcentratedPool pool_around(double price, double liquidity, double range_half_width, double fee) noexcept {
    return {std::sqrt(price), liquidity, std::sqrt(price * std::max(0.0, 1.0 - range_half_width)),
            std::sqrt(price * (1.0 + range_half_width)), fee};
}

}  // namespace keeper::policy

#include "keeper/hedge/types.hpp"

namespace keeper::hedge {

std::string_view to_string(PlanReason r) noexcept {
    switch (r) {
        case PlanReason::kTrade: return "trade";
        case PlanReason::kInsideBand: return "inside_band";
        case PlanReason::kNotDue: return "not_due";
        case PlanReason::kNotWorthIt: return "not_worth_it";
        case PlanReason::kInFlight: return "in_flight";
        case PlanReason::kPaused: return "paused";
        case PlanReason::kOracleStale: return "oracle_stale";
        case PlanReason::kPoolDeviation: return "pool_deviation";
        case PlanReason::kCooldown: return "cooldown";
        case PlanReason::kBudgetExhausted: return "budget_exhausted";
        case PlanReason::kBelowMinimum: return "below_minimum";
        case PlanReason::kLowKeeperBalance: return "low_keeper_balance";
        case PlanReason::kHalted: return "halted";
        case PlanReason::kInvalidSnapshot: return "invalid_snapshot";
    }
    return "unknown";
}

}  // namespace keeper::hedge

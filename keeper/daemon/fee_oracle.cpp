#include "keeper/daemon/fee_oracle.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace keeper::daemon {

std::string_view to_string(FeeErrc e) noexcept {
    switch (e) {
        case FeeErrc::kBaseFeeAboveCap:
            return "base fee above cap";
        case FeeErrc::kBadHistory:
            return "bad fee history";
        case FeeErrc::kRpc:
            return "fee history unavailable";
    }
    return "unknown";
}

Expected<void, std::string> validate(const FeeSettings& s) {
    if (s.history_blocks == 0 || s.history_blocks > 1024)
        return Unexpected(std::string("fees.history_blocks: must be within [1, 1024]"));
    if (!(s.reward_percentile >= 0.0 && s.reward_percentile <= 100.0))
        return Unexpected(std::string("fees.reward_percentile: must be within [0, 100]"));
    if (s.priority_fee_min > s.priority_fee_max)
        return Unexpected(std::string("fees.priority_fee_min: must not exceed fees.priority_fee_max"));
    if (!(s.base_fee_multiplier >= 1.0 && s.base_fee_multiplier <= 100.0))
        return Unexpected(std::string("fees.base_fee_multiplier: must be within [1, 100]"));
    if (s.fee_cap == 0) return Unexpected(std::string("fees.fee_cap: must be positive"));
    if (s.priority_fee_max > s.fee_cap)
        return Unexpected(std::string("fees.priority_fee_max: must not exceed fees.fee_cap"));
    return {};
}

rpc::Call fee_history_call(const FeeSettings& settings) {
    return rpc::eth::fee_history(settings.history_blocks, rpc::BlockTag::kLatest, {settings.reward_percentile});
}

Expected<FeeQuote, FeeError> compute_fees(const rpc::FeeHistory& history, const FeeSettings& settings) {
    if (history.base_fee_per_gas.empty())
        return Unexpected(FeeError{FeeErrc::kBadHistory, "fee history has no baseFeePerGas entries"});
    FeeQuote q;
    q.next_base_fee = history.base_fee_per_gas.back();
    if (q.next_base_fee > settings.fee_cap)
        return Unexpected(FeeError{FeeErrc::kBaseFeeAboveCap, "cannot price: base fee " + to_dec(q.next_base_fee) +
                                                                   " above cap " + to_dec(settings.fee_cap)});

    // Median of the percentile reward over blocks that carried transactions (an empty block
    // reports a reward of 0, which says nothing about what inclusion costs).
    std::vector<U256> rewards;
    for (std::size_t i = 0; i < history.reward.size(); ++i) {
        const bool used = i < history.gas_used_ratio.size() && history.gas_used_ratio[i] > 0.0;
        if (used && !history.reward[i].empty()) rewards.push_back(history.reward[i].front());
    }
    U256 tip = settings.priority_fee_min;
    if (!rewards.empty()) {
        std::sort(rewards.begin(), rewards.end());
        const std::size_t n = rewards.size();
        q.reward = n % 2 == 1 ? rewards[n / 2] : (rewards[n / 2 - 1] + rewards[n / 2] + 1) / 2;
        tip = std::clamp(q.reward, settings.priority_fee_min, settings.priority_fee_max);
    }

    // ceil(base * multiplier) in integers: the multiplier in millionths.
    const auto millionths = static_cast<std::uint64_t>(std::llround(settings.base_fee_multiplier * 1e6));
    const U256 scaled = (q.next_base_fee * millionths + 999'999) / 1'000'000;
    U256 max_fee = scaled + tip;
    if (max_fee > settings.fee_cap) {
        max_fee = settings.fee_cap;
        q.capped = true;
    }
    if (tip > max_fee) tip = max_fee;
    q.fees = txm::Fees{max_fee, tip};
    return q;
}

boost::asio::awaitable<Expected<FeeQuote, FeeError>> fetch_fees(rpc::EndpointPool& pool, const FeeSettings& settings) {
    auto history = co_await pool.call_as(fee_history_call(settings), rpc::decode_fee_history);
    if (!history) co_return Unexpected(FeeError{FeeErrc::kRpc, "eth_feeHistory: " + history.error().describe()});
    co_return compute_fees(*history, settings);
}

}  // namespace keeper::daemon

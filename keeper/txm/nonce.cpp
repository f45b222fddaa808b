#include "keeper/txm/nonce.hpp"

#include <algorithm>

namespace keeper::txm {

NoncePlan plan_nonce(const NonceInputs& in) {
    NoncePlan plan;
    const std::uint64_t journal_next = in.journal_highest ? *in.journal_highest + 1 : 0;
    const std::uint64_t chain_next = std::max(in.chain_latest, in.chain_pending);
    plan.next = std::max(journal_next, chain_next);
    plan.chain_ahead = chain_next > journal_next;

    if (in.journal_highest) {
        std::vector<std::uint64_t> open = in.journal_open;
        std::sort(open.begin(), open.end());
        for (std::uint64_t n = in.chain_latest; n <= *in.journal_highest && plan.gaps.size() < kMaxGaps; ++n) {
            if (!std::binary_search(open.begin(), open.end(), n)) plan.gaps.push_back(n);
        }
    }
    return plan;
}

}  // namespace keeper::txm

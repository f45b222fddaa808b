// Nonce planning from the journal's nonces and the chain's counts.
#include <catch2/catch.hpp>

#include "keeper/txm/nonce.hpp"

using namespace keeper::txm;

TEST_CASE("a fresh key on a fresh chain starts at nonce 0") {
    CHECK(plan_nonce({std::nullopt, {}, 0, 0}) == NoncePlan{0, false, {}});
}

TEST_CASE("the journal's next nonce is used while the chain catches up") {
    // Nonces 3 and 4 in flight; the node has one of them in its mempool.
    CHECK(plan_nonce({4, {3, 4}, 3, 4}) == NoncePlan{5, false, {}});
}

TEST_CASE("a mined count beyond the journal means the key signed elsewhere: fast-forward") {
    CHECK(plan_nonce({4, {}, 7, 7}) == NoncePlan{7, true, {}});
}

TEST_CASE("a pending count beyond the journal is also the key used elsewhere") {
    CHECK(plan_nonce({4, {}, 5, 6}) == NoncePlan{6, true, {}});
}

TEST_CASE("a journal without nonces on a used key starts after the chain, flagged") {
    CHECK(plan_nonce({std::nullopt, {}, 5, 5}) == NoncePlan{5, true, {}});
}

TEST_CASE("unmined nonces without an open transaction are gaps") {
    // 3 and 6 are in flight; 4 and 5 were reserved but their intents ended without mining.
    CHECK(plan_nonce({6, {6, 3}, 3, 4}) == NoncePlan{7, false, {4, 5}});
}

TEST_CASE("gaps are reported lowest first and bounded") {
    const NoncePlan plan = plan_nonce({1000, {}, 0, 0});
    CHECK(plan.next == 1001);
    REQUIRE(plan.gaps.size() == kMaxGaps);
    CHECK(plan.gaps.front() == 0);
    CHECK(plan.gaps.back() == kMaxGaps - 1);
}

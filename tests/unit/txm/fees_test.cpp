// EIP-1559 replacement fees: the node's +10% rule, the keeper's minimums, the hard cap.
#include <catch2/catch.hpp>

#include <limits>

#include "keeper/txm/fees.hpp"
#include "print.hpp"

using namespace keeper;
using namespace keeper::txm;

namespace {
const U256 kGwei = 1'000'000'000;

BumpPolicy policy(std::uint32_t percent, const U256& increment, const U256& cap) {
    return BumpPolicy{percent, increment, cap};
}

Fees bumped(const Fees& current, const BumpPolicy& p) {
    auto out = bump_fees(current, p);
    REQUIRE(out.has_value());
    CHECK(is_valid_replacement(current, *out));
    return *out;
}
}  // namespace

TEST_CASE("bump raises both fields by the node's 10 percent") {
    CHECK(bumped({100 * kGwei, 2 * kGwei}, policy(10, 0, 1000 * kGwei)) == Fees{110 * kGwei, 2'200'000'000});
}

TEST_CASE("a percentage below the node rule is raised to 10 percent") {
    CHECK(bumped({100 * kGwei, 2 * kGwei}, policy(5, 0, 1000 * kGwei)) == Fees{110 * kGwei, 2'200'000'000});
}

TEST_CASE("a larger configured percentage applies to both fields") {
    CHECK(bumped({100 * kGwei, 2 * kGwei}, policy(25, 0, 1000 * kGwei)) == Fees{125 * kGwei, 2'500'000'000});
}

TEST_CASE("the absolute minimum increment wins when larger than the percentage") {
    // tip: max(2.2, 2 + 1) gwei; max fee: max(110, 100 + 1) gwei.
    CHECK(bumped({100 * kGwei, 2 * kGwei}, policy(10, kGwei, 1000 * kGwei)) == Fees{110 * kGwei, 3 * kGwei});
}

TEST_CASE("the percentage rounds up so tiny fees still rise") {
    // ceil(11 * 1.1) = 13, ceil(1 * 1.1) = 2; a zero tip stays zero (10% of 0 is 0).
    CHECK(bumped({11, 1}, policy(10, 0, 1000)) == Fees{13, 2});
    CHECK(bumped({10, 0}, policy(10, 0, 1000)) == Fees{11, 0});
}

TEST_CASE("the max fee is raised to the priority fee when below it") {
    CHECK(bumped({10, 20}, policy(10, 0, 1000)) == Fees{22, 22});
}

TEST_CASE("the cap is inclusive") {
    CHECK(bumped({100 * kGwei, 2 * kGwei}, policy(10, 0, 110 * kGwei)) == Fees{110 * kGwei, 2'200'000'000});
}

TEST_CASE("a bump that would exceed the cap is reported, not clipped") {
    auto out = bump_fees({100 * kGwei, 2 * kGwei}, policy(10, 0, 110 * kGwei - 1));
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error() == BumpError::kCapReached);
    CHECK(to_string(out.error()) == "fee cap reached: no valid replacement below the cap");
}

TEST_CASE("fees near 2^256 saturate instead of wrapping") {
    const U256 max = std::numeric_limits<U256>::max();
    auto out = bump_fees({max - 1, 1}, policy(10, 0, max));
    REQUIRE(out.has_value());
    CHECK(out->max_fee_per_gas == max);
}

TEST_CASE("replacement validity follows the node rule on both fields") {
    CHECK(is_valid_replacement({100, 10}, {110, 11}));
    CHECK_FALSE(is_valid_replacement({100, 10}, {109, 11}));
    CHECK_FALSE(is_valid_replacement({100, 10}, {200, 10}));
}

TEST_CASE("replacement fees follow the market when it is above the minimal bump") {
    const BumpPolicy p = policy(10, 0, 150 * kGwei);
    auto out = replacement_fees({100 * kGwei, 2 * kGwei}, {130 * kGwei, 3 * kGwei}, p);
    REQUIRE(out.has_value());
    CHECK(*out == Fees{130 * kGwei, 3 * kGwei});
}

TEST_CASE("replacement fees never go below the minimal bump when the market is lower") {
    auto out = replacement_fees({100 * kGwei, 2 * kGwei}, {50 * kGwei, kGwei}, policy(10, 0, 150 * kGwei));
    REQUIRE(out.has_value());
    CHECK(*out == Fees{110 * kGwei, 2'200'000'000});
}

TEST_CASE("a market above the cap is clipped to the cap, the tip to the max fee") {
    auto out = replacement_fees({100 * kGwei, 2 * kGwei}, {400 * kGwei, 300 * kGwei}, policy(10, 0, 150 * kGwei));
    REQUIRE(out.has_value());
    CHECK(*out == Fees{150 * kGwei, 150 * kGwei});
    CHECK(is_valid_replacement({100 * kGwei, 2 * kGwei}, *out));
}

TEST_CASE("replacement fees report the cap like the minimal bump") {
    auto out = replacement_fees({100 * kGwei, 2 * kGwei}, {400 * kGwei, 3 * kGwei}, policy(10, 0, 100 * kGwei));
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error() == BumpError::kCapReached);
}

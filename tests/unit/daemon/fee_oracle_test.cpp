// Fees from eth_feeHistory: literal JSON as nodes return it, decoded by keeper::rpc and priced
// by compute_fees(). The expected figures are worked out by hand in the comments.
#include <catch2/catch.hpp>

#include "keeper/daemon/executor.hpp"
#include "keeper/daemon/fee_oracle.hpp"
#include "keeper/rpc/eth.hpp"

using namespace keeper;
using namespace keeper::daemon;

namespace {

const U256 kGwei = 1'000'000'000;

rpc::FeeHistory history(const char* json) {
    auto j = rpc::parse_json(json);
    REQUIRE(j);
    auto h = rpc::decode_fee_history(*j, "result");
    if (!h) FAIL(h.error().message);
    return *h;
}

FeeSettings settings() {
    FeeSettings s;
    s.history_blocks = 4;
    s.reward_percentile = 50;
    s.priority_fee_min = kGwei / 10;  // 0.1 gwei
    s.priority_fee_max = 5 * kGwei;
    s.base_fee_multiplier = 2.0;
    s.fee_cap = 100 * kGwei;
    return s;
}

// 4 blocks; base fees 10, 11, 12, 13 gwei and 14 gwei next (the last entry); rewards at the
// 50th percentile 1, 3, 2 gwei and an empty block (ratio 0) reporting 0.
constexpr const char* kBusy = R"({
  "oldestBlock": "0x10",
  "baseFeePerGas": ["0x2540be400", "0x28fa6ae00", "0x2cb417800", "0x306dc4200", "0x342770c00"],
  "gasUsedRatio": [0.5, 0.9, 0.2, 0.0],
  "reward": [["0x3b9aca00"], ["0xb2d05e00"], ["0x77359400"], ["0x0"]]
})";

}  // namespace

TEST_CASE("fees: next base fee from the last entry, tip = median reward of non-empty blocks") {
    auto q = compute_fees(history(kBusy), settings());
    REQUIRE(q);
    CHECK(q->next_base_fee == 14 * kGwei);
    CHECK(q->reward == 2 * kGwei);  // median of {1, 3, 2}; the empty block's 0 is ignored
    CHECK(q->fees.max_priority_fee_per_gas == 2 * kGwei);
    CHECK(q->fees.max_fee_per_gas == 30 * kGwei);  // 2 * 14 + 2
    CHECK_FALSE(q->capped);
}

TEST_CASE("fees: the tip is clamped to [min, max], an even count takes the rounded-up mean") {
    FeeSettings s = settings();
    s.priority_fee_max = kGwei + kGwei / 2;  // 1.5 gwei
    auto q = compute_fees(history(kBusy), s);
    REQUIRE(q);
    CHECK(q->fees.max_priority_fee_per_gas == kGwei + kGwei / 2);
    CHECK(q->fees.max_fee_per_gas == 28 * kGwei + kGwei + kGwei / 2);

    // Two non-empty blocks with rewards 1 and 2 wei: median ceil(1.5) = 2 wei, raised to the minimum.
    auto two = compute_fees(history(R"({"oldestBlock":"0x1","baseFeePerGas":["0x1","0x2","0x3"],
        "gasUsedRatio":[0.1,0.1],"reward":[["0x1"],["0x2"]]})"),
                            settings());
    REQUIRE(two);
    CHECK(two->reward == 2);
    CHECK(two->fees.max_priority_fee_per_gas == kGwei / 10);
    CHECK(two->fees.max_fee_per_gas == 6 + kGwei / 10);
}

TEST_CASE("fees: only empty blocks (anvil at rest) give the minimum tip") {
    auto q = compute_fees(history(R"({"oldestBlock":"0x0","baseFeePerGas":["0x3b9aca00","0x342770c0"],
        "gasUsedRatio":[0.0],"reward":[["0x0"]]})"),
                          settings());
    REQUIRE(q);
    CHECK(q->next_base_fee == 875'000'000);
    CHECK(q->reward == 0);
    CHECK(q->fees.max_priority_fee_per_gas == kGwei / 10);
    CHECK(q->fees.max_fee_per_gas == 2 * U256(875'000'000) + kGwei / 10);
}

TEST_CASE("fees: a fractional multiplier rounds the base fee part up") {
    FeeSettings s = settings();
    s.base_fee_multiplier = 1.125;
    auto q = compute_fees(history(R"({"oldestBlock":"0x0","baseFeePerGas":["0x7","0x7"],
        "gasUsedRatio":[0.0],"reward":[["0x0"]]})"),
                          s);
    REQUIRE(q);
    CHECK(q->fees.max_fee_per_gas == 8 + kGwei / 10);  // ceil(7 * 1.125 = 7.875) = 8
}

TEST_CASE("fees: the cap cuts the max fee (and the tip under it) but never below the base fee") {
    FeeSettings s = settings();
    s.fee_cap = 20 * kGwei;  // base 14: 2 * 14 + 2 = 30 > 20
    auto q = compute_fees(history(kBusy), s);
    REQUIRE(q);
    CHECK(q->capped);
    CHECK(q->fees.max_fee_per_gas == 20 * kGwei);
    CHECK(q->fees.max_priority_fee_per_gas == 2 * kGwei);

    s.fee_cap = 13 * kGwei;  // below the next base fee: no price at all
    auto none = compute_fees(history(kBusy), s);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == FeeErrc::kBaseFeeAboveCap);
    CHECK(none.error().message == "cannot price: base fee 14000000000 above cap 13000000000");
}

TEST_CASE("fees: a history without base fees is refused, not priced") {
    rpc::FeeHistory empty;
    auto q = compute_fees(empty, settings());
    REQUIRE_FALSE(q);
    CHECK(q.error().code == FeeErrc::kBadHistory);
}

TEST_CASE("fees: settings are validated field by field") {
    CHECK(validate(settings()));
    FeeSettings s = settings();
    s.reward_percentile = 101;
    CHECK(validate(s).error() == "fees.reward_percentile: must be within [0, 100]");
    s = settings();
    s.history_blocks = 0;
    CHECK(validate(s).error() == "fees.history_blocks: must be within [1, 1024]");
    s = settings();
    s.priority_fee_min = 6 * kGwei;
    CHECK(validate(s).error() == "fees.priority_fee_min: must not exceed fees.priority_fee_max");
    s = settings();
    s.base_fee_multiplier = 0.5;
    CHECK(validate(s).error() == "fees.base_fee_multiplier: must be within [1, 100]");
    s = settings();
    s.fee_cap = 4 * kGwei;
    CHECK(validate(s).error() == "fees.priority_fee_max: must not exceed fees.fee_cap");
}

TEST_CASE("fees: the request is eth_feeHistory(count, latest, [percentile])") {
    const rpc::Call c = fee_history_call(settings());
    CHECK(c.method == "eth_feeHistory");
    CHECK(c.params.dump() == R"(["0x4","latest",[50.0]])");
}

TEST_CASE("executor settings: one fee cap, confirmations and watch window checked") {
    ExecutorSettings s;
    s.chain_id = 31337;
    s.fees = settings();
    s.machine.bump.fee_cap = s.fees.fee_cap;
    CHECK(validate(s));
    s.machine.bump.fee_cap = s.fees.fee_cap + 1;
    CHECK(validate(s).error() == "executor.machine.bump.fee_cap: must equal fees.fee_cap (one hard cap)");
    s.machine.bump.fee_cap = s.fees.fee_cap;
    s.machine.confirmations = 0;
    CHECK(validate(s).error() == "executor.machine.confirmations: must be at least 1");
    s.machine.confirmations = 100;
    CHECK(validate(s).error() == "executor.reorg_watch_blocks: must be at least machine.confirmations");
    s.machine.confirmations = 3;
    s.chain_id = 0;
    CHECK(validate(s).error() == "executor.chain_id: must be set");
}

// The pool's pure rules: which methods may be hedged, and the hedge delay from RFC 6298's
// estimator (literal values worked by hand from RFC 6298 section 2).
#include <catch2/catch.hpp>

#include "keeper/rpc/pool.hpp"

using keeper::rpc::is_hedgeable;
using keeper::rpc::LatencyEstimator;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST_CASE("hedgeable methods: reads only, writes and unknown methods never") {
    for (const char* m : {"eth_call", "eth_blockNumber", "eth_chainId", "eth_getBlockByNumber", "eth_getBlockByHash",
                          "eth_getLogs", "eth_getTransactionReceipt", "eth_getTransactionCount", "eth_feeHistory",
                          "eth_estimateGas", "eth_getBalance", "eth_getCode", "eth_getStorageAt"}) {
        INFO(m);
        CHECK(is_hedgeable(m));
    }
    for (const char* m : {"eth_sendRawTransaction", "eth_sendTransaction", "eth_sendBundle", "eth_sendPrivateTransaction",
                          "eth_subscribe", "anvil_mine", "evm_mine", "personal_sign", "eth_sign", "", "eth_call "}) {
        INFO(m);
        CHECK_FALSE(is_hedgeable(m));
    }
}

TEST_CASE("latency estimator: RFC 6298 srtt and rttvar, hedge delay clamped to floor and cap") {
    const microseconds floor = milliseconds(250);
    const microseconds cap = milliseconds(1500);
    LatencyEstimator e;
    CHECK(e.empty());
    CHECK(e.hedge_delay(floor, cap) == cap);  // nothing known yet: the cap

    e.add(milliseconds(100));  // first sample: srtt = r, rttvar = r / 2
    CHECK(e.srtt() == milliseconds(100));
    CHECK(e.rttvar() == milliseconds(50));
    CHECK(e.hedge_delay(floor, cap) == milliseconds(300));  // 100 + 4 * 50

    e.add(milliseconds(200));  // rttvar = (3 * 50 + |100 - 200|) / 4 = 62.5; srtt = (7 * 100 + 200) / 8 = 112.5
    CHECK(e.rttvar() == microseconds(62'500));
    CHECK(e.srtt() == microseconds(112'500));
    CHECK(e.hedge_delay(floor, cap) == microseconds(362'500));

    // A fast, steady link: the floor keeps jitter from duplicating requests.
    LatencyEstimator fast;
    for (int i = 0; i < 20; ++i) fast.add(microseconds(800));
    CHECK(fast.srtt() == microseconds(800));
    CHECK(fast.hedge_delay(floor, cap) == floor);

    // A slow endpoint: its own latency sets the delay, up to the cap.
    LatencyEstimator slow;
    slow.add(milliseconds(600));  // 600 + 4 * 300 = 1800: the cap
    CHECK(slow.hedge_delay(floor, cap) == cap);
    // Steady at 600 ms: rttvar decays toward 0 (rttvar_n = 300 * (3/4)^n), and the delay settles
    // at twice its latency, not at 600 ms plus nothing.
    for (int i = 0; i < 40; ++i) slow.add(milliseconds(600));
    CHECK(slow.srtt() == milliseconds(600));
    CHECK(slow.rttvar() < microseconds(1000));
    CHECK(slow.hedge_delay(floor, cap) == milliseconds(1200));
    // Slower still: the cap bounds failover whatever the history.
    for (int i = 0; i < 40; ++i) slow.add(milliseconds(1000));
    CHECK(slow.hedge_delay(floor, cap) == cap);
    // A cap below the floor wins (request_timeout shorter than hedge_floor).
    CHECK(fast.hedge_delay(floor, milliseconds(100)) == milliseconds(100));
}

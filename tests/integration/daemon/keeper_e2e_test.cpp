// The keeper end to end, in process: the whole daemon (config -> pool, journal, submitter,
// executor, collector, head stream, metrics server, loop) against the real stack on anvil,
// over a price path the test drives (pool swaps, oracle answers, time), and the guards that
// must keep it from trading (stale oracle, manipulated pool) with the chain's own refusal of a
// forced trade.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon_world.hpp"
#include "running_daemon.hpp"
#include "forwarder.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/daemon/keeper.hpp"
#include "keeper/journal/journal.hpp"
#include "support/process.hpp"

using namespace keeper;
using namespace keeper::test;
using namespace std::chrono_literals;

namespace {


}  // namespace

TEST_CASE("keeper keeps the vault's delta inside the band over a price path", "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    const double tolerance = vault_tolerance(anvil, stack);
    ConfigOptions options;
    options.band = 0.25;
    options.ws_url = world.anvil().ws_url();
    // The written book leaves the vault short delta: the first head must hedge it.
    const double initial = chain_delta(anvil, stack);
    REQUIRE(std::abs(initial) > tolerance);
    DecisionRecorder recorder;
    RunningDaemon daemon(world.config_toml(options), recorder);
    auto first = first_decision(anvil, recorder);
    auto d = settle(anvil, recorder, first.block_number);
    INFO("first decision at block " << d.block_number << ": " << hedge::to_string(d.plan.reason) << ": "
                                    << d.plan.detail);
    REQUIRE(d.plan.reason == hedge::PlanReason::kTrade);
    REQUIRE(d.execution);
    INFO("execution: " << daemon::to_string(d.execution->outcome) << ": " << d.execution->detail);
    REQUIRE(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
    mine(anvil);  // include the receipt in a head the keeper sees
    const double band = std::max(options.band, tolerance);
    CHECK(std::abs(chain_delta(anvil, stack) - d.plan.target_delta) <= band);

    const std::vector<double> path{3150, 3320, 3180, 2960, 2790, 2900, 3050};
    std::size_t trades = 1;
    for (const double price : path) {
        INFO("price " << price);
        move_pool_to(anvil, stack, price);
        set_oracle_price(anvil, stack, pool_price(anvil, stack));
        // Past the vault's cooldown (10 min) and TWAP window (5 min): the head that decides.
        advance_time(anvil, 601);
        const std::uint64_t deciding = block_number(anvil);
        d = settle(anvil, recorder, deciding);
        INFO("decision " << hedge::to_string(d.plan.reason) << ": " << d.plan.detail);
        // The keeper's Greeks against the lens's on-chain delta, same block, same oracle price.
        CHECK(d.plan.portfolio_delta == Approx(d.plan.chain_delta).margin(0.01).epsilon(0.002));
        if (d.plan.reason == hedge::PlanReason::kTrade) {
            REQUIRE(d.execution);
            INFO("execution: " << daemon::to_string(d.execution->outcome) << ": " << d.execution->detail);
            CHECK(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
            ++trades;
        } else {
            CHECK(d.plan.reason == hedge::PlanReason::kInsideBand);
        }
        mine(anvil);
        // After each step the vault sits inside the band, as the chain computes it.
        CHECK(std::abs(chain_delta(anvil, stack) - d.plan.target_delta) <= band);
    }
    CHECK(trades >= 4);
    const auto events = rebalanced_events(anvil, stack);
    CHECK(events.size() == trades);
    for (const auto& e : events) CHECK(e.keeper == "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    // A graceful stop with the websocket subscribed is prompt: nothing pending (the websocket's
    // keep-alive timer once held the event loop for idle_timeout / 2 = 10 s) outlives the loop.
    const auto stop_start = std::chrono::steady_clock::now();
    const int exit_code = daemon.stop();
    const auto stop_took = std::chrono::steady_clock::now() - stop_start;
    CHECK(exit_code == 0);
    CHECK(stop_took < 2s);
}

TEST_CASE("stale oracle and manipulated pool: no transaction, and a forced rebalance reverts on chain",
          "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    const std::uint64_t nonce_before = nonce_of(anvil, kKeeperAddress);
    // The forced trade: a modest buy with an oracle-derived floor, deadline far ahead.
    const std::string forced = "(true,10000000000,1000000000000000000,0,99999999999)";
    const auto force = [&] {
        // Sent from the keeper's account (anvil holds its key) with a fixed gas limit, so no
        // gas estimation refuses it first: the revert happens on chain. Returns the receipt.
        const std::string data = cast({"calldata", "rebalance((bool,uint256,uint256,uint160,uint256))", forced});
        const auto hash = anvil_rpc(anvil, "eth_sendTransaction",
                              R"([{"from":")" + std::string(kKeeperAddress) + R"(","to":")" + stack.vault +
                                  R"(","gas":"0x16e360","data":")" + data + R"("}])");
        std::string params = "[";  // appended: g++ 12 -Wrestrict misfires on "[" + s + "]"
        params += hash.dump();
        params += "]";
        nlohmann::json receipt;
        for (int i = 0; i < 50 && receipt.is_null(); ++i) {
            receipt = anvil_rpc(anvil, "eth_getTransactionReceipt", params);
            if (receipt.is_null()) std::this_thread::sleep_for(100ms);
        }
        return receipt;
    };

    SECTION("stale oracle") {
        advance_time(anvil, 3601 + 600);  // the adapter's staleness limit is one hour
        DecisionRecorder recorder;
        {
            RunningDaemon daemon(world.config_toml({}), recorder);
            auto d = first_decision(anvil, recorder);
            for (int i = 0; i < 3; ++i) mine(anvil);
            d = recorder.wait_block(block_number(anvil));
            CHECK(d.plan.reason == hedge::PlanReason::kOracleStale);
            for (const auto& e : recorder.all()) {
                CHECK(e.plan.reason == hedge::PlanReason::kOracleStale);
                CHECK_FALSE(e.execution);
            }
            CHECK(daemon.stop() == 0);
        }
        CHECK(nonce_of(anvil, kKeeperAddress) == nonce_before);
        const auto receipt = force();
        REQUIRE_FALSE(receipt.is_null());
        CHECK(receipt["status"] == "0x0");
    }
    SECTION("manipulated pool") {
        move_pool_to(anvil, stack, 3000 * 1.05);  // 5% above the oracle: beyond max deviation (1%)
        DecisionRecorder recorder;
        {
            RunningDaemon daemon(world.config_toml({}), recorder);
            auto d = first_decision(anvil, recorder);
            for (int i = 0; i < 3; ++i) mine(anvil);
            d = recorder.wait_block(block_number(anvil));
            CHECK(d.plan.reason == hedge::PlanReason::kPoolDeviation);
            for (const auto& e : recorder.all()) {
                CHECK(e.plan.reason == hedge::PlanReason::kPoolDeviation);
                CHECK_FALSE(e.execution);
            }
            CHECK(daemon.stop() == 0);
        }
        CHECK(nonce_of(anvil, kKeeperAddress) == nonce_before);
        const auto receipt = force();
        REQUIRE_FALSE(receipt.is_null());
        CHECK(receipt["status"] == "0x0");
    }
    // Nothing was journaled: the journal holds no intent.
    auto journal = journal::Journal::open(world.journal_path());
    REQUIRE(journal);
    auto in_flight = journal->in_flight(31337, *parse_address(kKeeperAddress));
    REQUIRE(in_flight);
    CHECK(in_flight->empty());
    auto highest = journal->highest_nonce(31337, *parse_address(kKeeperAddress));
    REQUIRE(highest);
    CHECK_FALSE(highest->has_value());
}

TEST_CASE("primary RPC killed: the keeper fails over within 2 s and keeps hedging", "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    // One chain, two endpoints: "primary" through a forwarder the test kills, "secondary" direct.
    // Heads by HTTP polling through the pool, so every read depends on the failover.
    TcpForwarder primary(anvil.port());
    ConfigOptions options;
    options.endpoints = {{"primary", "http://127.0.0.1:" + std::to_string(primary.port())},
                         {"secondary", anvil.http_url()}};
    options.poll_interval_ms = 200;
    DecisionRecorder recorder;
    RunningDaemon daemon(world.config_toml(options), recorder);
    auto first = first_decision(anvil, recorder);
    auto d = settle(anvil, recorder, first.block_number);
    REQUIRE(d.plan.reason == hedge::PlanReason::kTrade);
    mine(anvil);
    (void)recorder.wait_block(block_number(anvil));

    primary.kill();
    const auto killed_at = std::chrono::steady_clock::now();
    mine(anvil);
    const std::uint64_t after_kill = block_number(anvil);
    d = recorder.wait_block(after_kill, 10s);
    const auto decided = recorder.decided_at(after_kill);
    REQUIRE(decided);
    const auto failover = std::chrono::duration_cast<std::chrono::milliseconds>(*decided - killed_at);
    INFO("first decision after the kill took " << failover.count() << " ms");
    CHECK(failover < 2s);
    CHECK(d.plan.reason != hedge::PlanReason::kOracleStale);

    // And it keeps hedging: a market move is hedged through the secondary alone.
    move_pool_to(anvil, stack, 3300);
    set_oracle_price(anvil, stack, pool_price(anvil, stack));
    advance_time(anvil, 601);
    d = settle(anvil, recorder, block_number(anvil));
    INFO(d.plan.detail);
    CHECK(d.plan.reason == hedge::PlanReason::kTrade);
    REQUIRE(d.execution);
    CHECK(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
    mine(anvil);
    CHECK(rebalanced_events(anvil, stack).size() == 2);
    CHECK(std::abs(chain_delta(anvil, stack) - d.plan.target_delta) <= std::max(options.band, vault_tolerance(anvil, stack)));
    CHECK(daemon.stop() == 0);
}

// The keeper daemon with a HUNG primary RPC (issue #5, "primary RPC killed (failover within 2 s)",
// the variant a killed process does not cover): the primary accepts connections and never
// answers, so no request to it fails quickly. The pool's hedged reads must carry the keeper to
// the secondary within the same 2 s, and writes (the hedge's eth_sendRawTransaction) must reach
// the chain once the primary is benched.
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
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/daemon/keeper.hpp"

using namespace keeper;
using namespace keeper::test;
using namespace std::chrono_literals;

TEST_CASE("primary RPC hung (accepts, never answers): the keeper fails over within 2 s and keeps hedging",
          "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    // "primary" through a forwarder the test switches to hanging, "secondary" direct; heads by
    // HTTP polling through the pool, so every read depends on the failover.
    TcpForwarder primary(anvil.port());
    ConfigOptions options;
    options.endpoints = {{"primary", "http://127.0.0.1:" + std::to_string(primary.port())},
                         {"secondary", anvil.http_url()}};
    options.poll_interval_ms = 200;
    DecisionRecorder recorder;
    RunningDaemon daemon(world.config_toml(options), recorder);
    auto d = settle(anvil, recorder, first_decision(anvil, recorder).block_number, 20s);
    REQUIRE(d.plan.reason == hedge::PlanReason::kTrade);
    mine(anvil);
    (void)recorder.wait_block(block_number(anvil));

    primary.set_mode(TcpForwarder::Mode::kHang);
    const auto hung_at = std::chrono::steady_clock::now();
    mine(anvil);
    const std::uint64_t after_hang = block_number(anvil);
    d = recorder.wait_block(after_hang, 15s);
    const auto decided = recorder.decided_at(after_hang);
    REQUIRE(decided);
    const auto failover = std::chrono::duration_cast<std::chrono::milliseconds>(*decided - hung_at);
    INFO("first decision after the hang took " << failover.count() << " ms");
    CHECK(failover < 2s);
    CHECK(d.plan.reason != hedge::PlanReason::kOracleStale);
    CHECK(primary.hung_reads() >= 1);  // the primary was asked, and the keeper did not wait for it

    // And it keeps hedging: a market move is traded through the secondary (the transaction is a
    // write, never hedged: it needs the primary benched, which the lost reads did).
    move_pool_to(anvil, stack, 3300);
    set_oracle_price(anvil, stack, pool_price(anvil, stack));
    advance_time(anvil, 601);
    const auto moved_at = std::chrono::steady_clock::now();
    d = settle(anvil, recorder, block_number(anvil), 20s);
    INFO(d.plan.detail);
    CHECK(d.plan.reason == hedge::PlanReason::kTrade);
    REQUIRE(d.execution);
    CHECK(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
    INFO("decided and submitted " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - moved_at).count() << " ms after the move");
    mine(anvil);
    CHECK(rebalanced_events(anvil, stack).size() == 2);
    CHECK(std::abs(chain_delta(anvil, stack) - d.plan.target_delta) <= std::max(options.band, vault_tolerance(anvil, stack)));
    CHECK(daemon.stop() == 0);
}

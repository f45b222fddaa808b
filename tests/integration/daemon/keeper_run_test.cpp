// `keeper run` as a child process, the way an operator runs it: bad configuration, crashes
// (SIGKILL-equivalent _exit at the executor's crash points) and restarts, --dry-run, graceful
// SIGTERM, and no secret anywhere in its output.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

#include "child.hpp"
#include "daemon_world.hpp"
#include "forwarder.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/daemon/executor.hpp"
#include "keeper/journal/journal.hpp"
#include "support/process.hpp"

using namespace keeper;
using namespace keeper::test;
using namespace std::chrono_literals;

namespace {

ChildProcess start_keeper(const DaemonWorld& world, const std::string& config, const std::string& log_name,
                          std::vector<std::string> extra = {}, const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv{KEEPER_BINARY, "run", "--config", config};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ChildProcess(std::move(argv), env, world.dir().file(log_name));
}

/// Mines a block every 250 ms until `done()` or the limit.
template <class Pred>
bool mine_until(const AnvilProcess& anvil, Pred done, std::chrono::milliseconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        mine(anvil);
        std::this_thread::sleep_for(250ms);
    }
    return done();
}

Address keeper_address() { return *parse_address(kKeeperAddress); }

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("keeper run: a bad config is one line naming the field, exit 1", "[integration][daemon]") {
    TempDir dir;
    const std::string path = dir.write("bad.toml", "[network]\nname = \"anvil\"\nchain_id = \"x\"\n");
    auto r = run_process({KEEPER_BINARY, "run", "--config", path});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(count(r.err, "\n") == 1);
    CHECK(r.err.rfind("error: ", 0) == 0);
    CHECK(r.err.find("network.chain_id") != std::string::npos);

    auto missing = run_process({KEEPER_BINARY, "run", "--config", dir.file("nope.toml")});
    CHECK(missing.exit_code == 1);
    CHECK(count(missing.err, "\n") == 1);
    CHECK(missing.err.find("nope.toml") != std::string::npos);
}

TEST_CASE("keeper run: killed after the journal write or after the broadcast, restarted: exactly one trade",
          "[integration][daemon]") {
    const auto point = GENERATE(std::string("after-journal"), std::string("after-broadcast"));
    INFO("crash point " << point);
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    const std::string config = world.write_config({});
    REQUIRE(nonce_of(anvil, kKeeperAddress) == 0);

    {
        auto crashing = start_keeper(world, config, "crash.log", {}, {{"KEEPER_TEST_CRASH_POINT", point}});
        REQUIRE(mine_until(anvil, [&] { return crashing.exited(); }));
        const auto code = crashing.wait(1s);
        INFO(crashing.log());
        REQUIRE(code == daemon::kCrashExitCode);
    }
    // The signed transaction is in the journal; after-broadcast it is also on chain already.
    const std::size_t on_chain_after_crash = rebalanced_events(anvil, stack).size();
    CHECK(on_chain_after_crash == (point == "after-broadcast" ? 1u : 0u));

    auto keeper = start_keeper(world, config, "restart.log");
    REQUIRE(mine_until(anvil, [&] { return rebalanced_events(anvil, stack).size() >= 1; }));
    // A few more heads: resumption must not sign the hedge again at a new nonce.
    for (int i = 0; i < 6; ++i) {
        mine(anvil);
        std::this_thread::sleep_for(250ms);
    }
    keeper.signal(SIGTERM);
    const auto code = keeper.wait(10s);
    INFO(keeper.log());
    CHECK(code == 0);

    CHECK(rebalanced_events(anvil, stack).size() == 1);
    // No nonce gap: the chain used exactly the nonces the journal reserved.
    const std::uint64_t chain_nonce = nonce_of(anvil, kKeeperAddress);
    auto journal = journal::Journal::open(world.journal_path());
    REQUIRE(journal);
    auto highest = journal->highest_nonce(stack.chain_id, keeper_address());
    REQUIRE(highest);
    REQUIRE(highest->has_value());
    CHECK(**highest + 1 == chain_nonce);
    CHECK(chain_nonce == 1);
    auto open = journal->in_flight(stack.chain_id, keeper_address());
    REQUIRE(open);
    CHECK(open->empty());  // the one intent is final
}

TEST_CASE("keeper run --dry-run decides and simulates, never signs", "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    ConfigOptions options;
    options.ws_url = anvil.ws_url();  // heads over the websocket: its stop is part of the check
    const std::string config = world.write_config(options);
    auto keeper = start_keeper(world, config, "dry.log", {"--dry-run"});
    REQUIRE(mine_until(anvil, [&] { return keeper.log().find("outcome=dry_run") != std::string::npos; }));
    for (int i = 0; i < 3; ++i) mine(anvil);
    const auto signalled = std::chrono::steady_clock::now();
    keeper.signal(SIGTERM);
    const auto code = keeper.wait(10s);
    const auto stop_took = std::chrono::steady_clock::now() - signalled;
    const std::string log = keeper.log();
    INFO(log);
    CHECK(code == 0);
    CHECK(stop_took < 2s);  // graceful and prompt: nothing pending outlives the loop
    CHECK(log.find("reason=trade") != std::string::npos);
    CHECK(log.find("outcome=submitted") == std::string::npos);
    CHECK(nonce_of(anvil, kKeeperAddress) == 0);
    CHECK(rebalanced_events(anvil, world.stack()).empty());
    auto journal = journal::Journal::open(world.journal_path());
    REQUIRE(journal);
    auto highest = journal->highest_nonce(world.stack().chain_id, keeper_address());
    REQUIRE(highest);
    CHECK_FALSE(highest->has_value());  // no nonce reserved, so nothing was ever signed
}

TEST_CASE("keeper run: no secret in any output line, text or JSON logs, on success or failure",
          "[integration][daemon]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    // An endpoint URL carrying an API key in its query, as hosted providers issue them (anvil
    // serves only "/", so the key cannot sit in the path here).
    const std::string api_key = "k3y5ecretAPIvalue0123456789";
    TcpForwarder forwarder(anvil.port());
    ConfigOptions options;
    options.endpoints = {{"hosted", "http://127.0.0.1:" + std::to_string(forwarder.port()) + "/?apikey=" + api_key}};
    options.log_level = "trace";
    std::string all;
    for (const bool json : {false, true}) {
        options.log_json = json;
        const std::string config = world.write_config(options, json ? "json.toml" : "text.toml");
        auto keeper = start_keeper(world, config, json ? "json.log" : "text.log");
        // The text run signs and submits the hedge; the JSON run (delta hedged already) decides.
        const std::string wanted = json ? "\"reason\":" : "outcome=submitted";
        REQUIRE(mine_until(anvil, [&] { return keeper.log().find(wanted) != std::string::npos; }));
        keeper.signal(SIGTERM);
        CHECK(keeper.wait(10s) == 0);
        all += keeper.log();
    }
    // A wrong password and an unreadable keystore fail with a message, never the secret.
    world.dir().write("wrong.password", "not the password\n");
    std::string wrong = world.config_toml(options);
    wrong.replace(wrong.find(world.password_path()), world.password_path().size(), world.dir().file("wrong.password"));
    auto failed = run_process({KEEPER_BINARY, "run", "--config", world.dir().write("wrong.toml", wrong)});
    CHECK(failed.exit_code == 1);
    all += failed.out + failed.err;

    INFO(all);
    REQUIRE_FALSE(all.empty());
    CHECK(all.find(kKeystorePassword) == std::string::npos);
    CHECK(all.find("not the password") == std::string::npos);
    const std::string key_hex = std::string(kKeeperKey).substr(2);
    CHECK(all.find(key_hex) == std::string::npos);
    std::string upper = key_hex;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(all.find(upper) == std::string::npos);
    CHECK(all.find(api_key) == std::string::npos);
}

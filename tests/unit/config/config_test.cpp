#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "keeper/config/config.hpp"
#include "keeper/crypto/eip55.hpp"

using namespace keeper;
using namespace keeper::config;

namespace {

// A minimal valid file; tests append or replace sections.
const std::string kNetwork = R"(
[network]
name = "anvil"
chain_id = 31337
)";
const std::string kRpc = R"(
[[rpc.endpoints]]
name = "a"
url = "http://127.0.0.1:8545"
)";
const std::string kRest = R"(
[keys]
keystore = "k.json"
[journal]
path = "j.sqlite"
[[vaults]]
address = "0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"
lens = "0x9a9f2ccfde556a7e9ff0848998aa4a0cfd8863ae"
[policy]
kind = "time_based"
interval_s = 3600
)";

std::string minimal() {
    return kNetwork + kRpc + kRest;
}

Expected<KeeperConfig, ConfigError> parse(const std::string& text, const Env& env = empty_env()) {
    return parse_config(text, env, "test.toml");
}

// The whole error line for a text that must fail.
std::string error_of(const std::string& text, const Env& env = empty_env()) {
    const auto c = parse(text, env);
    REQUIRE_FALSE(c.has_value());
    return c.error().to_string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("config: a minimal file takes the documented defaults") {
    const auto c = parse(minimal());
    REQUIRE(c.has_value());
    CHECK(c->source == "test.toml");
    CHECK_FALSE(c->dry_run);
    CHECK(c->network.name == "anvil");
    CHECK(c->network.chain_id == 31337);
    REQUIRE(c->rpc.endpoints.size() == 1);
    CHECK(c->rpc.endpoints[0].name == "a");
    CHECK_FALSE(c->rpc.ws_url.has_value());
    CHECK(c->rpc.settings.http.request_timeout == rpc::Millis(10'000));
    CHECK(c->rpc.settings.retry.max_attempts == 5);
    CHECK(c->keys.keystore == std::optional<std::string>("k.json"));
    CHECK_FALSE(c->keys.password_file.has_value());
    CHECK(c->journal.path == "j.sqlite");
    REQUIRE(c->vaults.size() == 1);
    CHECK(to_checksum(c->vaults[0].lens) == "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE");
    REQUIRE(std::holds_alternative<policy::TimeBased>(c->policy));
    CHECK(std::get<policy::TimeBased>(c->policy).interval == Approx(1.0 / (365.0 * 24.0)).epsilon(1e-15));
    CHECK(c->planner.max_slippage_bps == 50);
    CHECK(c->planner.min_keeper_balance_wei == U256(50'000'000'000'000'000ULL));
    CHECK(c->txm.confirmations == 12);
    CHECK(c->txm.fee_cap_wei == U256(200'000'000'000ULL));
    CHECK(c->fees.priority_fee_min_wei == U256(100'000'000ULL));
    CHECK(c->fees.base_fee_multiplier == 2.0);
    CHECK(c->submit.mode == SubmitMode::kPublic);
    CHECK_FALSE(c->submit.allow_public_fallback);
    CHECK(c->metrics.enabled);
    CHECK(c->metrics.host == "127.0.0.1");
    CHECK(c->metrics.port == 9464);
    CHECK(c->log.level == "info");
    CHECK_FALSE(c->log.json);
}

TEST_CASE("config: the shipped files parse") {
    const std::string dir = std::string(KEEPER_SOURCE_DIR) + "/config/";

    SECTION("anvil: local node, public submission, the deploy script's addresses") {
        const auto c = load_config(dir + "anvil.toml", empty_env());
        INFO((c ? std::string() : c.error().to_string()));
        REQUIRE(c.has_value());
        CHECK(c->network.chain_id == 31337);
        CHECK(c->rpc.endpoints.at(0).url == "http://127.0.0.1:8545");
        CHECK(c->rpc.ws_url == std::optional<std::string>("ws://127.0.0.1:8545"));
        CHECK(c->submit.mode == SubmitMode::kPublic);
        const auto deployment = nlohmann::json::parse(read_file(dir + "anvil-deployment.json"));
        CHECK(deployment.at("chainId").get<std::uint64_t>() == c->network.chain_id);
        REQUIRE(c->vaults.size() == 1);
        CHECK(to_checksum(c->vaults[0].vault) == deployment.at("vault").get<std::string>());
        CHECK(to_checksum(c->vaults[0].lens) == deployment.at("lens").get<std::string>());
        CHECK(c->rpc.settings.heads.poll_interval == rpc::Millis(1'000));
        CHECK(c->txm.confirmations == 1);
    }
    SECTION("sepolia: private submission through the Flashbots Sepolia relay") {
        const auto c = load_config(dir + "sepolia.toml", empty_env());
        INFO((c ? std::string() : c.error().to_string()));
        REQUIRE(c.has_value());
        CHECK(c->network.chain_id == 11155111);
        CHECK(c->submit.mode == SubmitMode::kPrivate);
        REQUIRE(c->submit.relays.size() == 1);
        CHECK(c->submit.relays[0].kind == RelayKind::kFlashbots);
        CHECK(std::holds_alternative<policy::GammaBand>(c->policy));
        CHECK(c->log.json);
    }
    SECTION("mainnet: private, no public fallback, a builder list") {
        const auto c = load_config(dir + "mainnet.toml", empty_env());
        INFO((c ? std::string() : c.error().to_string()));
        REQUIRE(c.has_value());
        CHECK(c->network.chain_id == 1);
        CHECK(is_mainnet(c->network));
        CHECK(c->submit.mode == SubmitMode::kPrivate);
        CHECK_FALSE(c->submit.allow_public_fallback);
        CHECK_FALSE(c->submit.allow_public_mempool);
        REQUIRE(c->submit.relays.size() == 1);
        CHECK(c->submit.relays[0].builders == std::vector<std::string>{"flashbots", "beaverbuild.org", "Titan"});
        REQUIRE(std::holds_alternative<policy::FixedCostAware>(c->policy));
        CHECK(std::get<policy::FixedCostAware>(c->policy).horizon == Approx(1.0 / 365.0));
        CHECK(c->planner.min_keeper_balance_wei == U256(200'000'000'000'000'000ULL));
    }
    SECTION("a missing file names the path") {
        const auto c = load_config(dir + "no-such.toml", empty_env());
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().to_string() == dir + "no-such.toml: cannot open the file");
    }
}

TEST_CASE("config: every rpc knob maps into RpcSettings") {
    const auto c = parse(kNetwork + kRest + R"(
[rpc]
ws_url = "wss://node.example/ws"
[[rpc.endpoints]]
name = "a"
url = "https://node.example/v3/key"
[rpc.http]
connect_timeout_ms = 1
request_timeout_ms = 2
max_response_bytes = 4096
connections_per_endpoint = 3
[rpc.retry]
max_attempts = 4
initial_backoff_ms = 5
max_backoff_ms = 6
multiplier = 1.5
[rpc.pool]
max_head_lag = 7
probe_interval_ms = 8
max_batch_size = 9
probe_timeout_ms = 19
hedge_floor_ms = 20
hedge_cap_ms = 21
strikes_to_bench = 22
[rpc.ws]
connect_timeout_ms = 10
handshake_timeout_ms = 11
request_timeout_ms = 12
idle_timeout_ms = 13
max_message_bytes = 2048
[rpc.heads]
poll_interval_ms = 14
stall_timeout_ms = 15
reconnect_initial_ms = 16
reconnect_max_ms = 17
history = 18
)");
    INFO((c ? std::string() : c.error().to_string()));
    REQUIRE(c.has_value());
    const auto& s = c->rpc.settings;
    CHECK(s.http.connect_timeout.count() == 1);
    CHECK(s.http.request_timeout.count() == 2);
    CHECK(s.http.max_response_bytes == 4096);
    CHECK(s.http.connections_per_endpoint == 3);
    CHECK(s.retry.max_attempts == 4);
    CHECK(s.retry.initial_backoff.count() == 5);
    CHECK(s.retry.max_backoff.count() == 6);
    CHECK(s.retry.multiplier == 1.5);
    CHECK(s.pool.max_head_lag == 7);
    CHECK(s.pool.probe_interval.count() == 8);
    CHECK(s.pool.max_batch_size == 9);
    CHECK(s.pool.probe_timeout.count() == 19);
    CHECK(s.pool.hedge_floor.count() == 20);
    CHECK(s.pool.hedge_cap.count() == 21);
    CHECK(s.pool.strikes_to_bench == 22);
    CHECK(s.ws.connect_timeout.count() == 10);
    CHECK(s.ws.handshake_timeout.count() == 11);
    CHECK(s.ws.request_timeout.count() == 12);
    CHECK(s.ws.idle_timeout.count() == 13);
    CHECK(s.ws.max_message_bytes == 2048);
    CHECK(s.heads.poll_interval.count() == 14);
    CHECK(s.heads.stall_timeout.count() == 15);
    CHECK(s.heads.reconnect_initial.count() == 16);
    CHECK(s.heads.reconnect_max.count() == 17);
    CHECK(s.heads.history == 18);
}

TEST_CASE("config: every policy kind, times in seconds become years") {
    const double year = 365.0 * 86'400.0;
    const auto with_policy = [](const std::string& p) {
        return kNetwork + kRpc + R"(
[keys]
keystore = "k.json"
[journal]
path = "j.sqlite"
[[vaults]]
address = "0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"
lens = "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE"
[policy]
)" + p;
    };
    {
        const auto c = parse(with_policy("kind = \"delta_band\"\nband = 0.5\nunit = \"absolute\"\nto = \"edge\"\n"));
        REQUIRE(c.has_value());
        const auto& d = std::get<policy::DeltaBand>(c->policy);
        CHECK(d.band == 0.5);
        CHECK(d.unit == policy::BandUnit::kAbsolute);
        CHECK(d.to == policy::RehedgeTo::kEdge);
    }
    {
        const auto c = parse(with_policy("kind = \"gamma_band\"\nmultiplier = 2\nhorizon_s = 86400\nmin_band = 0.1\n"));
        REQUIRE(c.has_value());
        const auto& g = std::get<policy::GammaBand>(c->policy);
        CHECK(g.multiplier == 2.0);
        CHECK(g.horizon == Approx(86'400.0 / year));
        CHECK(g.min_band == 0.1);
        CHECK(g.to == policy::RehedgeTo::kCenter);
    }
    {
        const auto c = parse(with_policy("kind = \"whalley_wilmott\"\nrisk_aversion = 0.002\ncost_rate = 0.001\n"));
        REQUIRE(c.has_value());
        CHECK(std::get<policy::WhalleyWilmott>(c->policy).risk_aversion == 0.002);
        CHECK(std::get<policy::WhalleyWilmott>(c->policy).cost_rate == 0.001);
    }
    {
        const auto c = parse(with_policy("kind = \"leland\"\ninterval_s = 7200\nround_trip_cost = 0.002\n"));
        REQUIRE(c.has_value());
        CHECK(std::get<policy::Leland>(c->policy).interval == Approx(7'200.0 / year));
        CHECK(std::get<policy::Leland>(c->policy).round_trip_cost == 0.002);
    }
    {
        const auto c = parse(with_policy(
            "kind = \"fixed_cost_aware\"\nrisk_aversion = 0.001\nhorizon_s = 3600\nfixed_cost = 5\ncost_rate = "
            "0.0005\nmin_trade = 0.01\n"));
        REQUIRE(c.has_value());
        const auto& f = std::get<policy::FixedCostAware>(c->policy);
        CHECK(f.horizon == Approx(3'600.0 / year));
        CHECK(f.fixed_cost == 5.0);
        CHECK(f.min_trade == 0.01);
    }
    CHECK(error_of(with_policy("kind = \"delta\"\n")) ==
          "test.toml: policy.kind: expected time_based, delta_band, gamma_band, whalley_wilmott, leland or "
          "fixed_cost_aware");
    CHECK(error_of(with_policy("kind = \"time_based\"\ninterval_s = 0\n")) ==
          "test.toml: policy: invalid time_based parameters: " +
              std::string(policy::to_string(policy::PolicyError::kNonPositiveParameter)));
    CHECK(error_of(with_policy("kind = \"time_based\"\ninterval_s = 60\nband = 1\n")) ==
          "test.toml: policy.band: unknown key");
    CHECK(error_of(with_policy("kind = \"delta_band\"\nband = 1\nunit = \"percent\"\n")) ==
          "test.toml: policy.unit: expected \"absolute\" or \"fraction_of_notional\"");
    CHECK(error_of(with_policy("kind = \"leland\"\ninterval_s = 60\n")) ==
          "test.toml: policy.round_trip_cost: missing (required)");
}

TEST_CASE("config: a bad file fails with one line naming the field") {
    // Each case: the text, the exact error line.
    const std::string two_eps = kNetwork + kRest + R"(
[[rpc.endpoints]]
name = "a"
url = "http://127.0.0.1:8545"
[[rpc.endpoints]]
name = "b"
url = "ftp://node.example/v3/SECRETKEY"
)";
    CHECK(error_of(two_eps) == "test.toml: rpc.endpoints[1].url: not an http(s) URL");

    CHECK(error_of(minimal() + "\n[planner]\nmax_slipage_bps = 5\n") ==
          "test.toml: planner.max_slipage_bps: unknown key");
    CHECK(error_of("unknown_top = 1\n" + minimal()) == "test.toml: unknown_top: unknown key");
    CHECK(error_of(kRpc + kRest + "\n[network]\nname = \"x\"\n") == "test.toml: network.chain_id: missing (required)");
    CHECK(error_of(kRpc + kRest) == "test.toml: network: missing (required)");
    CHECK(error_of(kNetwork + kRest) ==
          "test.toml: rpc.endpoints: at least one endpoint is required (or set ETH_RPC_URL)");
    CHECK(error_of(minimal() + "\n[txm]\nconfirmations = \"12\"\n") ==
          "test.toml: txm.confirmations: expected an integer");
    CHECK(error_of(minimal() + "\n[txm]\nconfirmations = -1\n") ==
          "test.toml: txm.confirmations: must not be negative");
    CHECK(error_of(minimal() + "\n[txm]\nbump_percent = 5\n") ==
          "test.toml: txm.bump_percent: must be from 10 (the node's replacement rule) to 1000");
    CHECK(error_of(minimal() + "\n[planner]\nmax_slippage_bps = 10000\n") ==
          "test.toml: planner.max_slippage_bps: must be from 1 to 9999");
    CHECK(error_of(minimal() + "\n[fees]\npriority_fee_min_gwei = 3\npriority_fee_max_gwei = 2\n") ==
          "test.toml: fees.priority_fee_max_gwei: must not be below priority_fee_min_gwei");
    CHECK(error_of(minimal() + "\n[log]\nlevel = \"verbose\"\n") ==
          "test.toml: log.level: expected trace, debug, info, warn, error, critical or off");
    CHECK(error_of("dry_run = \"yes\"\n" + minimal()) == "test.toml: dry_run: expected true or false");
    CHECK(error_of(minimal() + "\n[rpc.retry]\ninitial_backoff_ms = 500\nmax_backoff_ms = 100\n") ==
          "test.toml: rpc.retry.max_backoff_ms: must not be below initial_backoff_ms");

    // A TOML syntax error gives the position.
    CHECK(error_of(minimal() + "\n[log\n")
              .rfind("test.toml: line 21, column 5: Error while parsing table header: expected ']'", 0) == 0);

    // Addresses: mixed case must be a valid checksum; zero and duplicates are refused.
    std::string bad_sum = minimal();
    bad_sum.replace(bad_sum.find("0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"), 42,
                    "0x959922Be3CAee4b8Cd9a407cc3ac1C251C2007B1");
    CHECK(error_of(bad_sum) ==
          "test.toml: vaults[0].address: not an address: " + std::string(to_string(AddressError::kBadChecksum)));
    CHECK(error_of(minimal() + R"(
[[vaults]]
address = "0x959922be3caee4b8cd9a407cc3ac1c251c2007b1"
lens = "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE"
)") == "test.toml: vaults[1].address: duplicate vault");
    std::string zero = minimal();
    zero.replace(zero.find("0x9a9f2ccfde556a7e9ff0848998aa4a0cfd8863ae"), 42,
                 "0x0000000000000000000000000000000000000000");
    CHECK(error_of(zero) == "test.toml: vaults[0].lens: must not be the zero address");
}

TEST_CASE("config: [txm] maps to the transaction manager's policy") {
    const auto c = parse(minimal() + R"(
[txm]
confirmations = 4
bump_after_blocks = 2
bump_percent = 15
bump_min_increment_gwei = 2
fee_cap_gwei = 90
)");
    REQUIRE(c.has_value());
    const txm::MachinePolicy m = machine_policy(c->txm);
    CHECK(m.confirmations == 4);
    CHECK(m.bump_after_blocks == 2);
    CHECK(m.bump.min_percent == 15);
    CHECK(m.bump.min_increment == U256(2'000'000'000ULL));
    CHECK(m.bump.fee_cap == U256(90'000'000'000ULL));
}

TEST_CASE("config: amounts in gwei and ETH convert exactly") {
    const auto c = parse(minimal() + R"(
[txm]
fee_cap_gwei = 123.456789012
bump_min_increment_gwei = "0.5"
[fees]
priority_fee_min_gwei = 0
priority_fee_max_gwei = 2
[planner]
min_keeper_balance_eth = 0.1
)");
    INFO((c ? std::string() : c.error().to_string()));
    REQUIRE(c.has_value());
    CHECK(c->txm.fee_cap_wei == U256(123'456'789'012ULL));
    CHECK(c->txm.bump_min_increment_wei == U256(500'000'000ULL));
    CHECK(c->fees.priority_fee_min_wei == 0);
    CHECK(c->fees.priority_fee_max_wei == U256(2'000'000'000ULL));
    CHECK(c->planner.min_keeper_balance_wei == U256(100'000'000'000'000'000ULL));

    CHECK(error_of(minimal() + "\n[txm]\nfee_cap_gwei = \"1.0000000001\"\n") ==
          "test.toml: txm.fee_cap_gwei: more than 9 decimal places (below 1 wei)");
    CHECK(error_of(minimal() + "\n[txm]\nfee_cap_gwei = -1\n") == "test.toml: txm.fee_cap_gwei: must not be negative");
    CHECK(error_of(minimal() + "\n[txm]\nfee_cap_gwei = \"1e9\"\n") ==
          "test.toml: txm.fee_cap_gwei: not a non-negative decimal amount");
    CHECK(error_of(minimal() + "\n[fees]\npriority_fee_max_gwei = 500\n") ==
          "test.toml: fees.priority_fee_max_gwei: must not exceed txm.fee_cap_gwei");
}

TEST_CASE("config: submission rules") {
    const std::string mainnet = R"(
[network]
name = "mainnet"
chain_id = 1
)" + kRpc + kRest;
    CHECK(error_of(mainnet) ==
          "test.toml: submit.mode: public submission on mainnet exposes every hedge to sandwiching; use a private "
          "mode or set submit.allow_public_mempool = true");
    CHECK(parse(mainnet + "\n[submit]\nmode = \"public\"\nallow_public_mempool = true\n").has_value());

    const std::string relay = R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
hints = ["hash"]
builders = ["flashbots", "Titan"]
fast = true
)";
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"private\"\n") ==
          "test.toml: submit.relays: mode \"private\" needs at least one [[submit.relays]]");
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"bundle\"\n") ==
          "test.toml: submit.relays: mode \"bundle\" needs at least one [[submit.relays]]");
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"stealth\"\n") ==
          "test.toml: submit.mode: expected public, private, bundle or protect");

    const auto ok = parse(mainnet + "\n[submit]\nmode = \"private\"\n" + relay);
    INFO((ok ? std::string() : ok.error().to_string()));
    REQUIRE(ok.has_value());
    REQUIRE(ok->submit.relays.size() == 1);
    CHECK(ok->submit.relays[0].hints == std::vector<std::string>{"hash"});
    CHECK(ok->submit.relays[0].fast);

    CHECK(error_of(mainnet + "\n[submit]\nmode = \"private\"\nallow_public_fallback = true\n" + relay) ==
          "test.toml: submit.allow_public_fallback: falling back to the public mempool on mainnet needs "
          "submit.allow_public_mempool = true");
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"protect\"\n" + relay) ==
          "test.toml: submit.relays[0].kind: mode \"protect\" takes only relays of kind protect");
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"private\"\n" +
                   R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
hints = ["everything"]
)") == "test.toml: submit.relays[0].hints[0]: unknown hint (expected calldata, contract_address, logs, "
       "function_selector, hash, tx_hash, default_logs or full)");
    CHECK(error_of(minimal() + "\n[submit]\nmode = \"private\"\nreputation_keystore = \"./k.json\"\n" + relay) ==
          "test.toml: submit.reputation_keystore: must not be the funds keystore (keys.keystore)");
}

TEST_CASE("config: relay options: status_url, protect query, bundle simulation, window") {
    const std::string priv = minimal() + "\n[submit]\nmode = \"private\"\n";
    const std::string protect = minimal() + "\n[submit]\nmode = \"protect\"\nmax_block_window = 10\n";
    const std::string bundle = minimal() + "\n[submit]\nmode = \"bundle\"\n";

    const auto p = parse(protect + R"(
[[submit.relays]]
name = "protect"
url = "https://rpc.flashbots.net/fast"
kind = "protect"
status_url = "https://protect.flashbots.net/tx/"
query = { hint = ["hash", "logs"], builder = ["flashbots", "Titan"], refund = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc:90", originId = 7 }
)");
    INFO((p ? std::string() : p.error().to_string()));
    REQUIRE(p.has_value());
    CHECK(p->submit.max_block_window == 10);
    const auto& r = p->submit.relays.at(0);
    CHECK(r.status_url == std::optional<std::string>("https://protect.flashbots.net/tx/"));
    using Q = std::vector<std::pair<std::string, std::string>>;
    CHECK(r.query == Q{{"builder", "flashbots"},
                       {"builder", "Titan"},
                       {"hint", "hash"},
                       {"hint", "logs"},
                       {"originId", "7"},
                       {"refund", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc:90"}});
    CHECK_FALSE(r.simulate_bundles);

    const auto b = parse(bundle + R"(
[[submit.relays]]
name = "titan"
url = "https://rpc.titanbuilder.xyz"
kind = "builder"
simulate_bundles = true
builders = ["Titan"]
)");
    REQUIRE(b.has_value());
    CHECK(b->submit.relays.at(0).simulate_bundles);
    CHECK_FALSE(b->submit.relays.at(0).status_url.has_value());

    // Every option is checked where it is, naming the field.
    CHECK(error_of(priv + R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
query = { hint = ["hash"] }
)") == "test.toml: submit.relays[0].query: only protect relays take query options");
    CHECK(error_of(protect + R"(
[[submit.relays]]
name = "p"
url = "https://rpc.flashbots.net"
kind = "protect"
query = { hint = ["everything"] }
)") == "test.toml: submit.relays[0].query.hint: unknown hint 'everything'");
    CHECK(error_of(protect + R"(
[[submit.relays]]
name = "p"
url = "https://rpc.flashbots.net"
kind = "protect"
query = { hint = "full" }
)") == "test.toml: submit.relays[0].query.hint: 'full' means full privacy only in hints; in query write hint = "
       "[\"hash\"]");
    CHECK(error_of(protect + R"(
[[submit.relays]]
name = "p"
url = "https://rpc.flashbots.net"
kind = "protect"
hints = ["logs"]
query = { hint = ["hash"] }
)") == "test.toml: submit.relays[0].query.hint: set either hints or query.hint, not both");
    CHECK(error_of(protect + R"(
[[submit.relays]]
name = "p"
url = "https://rpc.flashbots.net"
kind = "protect"
query = { refund = 1.5 }
)") == "test.toml: submit.relays[0].query.refund: expected a string, an integer, true/false or an array of "
       "strings");
    CHECK(error_of(protect + R"(
[[submit.relays]]
name = "p"
url = "https://rpc.flashbots.net/?apikey=K&hint=calldata"
kind = "protect"
query = { hint = "hash" }
)") == "test.toml: submit.relays[0].url: its query string sets 'hint' too: set it in one place (query)");
    CHECK(error_of(priv + R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
status_url = "ftp://status"
)") == "test.toml: submit.relays[0].status_url: not an http(s) URL");
    CHECK(error_of(priv + R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
simulate_bundles = true
)") == "test.toml: submit.relays[0].simulate_bundles: only bundles simulate (mode \"bundle\", or a relay of kind "
       "builder)");
    CHECK(error_of(bundle + R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
hints = ["calldata"]
)") == "test.toml: submit.relays[0].hints: bundles share no hints (leave empty, or [\"hash\"])");
    CHECK(error_of(bundle + R"(
[[submit.relays]]
name = "t"
url = "https://rpc.titanbuilder.xyz"
kind = "builder"
status_url = "https://status.example/"
)") == "test.toml: submit.relays[0].status_url: builders have no status API for bundles");
    // An explicit "" turns the default status API off.
    const auto off = parse(priv + R"(
[[submit.relays]]
name = "fb"
url = "https://relay.flashbots.net"
kind = "flashbots"
status_url = ""
)");
    REQUIRE(off.has_value());
    CHECK(off->submit.relays.at(0).status_url == std::optional<std::string>(""));
    CHECK(error_of(minimal() + "\n[submit]\nmax_block_window = 26\n") ==
          "test.toml: submit.max_block_window: must be from 1 to 25 (relays cap a private window at 25 blocks)");
}

TEST_CASE("config: keys, journal and metrics rules") {
    std::string no_keys = kNetwork + kRpc + R"(
[journal]
path = "j.sqlite"
[[vaults]]
address = "0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"
lens = "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE"
[policy]
kind = "time_based"
interval_s = 60
)";
    CHECK(error_of(no_keys) == "test.toml: keys.keystore: missing (required unless dry_run)");
    CHECK(parse("dry_run = true\n" + no_keys).has_value());
    CHECK(parse(no_keys, map_env({{"KEEPER_DRY_RUN", "1"}})).has_value());

    CHECK(error_of(minimal() + "\n[metrics]\nlisten = \"0.0.0.0:9464\"\n") ==
          "test.toml: metrics.listen: not a loopback address (set metrics.allow_remote = true to expose it)");
    const auto remote = parse(minimal() + "\n[metrics]\nlisten = \"0.0.0.0:9100\"\nallow_remote = true\n");
    REQUIRE(remote.has_value());
    CHECK(remote->metrics.host == "0.0.0.0");
    CHECK(remote->metrics.port == 9100);
    const auto v6 = parse(minimal() + "\n[metrics]\nlisten = \"[::1]:9465\"\n");
    REQUIRE(v6.has_value());
    CHECK(v6->metrics.host == "::1");
    CHECK(v6->metrics.port == 9465);
    CHECK(error_of(minimal() + "\n[metrics]\nlisten = \"127.0.0.1:99999\"\n") ==
          "test.toml: metrics.listen: port must be a number from 0 to 65535");
    CHECK(error_of(minimal() + "\n[metrics]\nlisten = \"127.0.0.256:1\"\n") ==
          "test.toml: metrics.listen: not a loopback address (set metrics.allow_remote = true to expose it)");
}

TEST_CASE("config: environment overrides") {
    const auto c = parse(minimal(), map_env({{"ETH_RPC_URL", "https://mainnet.example/v3/abc"},
                                             {"ETH_WS_URL", "wss://mainnet.example/ws/v3/abc"},
                                             {"KEEPER_KEYSTORE", "/secure/k.json"},
                                             {"KEEPER_PASSWORD_FILE", "/run/pw"},
                                             {"KEEPER_JOURNAL", "/var/j.sqlite"},
                                             {"KEEPER_METRICS_LISTEN", "127.0.0.1:0"},
                                             {"KEEPER_LOG_LEVEL", "debug"},
                                             {"KEEPER_LOG_JSON", "true"},
                                             {"KEEPER_DRY_RUN", "0"},
                                             {"UNRELATED", "x"}}));
    INFO((c ? std::string() : c.error().to_string()));
    REQUIRE(c.has_value());
    REQUIRE(c->rpc.endpoints.size() == 1);
    CHECK(c->rpc.endpoints[0].name == "env");
    CHECK(c->rpc.endpoints[0].url == "https://mainnet.example/v3/abc");
    CHECK(c->rpc.ws_url == std::optional<std::string>("wss://mainnet.example/ws/v3/abc"));
    CHECK(c->keys.keystore == std::optional<std::string>("/secure/k.json"));
    CHECK(c->keys.password_file == std::optional<std::string>("/run/pw"));
    CHECK(c->journal.path == "/var/j.sqlite");
    CHECK(c->metrics.port == 0);
    CHECK(c->log.level == "debug");
    CHECK(c->log.json);
    CHECK_FALSE(c->dry_run);

    // An empty variable counts as unset.
    CHECK(parse(minimal(), map_env({{"ETH_RPC_URL", ""}}))->rpc.endpoints[0].name == "a");

    CHECK(error_of(minimal(), map_env({{"KEEPER_DRY_RUN", "maybe"}})) ==
          "test.toml: $KEEPER_DRY_RUN: expected true, false, 1 or 0");
    CHECK(error_of(minimal(), map_env({{"KEEPER_LOG_JSON", "2"}})) ==
          "test.toml: $KEEPER_LOG_JSON: expected true, false, 1 or 0");
    CHECK(error_of(minimal(), map_env({{"KEEPER_LOG_LEVEL", "loud"}})) ==
          "test.toml: $KEEPER_LOG_LEVEL: expected trace, debug, info, warn, error, critical or off");
    CHECK(error_of(minimal(), map_env({{"KEEPER_METRICS_LISTEN", "10.0.0.1:9464"}})) ==
          "test.toml: $KEEPER_METRICS_LISTEN: not a loopback address (set metrics.allow_remote = true to expose it)");
    CHECK(error_of(minimal(), map_env({{"ETH_WS_URL", "http://x/"}})) == "test.toml: $ETH_WS_URL: not a ws(s) URL");
}

TEST_CASE("config: no URL secret in errors or in describe()") {
    const std::string secret = "SECRETKEY123";
    // A bad URL with a key: the error names the variable, not the value.
    const std::string e1 = error_of(minimal(), map_env({{"ETH_RPC_URL", "ftp://user:pw@node.example/v3/" + secret}}));
    CHECK(e1 == "test.toml: $ETH_RPC_URL: not an http(s) URL");
    CHECK(e1.find(secret) == std::string::npos);

    const auto c = parse(minimal() + R"(
[submit]
mode = "private"
[[submit.relays]]
name = "protect"
url = "https://rpc.example/fast?apikey=SECRETKEY123"
kind = "protect"
)",
                         map_env({{"ETH_RPC_URL", "https://user:" + secret + "@node.example/v3/" + secret},
                                  {"ETH_WS_URL", "wss://node.example/ws/v3/" + secret}}));
    INFO((c ? std::string() : c.error().to_string()));
    REQUIRE(c.has_value());
    const std::string d = describe(*c);
    INFO(d);
    CHECK(d.find(secret) == std::string::npos);
    CHECK(d.find("env=https://node.example:443") != std::string::npos);
    CHECK(d.find("websocket wss://node.example:443") != std::string::npos);
    CHECK(d.find("relay: protect (protect) https://rpc.example:443") != std::string::npos);
    CHECK(d.find("vault: 0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1 lens 0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE") !=
          std::string::npos);
    CHECK(d.find("policy: time_based interval=3600s") != std::string::npos);
}

// ---- [rpc.tls] ---------------------------------------------------------------------------------

namespace {
// A file in a fresh private directory, removed at scope exit.
struct ScratchFile {
    std::filesystem::path dir;
    std::string path;
    ScratchFile(const std::string& name, const std::string& content) {
        std::string pattern = (std::filesystem::temp_directory_path() / "keeper-config-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
        path = (dir / name).string();
        std::ofstream(path) << content;
    }
    ~ScratchFile() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
};
// The shape of a PEM certificate is all the config checks; the transports parse it.
const std::string kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
}  // namespace

TEST_CASE("rpc.tls.ca_file: applies to the https:// and wss:// transports, absent means the system store") {
    const auto plain = parse(minimal());
    REQUIRE(plain);
    CHECK(plain->rpc.settings.http.tls.ca_file.empty());
    CHECK(plain->rpc.settings.ws.tls.ca_file.empty());

    ScratchFile ca("ca.pem", kPem);
    const auto c = parse(minimal() + "[rpc.tls]\nca_file = \"" + ca.path + "\"\n");
    REQUIRE(c);
    CHECK(c->rpc.settings.http.tls.ca_file == ca.path);
    CHECK(c->rpc.settings.ws.tls.ca_file == ca.path);
    CHECK(describe(*c).find("tls: CA file " + ca.path + ", peer and host name verified") != std::string::npos);
    CHECK(describe(*plain).find("tls: system trust store, peer and host name verified") != std::string::npos);
}

TEST_CASE("rpc.tls.ca_file: a bad path fails at start naming the field") {
    ScratchFile not_pem("key.txt", "just text\n");
    const std::string missing = (not_pem.dir / "missing.pem").string();
    CHECK(error_of(minimal() + "[rpc.tls]\nca_file = \"" + missing + "\"\n") ==
          "test.toml: rpc.tls.ca_file: no such file: " + missing);
    CHECK(error_of(minimal() + "[rpc.tls]\nca_file = \"" + not_pem.dir.string() + "\"\n") ==
          "test.toml: rpc.tls.ca_file: not a regular file: " + not_pem.dir.string());
    CHECK(error_of(minimal() + "[rpc.tls]\nca_file = \"" + not_pem.path + "\"\n") ==
          "test.toml: rpc.tls.ca_file: no PEM certificate (-----BEGIN CERTIFICATE-----) in " + not_pem.path);
    CHECK(error_of(minimal() + "[rpc.tls]\nca_file = \"\"\n") == "test.toml: rpc.tls.ca_file: must not be empty");
    // No way to switch verification off: unknown keys are errors.
    CHECK(error_of(minimal() + "[rpc.tls]\ninsecure = true\n").find("test.toml: rpc.tls.insecure") == 0);
}

TEST_CASE("rpc.ws.close_timeout_ms: read, and must be positive") {
    const auto c = parse(minimal() + "[rpc.ws]\nclose_timeout_ms = 250\n");
    REQUIRE(c);
    CHECK(c->rpc.settings.ws.close_timeout == std::chrono::milliseconds(250));
    CHECK(error_of(minimal() + "[rpc.ws]\nclose_timeout_ms = 0\n") == "test.toml: rpc.ws.close_timeout_ms: must be positive");
}

TEST_CASE("rpc.pool hedged reads: defaults kept, bad values name the field") {
    const auto d = parse(minimal());
    REQUIRE(d);
    CHECK(d->rpc.settings.pool.hedge_floor == std::chrono::milliseconds(250));
    CHECK(d->rpc.settings.pool.hedge_cap == std::chrono::milliseconds(1500));
    CHECK(d->rpc.settings.pool.strikes_to_bench == 3);
    CHECK(error_of(minimal() + "[rpc.pool]\nprobe_timeout_ms = 0\n") ==
          "test.toml: rpc.pool.probe_timeout_ms: must be positive");
    CHECK(error_of(minimal() + "[rpc.pool]\nhedge_floor_ms = 0\n") ==
          "test.toml: rpc.pool.hedge_floor_ms: must be positive");
    CHECK(error_of(minimal() + "[rpc.pool]\nhedge_floor_ms = 500\nhedge_cap_ms = 400\n") ==
          "test.toml: rpc.pool.hedge_cap_ms: must not be below hedge_floor_ms");
    CHECK(error_of(minimal() + "[rpc.pool]\nstrikes_to_bench = 0\n") ==
          "test.toml: rpc.pool.strikes_to_bench: must be at least 1");
}

TEST_CASE("config: txm.finality: depth by default, finalized on request, anything else names the field") {
    const auto d = parse(minimal());
    REQUIRE(d.has_value());
    CHECK(d->txm.finality == txm::Finality::kDepth);
    CHECK(machine_policy(d->txm).finality == txm::Finality::kDepth);

    const auto f = parse(minimal() + "\n[txm]\nfinality = \"finalized\"\n");
    REQUIRE(f.has_value());
    CHECK(f->txm.finality == txm::Finality::kFinalized);
    CHECK(machine_policy(f->txm).finality == txm::Finality::kFinalized);
    CHECK(describe(*f).find("final at the finalized block") != std::string::npos);
    CHECK(parse(minimal() + "\n[txm]\nfinality = \"depth\"\n")->txm.finality == txm::Finality::kDepth);

    CHECK(error_of(minimal() + "\n[txm]\nfinality = \"safe\"\n") ==
          "test.toml: txm.finality: must be \"depth\" or \"finalized\", not \"safe\"");
    CHECK(error_of(minimal() + "\n[txm]\nfinality = 1\n") == "test.toml: txm.finality: expected a string");

    // $KEEPER_TXM_FINALITY overrides the file, checked the same way.
    const auto e = parse(minimal() + "\n[txm]\nfinality = \"depth\"\n", map_env({{"KEEPER_TXM_FINALITY", "finalized"}}));
    REQUIRE(e.has_value());
    CHECK(e->txm.finality == txm::Finality::kFinalized);
    CHECK(error_of(minimal(), map_env({{"KEEPER_TXM_FINALITY", "latest"}})) ==
          "test.toml: $KEEPER_TXM_FINALITY: must be \"depth\" or \"finalized\", not \"latest\"");
}

TEST_CASE("config: the shipped files document txm.finality and keep the default") {
    for (const char* name : {"anvil.toml", "sepolia.toml", "mainnet.toml"}) {
        std::ifstream in(std::string(KEEPER_SOURCE_DIR) + "/config/" + name);
        REQUIRE(in);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO(name);
        CHECK(text.find("\nfinality = \"depth\"") != std::string::npos);
        CHECK(text.find("\"finalized\" (at or below the node's finalized block") != std::string::npos);
    }
}

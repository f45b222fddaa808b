// keeper::daemon::mev_settings: the [submit] section of a parsed config as MevSettings, one
// relay at a time (its own privacy preferences, status API, query options, simulation flag).
#include <utility>

#include <string>

#include <catch2/catch.hpp>

#include "keeper/config/config.hpp"
#include "keeper/daemon/submit_config.hpp"

using namespace keeper;
using keeper::daemon::mev_settings;

namespace {

std::string base(std::uint64_t chain_id) {
    return R"(
[network]
name = "test"
chain_id = )" + std::to_string(chain_id) +
           R"(
[[rpc.endpoints]]
name = "a"
url = "http://127.0.0.1:8545"
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
}

config::KeeperConfig parsed(const std::string& text) {
    auto c = config::parse_config(text, config::empty_env(), "test.toml");
    INFO((c ? std::string() : c.error().to_string()));
    REQUIRE(c.has_value());
    return *c;
}

}  // namespace

TEST_CASE("submit config: each relay keeps its own privacy preferences, full privacy by default") {
    const auto c = parsed(base(1) + R"(
[submit]
mode = "private"
max_block_window = 12
max_failures_before_alert = 4
[[submit.relays]]
name = "flashbots"
url = "https://relay.flashbots.net"
kind = "flashbots"
hints = ["calldata", "logs"]
builders = ["flashbots", "Titan"]
fast = true
[[submit.relays]]
name = "quiet"
url = "https://relay.example"
kind = "flashbots"
)");
    const mev::MevSettings m = mev_settings(c);
    REQUIRE(mev::validate(m));
    CHECK(m.mode == mev::SubmitMode::kPrivate);
    CHECK(m.window_blocks == 12);
    CHECK(m.alert_after_failures == 4);
    CHECK_FALSE(m.public_fallback);
    REQUIRE(m.relays.size() == 2);
    const auto& fb = m.relays[0];
    CHECK(fb.kind == mev::ChannelKind::kPrivateRelay);
    CHECK(fb.preferences.hints == std::vector<std::string>{"calldata", "logs"});
    CHECK(fb.preferences.builders == std::vector<std::string>{"flashbots", "Titan"});
    CHECK(fb.preferences.fast);
    // The relay configured to reveal nothing gets none of the other relay's hints, builders or fast.
    const auto& quiet = m.relays[1];
    CHECK(quiet.preferences == mev::PrivacyPreferences{});
    CHECK(quiet.preferences.hints == std::vector<std::string>{"hash"});
    CHECK(quiet.preferences.builders.empty());
    CHECK_FALSE(quiet.preferences.fast);
    // The Flashbots status API for the Flashbots relay on mainnet only: the other relay's
    // transactions are unknown to it.
    CHECK(fb.status_url == "https://protect.flashbots.net/tx/");
    CHECK(quiet.status_url.empty());
}

TEST_CASE("submit config: status_url default follows the chain and can be set or turned off") {
    const std::string relay = R"(
[[submit.relays]]
name = "flashbots"
url = "https://relay.flashbots.net"
kind = "flashbots"
)";
    CHECK(mev_settings(parsed(base(11155111) + "[submit]\nmode = \"private\"\n" + relay)).relays.at(0).status_url.empty());
    CHECK(mev_settings(parsed(base(1) + "[submit]\nmode = \"private\"\n" + relay + "status_url = \"\"\n"))
              .relays.at(0)
              .status_url.empty());
    CHECK(mev_settings(parsed(base(11155111) + "[submit]\nmode = \"private\"\n" + relay +
                              "status_url = \"https://status.example/tx/\"\n"))
              .relays.at(0)
              .status_url == "https://status.example/tx/");
    // In bundle mode the same relay takes bundles, which have no status API.
    const auto bundle = mev_settings(parsed(base(1) + "[submit]\nmode = \"bundle\"\n" + relay));
    CHECK(bundle.relays.at(0).kind == mev::ChannelKind::kBundle);
    CHECK(bundle.relays.at(0).status_url.empty());
    CHECK(mev::validate(bundle));
}

TEST_CASE("submit config: protect query, bundle simulation and builders reach the MEV settings") {
    const auto p = mev_settings(parsed(base(1) + R"(
[submit]
mode = "protect"
max_block_window = 20
[[submit.relays]]
name = "protect"
url = "https://rpc.flashbots.net/fast"
kind = "protect"
builders = ["flashbots"]
query = { refund = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc:90" }
)"));
    REQUIRE(mev::validate(p));
    CHECK(p.window_blocks == 20);  // protect's window comes from submit.max_block_window
    const auto& r = p.relays.at(0);
    CHECK(r.kind == mev::ChannelKind::kProtect);
    CHECK(r.query == std::vector<std::pair<std::string, std::string>>{
                         {"refund", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc:90"}});
    CHECK(mev::protect_url(r) ==
          "https://rpc.flashbots.net/fast?refund=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc%3A90&hint=hash"
          "&builder=flashbots");

    const auto b = mev_settings(parsed(base(1) + R"(
[submit]
mode = "bundle"
[[submit.relays]]
name = "titan"
url = "https://rpc.titanbuilder.xyz"
kind = "builder"
simulate_bundles = true
builders = ["Titan"]
[[submit.relays]]
name = "beaver"
url = "https://rpc.beaverbuild.org"
kind = "builder"
)"));
    REQUIRE(mev::validate(b));
    CHECK(b.relays.at(0).kind == mev::ChannelKind::kBundle);
    CHECK(b.relays.at(0).simulate_bundles);
    CHECK(b.relays.at(0).preferences.builders == std::vector<std::string>{"Titan"});
    CHECK_FALSE(b.relays.at(1).simulate_bundles);
    CHECK(b.relays.at(1).preferences.builders.empty());
}

TEST_CASE("submit config: public mode and the fallback flag") {
    const auto pub = mev_settings(parsed(base(31337)));
    CHECK(pub.mode == mev::SubmitMode::kPublic);
    CHECK(pub.relays.empty());
    CHECK(mev::validate(pub));

    const auto fb = mev_settings(parsed(base(31337) + R"(
[submit]
mode = "private"
allow_public_fallback = true
[[submit.relays]]
name = "local"
url = "http://127.0.0.1:9999/"
kind = "flashbots"
)"));
    CHECK(fb.public_fallback);
    CHECK(fb.relays.at(0).status_url.empty());
    CHECK(mev::validate(fb));
}

// MevSettings validation, defaults and the pure helpers of the submitters.
#include <utility>

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/mev/settings.hpp"

using namespace keeper;
using namespace keeper::mev;
using submit::Visibility;

namespace {
MevSettings one_relay() {
    MevSettings s;
    s.relays.push_back({"local", ChannelKind::kPrivateRelay, "http://127.0.0.1:1/", "", {}, {}, false});
    return s;
}
}  // namespace

TEST_CASE("mainnet defaults to private submission with full privacy", "[mev]") {
    const auto s = default_for_chain(1);
    CHECK(s.mode == SubmitMode::kPrivate);
    REQUIRE(s.relays.size() == 1);
    CHECK(s.relays[0].kind == ChannelKind::kPrivateRelay);
    CHECK(s.relays[0].preferences == PrivacyPreferences{});
    CHECK(s.relays[0].preferences.hints == std::vector<std::string>{"hash"});
    CHECK(s.relays[0].status_url == "https://protect.flashbots.net/tx/");
    CHECK_FALSE(s.public_fallback);
    CHECK(validate(s));
    CHECK(default_for_chain(31337).mode == SubmitMode::kPublic);
}

TEST_CASE("preferences serialise as the relay expects", "[mev]") {
    PrivacyPreferences p;
    CHECK(to_json(p).dump() == R"({"fast":false,"privacy":{"hints":["hash"]}})");
    p.fast = true;
    p.builders = {"flashbots", "titan"};
    CHECK(to_json(p).dump() == R"({"fast":true,"privacy":{"builders":["flashbots","titan"],"hints":["hash"]}})");
}

TEST_CASE("validation names the offending field", "[mev]") {
    auto s = one_relay();
    CHECK(validate(s));
    s.window_blocks = 26;
    CHECK(validate(s).error().rfind("window_blocks", 0) == 0);
    s = one_relay();
    s.relays.push_back(s.relays[0]);
    CHECK(validate(s).error() == "relays[1].name: duplicate relay name 'local'");
    s = one_relay();
    s.relays[0].url = "ftp://x";
    CHECK(validate(s).error() == "relays[0].url: must start with http:// or https://");
    s = one_relay();
    s.relays[0].preferences.hints = {"calldata", "everything"};
    CHECK(validate(s).error() == "relays[0].preferences.hints: unknown hint 'everything'");
    s = one_relay();
    s.relays[0].simulate_bundles = true;
    CHECK(validate(s).error() == "relays[0].simulate_bundles: only bundle relays simulate (eth_callBundle)");
    s.relays[0].kind = ChannelKind::kBundle;
    CHECK(validate(s));
    s.relays[0].status_url = "https://status.example/";
    CHECK(validate(s).error().rfind("relays[0].status_url: bundles have no status API", 0) == 0);
    s = one_relay();
    s.block_time_seconds = 0;
    CHECK(validate(s).error() == "block_time_seconds: must be at least 1");
    s = one_relay();
    s.relays[0].query = {{"hint", "hash"}};
    CHECK(validate(s).error() == "relays[0].query: only protect endpoints take query options");
    s = MevSettings{};
    CHECK(validate(s).error() == "relays: private mode needs at least one relay");
    s.mode = SubmitMode::kPublic;
    CHECK(validate(s));
    s.public_fallback = true;
    CHECK_FALSE(validate(s));
}

TEST_CASE("protect query options are percent-encoded", "[mev]") {
    CHECK(with_query("https://rpc.example/fast", {}) == "https://rpc.example/fast");
    CHECK(with_query("https://rpc.example/", {{"hint", "hash"}, {"builder", "a b"}, {"refund", "0xab:90"}}) ==
          "https://rpc.example/?hint=hash&builder=a%20b&refund=0xab%3A90");
    CHECK(with_query("https://rpc.example/?x=1", {{"fast", "true"}}) == "https://rpc.example/?x=1&fast=true");
}

TEST_CASE("the best visibility across relays is the one that can still land", "[mev]") {
    CHECK(best_visibility(Visibility::kExpired, Visibility::kPending) == Visibility::kPending);
    CHECK(best_visibility(Visibility::kCancelled, Visibility::kExpired) == Visibility::kExpired);
    CHECK(best_visibility(Visibility::kFailed, Visibility::kUnknown) == Visibility::kUnknown);
    CHECK(best_visibility(Visibility::kCancelled, Visibility::kFailed) == Visibility::kFailed);
}

TEST_CASE("make_submitter refuses the funds key as reputation key and a fallback without a public path", "[mev]") {
    boost::asio::io_context ioc;
    auto key = std::make_shared<const SecretKey>(
        *SecretKey::from_bytes(*from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")));
    SubmitterDeps deps;
    deps.executor = ioc.get_executor();
    deps.reputation_key = key;
    deps.funds_address = address_of(*key);
    auto r = make_submitter(one_relay(), deps);
    REQUIRE_FALSE(r);
    CHECK(r.error().rfind("reputation_key: must not be the funds key", 0) == 0);

    deps.funds_address = Address{};
    deps.reputation_key = nullptr;
    CHECK(make_submitter(one_relay(), deps).error().rfind("reputation_key: private relays", 0) == 0);

    deps.reputation_key = key;
    auto s = one_relay();
    s.public_fallback = true;
    CHECK(make_submitter(s, deps).error().rfind("public_fallback", 0) == 0);

    auto ok = make_submitter(one_relay(), deps);
    REQUIRE(ok);
    CHECK((*ok)->is_private());
    CHECK((*ok)->name() == "local");
}

TEST_CASE("config hint lists map to relay preferences: none or full means only the hash", "[mev]") {
    CHECK(privacy_from({}, {}, false).hints == std::vector<std::string>{"hash"});
    CHECK(privacy_from({"full"}, {}, false).hints == std::vector<std::string>{"hash"});
    CHECK(privacy_from({"calldata", "full"}, {}, false).hints == std::vector<std::string>{"hash"});
    const auto p = privacy_from({"calldata", "logs", "calldata"}, {"flashbots", "Titan"}, true);
    CHECK(p.hints == std::vector<std::string>{"calldata", "logs"});
    CHECK(p.builders == std::vector<std::string>{"flashbots", "Titan"});
    CHECK(p.fast);

    auto s = one_relay();
    s.relays[0].preferences = privacy_from({}, {""}, false);
    CHECK(validate(s).error() == "relays[0].preferences.builders: empty builder name");
    s.relays[0].preferences = PrivacyPreferences{false, {}, {}};
    CHECK(validate(s).error().rfind("relays[0].preferences.hints: empty", 0) == 0);
    s.relays[0].preferences = privacy_from({"hash"}, {"flashbots"}, false);
    CHECK(validate(s));
    s.relays[0].kind = ChannelKind::kBundle;  // bundles take builders, nothing else
    CHECK(validate(s));
    s.relays[0].preferences = privacy_from({"calldata"}, {}, false);
    CHECK(validate(s).error().rfind("relays[0].preferences.hints: bundles share no hints", 0) == 0);
    s.relays[0].preferences = privacy_from({}, {}, true);
    CHECK(validate(s).error() == "relays[0].preferences.fast: not available for bundles");
}

TEST_CASE("each relay keeps its own preferences and a protect relay gets them as its query", "[mev]") {
    MevSettings s;
    RelaySettings open_relay{"open", ChannelKind::kPrivateRelay, "http://127.0.0.1:1/", "", {}, {}, false};
    open_relay.preferences = privacy_from({"calldata", "logs"}, {"Titan"}, true);
    RelaySettings quiet{"quiet", ChannelKind::kPrivateRelay, "http://127.0.0.1:2/", "", {}, {}, false};
    s.relays = {open_relay, quiet};
    REQUIRE(validate(s));
    CHECK(s.relays[1].preferences == PrivacyPreferences{});  // no hint of "open" reaches "quiet"

    RelaySettings protect{"protect", ChannelKind::kProtect, "https://rpc.example/fast", "", {}, {}, false};
    CHECK(protect_url(protect) == "https://rpc.example/fast?hint=hash");  // full privacy by default
    protect.preferences = privacy_from({"calldata", "logs"}, {"flashbots", "Titan"}, true);
    CHECK(protect_url(protect) ==
          "https://rpc.example/fast?hint=calldata&hint=logs&builder=flashbots&builder=Titan&fast=true");
    // Keys the operator set in query win over the preferences.
    protect.query = {{"hint", "hash"}, {"refund", "0xabc:90"}};
    CHECK(protect_url(protect) ==
          "https://rpc.example/fast?hint=hash&refund=0xabc%3A90&builder=flashbots&builder=Titan&fast=true");
    // Options in the URL (an API key, or the operator's own hint=) are kept and not duplicated.
    protect.query = {};
    protect.preferences = PrivacyPreferences{};
    protect.url = "https://rpc.example/fast?apikey=K&hint=logs";
    CHECK(protect_url(protect) == "https://rpc.example/fast?apikey=K&hint=logs");
    protect.query = {{"hint", "hash"}};
    s.relays = {protect};
    CHECK(validate(s).error() == "relays[0].url: its query string sets 'hint' too: set it in one place (query)");
}

TEST_CASE("a private window never outlives the swap's deadline", "[mev]") {
    // No deadline: the configured window.
    CHECK(window_end(100, 25, 0, 12) == 125);
    // The default 120 s trade deadline at 12 s blocks: 10 blocks, not 25 (300 s).
    CHECK(window_end(100, 25, 120, 12) == 110);
    CHECK(window_end(100, 25, 119, 12) == 109);  // block 110 would be ~120 s after the head: too late
    CHECK(window_end(100, 5, 120, 12) == 105);   // a shorter window stays
    CHECK(window_end(100, 25, 5, 12) == 101);    // at least the next block
    CHECK(window_end(100, 0, 0, 12) == 101);
}

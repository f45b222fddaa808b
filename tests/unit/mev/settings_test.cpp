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
    s.relays.push_back({"local", ChannelKind::kPrivateRelay, "http://127.0.0.1:1/", "", {}, {}});
    return s;
}
}  // namespace

TEST_CASE("mainnet defaults to private submission with full privacy", "[mev]") {
    const auto s = default_for_chain(1);
    CHECK(s.mode == SubmitMode::kPrivate);
    REQUIRE(s.relays.size() == 1);
    CHECK(s.relays[0].kind == ChannelKind::kPrivateRelay);
    CHECK(s.preferences.hints == std::vector<std::string>{"hash"});
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
    s.preferences.hints = {"calldata", "everything"};
    CHECK(validate(s).error() == "preferences.hints: unknown hint 'everything'");
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
    s.relays[0].kind = ChannelKind::kBundle;
    CHECK(validate(s).error() == "relays[0].preferences: only private relays take preferences");
}

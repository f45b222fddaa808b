// The MEV submitters against the local relay (tests/support/relay.hpp) on anvil with automine
// off: relay authentication checked by cast over the exact bytes received, refusals, window
// expiry and re-signing at the same nonce, cancellation, fan-out, bundles and protect mode.
#include <utility>  // before Asio (Boost 1.74)

#include <catch2/catch.hpp>

#include <algorithm>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "keeper/crypto/eip55.hpp"
#include "keeper/mev/flashbots_auth.hpp"
#include "keeper/mev/settings.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "mev_fixture.hpp"
#include "support/process.hpp"
#include "support/relay.hpp"

using namespace keeper;
using namespace keeper::mev;
using namespace keeper::test;
using submit::SubmitRequest;
using submit::SubmitStatus;
using submit::Visibility;

namespace {

// Anvil dev account 5: the reputation key (never the funds key, which is account 1).
constexpr const char* kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr const char* kRepAddress = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

AnvilOptions no_mining() {
    auto o = anvil_options();
    o.extra_args = {"--no-mining"};
    return o;
}

RelayOptions relay_on(const AnvilProcess& anvil, std::shared_ptr<ChainGate> gate = nullptr) {
    RelayOptions o;
    o.chain = [&anvil](const std::string& m, const std::string& p) { return anvil.raw_call(m, p); };
    o.gate = std::move(gate);
    return o;
}

std::shared_ptr<const SecretKey> rep_key() { return std::make_shared<const SecretKey>(key_of(kRepKey)); }

struct Chain {
    std::uint64_t head{0};
    U256 base_fee{0};
};
Chain chain_state(const AnvilProcess& anvil) {
    const auto block = rpc_result(anvil, "eth_getBlockByNumber", R"(["latest", false])");
    return {hex_u64(block["number"]), *parse_u256(block["baseFeePerGas"].get<std::string>())};
}

std::uint64_t keeper_nonce(const AnvilProcess& anvil) {
    return hex_u64(rpc_result(anvil, "eth_getTransactionCount", std::string(R"([")") + kKeeperAddress + R"(", "latest"])"));
}

/// A valid zero-value transfer from the keeper (funds key) at `nonce`.
SignedTx keeper_tx(const AnvilProcess& anvil, std::uint64_t nonce, bool underpriced = false) {
    const auto c = chain_state(anvil);
    const U256 gwei = 1'000'000'000;
    const U256 tip = underpriced ? U256(1) : gwei;
    const U256 max_fee = underpriced ? U256(1) : c.base_fee * 2 + gwei;
    return sign_tx(key_of(kKeeperKey), nonce, kTraderAddress, {}, tip, max_fee, 21'000);
}

SubmitRequest request_for(const SignedTx& tx, std::uint64_t head, std::uint64_t seconds_to_deadline = 0) {
    return {tx.raw, tx.hash, tx.nonce, head, seconds_to_deadline};
}

/// Log lines at warn or above, for the "logged loudly" checks.
class CapturedLog {
public:
    CapturedLog() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
        sink_->set_level(spdlog::level::warn);
        spdlog::default_logger()->sinks().push_back(sink_);
    }
    ~CapturedLog() {
        auto& sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    [[nodiscard]] bool has(spdlog::level::level_enum level, const std::string& text) const {
        for (const auto& line : sink_->last_raw())
            if (line.level == level && std::string(line.payload.data(), line.payload.size()).find(text) != std::string::npos)
                return true;
        return false;
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

std::optional<std::uint64_t> landed_in(const AnvilProcess& anvil, const Hash32& hash) {
    const auto r = rpc_result(anvil, "eth_getTransactionReceipt", "[\"" + to_hex(hash) + "\"]");
    if (r.is_null()) return std::nullopt;
    return hex_u64(r["blockNumber"]);
}

bool in_public_pool(const AnvilProcess& anvil, const Hash32& hash) {
    const auto pool = rpc_result(anvil, "txpool_content");
    return pool.dump().find(to_hex(hash)) != std::string::npos;
}

}  // namespace

TEST_CASE("relay auth: cast verifies the header over the exact body the relay received", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    auto client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), rep_key());
    PrivateRelaySubmitter submitter(client, {});
    const auto tx = keeper_tx(anvil, keeper_nonce(anvil));
    const auto result = run_co(ioc, submitter.submit(request_for(tx, chain_state(anvil).head)));
    REQUIRE(result.status == SubmitStatus::kAccepted);
    CHECK(relay.stats().last_signer == "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc");

    const auto received = relay.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].method == "eth_sendPrivateTransaction");
    const std::string& header = received[0].signature;
    const auto colon = header.find(':');
    REQUIRE(colon != std::string::npos);
    CHECK(header.substr(0, colon) == kRepAddress);
    // The signed message is the ASCII text "0x" + hex(keccak256(body)); cast reads a 0x-prefixed
    // argument as bytes, so it gets those ASCII bytes hex-encoded.
    const std::string text = "0x" + to_hex_raw(keccak256(received[0].body).view());
    const std::string text_as_hex = to_hex(as_bytes(text));
    const auto verified =
        cast({"wallet", "verify", "--address", kRepAddress, text_as_hex, header.substr(colon + 1)});
    CHECK(verified.find("Validation succeeded") != std::string::npos);
    // And cast's own signature of the same bytes is ours (RFC 6979: deterministic).
    CHECK(cast({"wallet", "sign", "--private-key", kRepKey, text_as_hex}) == header.substr(colon + 1));
    // The body carries the window and full privacy.
    const auto body = nlohmann::json::parse(received[0].body);
    CHECK(body["params"][0]["maxBlockNumber"] == rpc::to_quantity(chain_state(anvil).head + 5));
    CHECK(body["params"][0]["preferences"]["privacy"]["hints"] == nlohmann::json::array({"hash"}));
}

TEST_CASE("the relay refuses a missing or forged signature with its error", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    const auto tx = keeper_tx(anvil, keeper_nonce(anvil));
    const auto head = chain_state(anvil).head;

    // No reputation key: no header.
    auto unsigned_client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), nullptr);
    PrivateRelaySubmitter unsigned_submitter(unsigned_client, {});
    const auto r1 = run_co(ioc, unsigned_submitter.submit(request_for(tx, head)));
    CHECK(r1.status == SubmitStatus::kRejected);
    CHECK(r1.detail == "code -32600: relay 'local': missing X-Flashbots-Signature header");

    // A header signed over other bytes than those sent.
    auto client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), rep_key());
    nlohmann::json params = nlohmann::json::array({{{"tx", to_hex(tx.raw)}}});
    const std::string body =
        nlohmann::json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "eth_sendPrivateTransaction"}, {"params", params}}.dump();
    const auto forged = *flashbots_signature(body + " ", key_of(kRepKey));
    const auto curl = run_process({"curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                                   "-H", std::string(kSignatureHeader) + ": " + forged, "--data-binary", body, relay.url()});
    REQUIRE(curl.exit_code == 0);
    CHECK(curl.out.substr(curl.out.rfind('\n') + 1) == "403");
    const auto reply = nlohmann::json::parse(curl.out.substr(0, curl.out.rfind('\n')));
    CHECK(reply["error"]["code"] == -32600);
    CHECK(reply["error"]["message"] == "signature from wrong address");
    CHECK(relay.stats().rejected_auth == 2);
    CHECK(relay.held() == 0);

    // The genuine header over the same body is accepted.
    const auto ok = run_co(ioc, client->call("eth_sendPrivateTransaction", params));
    REQUIRE(ok);
    CHECK(*ok == to_hex(tx.hash));
    CHECK(relay.held() == 1);
}

TEST_CASE("an expired private window is detected, re-signed at the same nonce, and lands exactly once",
          "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    auto client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), rep_key());
    std::vector<std::unique_ptr<submit::Submitter>> relays;
    relays.push_back(std::make_unique<PrivateRelaySubmitter>(
        client, PrivateRelaySubmitter::Settings{2, {}, relay.status_url()}));
    std::vector<MevAlert> alerts;
    FanOutSubmitter fan(std::move(relays), {1, false}, nullptr, [&](const MevAlert& a) { alerts.push_back(a); });

    const std::uint64_t nonce = keeper_nonce(anvil);
    const auto h0 = chain_state(anvil).head;
    // Priced below the base fee: no builder includes it, so its window passes.
    const auto first = keeper_tx(anvil, nonce, /*underpriced=*/true);
    REQUIRE(run_co(ioc, fan.submit(request_for(first, h0))).status == SubmitStatus::kAccepted);
    CHECK(run_co(ioc, fan.visibility(first.hash, h0)) == Visibility::kPending);
    relay.mine();
    CHECK(run_co(ioc, fan.visibility(first.hash, h0 + 1)) == Visibility::kPending);
    CHECK_FALSE(in_public_pool(anvil, first.hash));  // never left in anvil's public pool
    relay.mine();
    const auto h2 = chain_state(anvil).head;
    REQUIRE(h2 == h0 + 2);
    CHECK_FALSE(landed_in(anvil, first.hash));
    CHECK(run_co(ioc, fan.visibility(first.hash, h2)) == Visibility::kExpired);
    CHECK(fan.failed_windows(nonce) == 1);
    CHECK(relay.status(to_hex(first.hash)) == PrivateStatus::kFailed);

    // The executor's move: fresh fees, same nonce, new window. The alert (after 1 failed window) fires.
    const auto second = keeper_tx(anvil, nonce);
    REQUIRE(second.hash != first.hash);
    REQUIRE(run_co(ioc, fan.submit(request_for(second, h2))).status == SubmitStatus::kAccepted);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].nonce == nonce);
    CHECK_FALSE(alerts[0].falling_back_to_public);
    const auto n = relay.mine();
    CHECK(landed_in(anvil, second.hash) == n);
    relay.mine();
    CHECK_FALSE(landed_in(anvil, first.hash));
    CHECK(keeper_nonce(anvil) == nonce + 1);  // exactly once
    CHECK(relay.status(to_hex(second.hash)) == PrivateStatus::kIncluded);
}

TEST_CASE("a cancelled private transaction or bundle is never included", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    auto client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), rep_key());
    PrivateRelaySubmitter priv(client, {5, {}, relay.status_url()});
    BundleSubmitter bundles(client, {5, 2, false});
    const std::uint64_t nonce = keeper_nonce(anvil);
    const auto head = chain_state(anvil).head;

    const auto tx = keeper_tx(anvil, nonce);
    REQUIRE(run_co(ioc, priv.submit(request_for(tx, head))).status == SubmitStatus::kAccepted);
    CHECK(run_co(ioc, priv.cancel(tx.hash)));
    CHECK(run_co(ioc, priv.visibility(tx.hash, head)) == Visibility::kCancelled);

    const auto tx2 = keeper_tx(anvil, nonce);  // same bytes as a bundle
    REQUIRE(run_co(ioc, bundles.submit(request_for(tx2, head))).status == SubmitStatus::kAccepted);
    REQUIRE(bundles.replacement_uuid(tx2.hash));
    CHECK(run_co(ioc, bundles.cancel(tx2.hash)));
    for (int i = 0; i < 3; ++i) {
        relay.mine();
        run_co(ioc, bundles.on_head(chain_state(anvil).head));
    }
    CHECK_FALSE(landed_in(anvil, tx.hash));
    CHECK(keeper_nonce(anvil) == nonce);
    CHECK(relay.status(to_hex(tx.hash)) == PrivateStatus::kCancelled);
}

TEST_CASE("fan-out to two relays: accepted by both, lands once", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    auto gate = std::make_shared<ChainGate>();
    LocalRelay a(relay_on(anvil, gate));
    LocalRelay b(relay_on(anvil, gate));
    asio::io_context ioc;
    MevSettings settings;
    settings.relays = {{"relay-a", ChannelKind::kPrivateRelay, a.url(), a.status_url(), {}, {}, false},
                       {"relay-b", ChannelKind::kPrivateRelay, b.url(), b.status_url(), {}, {}, false}};
    SubmitterDeps deps;
    deps.executor = ioc.get_executor();
    deps.reputation_key = rep_key();
    deps.funds_address = *fixed_from_hex<Address>(kKeeperAddress);
    auto made = make_submitter(settings, deps);
    REQUIRE(made);
    auto& fan = **made;
    CHECK(fan.name() == "relay-a+relay-b");

    const std::uint64_t nonce = keeper_nonce(anvil);
    const auto head = chain_state(anvil).head;
    const auto tx = keeper_tx(anvil, nonce);
    const auto r = run_co(ioc, fan.submit(request_for(tx, head)));
    REQUIRE(r.status == SubmitStatus::kAccepted);
    CHECK(r.accepted_by == std::vector<std::string>{"relay-a", "relay-b"});
    CHECK(a.held() == 1);
    CHECK(b.held() == 1);
    const auto n = b.mine();  // relay b's builder wins this block
    CHECK(landed_in(anvil, tx.hash) == n);
    a.mine();  // a's copy can no longer land (nonce used)
    CHECK(keeper_nonce(anvil) == nonce + 1);
    const auto block = rpc_result(anvil, "eth_getBlockByNumber", "[\"" + rpc::to_quantity(n + 1) + "\", false]");
    CHECK(block["transactions"].empty());
    CHECK(run_co(ioc, fan.visibility(tx.hash, n)) == Visibility::kPending);  // b reports INCLUDED
}

TEST_CASE("bundles re-target the next block on each head until they land", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    auto client = std::make_shared<RelayClient>(ioc.get_executor(), "local", relay.url(), rep_key());
    BundleSubmitter bundles(client, {4, 1, true});
    const std::uint64_t nonce = keeper_nonce(anvil);
    const auto head = chain_state(anvil).head;
    const auto tx = keeper_tx(anvil, nonce);
    REQUIRE(run_co(ioc, bundles.submit(request_for(tx, head))).status == SubmitStatus::kAccepted);
    // Another builder wins block head+1 (mined straight on anvil): the bundle for it is void.
    rpc_result(anvil, "evm_mine");
    CHECK_FALSE(landed_in(anvil, tx.hash));
    run_co(ioc, bundles.on_head(head + 1));  // re-targets head+2
    CHECK(run_co(ioc, bundles.visibility(tx.hash, head + 1)) == Visibility::kPending);
    const auto n = relay.mine();
    CHECK(n == head + 2);
    CHECK(landed_in(anvil, tx.hash) == n);
    const auto received = relay.received();
    std::vector<std::string> methods;
    for (const auto& r : received) methods.push_back(r.method);
    CHECK(methods == std::vector<std::string>{"eth_callBundle", "eth_sendBundle", "eth_sendBundle"});
    const auto second = nlohmann::json::parse(received[2].body)["params"][0];
    CHECK(second["blockNumber"] == rpc::to_quantity(head + 2));
    CHECK(second["replacementUuid"] == *bundles.replacement_uuid(tx.hash));
    // Past its last target it is expired.
    CHECK(run_co(ioc, bundles.visibility(tx.hash, head + 4)) == Visibility::kExpired);
}

TEST_CASE("protect mode: a private eth_sendRawTransaction with query options never reaches the pool",
          "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    auto options = relay_on(anvil);
    LocalRelay relay(options);
    asio::io_context ioc;
    MevSettings settings;
    settings.relays = {{"protect", ChannelKind::kProtect, relay.url(), relay.status_url(), {{"hint", "hash"}}, {}, false}};
    SubmitterDeps deps;
    deps.executor = ioc.get_executor();
    auto made = make_submitter(settings, deps);  // protect needs no reputation key
    REQUIRE(made);
    const std::uint64_t nonce = keeper_nonce(anvil);
    const auto tx = keeper_tx(anvil, nonce);
    REQUIRE(run_co(ioc, (*made)->submit(request_for(tx, chain_state(anvil).head))).status == SubmitStatus::kAccepted);
    CHECK_FALSE(in_public_pool(anvil, tx.hash));
    CHECK(relay.received().at(0).signature.empty());
    const auto n = relay.mine();
    CHECK(landed_in(anvil, tx.hash) == n);
    CHECK_FALSE(run_co(ioc, (*made)->cancel(tx.hash)));  // protect endpoints cannot cancel
}

TEST_CASE("public fallback only when configured: after N failed windows the alert, then the public mempool",
          "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    LocalRelay relay(relay_on(anvil));
    asio::io_context ioc;
    rpc::EndpointPool pool(ioc.get_executor(), 31337, {{"anvil", anvil.http_url()}});
    REQUIRE(run_co(ioc, pool.start()));
    auto public_submitter = std::make_shared<submit::PublicSubmitter>(pool);
    SubmitterDeps deps;
    deps.executor = ioc.get_executor();
    deps.reputation_key = rep_key();
    deps.public_submitter = public_submitter;
    std::vector<MevAlert> alerts;
    deps.alert = [&](const MevAlert& a) { alerts.push_back(a); };

    MevSettings settings;
    settings.window_blocks = 1;
    settings.alert_after_failures = 2;
    settings.relays = {{"local", ChannelKind::kPrivateRelay, relay.url(), relay.status_url(), {}, {}, false}};
    // Without the operator's opt-in the keeper stays private, whatever happens.
    {
        auto made = make_submitter(settings, deps);
        REQUIRE(made);
        CHECK((*made)->is_private());
        CHECK_FALSE(dynamic_cast<FanOutSubmitter&>(**made).may_go_public());
    }
    settings.public_fallback = true;
    auto made = make_submitter(settings, deps);
    REQUIRE(made);
    auto& fan = dynamic_cast<FanOutSubmitter&>(**made);
    // Still private to the executor: it keeps asking visibility(), which counts failed windows.
    CHECK(fan.is_private());
    CHECK(fan.may_go_public());

    CapturedLog log;
    const std::uint64_t nonce = keeper_nonce(anvil);
    std::uint64_t head = chain_state(anvil).head;
    // Two windows pass without inclusion (priced below the base fee): each is seen as kExpired
    // through visibility(), the executor's path for a private submitter.
    for (std::uint32_t window = 1; window <= 2; ++window) {
        // Re-signed each window (a distinct hash), still below the base fee.
        const auto attempt = sign_tx(key_of(kKeeperKey), nonce, kTraderAddress, {}, U256(window), U256(window), 21'000);
        const auto sent = run_co(ioc, fan.submit(request_for(attempt, head)));
        REQUIRE(sent.status == SubmitStatus::kAccepted);
        CHECK(sent.accepted_by == std::vector<std::string>{"local"});
        CHECK_FALSE(in_public_pool(anvil, attempt.hash));
        relay.mine();
        head = chain_state(anvil).head;
        CHECK(run_co(ioc, fan.visibility(attempt.hash, head)) == Visibility::kExpired);
        CHECK(fan.failed_windows(nonce) == window);
        CHECK_FALSE(fan.went_public(attempt.hash));
        if (window == 1) CHECK(alerts.empty());  // not before N failed windows
    }
    // The re-signed attempt: the alert fires (error), then the public fallback is used (warn).
    const auto third = keeper_tx(anvil, nonce);
    const auto r = run_co(ioc, fan.submit(request_for(third, head)));
    REQUIRE(r.status == SubmitStatus::kAccepted);
    CHECK(r.accepted_by == std::vector<std::string>{"public"});
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].nonce == nonce);
    CHECK(alerts[0].failed_windows == 2);
    CHECK(alerts[0].falling_back_to_public);
    CHECK(log.has(spdlog::level::err, "mev: ALERT: 2 private windows passed without inclusion for nonce"));
    CHECK(log.has(spdlog::level::warn, "FALLING BACK TO THE PUBLIC MEMPOOL for tx " + to_hex(third.hash)));
    CHECK(fan.went_public(third.hash));
    CHECK(in_public_pool(anvil, third.hash));
    CHECK(relay.held() == 0);  // the relay never got the public attempt
    // Its visibility comes from the node (eth_getTransactionByHash), not from the relay's window:
    // pending while the node holds it, unknown once the node dropped it, even far past the window.
    CHECK(run_co(ioc, fan.visibility(third.hash, head + 10)) == Visibility::kPending);
    rpc_result(anvil, "anvil_dropTransaction", "[\"" + to_hex(third.hash) + "\"]");
    CHECK_FALSE(in_public_pool(anvil, third.hash));
    CHECK(run_co(ioc, fan.visibility(third.hash, head + 10)) == Visibility::kUnknown);
    CHECK(fan.failed_windows(nonce) == 2);  // a public attempt has no private window to fail
    // The executor re-sends the same bytes: the fallback again, and it lands.
    const auto again = run_co(ioc, fan.submit(request_for(third, head)));
    CHECK(again.accepted_by == std::vector<std::string>{"public"});
    rpc_result(anvil, "evm_mine");
    CHECK(landed_in(anvil, third.hash));
    CHECK(keeper_nonce(anvil) == nonce + 1);

    // Every relay unreachable: straight to the public mempool when allowed.
    MevSettings down = settings;
    down.alert_after_failures = 3;
    down.http.connect_timeout = std::chrono::milliseconds(200);
    down.relays = {{"down", ChannelKind::kPrivateRelay, "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/",
                    "", {}, {}, false}};
    auto fallback_only = make_submitter(down, deps);
    REQUIRE(fallback_only);
    const auto fourth = keeper_tx(anvil, nonce + 1);
    const auto r4 = run_co(ioc, (*fallback_only)->submit(request_for(fourth, chain_state(anvil).head)));
    CHECK(r4.status == SubmitStatus::kAccepted);
    CHECK(r4.accepted_by == std::vector<std::string>{"public"});
    CHECK(in_public_pool(anvil, fourth.hash));
    CHECK(log.has(spdlog::level::warn, "no private relay reachable"));
    pool.stop();
}

TEST_CASE("each relay gets its own preferences, and no window outlives the swap's deadline", "[integration][mev]") {
    AnvilProcess anvil(no_mining());
    auto gate = std::make_shared<ChainGate>();
    LocalRelay a(relay_on(anvil, gate));
    LocalRelay b(relay_on(anvil, gate));
    asio::io_context ioc;
    MevSettings settings;
    settings.window_blocks = 25;
    RelaySettings open{"open", ChannelKind::kPrivateRelay, a.url(), a.status_url(), {}, {}, false};
    open.preferences = privacy_from({"calldata", "logs"}, {"flashbots", "Titan"}, true);
    RelaySettings quiet{"quiet", ChannelKind::kPrivateRelay, b.url(), b.status_url(), {}, {}, false};
    settings.relays = {open, quiet};
    SubmitterDeps deps;
    deps.executor = ioc.get_executor();
    deps.reputation_key = rep_key();
    deps.funds_address = *fixed_from_hex<Address>(kKeeperAddress);
    auto made = make_submitter(settings, deps);
    REQUIRE(made);

    const auto head = chain_state(anvil).head;
    const auto tx = keeper_tx(anvil, keeper_nonce(anvil));
    // The default 120 s trade deadline: 10 blocks of 12 s, not the 25-block (300 s) window.
    REQUIRE(run_co(ioc, (*made)->submit(request_for(tx, head, 120))).status == SubmitStatus::kAccepted);
    const auto to_open = nlohmann::json::parse(a.received().at(0).body)["params"][0];
    const auto to_quiet = nlohmann::json::parse(b.received().at(0).body)["params"][0];
    CHECK(to_open["preferences"]["fast"] == true);
    CHECK(to_open["preferences"]["privacy"]["hints"] == nlohmann::json::array({"calldata", "logs"}));
    CHECK(to_open["preferences"]["privacy"]["builders"] == nlohmann::json::array({"flashbots", "Titan"}));
    // The relay configured to reveal nothing shares only the hash, with no other relay's choices.
    CHECK(to_quiet["preferences"].dump() == R"({"fast":false,"privacy":{"hints":["hash"]}})");
    CHECK(to_open["maxBlockNumber"] == rpc::to_quantity(head + 10));
    CHECK(to_quiet["maxBlockNumber"] == rpc::to_quantity(head + 10));
    // Past the deadline's block the executor sees the window expired.
    CHECK(run_co(ioc, (*made)->visibility(tx.hash, head + 9)) == Visibility::kPending);
    CHECK(run_co(ioc, (*made)->visibility(tx.hash, head + 10)) == Visibility::kExpired);
}

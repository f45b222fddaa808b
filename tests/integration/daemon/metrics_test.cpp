// The operator's view of a running keeper: the whole daemon in process against the real stack
// on anvil, scraped over HTTP the way Prometheus and a load balancer would (/metrics parsed with
// ops::parse_exposition, /health as JSON), every value checked against an independent source:
// the chain through cast and raw JSON-RPC, and the decisions the loop reported.
//
//   1. one hedge to finality: heads, head number, delta and band, decisions, executions, intents
//      by state, RPC requests per endpoint, keeper balance (cast balance), gas paid (the
//      receipt's gasUsed x effectiveGasPrice), pool fee cost (pool fee() x amount in);
//   2. a restart after the key signed elsewhere: the executor's chain_ahead alert counted by
//      kind, listed in /health with its time;
//   3. heads stop: the age gauges keep growing between scrapes and /health turns 503.
#include <catch2/catch.hpp>

#include <utility>  // before Asio (Boost 1.74)

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "daemon_world.hpp"
#include "running_daemon.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/daemon/keeper.hpp"
#include "keeper/ops/exposition.hpp"
#include "support/process.hpp"

using namespace keeper;
using namespace keeper::test;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// /health turns 503 past this many seconds without a new head (written into [metrics]).
constexpr double kMaxHeadAge = 4.0;

struct HttpReply {
    unsigned status{0};
    std::string content_type;
    std::string body;
};

/// One GET on a fresh loopback connection (a scraper's way), blocking.
HttpReply http_get(std::uint16_t port, const std::string& target) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    const auto ct = res[http::field::content_type];
    return {res.result_int(), std::string(ct.data(), ct.size()), res.body()};
}

ops::Exposition scrape(std::uint16_t port) {
    const HttpReply r = http_get(port, "/metrics");
    REQUIRE(r.status == 200);
    REQUIRE(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
    auto parsed = ops::parse_exposition(r.body);
    INFO((parsed ? std::string() : parsed.error().to_string()) << "\n" << r.body);
    REQUIRE(parsed);
    return std::move(parsed).value();
}

/// The value of one series, failing the test when it is absent.
double metric(const ops::Exposition& e, const std::string& name, const ops::LabelSet& labels = {}) {
    const auto v = e.value(name, labels);
    INFO("series " << name << " with " << labels.size() << " labels");
    REQUIRE(v.has_value());
    return *v;
}

/// The world's config with the /health head-age limit of this test.
std::string config_with_head_limit(const DaemonWorld& world, const ConfigOptions& options) {
    std::string toml = world.config_toml(options);
    const std::string section = "[metrics]\n";
    const auto at = toml.find(section);
    REQUIRE(at != std::string::npos);
    toml.insert(at + section.size(), "max_head_age_s = " + std::to_string(kMaxHeadAge) + "\n");
    const auto parsed = config::parse_config(toml, config::empty_env(), "metrics_test.toml");
    if (!parsed) FAIL("config: " << parsed.error().to_string());
    REQUIRE(parsed->metrics.max_head_age_s == kMaxHeadAge);
    return toml;
}

std::uint64_t hex_u64(const nlohmann::json& v) { return std::stoull(v.get<std::string>(), nullptr, 16); }

nlohmann::json receipt_of(const AnvilProcess& anvil, const std::string& hash) {
    for (int i = 0; i < 100; ++i) {
        auto r = anvil_rpc(anvil, "eth_getTransactionReceipt", "[\"" + hash + "\"]");
        if (!r.is_null()) return r;
        std::this_thread::sleep_for(100ms);
    }
    FAIL("no receipt for " << hash);
    return {};
}

/// First whitespace-separated token of cast's output ("3000 [3e3]" -> "3000").
std::string first_token(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\n");
    if (begin == std::string::npos) return {};
    return s.substr(begin, s.find_first_of(" \t\n", begin) - begin);
}

/// Mines a block and returns the keeper's decision at it; mines again if the decision does not
/// come within 5 s (the keeper may still be starting).
daemon::DecisionEvent sync_to_chain(const AnvilProcess& anvil, DecisionRecorder& recorder) {
    for (int i = 0; i < 4; ++i) {
        mine(anvil);
        const std::uint64_t block = block_number(anvil);
        if (auto d = recorder.try_wait_block(block, 5s)) {
            if (d->block_number == block) return *d;
        }
    }
    FAIL("the keeper made no decision at the newest block after 4 blocks mined");
    return {};
}

}  // namespace

TEST_CASE("metrics and health of a running keeper: one hedge to finality, an alert, then heads stop",
          "[integration][daemon][metrics]") {
    DaemonWorld world;
    const AnvilProcess& anvil = world.anvil();
    const Stack& stack = world.stack();
    const std::string vault = to_checksum(*parse_address(stack.vault));
    ConfigOptions options;
    options.band = 0.25;
    options.ws_url = anvil.ws_url();
    options.confirmations = 1;
    const std::string toml = config_with_head_limit(world, options);
    DecisionRecorder recorder;

    // ---- 1. one hedge, tracked to finality -------------------------------------------------
    std::string hedge_tx;
    double hedge_size = 0.0;
    U256 hedge_amount_in = 0;
    {
        RunningDaemon daemon(toml, recorder, {}, /*wait_metrics_port=*/true);
        // The written book leaves the vault short: the first decision hedges it.
        daemon::DecisionEvent d;
        for (int i = 0; i < 100 && recorder.all().empty(); ++i) {
            mine(anvil);
            std::this_thread::sleep_for(200ms);
        }
        REQUIRE_FALSE(recorder.all().empty());
        d = recorder.all().front();
        INFO("first decision: " << hedge::to_string(d.plan.reason) << " " << d.plan.detail);
        REQUIRE(d.plan.reason == hedge::PlanReason::kTrade);
        REQUIRE(d.execution);
        REQUIRE(d.execution->outcome == daemon::ExecuteOutcome::kSubmitted);
        REQUIRE(d.execution->tx_hash);
        REQUIRE(d.plan.trade);
        hedge_tx = to_hex(*d.execution->tx_hash);
        hedge_size = std::abs(d.plan.trade_underlying);
        hedge_amount_in = d.plan.trade->amount_in;
        const auto receipt = receipt_of(anvil, hedge_tx);
        REQUIRE(receipt["status"] == "0x1");

        // Heads until the transaction manager calls the intent final (confirmations = 1).
        ops::Exposition m;
        daemon::DecisionEvent last;
        for (int i = 0; i < 20; ++i) {
            last = sync_to_chain(anvil, recorder);
            m = scrape(daemon.port());
            if (m.value("keeper_tx_intents", {{"state", "final"}}) == 1.0) break;
        }
        REQUIRE(m.value("keeper_tx_intents", {{"state", "final"}}) == 1.0);
        // The scrape above came after the decision at the chain's newest block, and nothing
        // mined since: every value below describes that head.
        const std::uint64_t head = block_number(anvil);
        REQUIRE(last.block_number == head);
        const std::vector<daemon::DecisionEvent> decisions = recorder.all();
        std::size_t trades = 0;
        for (const auto& e : decisions) trades += e.plan.reason == hedge::PlanReason::kTrade ? 1 : 0;
        REQUIRE(trades == 1);

        // Heads: every decision came from a processed head (one vault: one decision per head).
        CHECK(metric(m, "keeper_heads_total") >= static_cast<double>(decisions.size()));
        CHECK(metric(m, "keeper_head_number") == static_cast<double>(head));
        CHECK(metric(m, "keeper_head_lag_blocks") == 0.0);
        // Portfolio delta against the band: the gauges are the last decision's own numbers.
        CHECK(metric(m, "keeper_portfolio_delta", {{"vault", vault}}) == last.plan.portfolio_delta);
        CHECK(metric(m, "keeper_delta_band", {{"vault", vault}}) == last.plan.band);
        CHECK(metric(m, "keeper_target_delta", {{"vault", vault}}) == last.plan.target_delta);
        CHECK(metric(m, "keeper_delta_error", {{"vault", vault}}) == last.plan.portfolio_delta - last.plan.target_delta);
        CHECK(metric(m, "keeper_chain_delta", {{"vault", vault}}) == last.plan.chain_delta);
        CHECK(metric(m, "keeper_oracle_price", {{"vault", vault}}) == last.plan.spot);
        // Hedged: now inside the band, as decided.
        CHECK(last.plan.reason == hedge::PlanReason::kInsideBand);
        CHECK(std::abs(metric(m, "keeper_delta_error", {{"vault", vault}})) <= metric(m, "keeper_delta_band", {{"vault", vault}}));
        // Decisions and trades: the counters add up to what the loop reported.
        CHECK(m.sum("keeper_decisions_total", {{"vault", vault}}) == static_cast<double>(decisions.size()));
        CHECK(metric(m, "keeper_decisions_total", {{"vault", vault}, {"reason", "trade"}}) == 1.0);
        CHECK(metric(m, "keeper_executions_total", {{"vault", vault}, {"outcome", "submitted"}}) == 1.0);
        CHECK(m.sum("keeper_executions_total") == 1.0);
        CHECK(metric(m, "keeper_traded_underlying_total", {{"vault", vault}, {"side", "buy"}}) == Approx(hedge_size));
        // Transaction states: one intent, final; one transaction sent.
        CHECK(m.sum("keeper_tx_intents") == 1.0);
        CHECK(metric(m, "keeper_tx_events_total", {{"event", "sent"}}) == 1.0);
        CHECK(metric(m, "keeper_halted") == 0.0);
        // RPC per endpoint: the one configured endpoint did the work and is healthy.
        CHECK(metric(m, "keeper_rpc_requests_total", {{"endpoint", "anvil"}}) > 0.0);
        CHECK(metric(m, "keeper_rpc_failures_total", {{"endpoint", "anvil"}}) == 0.0);
        CHECK(metric(m, "keeper_rpc_endpoint_healthy", {{"endpoint", "anvil"}}) == 1.0);
        // The keeper's balance, against cast.
        const double balance = std::stod(trimmed(cast({"balance", kKeeperAddress, "--rpc-url", anvil.http_url()}))) / 1e18;
        CHECK(metric(m, "keeper_balance_eth") == Approx(balance).margin(1e-9));
        // Realized gas: the receipt's gasUsed x effectiveGasPrice (the only final transaction).
        const double gas_used = static_cast<double>(hex_u64(receipt["gasUsed"]));
        const double gas_price = static_cast<double>(hex_u64(receipt["effectiveGasPrice"]));
        CHECK(metric(m, "keeper_final_receipts_total") == 1.0);
        CHECK(metric(m, "keeper_gas_paid_eth_total", {{"vault", vault}}) == Approx(gas_used * gas_price / 1e18).epsilon(1e-12));
        // The bound priced at submission is at least what was paid.
        CHECK(metric(m, "keeper_gas_cost_bound_eth_total", {{"vault", vault}}) >= gas_used * gas_price / 1e18);
        // Pool fee: the pool's fee tier (pips) x the quote paid in (a buy), from the chain.
        const double fee_pips = std::stod(first_token(call(anvil, stack.pool, "fee()(uint24)")));
        const double quote_decimals = std::stod(first_token(call(anvil, stack.quote, "decimals()(uint8)")));
        CHECK(metric(m, "keeper_pool_fee_cost_total", {{"vault", vault}}) ==
              Approx(static_cast<double>(hedge_amount_in) / std::pow(10.0, quote_decimals) * fee_pips / 1e6));
        // Ages are present once a head and a collect happened; the chain's clock runs ahead
        // of the wall clock here (the world advanced time), so the head's own age is negative.
        CHECK(metric(m, "keeper_last_head_received_age_seconds") >= 0.0);
        CHECK(metric(m, "keeper_last_head_received_age_seconds") < kMaxHeadAge);
        CHECK(metric(m, "keeper_last_collect_age_seconds") < kMaxHeadAge);
        CHECK(m.types.at("keeper_head_age_seconds") == "gauge");
        CHECK(m.value("keeper_head_age_seconds").has_value());
        // No alert in a clean run.
        CHECK(m.types.at("keeper_alerts_total") == "counter");
        CHECK(m.sum("keeper_alerts_total") == 0.0);

        const HttpReply h = http_get(daemon.port(), "/health");
        INFO(h.body);
        CHECK(h.status == 200);
        CHECK(h.content_type == "application/json");
        const auto health = nlohmann::json::parse(h.body);
        CHECK(health.at("status") == "ok");
        CHECK(health.at("head") == head);
        CHECK(health.at("head_received_s").get<double>() < kMaxHeadAge);
        CHECK(health.at("reasons").empty());
        CHECK(health.at("alerts").empty());
        CHECK(health.at("ready") == true);
        CHECK(http_get(daemon.port(), "/ready").status == 200);
        CHECK(daemon.stop() == 0);
    }

    // ---- 2. the key signs elsewhere while the keeper is down: an alert at restart ------------
    {
        // A plain self-transfer from the keeper's account (anvil holds its key), unknown to the journal.
        const auto tx = anvil_rpc(anvil, "eth_sendTransaction",
                                  R"([{"from":")" + std::string(kKeeperAddress) + R"(","to":")" +
                                      std::string(kKeeperAddress) + R"(","value":"0x0"}])");
        REQUIRE(receipt_of(anvil, tx.get<std::string>())["status"] == "0x1");
        const double before_restart = static_cast<double>(std::time(nullptr));
        DecisionRecorder restarted;
        RunningDaemon daemon(toml, restarted, {}, /*wait_metrics_port=*/true);
        const daemon::DecisionEvent d = sync_to_chain(anvil, restarted);
        INFO(hedge::to_string(d.plan.reason) << " " << d.plan.detail);
        const ops::Exposition m = scrape(daemon.port());
        CHECK(metric(m, "keeper_alerts_total", {{"kind", "chain_ahead"}}) == 1.0);
        CHECK(m.sum("keeper_alerts_total") == 1.0);
        CHECK(metric(m, "keeper_tx_events_total", {{"event", "alert"}}) == 1.0);
        CHECK(metric(m, "keeper_tx_events_total", {{"event", "nonce_fast_forward"}}) == 1.0);
        const HttpReply h = http_get(daemon.port(), "/health");
        INFO(h.body);
        CHECK(h.status == 200);  // an alert informs; the keeper follows the chain
        const auto health = nlohmann::json::parse(h.body);
        REQUIRE(health.at("alerts").size() == 1);
        const auto& alert = health.at("alerts")[0];
        CHECK(alert.at("source") == "executor");
        CHECK(alert.at("kind") == "chain_ahead");
        CHECK(alert.at("intent") == 0);
        CHECK(alert.at("detail").get<std::string>().find("fast-forwarded") != std::string::npos);
        CHECK(alert.at("time").get<double>() >= before_restart - 1.0);
        CHECK(alert.at("time").get<double>() <= static_cast<double>(std::time(nullptr)) + 1.0);

        // ---- 3. heads stop (no block is mined): ages grow at scrape time, /health turns 503 ----
        const auto first = scrape(daemon.port());
        const double received_1 = metric(first, "keeper_last_head_received_age_seconds");
        const double head_age_1 = metric(first, "keeper_head_age_seconds");
        const double collect_1 = metric(first, "keeper_last_collect_age_seconds");
        std::this_thread::sleep_for(1500ms);
        const auto second = scrape(daemon.port());
        CHECK(metric(second, "keeper_head_number") == metric(first, "keeper_head_number"));
        CHECK(metric(second, "keeper_last_head_received_age_seconds") >= received_1 + 1.4);
        CHECK(metric(second, "keeper_head_age_seconds") >= head_age_1 + 1.4);
        CHECK(metric(second, "keeper_last_collect_age_seconds") >= collect_1 + 1.4);
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(kMaxHeadAge * 1000)));
        const HttpReply stale = http_get(daemon.port(), "/health");
        INFO(stale.body);
        CHECK(stale.status == 503);
        const auto stale_json = nlohmann::json::parse(stale.body);
        CHECK(stale_json.at("status") == "degraded");
        CHECK(stale_json.at("head_received_s").get<double>() > kMaxHeadAge);
        bool named = false;
        for (const auto& r : stale_json.at("reasons"))
            named = named || r.get<std::string>().find("head stale: no new head for") != std::string::npos;
        CHECK(named);
        CHECK(metric(scrape(daemon.port()), "keeper_last_head_received_age_seconds") > kMaxHeadAge);

        // A new head: healthy again.
        (void)sync_to_chain(anvil, restarted);
        CHECK(http_get(daemon.port(), "/health").status == 200);
        CHECK(daemon.stop() == 0);
    }
}

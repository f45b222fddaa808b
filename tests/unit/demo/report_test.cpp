// The demo's pure parts around the chain: deployment parsing, the generated keeper config
// (checked with the daemon's own parser), the summary figures and the HTML report.
#include <catch2/catch.hpp>

#include <algorithm>

#include "keeper/config/config.hpp"
#include "keeper/demo/demo.hpp"
#include "keeper/demo/report.hpp"

using namespace keeper;
using namespace keeper::demo;

namespace {

const char* kDeploymentJson = R"({
  "chainId": 31337,
  "lens": "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE",
  "oracleAdapter": "0x0B306BF915C4d645ff596e518fAf3F9669b97016",
  "pool": "0xe8B2c112b616CCA8A1BD10E7280d35c53c54f2bA",
  "priceFeed": "0x9A676e781A523b5d0C0e43731313A708CB607508",
  "quote": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  "swapRouter": "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
  "underlying": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  "uniswapV3Factory": "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  "vault": "0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"
})";

Sample sample(std::uint64_t block, std::uint64_t ts, std::uint32_t step, bool market, double price, double delta) {
    Sample s;
    s.block = block;
    s.timestamp = ts;
    s.step = step;
    s.market_block = market;
    s.path_price = price;
    s.oracle_price = price;
    s.pool_price = price * (market ? 1.0001 : 1.0);
    s.delta = delta;
    s.target = 0.0;
    s.tolerance = 0.5;
    s.budget = 100.0;
    return s;
}

// Two steps of 900 s: the delta leaves the band at the first market block and a hedge brings
// it back in the keeper block 12 s later.
MarketRecord two_steps() {
    MarketRecord r;
    r.path = {3000.0, 3030.0, 3000.0};
    r.first_block = 10;
    r.last_block = 14;
    r.samples = {sample(10, 1000, 0, true, 3000.0, 0.1), sample(11, 1900, 1, true, 3030.0, -2.0),
                 sample(12, 1912, 1, false, 3030.0, 0.2), sample(13, 2800, 2, true, 3000.0, 0.3),
                 sample(14, 2812, 2, false, 3000.0, 0.3)};
    Hedge h;
    h.block = 12;
    h.timestamp = 1912;
    h.buy_underlying = true;
    h.amount_in = 6600.0;
    h.amount_out = 2.17;
    h.oracle_price = 3030.0;
    h.delta_before = -2.0;
    h.delta_after = 0.2;
    h.notional = 6600.0;
    h.cost = 6600.0 - 2.17 * 3030.0;  // 24.9 quote
    h.gas_used = 180'000;
    h.gas_cost_eth = 0.00036;
    r.hedges.push_back(h);
    r.writes.push_back(Write{12, 1, true, 3050.0, 20.0, 1500.0});
    r.notes.push_back("a note with <markup> & quotes \"");
    return r;
}

}  // namespace

TEST_CASE("parse_deployment reads the deploy script's JSON and names a bad field") {
    auto d = parse_deployment(kDeploymentJson);
    REQUIRE(d);
    CHECK(d->chain_id == 31337);
    CHECK(d->vault == "0x959922be3caee4b8cd9a407cc3ac1c251c2007b1"_address);
    CHECK(d->lens == "0x9a9f2ccfde556a7e9ff0848998aa4a0cfd8863ae"_address);
    CHECK(parse_deployment("[]").error() == "deployment: not a JSON object");
    CHECK(parse_deployment(R"({"chainId": 1})").error() == "deployment: quote: missing or not a string");
    std::string bad = kDeploymentJson;
    bad.replace(bad.find("0x9A9f"), 6, "0xZZ9f");
    CHECK(parse_deployment(bad).error() == "deployment: lens: not an address");
}

TEST_CASE("the generated keeper config passes the daemon's own validation") {
    KeeperConfigInputs in;
    in.rpc_port = 18545;
    in.vault = "0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1"_address;
    in.lens = "0x9A9f2CCfdE556A7E9Ff0848998Aa4a0CFD8863AE"_address;
    in.keystore_path = "/tmp/demo \"out\"/keeper-keystore.json";
    in.password_path = "/tmp/demo/keeper.password";
    in.journal_path = "/tmp/demo/keeper-journal.sqlite";
    in.metrics_port = 19464;
    in.step_seconds = 900;
    const auto c = config::parse_config(keeper_config_toml(in), config::empty_env(), "generated");
    if (!c) FAIL(c.error().to_string());
    CHECK(c->network.chain_id == 31337);
    REQUIRE(c->rpc.endpoints.size() == 1);
    CHECK(c->rpc.endpoints[0].url == "http://127.0.0.1:18545");
    CHECK(c->rpc.ws_url == std::optional<std::string>("ws://127.0.0.1:18545"));
    CHECK(c->keys.keystore == std::optional<std::string>("/tmp/demo \"out\"/keeper-keystore.json"));
    CHECK(c->journal.path == "/tmp/demo/keeper-journal.sqlite");
    REQUIRE(c->vaults.size() == 1);
    CHECK(c->vaults[0].vault == in.vault);
    CHECK(c->metrics.port == 19464);
    CHECK(c->planner.deadline_s == 2700);  // outlives a market step
    CHECK(c->txm.confirmations == 1);
    CHECK_FALSE(c->dry_run);
}

TEST_CASE("summary figures from a hand-made record") {
    const auto r = two_steps();
    const auto s = summarize(r);
    CHECK(s.steps == 2);
    CHECK(s.blocks == 4);
    CHECK(s.hours == Approx(1812.0 / 3600.0));
    CHECK(s.hedges == 1);
    CHECK(s.writes == 1);
    CHECK(s.gas_total == 180'000);
    CHECK(s.gas_mean == Approx(180'000.0));
    CHECK(s.trade_cost == Approx(24.9));
    CHECK(s.cost_bps == Approx(24.9 / 6600.0 * 1e4));
    CHECK(s.max_abs_dev == Approx(2.0));
    CHECK(s.max_abs_dev_after_keeper == Approx(0.3));
    // Out of band only from block 11 to block 12: 12 s of 1812.
    CHECK(s.time_in_band == Approx(1.0 - 12.0 / 1812.0));
    CHECK(s.max_pool_error_bps == Approx(1.0));
    CHECK(s.max_oracle_error_bps == Approx(0.0));
    CHECK(s.min_price == Approx(3000.0));
    CHECK(s.max_price == Approx(3030.0));
}

TEST_CASE("the HTML report is self-contained, balanced and escapes text") {
    const auto r = two_steps();
    RunInfo info;
    info.keeper_status = "ran <the whole> market";
    info.chain = "anvil on 127.0.0.1:1, chain 31337";
    info.keeper_metrics = "# HELP x\nkeeper_hedges_total 1\n";
    const auto html = format_html(r, summarize(r), info);
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("</html>") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);  // no external resources
    CHECK(html.find("href") == std::string::npos);
    auto count = [&](std::string_view needle) {
        std::size_t n = 0;
        for (auto p = html.find(needle); p != std::string::npos; p = html.find(needle, p + 1)) ++n;
        return n;
    };
    CHECK(count("<svg") == 4);  // price, delta, cost per hedge, gas per hedge
    CHECK(count("<svg") == count("</svg>"));
    CHECK(count("<table") == count("</table>"));
    CHECK(html.find("a note with &lt;markup&gt; &amp; quotes &quot;") != std::string::npos);
    CHECK(html.find("ran &lt;the whole&gt; market") != std::string::npos);
    CHECK(html.find("keeper_hedges_total 1") != std::string::npos);
    CHECK(html.find("# HELP") == std::string::npos);

    const auto text = format_summary(summarize(r), info);
    CHECK(text.find("hedges                       1") != std::string::npos);
    CHECK(text.find("time in band                 99.3 %") != std::string::npos);
}

TEST_CASE("samples CSV: a header and one row per sample") {
    const auto csv = format_samples_csv(two_steps());
    CHECK(csv.starts_with("block,timestamp,step,kind,path_price,oracle_price,pool_price,delta,target,tolerance,budget\n"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 6);
    CHECK(csv.find("12,1912,1,keeper,3030,3030,3030,0.2,0,0.5,100\n") != std::string::npos);
}

TEST_CASE("the initial book: four series around the spot, strikes on a 50 grid") {
    const auto b = initial_book(3012.0);
    REQUIRE(b.size() == 4);
    CHECK(b[0].is_call);
    CHECK(b[0].strike == 3000.0);
    CHECK_FALSE(b[1].is_call);
    CHECK(b[1].strike == 2850.0);
    CHECK(b[2].strike == 3300.0);
}

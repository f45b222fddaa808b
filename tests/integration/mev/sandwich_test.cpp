// The proof of issue #6: the same hedge, in the same run, from the same chain state.
//   public path:  PublicSubmitter -> anvil's mempool -> the sandwich bot front-runs and back-runs
//                 it in the same block; the vault receives measurably less (still >= its floor);
//   private path: PrivateRelaySubmitter -> local relay -> included in the block with nothing
//                 around it; the bot never sees it; the vault receives exactly what an
//                 unmolested swap gives (eth_call of the same rebalance on the same snapshot).
#include <utility>  // before Asio (Boost 1.74)

#include <cstdio>
#include <sstream>

#include <catch2/catch.hpp>

#include "keeper/mev/submitters.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "mev_fixture.hpp"
#include "support/relay.hpp"
#include "support/sandwich.hpp"

using namespace keeper;
using namespace keeper::test;
using submit::SubmitRequest;
using submit::SubmitStatus;

namespace {

constexpr const char* kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

/// The fields of a cast-printed tuple, annotations ("[1e18]") and parentheses removed.
std::vector<std::string> tuple_fields(std::string text) {
    std::string clean;
    int bracket = 0;
    for (char c : text) {
        if (c == '[') ++bracket;
        else if (c == ']') --bracket;
        else if (bracket == 0 && c != '(' && c != ')') clean += c;
    }
    std::vector<std::string> out;
    std::stringstream ss(clean);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(' ');
        const auto e = item.find_last_not_of(' ');
        out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    }
    return out;
}

U256 u(const std::string& s) {
    auto v = parse_u256(s);
    if (!v) throw std::runtime_error("not an unsigned number: " + s);
    return *v;
}

I256 i(const std::string& s) {
    return s.rfind('-', 0) == 0 ? I256(0) - I256(u(s.substr(1))) : I256(u(s));
}

double d(const U256& v) { return v.convert_to<double>(); }

struct Receipt {
    bool found{false};
    bool success{false};
    std::uint64_t block{0};
    std::uint64_t index{0};
};
Receipt receipt(const AnvilProcess& anvil, const std::string& hash) {
    const auto r = rpc_result(anvil, "eth_getTransactionReceipt", "[\"" + hash + "\"]");
    if (r.is_null()) return {};
    return {true, r["status"] == "0x1", hex_u64(r["blockNumber"]), hex_u64(r["transactionIndex"])};
}

}  // namespace

TEST_CASE("sandwich: the public path is sandwiched, the private path is untouched", "[integration][mev]") {
    AnvilProcess anvil(anvil_options());  // automine while the stack is deployed and seeded
    const auto stack = deploy_stack(anvil);
    // 100 ITM calls (strike 2500, spot 3000) written against 3M USDC: the vault is short ~90 underlying.
    seed_vault(anvil, stack, "3000000000000",
               {{true, "2500000000000000000000", 7 * 86400, "700000000000000000", "100000000000000000000"}});
    rpc_result(anvil, "evm_increaseTime", "[900]");  // TWAP history for the vault's deviation check
    rpc_result(anvil, "evm_mine");
    set_oracle_answer(anvil, stack, "300000000000");
    // The bot's inventory (mock tokens mint freely), approved to the router.
    const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    send_as(anvil, kBotAddress, stack.quote, "mint(address,uint256)", {kBotAddress, "20000000000000"});
    send_as(anvil, kBotAddress, stack.underlying, "mint(address,uint256)", {kBotAddress, "5000000000000000000000"});
    send_as(anvil, kBotAddress, stack.quote, "approve(address,uint256)", {stack.router, max});
    send_as(anvil, kBotAddress, stack.underlying, "approve(address,uint256)", {stack.router, max});

    // What the vault accepts from the keeper now (IOptionsVaultLens.rebalanceBounds).
    const auto b = tuple_fields(call(anvil, stack.lens,
                                     "rebalanceBounds(address,address)((uint256,uint256,uint256,int256,int256,uint256,"
                                     "bool,uint256,uint256,uint256,uint256,(uint16,uint16,uint32,uint32,uint96)))",
                                     {stack.vault, kKeeperAddress}));
    REQUIRE(b.size() == 16);
    const U256 oracle_wad = u(b[0]);
    const I256 delta = i(b[3]);
    const I256 target = i(b[4]);
    const U256 max_quote_in = u(b[9]);
    const auto max_dev_bps = static_cast<std::uint32_t>(std::stoul(b[11]));
    const auto max_slip_bps = static_cast<std::uint32_t>(std::stoul(b[12]));
    REQUIRE(delta < target);  // short calls: the hedge buys underlying
    // 95% of the gap, in quote (6 decimals), capped by the vault.
    const U256 gap = static_cast<U256>(target - delta);
    U256 amount_in = mul_div(gap, oracle_wad, U256("1000000000000000000")) / U256(1'000'000'000'000) * 95 / 100;
    if (amount_in > max_quote_in) amount_in = max_quote_in;
    // The keeper's own floor: 120 bps under the oracle (the vault allows max_slip_bps).
    const U256 at_oracle = mul_div(amount_in * U256(1'000'000'000'000), U256("1000000000000000000"), oracle_wad);
    const U256 min_out = at_oracle * (10'000 - 120) / 10'000;
    const auto now = hex_u64(rpc_result(anvil, "eth_getBlockByNumber", R"(["latest", false])")["timestamp"]);
    const Bytes calldata = rebalance_calldata(true, amount_in, min_out, U256(now + 3600));

    rpc_result(anvil, "evm_setAutomine", "[false]");
    const auto latest = rpc_result(anvil, "eth_getBlockByNumber", R"(["latest", false])");
    const U256 base_fee = u(std::to_string(hex_u64(latest["baseFeePerGas"])));
    const U256 gwei = 1'000'000'000;
    const std::uint64_t nonce =
        hex_u64(rpc_result(anvil, "eth_getTransactionCount", std::string("[\"") + kKeeperAddress + "\", \"latest\"]"));
    const auto hedge = sign_tx(key_of(kKeeperKey), nonce, stack.vault, calldata, 2 * gwei, 2 * base_fee + 3 * gwei);
    const std::string hedge_hash = to_hex(hedge.hash);
    const SubmitRequest request{hedge.raw, hedge.hash, nonce, hex_u64(latest["number"])};

    // The unmolested execution, on this very state.
    nlohmann::json sim_call = {{"from", kKeeperAddress}, {"to", stack.vault}, {"data", to_hex(calldata)}};
    const auto sim = rpc_result(anvil, "eth_call", nlohmann::json::array({sim_call, "latest"}).dump());
    const U256 reference_out = from_be(*from_hex(sim.get<std::string>().substr(2 + 64, 64))).value();
    REQUIRE(reference_out >= min_out);

    auto gate = std::make_shared<ChainGate>();
    RelayOptions relay_options;
    relay_options.chain = [&anvil](const std::string& m, const std::string& p) { return anvil.raw_call(m, p); };
    relay_options.gate = gate;
    LocalRelay relay(relay_options);
    SandwichOptions bot_options;
    bot_options.chain = relay_options.chain;
    bot_options.gate = gate;
    bot_options.target = {stack.vault, stack.pool,   stack.router, stack.adapter, stack.quote,
                          stack.underlying, 3000,    max_dev_bps,  max_slip_bps};
    const double oracle = d(oracle_wad) / 1e18;
    auto bot_value = [&] {  // the bot's inventory in quote units at the oracle price
        return d(balance_of(anvil, stack.quote, kBotAddress)) / 1e6 +
               d(balance_of(anvil, stack.underlying, kBotAddress)) / 1e18 * oracle;
    };
    const U256 vault_before = balance_of(anvil, stack.underlying, stack.vault);
    const double bot_before = bot_value();
    const auto snapshot = rpc_result(anvil, "evm_snapshot");

    asio::io_context ioc;

    // ---- public path -------------------------------------------------------------------------
    U256 public_out = 0;
    double public_bot_profit = 0;
    {
        rpc::EndpointPool pool(ioc.get_executor(), 31337, {{"anvil", anvil.http_url()}});
        REQUIRE(run_co(ioc, pool.start()));
        submit::PublicSubmitter public_submitter(pool);
        SandwichBot bot(bot_options);
        bot.start();
        const auto sent = run_co(ioc, public_submitter.submit(request));
        REQUIRE(sent.status == SubmitStatus::kAccepted);
        const bool attacked = bot.wait_for_attack(std::chrono::seconds(20));
        bot.stop();
        INFO("bot error: " << bot.last_error());
        REQUIRE(attacked);
        const auto attack = bot.attacks().at(0);
        CHECK(attack.victim_hash == hedge_hash);
        const auto n = relay.mine();
        const auto front = receipt(anvil, attack.front_hash);
        const auto victim = receipt(anvil, hedge_hash);
        const auto back = receipt(anvil, attack.back_hash);
        REQUIRE(victim.found);
        CHECK(victim.success);
        CHECK(front.success);
        CHECK(back.success);
        CHECK((front.block == n && victim.block == n && back.block == n));
        CHECK((front.index < victim.index && victim.index < back.index));  // the sandwich
        public_out = balance_of(anvil, stack.underlying, stack.vault) - vault_before;
        public_bot_profit = bot_value() - bot_before;
        std::printf("public path: front-run %.2f USDC, model profit %.2f USDC\n", attack.front_in / 1e6,
                    attack.expected_profit / 1e6);
        pool.stop();
    }
    rpc_result(anvil, "evm_revert", nlohmann::json::array({snapshot}).dump());
    REQUIRE(balance_of(anvil, stack.underlying, stack.vault) == vault_before);

    // ---- private path ------------------------------------------------------------------------
    U256 private_out = 0;
    double private_bot_profit = 0;
    std::uint64_t private_victims_seen = 0;
    {
        SandwichBot bot(bot_options);
        bot.start();
        auto client = std::make_shared<mev::RelayClient>(ioc.get_executor(), "local", relay.url(),
                                                         std::make_shared<const SecretKey>(key_of(kRepKey)));
        mev::PrivateRelaySubmitter private_submitter(client, {5, {}, relay.status_url()});
        const auto sent = run_co(ioc, private_submitter.submit(request));
        REQUIRE(sent.status == SubmitStatus::kAccepted);
        bot.wait_polls(25);  // the bot looks at the mempool 25 times while the relay holds the hedge
        CHECK(rpc_result(anvil, "txpool_content").dump().find(hedge_hash) == std::string::npos);
        const auto n = relay.mine();
        bot.wait_polls(5);
        bot.stop();
        private_victims_seen = bot.victims_seen();
        CHECK(bot.attacks().empty());
        const auto victim = receipt(anvil, hedge_hash);
        REQUIRE(victim.found);
        CHECK(victim.success);
        CHECK(victim.block == n);
        const auto block = rpc_result(anvil, "eth_getBlockByNumber", "[\"" + rpc::to_quantity(n) + "\", false]");
        CHECK(block["transactions"].size() == 1);  // nothing around it
        private_out = balance_of(anvil, stack.underlying, stack.vault) - vault_before;
        private_bot_profit = bot_value() - bot_before;
    }

    const double loss_bps = (d(reference_out) - d(public_out)) / d(reference_out) * 1e4;
    std::printf("hedge: buy with %.2f USDC, min-out %.6f underlying, unmolested out %.6f underlying\n",
                d(amount_in) / 1e6, d(min_out) / 1e18, d(reference_out) / 1e18);
    std::printf("public path:  vault out %.6f underlying, vault loss: %.2f bps, bot profit: %.2f USDC\n",
                d(public_out) / 1e18, loss_bps, public_bot_profit);
    std::printf("private path: vault out %.6f underlying, vault loss: %.2f bps, bot profit: %.2f USDC, "
                "hedges the bot saw: %llu\n",
                d(private_out) / 1e18, (d(reference_out) - d(private_out)) / d(reference_out) * 1e4,
                private_bot_profit, static_cast<unsigned long long>(private_victims_seen));

    CHECK(public_out < reference_out);
    CHECK(loss_bps > 1.0);          // measurably less
    CHECK(public_out >= min_out);   // still above the floor
    CHECK(public_bot_profit > 0);   // the bot profits
    CHECK(private_out == reference_out);
    CHECK(private_victims_seen == 0);
    CHECK(private_bot_profit == Approx(0.0).margin(1e-9));
}

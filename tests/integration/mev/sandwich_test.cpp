// The proof of issue #6: the same hedge, in the same run, from the same chain state, made by the
// keeper's own pipeline: the Collector reads the vault at the head (one batched round trip), the
// planner (hedge::plan) decides the trade, amount, oracle-bounded minimum out, price limit and
// deadline, and the Executor journals, simulates, prices, signs and submits it.
//   public path:  Executor + PublicSubmitter -> anvil's mempool -> the sandwich bot front-runs
//                 and back-runs it in the same block; the vault receives measurably less
//                 (still >= the plan's minimum out);
//   private path: Executor + PrivateRelaySubmitter -> local relay -> included in a block with
//                 nothing around it; the bot never sees it; the vault receives exactly what an
//                 unmolested swap gives (eth_call of the same calldata on the same state).
// Between the paths the chain goes back to the planning state (evm_snapshot / evm_revert): the
// second collect reads the identical snapshot, the planner makes the identical trade, and the
// executor signs the same transaction (same calldata, nonce, gas and tip).
#include <utility>  // before Asio (Boost 1.74)

#include <cstdio>
#include <limits>

#include <catch2/catch.hpp>

#include "keeper/chain/collector.hpp"
#include "keeper/chain/contracts.hpp"
#include "keeper/daemon/executor.hpp"
#include "keeper/hedge/planner.hpp"
#include "keeper/journal/journal.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "mev_fixture.hpp"
#include "support/relay.hpp"
#include "support/sandwich.hpp"
#include "support/temp_dir.hpp"

using namespace keeper;
using namespace keeper::test;

namespace {

constexpr const char* kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr std::uint64_t kChainId = 31337;
/// The keeper's own slippage bound (planner.max_slippage_bps; the tighter of it and the vault's
/// applies), here the vault's maximum: the room a public hedge leaves a sandwich bot is what the
/// plan's minimum out and price limit (both at this many bps from the oracle) leave it.
constexpr std::uint32_t kKeeperSlippageBps = 150;

double d(const U256& v) { return v.convert_to<double>(); }

Address address_of(const std::string& hex) {
    auto a = fixed_from_hex<Address>(hex);
    if (!a) throw std::runtime_error("not an address: " + hex);
    return *a;
}

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

/// The planner as `keeper run` would configure it: a delta band, the keeper's slippage bound.
hedge::PlannerSettings planner_settings() {
    hedge::PlannerSettings s;
    s.policy = policy::DeltaBand{0.5, policy::BandUnit::kAbsolute, policy::RehedgeTo::kCenter};
    s.max_slippage_bps = kKeeperSlippageBps;
    s.max_deviation_bps = 100;
    s.oracle_max_age = 3600;
    s.deadline_seconds = 600;
    return s;
}

/// The executor's settings: fees from eth_feeHistory (tips 1..2 gwei, cap 50 gwei), one confirmation.
daemon::ExecutorSettings executor_settings() {
    const U256 gwei = 1'000'000'000;
    daemon::ExecutorSettings s;
    s.chain_id = kChainId;
    s.fees.history_blocks = 4;
    s.fees.reward_percentile = 50;
    s.fees.priority_fee_min = gwei;
    s.fees.priority_fee_max = 2 * gwei;
    s.fees.base_fee_multiplier = 2.0;
    s.fees.fee_cap = 50 * gwei;
    s.machine.confirmations = 1;
    s.machine.bump_after_blocks = 3;
    s.machine.bump = {10, 0, s.fees.fee_cap};
    s.intent_ttl_seconds = 3600;
    return s;
}

asio::awaitable<rpc::Result<rpc::BlockHeader>> latest_header(rpc::EndpointPool& pool) {
    co_return co_await pool.call_as(rpc::eth::get_block_by_number(rpc::BlockTag::kLatest),
                                    [](const rpc::Json& j, std::string_view p) { return rpc::decode_block_header(j, p); });
}

/// The head and the vault's snapshot at it, through the keeper's collector.
struct Collected {
    rpc::BlockHeader head;
    hedge::VaultSnapshot snapshot;
};
Collected collect_latest(asio::io_context& ioc, rpc::EndpointPool& pool, chain::Collector& collector) {
    auto head = run_co(ioc, latest_header(pool));
    if (!head) FAIL("latest block: " << head.error().describe());
    auto snapshots = run_co(ioc, collector.collect(*head));
    if (!snapshots) FAIL("collect: " << snapshots.error().describe());
    REQUIRE(snapshots->size() == 1);
    return {*head, snapshots->front()};
}

/// One executor with its own journal (a fresh keeper for each path) and `submitter`: start()
/// at the head, then execute(plan). The executor stays alive for the on_head() after mining.
struct KeeperExecution {
    journal::Journal journal;
    daemon::Executor executor;
    daemon::ExecuteResult result;

    static journal::Journal open(const std::string& path) {
        auto j = journal::Journal::open(path);
        if (!j) FAIL("journal " << path << ": " << j.error().message);
        return std::move(*j);
    }

    KeeperExecution(asio::io_context& ioc, rpc::EndpointPool& pool, submit::Submitter& submitter,
                    const std::string& journal_path, const hedge::HedgePlan& plan, const Address& vault,
                    const rpc::BlockHeader& head)
        : journal(open(journal_path)), executor(pool, journal, submitter, key_of(kKeeperKey), executor_settings()) {
        const auto started = run_co(ioc, executor.start(head));
        if (!started) FAIL("executor start: " << started.error().describe());
        result = run_co(ioc, executor.execute(plan, vault, head));
        INFO("execute: " << daemon::to_string(result.outcome) << ": " << result.detail);
        REQUIRE(result.outcome == daemon::ExecuteOutcome::kSubmitted);
        REQUIRE(result.tx_hash);
    }

    /// The executor's view after the hedge was mined: nothing of the vault left in flight.
    bool settled(asio::io_context& ioc, rpc::EndpointPool& pool, const Address& vault) {
        auto head = run_co(ioc, latest_header(pool));
        if (!head) FAIL("latest block: " << head.error().describe());
        run_co(ioc, executor.on_head(*head));
        return executor.in_flight(vault).empty();
    }
};

}  // namespace

TEST_CASE("sandwich: the keeper's hedge is sandwiched on the public path, untouched on the private path",
          "[integration][mev]") {
    AnvilProcess anvil(anvil_options());  // automine while the stack is deployed and seeded
    const auto stack = deploy_stack(anvil);
    // 100 ITM calls (strike 2500, spot 3000) written against 3M USDC: the vault is short ~97
    // underlying; the planner caps the hedge at the vault's per-call quote limit (~291k USDC), a
    // swap that moves the pool about 1%: a sandwich only pays when the victim moves the price
    // by more than the bot's two pool fees (2 x 30 bps).
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
    rpc_result(anvil, "evm_setAutomine", "[false]");  // from here blocks are built by the relay's mine()

    const Address vault = address_of(stack.vault);
    asio::io_context ioc;
    rpc::EndpointPool pool(ioc.get_executor(), kChainId, {{"anvil", anvil.http_url()}});
    REQUIRE(run_co(ioc, pool.start()));
    chain::Collector collector(pool, address_of(kKeeperAddress), {{vault, address_of(stack.lens)}});
    const auto collector_started = run_co(ioc, collector.start());
    if (!collector_started) FAIL("collector start: " << collector_started.error().describe());

    // ---- decide: the keeper's planner on the keeper's snapshot ---------------------------------
    const Collected at = collect_latest(ioc, pool, collector);
    REQUIRE(at.snapshot.bounds);
    const hedge::RebalanceBounds& bounds = *at.snapshot.bounds;
    const hedge::PlannerSettings planner = planner_settings();
    REQUIRE(hedge::validate(planner));
    const hedge::HedgePlan plan =
        hedge::plan(at.snapshot, {}, planner, std::numeric_limits<double>::infinity(), kChainId);
    INFO("plan: " << hedge::to_string(plan.reason) << ": " << plan.detail);
    REQUIRE(plan.reason == hedge::PlanReason::kTrade);
    REQUIRE(plan.trade);
    const hedge::RebalanceParams& trade = *plan.trade;
    REQUIRE(trade.buy_underlying);  // short calls: the hedge buys underlying
    const Bytes calldata = chain::encode_rebalance(trade);

    // The unmolested execution of that very calldata, on this very state.
    nlohmann::json sim_call = {{"from", kKeeperAddress}, {"to", stack.vault}, {"data", to_hex(calldata)}};
    const auto sim = rpc_result(anvil, "eth_call", nlohmann::json::array({sim_call, "latest"}).dump());
    const auto sim_bytes = from_hex(sim.get<std::string>());
    REQUIRE(sim_bytes);
    const auto simulated = chain::decode_rebalance_result(*sim_bytes);
    REQUIRE(simulated);
    CHECK(simulated->amount_in == trade.amount_in);
    const U256 reference_out = simulated->amount_out;
    REQUIRE(reference_out >= trade.min_amount_out);

    auto gate = std::make_shared<ChainGate>();
    RelayOptions relay_options;
    relay_options.chain = [&anvil](const std::string& m, const std::string& p) { return anvil.raw_call(m, p); };
    relay_options.gate = gate;
    LocalRelay relay(relay_options);
    SandwichOptions bot_options;
    bot_options.chain = relay_options.chain;
    bot_options.gate = gate;
    bot_options.target = {stack.vault,
                          stack.pool,
                          stack.router,
                          stack.adapter,
                          stack.quote,
                          stack.underlying,
                          at.snapshot.pool.fee_pips,
                          bounds.config.max_deviation_bps,
                          bounds.config.max_slippage_bps};
    const double oracle = d(bounds.oracle_price_wad) / 1e18;
    auto bot_value = [&] {  // the bot's inventory in quote units at the oracle price (gas not counted)
        return d(balance_of(anvil, stack.quote, kBotAddress)) / 1e6 +
               d(balance_of(anvil, stack.underlying, kBotAddress)) / 1e18 * oracle;
    };
    const U256 vault_before = balance_of(anvil, stack.underlying, stack.vault);
    const double bot_before = bot_value();
    const auto chain_snapshot = rpc_result(anvil, "evm_snapshot");
    TempDir dir;

    // ---- public path -------------------------------------------------------------------------
    U256 public_out = 0;
    double public_bot_profit = 0;
    daemon::ExecuteResult public_exec;
    {
        submit::PublicSubmitter public_submitter(pool);
        SandwichBot bot(bot_options);
        bot.start();
        KeeperExecution keeper(ioc, pool, public_submitter, dir.file("public.sqlite"), plan, vault, at.head);
        public_exec = keeper.result;
        const std::string hedge_hash = to_hex(*keeper.result.tx_hash);
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
        const auto sent = rpc_result(anvil, "eth_getTransactionByHash", "[\"" + hedge_hash + "\"]");
        CHECK(sent["input"].get<std::string>() == to_hex(calldata));  // the planner's trade, as planned
        CHECK(keeper.settled(ioc, pool, vault));
        public_out = balance_of(anvil, stack.underlying, stack.vault) - vault_before;
        public_bot_profit = bot_value() - bot_before;
        std::printf("public path: front-run %.2f USDC, model profit %.2f USDC\n", attack.front_in / 1e6,
                    attack.expected_profit / 1e6);
    }
    rpc_result(anvil, "evm_revert", nlohmann::json::array({chain_snapshot}).dump());
    REQUIRE(balance_of(anvil, stack.underlying, stack.vault) == vault_before);

    // ---- private path ------------------------------------------------------------------------
    U256 private_out = 0;
    double private_bot_profit = 0;
    std::uint64_t private_victims_seen = 0;
    daemon::ExecuteResult private_exec;
    {
        // The same state: the keeper's collector reads the very snapshot it planned from.
        const Collected again = collect_latest(ioc, pool, collector);
        CHECK(again.head.hash == at.head.hash);
        CHECK(again.snapshot == at.snapshot);
        const hedge::HedgePlan replayed =
            hedge::plan(again.snapshot, {}, planner, std::numeric_limits<double>::infinity(), kChainId);
        REQUIRE(replayed.trade);
        CHECK(*replayed.trade == trade);

        SandwichBot bot(bot_options);
        bot.start();
        auto client = std::make_shared<mev::RelayClient>(ioc.get_executor(), "local", relay.url(),
                                                         std::make_shared<const SecretKey>(key_of(kRepKey)));
        mev::PrivateRelaySubmitter private_submitter(client, {5, {}, relay.status_url()});
        KeeperExecution keeper(ioc, pool, private_submitter, dir.file("private.sqlite"), replayed, vault, again.head);
        private_exec = keeper.result;
        const std::string hedge_hash = to_hex(*keeper.result.tx_hash);
        CHECK(relay.held() == 1);
        bot.wait_polls(25);  // the bot looks at the mempool 25 times while the relay holds the hedge
        CHECK(rpc_result(anvil, "txpool_content").dump().find(hedge_hash) == std::string::npos);
        CHECK(rpc_result(anvil, "eth_getTransactionByHash", "[\"" + hedge_hash + "\"]").is_null());
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
        const auto sent = rpc_result(anvil, "eth_getTransactionByHash", "[\"" + hedge_hash + "\"]");
        CHECK(sent["input"].get<std::string>() == to_hex(calldata));  // the same trade as the public path
        CHECK(keeper.settled(ioc, pool, vault));
        private_out = balance_of(anvil, stack.underlying, stack.vault) - vault_before;
        private_bot_profit = bot_value() - bot_before;
    }
    // The same hedge: the same calldata (checked on both sides above), nonce, gas and tip, signed
    // by the same key. The max fee may differ by a few wei per gas: anvil's evm_revert does not
    // restore its next-block base fee, which eth_feeHistory reports and the fee oracle prices from.
    CHECK(private_exec.nonce == public_exec.nonce);
    CHECK(private_exec.gas_estimate == public_exec.gas_estimate);
    CHECK(private_exec.fees.max_priority_fee_per_gas == public_exec.fees.max_priority_fee_per_gas);
    std::printf("signed twice: nonce %llu, gas estimate %llu, tip %s wei, max fee %s (public) / %s (private) wei\n",
                static_cast<unsigned long long>(public_exec.nonce.value_or(0)),
                static_cast<unsigned long long>(public_exec.gas_estimate),
                to_dec(public_exec.fees.max_priority_fee_per_gas).c_str(), to_dec(public_exec.fees.max_fee_per_gas).c_str(),
                to_dec(private_exec.fees.max_fee_per_gas).c_str());

    const double loss_bps = (d(reference_out) - d(public_out)) / d(reference_out) * 1e4;
    std::printf("hedge (keeper planner, %s): buy with %.2f USDC, min-out %.6f underlying (%u bps under the oracle), "
                "unmolested out %.6f underlying\n",
                plan.detail.c_str(), d(trade.amount_in) / 1e6, d(trade.min_amount_out) / 1e18,
                std::min(kKeeperSlippageBps, bounds.config.max_slippage_bps), d(reference_out) / 1e18);
    std::printf("public path:  vault out %.6f underlying, vault loss: %.2f bps, bot profit: %.2f USDC\n",
                d(public_out) / 1e18, loss_bps, public_bot_profit);
    std::printf("private path: vault out %.6f underlying, vault loss: %.2f bps, bot profit: %.2f USDC, "
                "hedges the bot saw: %llu\n",
                d(private_out) / 1e18, (d(reference_out) - d(private_out)) / d(reference_out) * 1e4,
                private_bot_profit, static_cast<unsigned long long>(private_victims_seen));

    CHECK(public_out < reference_out);
    CHECK(loss_bps > 1.0);                        // measurably less
    CHECK(public_out >= trade.min_amount_out);    // still above the plan's floor
    CHECK(public_bot_profit > 0);                 // the bot profits
    CHECK(private_out == reference_out);
    CHECK(private_victims_seen == 0);
    CHECK(private_bot_profit == Approx(0.0).margin(1e-9));
}

// keeper/chain/collector on anvil with the project's own stack (forge deploy script, real
// Uniswap V3): every snapshot field against `cast call` at the same block, the keeper's delta
// against the lens's on-chain figure, and the planned rebalance signed, sent and accepted by the
// vault. Then the no-trade guards on a live chain: paused vault, stale oracle, manipulated pool.
//
// Agreement tolerance: the keeper's portfolio delta (double-precision Black-Scholes) and the
// lens's (18-decimal fixed point, ~1e-16 relative, rounded toward zero per series) must agree to
// 1e-13 underlying units per unit of book notional (measured: 4.4e-15 on an 18-unit book), many
// orders of magnitude below any trade size.
#include <catch2/catch.hpp>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "keeper/chain/collector.hpp"
#include "keeper/chain/contracts.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/hedge/planner.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/tx/transaction.hpp"
#include "support/process.hpp"
#include "support/stack.hpp"

using namespace keeper;
using namespace keeper::test;
namespace asio = boost::asio;

namespace {

constexpr double kAgreementPerNotional = 1e-13;

std::string signed_dec(const I256& v) {
    std::string out = to_dec(U256(v < 0 ? I256(-v) : v));
    if (v < 0) out.insert(out.begin(), '-');
    return out;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    std::optional<T> out;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.restart();
    io.run();
    REQUIRE(out.has_value());
    return std::move(*out);
}

Address addr(const std::string& s) {
    auto a = fixed_from_hex<Address>(s);
    REQUIRE(a);
    return *a;
}

/// A value printed by cast without its " [1e18]" annotation.
std::string plain(std::string s) {
    const auto sp = s.find(' ');
    return sp == std::string::npos ? s : s.substr(0, sp);
}

/// The values of a multi-value return, one per line as cast prints them, without annotations.
std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        out.push_back(plain(s.substr(start, nl - start)));
        start = nl + 1;
    }
    return out;
}

/// The fields of a flat tuple printed by cast: "(1, true, 3000 [3e3])" -> {"1", "true", "3000"}.
std::vector<std::string> fields(std::string s) {
    std::string clean;
    int depth = 0;
    for (char c : s) {
        if (c == '[') ++depth;
        else if (c == ']') --depth;
        else if (depth == 0 && c != '(' && c != ')') clean += c;
    }
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= clean.size()) {
        auto comma = clean.find(',', start);
        if (comma == std::string::npos) comma = clean.size();
        std::string f = clean.substr(start, comma - start);
        f.erase(0, f.find_first_not_of(' '));
        f.erase(f.find_last_not_of(' ') + 1);
        out.push_back(f);
        start = comma + 1;
    }
    return out;
}

struct Chain {
    AnvilProcess anvil{anvil_options()};
    Stack stack = deploy_stack(anvil);
    asio::io_context io;
    rpc::EndpointPool pool{io.get_executor(), 31337, {rpc::EndpointConfig{"anvil", anvil.http_url()}}};
    Address keeper = addr(kKeeperAddress);
    Address vault = addr(stack.vault);

    Chain() {
        auto started = run(io, pool.start());
        REQUIRE(started);
    }

    std::string at(std::uint64_t block, const std::string& to, const std::string& sig,
                   const std::vector<std::string>& args = {}) {
        std::vector<std::string> a{"call", "--rpc-url", anvil.http_url(), "--block", std::to_string(block), to, sig};
        a.insert(a.end(), args.begin(), args.end());
        return cast(a);
    }

    rpc::BlockHeader head() {
        auto h = run(io, pool.call_as(rpc::eth::get_block_by_number(rpc::BlockTag::kLatest),
                                      [](const rpc::Json& j, std::string_view p) { return rpc::decode_block_header(j, p); }));
        REQUIRE(h);
        return *h;
    }

    hedge::VaultSnapshot collect(chain::Collector& c) {
        auto snaps = run(io, c.collect(head()));
        REQUIRE(snaps);
        REQUIRE(snaps->size() == 1);
        return (*snaps)[0];
    }

    void rpc_raw(const std::string& method, const std::string& params) { (void)anvil.raw_call(method, params); }

    /// The pool's TWAP needs `twapWindow` (300 s) of history before the lens can read it (it
    /// reverts "OLD" on a fresh pool): let 301 s pass. The oracle (1 h staleness) stays fresh.
    void warm_up() {
        rpc_raw("evm_increaseTime", "[301]");
        rpc_raw("evm_mine", "[]");
    }
};

hedge::PlannerSettings settings() {
    hedge::PlannerSettings p;
    p.policy = policy::DeltaBand{0.1, policy::BandUnit::kAbsolute, policy::RehedgeTo::kCenter};
    p.min_trade = 0.01;
    p.max_slippage_bps = 100;
    p.max_deviation_bps = 100;
    p.oracle_max_age = 3600;
    p.deadline_seconds = 300;
    p.min_keeper_balance_wei = U256(10'000'000'000'000'000ULL);
    return p;
}

constexpr double kNever = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("collect matches cast, the keeper's delta matches the lens, and the vault accepts the plan",
          "[integration]") {
    Chain c;
    seed_vault(c.anvil, c.stack, "1000000000000",  // 1,000,000 USDC
               {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"},
                {false, "2800000000000000000000", 14 * 86400, "800000000000000000", "5000000000000000000"},
                {true, "3400000000000000000000", 30 * 86400, "650000000000000000", "3000000000000000000"}});
    c.warm_up();

    chain::Collector collector(c.pool, c.keeper, {chain::VaultTarget{c.vault, addr(c.stack.lens)}});
    auto started = run(c.io, collector.start());
    REQUIRE(started);
    const chain::VaultFacts& f = collector.facts().at(0);
    CHECK(f.pool == addr(c.stack.pool));
    CHECK(f.oracle == addr(c.stack.adapter));
    CHECK(f.underlying == addr(c.stack.underlying));
    CHECK(f.quote == addr(c.stack.quote));
    CHECK(f.underlying_decimals == 18);
    CHECK(f.quote_decimals == 6);
    CHECK(f.fee_pips == 3000);
    CHECK(f.underlying_is_token0 == (plain(cast({"call", "--rpc-url", c.anvil.http_url(), c.stack.pool, "token0()(address)"})) ==
                                     to_checksum(f.underlying)));

    const rpc::BlockHeader head = c.head();
    auto snaps = run(c.io, collector.collect(head));
    REQUIRE(snaps);
    REQUIRE(snaps->size() == 1);
    const hedge::VaultSnapshot s = (*snaps)[0];
    const std::uint64_t n = head.number;
    CHECK(s.block_number == n);
    CHECK(s.block_hash == head.hash);
    CHECK(s.block_timestamp == head.timestamp);
    CHECK(s.base_fee_per_gas == head.base_fee_per_gas.value_or(U256(0)));
    CHECK(collector.stats().rounds == 1);
    CHECK(collector.stats().calls == chain::Collector::kCallsPerVault + 1);

    // Every field against cast at the same block.
    CHECK(c.at(n, c.stack.vault, "paused()(bool)") == (s.paused ? "true" : "false"));
    REQUIRE(s.series.size() == 3);
    for (const auto& se : s.series) {
        const auto v = fields(c.at(n, c.stack.vault, "series(uint256)((uint256,bool,uint256,uint256,uint256,uint256,bool,uint256))",
                                   {to_dec(se.id)}));
        REQUIRE(v.size() == 8);
        CHECK(v[1] == (se.is_call ? "true" : "false"));
        CHECK(v[2] == to_dec(se.strike_wad));
        CHECK(v[3] == std::to_string(se.expiry));
        CHECK(v[4] == to_dec(se.vol_wad));
        CHECK(v[5] == to_dec(se.open_size));
        CHECK(v[6] == (se.settled ? "true" : "false"));
    }
    CHECK(plain(c.at(n, c.stack.underlying, "balanceOf(address)(uint256)", {c.stack.vault})) == to_dec(s.vault_underlying));
    CHECK(plain(c.at(n, c.stack.quote, "balanceOf(address)(uint256)", {c.stack.vault})) == to_dec(s.vault_quote));
    CHECK(plain(c.at(n, c.stack.adapter, "latestPrice()(uint256,uint256)")) == to_dec(s.oracle.price_wad));
    const auto slot0 = c.at(n, c.stack.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
    CHECK(plain(slot0) == to_dec(s.pool.sqrt_price_x96));
    CHECK(plain(c.at(n, c.stack.pool, "liquidity()(uint128)")) == to_dec(s.pool.liquidity));
    CHECK(plain(cast({"balance", "--rpc-url", c.anvil.http_url(), "--block", std::to_string(n), kKeeperAddress})) ==
          to_dec(s.keeper_balance_wei));

    INFO("lens: " << s.bounds_error);
    REQUIRE(s.bounds);
    const hedge::RebalanceBounds& b = *s.bounds;
    const auto pd = lines(c.at(n, c.stack.lens, "portfolioDelta(address)(int256,uint256)", {c.stack.vault}));
    CHECK(pd.at(0) == signed_dec(b.delta));
    CHECK(pd.at(1) == to_dec(b.oracle_price_wad));
    CHECK(b.oracle_price_wad == s.oracle.price_wad);
    CHECK(plain(c.at(n, c.stack.vault, "deltaBudget(address)(uint256)", {kKeeperAddress})) == to_dec(b.budget));
    const auto dc = fields(c.at(n, c.stack.vault, "deltaConfig()((int96,uint80,uint80))"));
    CHECK(dc.at(0) == signed_dec(b.target_delta));
    CHECK(dc.at(1) == to_dec(b.tolerance));
    const auto rc = fields(c.at(n, c.stack.vault, "rebalanceConfig()((uint16,uint16,uint32,uint32,uint96))"));
    CHECK(rc.at(0) == std::to_string(b.config.max_deviation_bps));
    CHECK(rc.at(1) == std::to_string(b.config.max_slippage_bps));
    CHECK(rc.at(2) == std::to_string(b.config.twap_window));
    CHECK(rc.at(3) == std::to_string(b.config.cooldown));
    CHECK(rc.at(4) == to_dec(b.config.max_notional));
    // The keeper's pool-price conversion equals VaultMath.priceFromSqrtX96 on chain.
    CHECK(hedge::price_from_sqrt_x96(s.pool.sqrt_price_x96, s.quote_decimals, s.underlying_decimals,
                                     s.pool.underlying_is_token0) == b.pool_price_wad);

    // The keeper's delta agrees with the chain's.
    const hedge::HedgePlan p = hedge::plan(s, {}, settings(), kNever, 31337);
    double notional = 0;
    for (const auto& se : s.series) notional += se.open_size.convert_to<double>() / 1e18;
    const double disagreement = std::abs(p.portfolio_delta - p.chain_delta);
    WARN("keeper delta " << p.portfolio_delta << ", chain delta " << p.chain_delta << ", |difference| "
                         << disagreement << " underlying (book notional " << notional << ")");
    CHECK(disagreement <= kAgreementPerNotional * notional);

    // The plan is a trade the vault accepts: sign it with the keeper key and send it.
    REQUIRE(p.reason == hedge::PlanReason::kTrade);
    REQUIRE(p.trade);
    auto key_bytes = from_hex(kKeeperKey);
    REQUIRE(key_bytes);
    auto key = SecretKey::from_bytes(*key_bytes);
    REQUIRE(key);
    auto nonce = run(c.io, c.pool.call_as(rpc::eth::get_transaction_count(c.keeper, rpc::BlockTag::kPending),
                                          [](const rpc::Json& j, std::string_view path) { return rpc::decode_u64(j, path); }));
    REQUIRE(nonce);
    rpc::CallRequest sim;
    sim.from = c.keeper;
    sim.to = c.vault;
    sim.data = chain::encode_rebalance(*p.trade);
    auto gas = run(c.io, c.pool.call_as(rpc::eth::estimate_gas(sim),
                                        [](const rpc::Json& j, std::string_view path) { return rpc::decode_u64(j, path); }));
    REQUIRE(gas);
    UnsignedTransaction tx;
    tx.chain_id = 31337;
    tx.nonce = *nonce;
    tx.max_priority_fee_per_gas = U256(1'000'000'000);
    tx.max_fee_per_gas = s.base_fee_per_gas * 2 + U256(1'000'000'000);
    tx.gas_limit = *gas + *gas / 4;
    tx.to = c.vault;
    tx.data = sim.data;
    auto signed_tx = sign(tx, *key);
    REQUIRE(signed_tx);
    auto sent = run(c.io, c.pool.call_as(rpc::eth::send_raw_transaction(signed_tx->encode()),
                                         [](const rpc::Json& j, std::string_view path) { return rpc::decode_hash(j, path); }));
    REQUIRE(sent);
    CHECK(*sent == signed_tx->hash());
    std::optional<rpc::Receipt> receipt;
    for (int i = 0; i < 50 && !receipt; ++i) {
        auto r = run(c.io, c.pool.call_as(rpc::eth::get_transaction_receipt(*sent), [](const rpc::Json& j, std::string_view path) {
            return rpc::decode_nullable(j, path, [](const rpc::Json& jj, std::string_view pp) { return rpc::decode_receipt(jj, pp); });
        }));
        REQUIRE(r);
        receipt = *r;
        if (!receipt) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(receipt);
    REQUIRE(receipt->status);
    std::optional<chain::RebalancedEvent> event;
    for (const auto& log : receipt->logs) {
        if (log.address != c.vault || log.topics.empty() || log.topics[0] != chain::rebalanced_topic()) continue;
        auto e = chain::decode_rebalanced(log.topics, log.data);
        REQUIRE(e);
        event = *e;
    }
    REQUIRE(event);
    CHECK(event->keeper == c.keeper);
    CHECK(event->buy_underlying == p.trade->buy_underlying);
    CHECK(event->amount_out >= p.trade->min_amount_out);
    // Mined one block later: a few seconds of theta moved the on-chain delta a little.
    CHECK(event->delta_before.convert_to<double>() == Approx(b.delta.convert_to<double>()).epsilon(1e-6));
    const auto before = b.delta - b.target_delta;
    const auto after = event->delta_after - b.target_delta;
    CHECK(abs(after) < abs(before));
    if ((after < 0) != (before < 0)) CHECK(U256(abs(after)) <= b.tolerance);
    const double moved = (event->delta_after - event->delta_before).convert_to<double>() / 1e18;
    WARN("planned " << p.trade_underlying << " underlying, moved " << moved << "; delta " << p.chain_delta << " -> "
                    << event->delta_after.convert_to<double>() / 1e18);
    CHECK(moved == Approx(p.trade_underlying).epsilon(0.02));

    // The next head sees the new state: inside the band (or cooling down).
    const auto s2 = c.collect(collector);
    REQUIRE(s2.bounds);
    CHECK(s2.bounds->delta == event->delta_after);
    const auto p2 = hedge::plan(s2, {}, settings(), 1.0, 31337);
    CHECK(p2.reason != hedge::PlanReason::kTrade);
}

TEST_CASE("live guards: paused vault, stale oracle, manipulated pool", "[integration]") {
    Chain c;
    seed_vault(c.anvil, c.stack, "1000000000000",
               {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"}});
    c.warm_up();
    chain::Collector collector(c.pool, c.keeper, {chain::VaultTarget{c.vault, addr(c.stack.lens)}});
    auto started = run(c.io, collector.start());
    REQUIRE(started);
    REQUIRE(hedge::plan(c.collect(collector), {}, settings(), kNever, 31337).reason == hedge::PlanReason::kTrade);

    SECTION("paused") {
        send_as(c.anvil, kDeployerAddress, c.stack.vault, "pause()");
        const auto s = c.collect(collector);
        CHECK(s.paused);
        CHECK(hedge::plan(s, {}, settings(), kNever, 31337).reason == hedge::PlanReason::kPaused);
    }
    SECTION("stale oracle") {
        c.rpc_raw("evm_increaseTime", "[3400]");  // with warm_up: 3701 s > the 3600 s staleness limit
        c.rpc_raw("evm_mine", "[]");
        const auto s = c.collect(collector);
        CHECK_FALSE(s.bounds);
        CHECK(s.bounds_error.find("OracleStalePrice") != std::string::npos);
        const auto p = hedge::plan(s, {}, settings(), kNever, 31337);
        CHECK(p.reason == hedge::PlanReason::kOracleStale);
        CHECK(p.detail.find("OracleStalePrice") != std::string::npos);
        CHECK(collector.stats().lens_reverts == 1);
    }
    SECTION("manipulated pool") {
        swap_on_pool(c.anvil, c.stack, kTraderAddress, true, "2000000000000");  // 2,000,000 USDC
        const auto s = c.collect(collector);
        REQUIRE(s.bounds);
        const auto p = hedge::plan(s, {}, settings(), kNever, 31337);
        CHECK(p.reason == hedge::PlanReason::kPoolDeviation);
        CHECK(hedge::deviation_bps(s.bounds->pool_price_wad, s.bounds->oracle_price_wad) > 100);
    }
}

TEST_CASE("start names an address without code", "[integration]") {
    Chain c;
    const Address nobody = addr("0x000000000000000000000000000000000000dEaD");
    chain::Collector collector(c.pool, c.keeper, {chain::VaultTarget{nobody, addr(c.stack.lens)}});
    auto started = run(c.io, collector.start());
    REQUIRE_FALSE(started);
    CHECK(started.error().message.find("no contract code at vault 0x000000000000000000000000000000000000dead") !=
          std::string::npos);
}

TEST_CASE("a failed round is an error and is counted", "[integration]") {
    Chain c;
    chain::Collector collector(c.pool, c.keeper, {chain::VaultTarget{c.vault, addr(c.stack.lens)}});
    auto started = run(c.io, collector.start());
    REQUIRE(started);
    const rpc::BlockHeader head = c.head();
    c.anvil.kill();
    auto snaps = run(c.io, collector.collect(head));
    REQUIRE_FALSE(snaps);
    CHECK(collector.stats().failures == 1);
    CHECK(collector.stats().rounds == 0);
    CHECK_FALSE(collector.stats().last_error.empty());
}

// ---- EIP-1898: per-head reads pinned by block hash ---------------------------------------------

TEST_CASE("hash-pinned snapshots equal number-pinned ones, at the latest head and at an older one",
          "[integration]") {
    Chain c;
    seed_vault(c.anvil, c.stack, "1000000000000",
               {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"}});
    c.warm_up();
    const std::vector<chain::VaultTarget> targets{chain::VaultTarget{c.vault, addr(c.stack.lens)}};
    chain::Collector by_hash(c.pool, c.keeper, targets, chain::BlockPinning::kHash);
    chain::Collector by_number(c.pool, c.keeper, targets, chain::BlockPinning::kNumber);
    chain::Collector automatic(c.pool, c.keeper, targets);  // kAuto: anvil takes EIP-1898
    for (chain::Collector* col : {&by_hash, &by_number, &automatic}) {
        auto started = run(c.io, col->start());
        REQUIRE(started);
    }
    CHECK(by_hash.stats().pinned_by_hash);
    CHECK_FALSE(by_number.stats().pinned_by_hash);
    CHECK(automatic.stats().pinned_by_hash);

    const rpc::BlockHeader older = c.head();
    // Move state on after `older`: the reads at `older` must not see it.
    set_oracle_answer(c.anvil, c.stack, "310000000000");
    swap_on_pool(c.anvil, c.stack, kTraderAddress, true, "1000000000");  // 1,000 USDC
    const rpc::BlockHeader latest = c.head();
    REQUIRE(latest.number > older.number);

    for (const rpc::BlockHeader& head : {older, latest}) {
        INFO("block " << head.number);
        auto a = run(c.io, by_hash.collect(head));
        auto b = run(c.io, by_number.collect(head));
        REQUIRE(a);
        REQUIRE(b);
        REQUIRE(a->size() == 1);
        REQUIRE(b->size() == 1);
        CHECK((*a)[0] == (*b)[0]);  // every field, bounds and series included
        CHECK((*a)[0].block_hash == head.hash);
        CHECK((*a)[0].block_number == head.number);
    }
    auto at_older = run(c.io, by_hash.collect(older));
    auto at_latest = run(c.io, by_hash.collect(latest));
    REQUIRE(at_older);
    REQUIRE(at_latest);
    CHECK((*at_older)[0].oracle.price_wad != (*at_latest)[0].oracle.price_wad);  // really two states
    CHECK((*at_older)[0].pool.sqrt_price_x96 != (*at_latest)[0].pool.sqrt_price_x96);
    CHECK(by_hash.stats().head_unavailable == 0);
}

TEST_CASE("a head reorged away (evm_revert, anvil_reorg): the hash-pinned round fails cleanly", "[integration]") {
    Chain c;
    seed_vault(c.anvil, c.stack, "1000000000000",
               {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"}});
    c.warm_up();
    const std::vector<chain::VaultTarget> targets{chain::VaultTarget{c.vault, addr(c.stack.lens)}};
    chain::Collector by_hash(c.pool, c.keeper, targets);
    chain::Collector by_number(c.pool, c.keeper, targets, chain::BlockPinning::kNumber);
    for (chain::Collector* col : {&by_hash, &by_number}) {
        auto started = run(c.io, col->start());
        REQUIRE(started);
    }
    REQUIRE(by_hash.stats().pinned_by_hash);

    SECTION("evm_revert, then another block at the same height") {
        const std::string snapshot = rpc::Json::parse(c.anvil.raw_call("evm_snapshot"))["result"].get<std::string>();
        set_oracle_answer(c.anvil, c.stack, "310000000000");  // branch A: 3100
        const rpc::BlockHeader gone = c.head();
        auto before = run(c.io, by_hash.collect(gone));
        REQUIRE(before);  // readable while canonical
        const U256 price_a = (*before)[0].oracle.price_wad;

        c.rpc_raw("evm_revert", "[\"" + snapshot + "\"]");
        set_oracle_answer(c.anvil, c.stack, "290000000000");  // branch B: 2900, same height
        const rpc::BlockHeader replacement = c.head();
        REQUIRE(replacement.number == gone.number);
        REQUIRE(replacement.hash != gone.hash);

        auto stale = run(c.io, by_hash.collect(gone));
        REQUIRE_FALSE(stale);  // no snapshot from the wrong branch
        INFO(stale.error().describe());
        CHECK(stale.error().code == rpc::Errc::kRpc);
        CHECK(stale.error().message.find("at block " + std::to_string(gone.number) + " " + to_hex(gone.hash)) !=
              std::string::npos);
        CHECK(stale.error().message.find("not canonical or unknown") != std::string::npos);
        CHECK(by_hash.stats().head_unavailable == 1);
        CHECK(by_hash.stats().failures == 1);

        // What number pinning would have done: branch B's state under branch A's header.
        auto wrong = run(c.io, by_number.collect(gone));
        REQUIRE(wrong);
        CHECK((*wrong)[0].block_hash == gone.hash);
        CHECK((*wrong)[0].oracle.price_wad != price_a);

        // The new head reads normally, and matches number pinning now that they agree.
        auto fresh = run(c.io, by_hash.collect(replacement));
        REQUIRE(fresh);
        auto fresh_n = run(c.io, by_number.collect(replacement));
        REQUIRE(fresh_n);
        CHECK((*fresh)[0] == (*fresh_n)[0]);
        CHECK((*fresh)[0].oracle.price_wad != price_a);
    }
    SECTION("anvil_reorg of the last two blocks") {
        set_oracle_answer(c.anvil, c.stack, "310000000000");
        c.rpc_raw("evm_mine", "[]");
        const rpc::BlockHeader gone = c.head();
        c.rpc_raw("anvil_reorg", "[2, []]");
        const rpc::BlockHeader replacement = c.head();
        REQUIRE(replacement.number == gone.number);
        REQUIRE(replacement.hash != gone.hash);
        auto stale = run(c.io, by_hash.collect(gone));
        REQUIRE_FALSE(stale);
        CHECK(by_hash.stats().head_unavailable == 1);
        auto fresh = run(c.io, by_hash.collect(replacement));
        REQUIRE(fresh);
        CHECK((*fresh)[0].block_hash == replacement.hash);
    }
}

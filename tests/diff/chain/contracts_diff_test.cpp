// keeper/chain/contracts against cast 1.7.1: calldata of every call the keeper makes byte for
// byte (`cast calldata`), and the decoders on return data that `cast abi-encode` produced.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "keeper/chain/contracts.hpp"
#include "keeper/core/hex.hpp"
#include "support/process.hpp"

using namespace keeper;
using namespace keeper::chain;
using keeper::test::cast;

namespace {

constexpr Address kVault = "0x5fbdb2315678afecb367f032d93f642f64180aa3"_address;
constexpr Address kKeeper = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"_address;

Bytes hex(const std::string& s) {
    auto b = from_hex(s);
    REQUIRE(b);
    return *b;
}

}  // namespace

TEST_CASE("encode_rebalance equals cast calldata") {
    struct Case {
        hedge::RebalanceParams params;
        std::string tuple;
    };
    const U256 max160 = (U256(1) << 160) - 1;
    const std::vector<Case> cases{
        {{true, U256(1'000'000), U256(1), U256(0), 1'700'000'000}, "(true,1000000,1,0,1700000000)"},
        {{false, U256("123456789012345678901234"), U256("987654321"), U256("79228162514264337593543950336"),
          4'102'444'800},
         "(false,123456789012345678901234,987654321,79228162514264337593543950336,4102444800)"},
        {{true, U256(1), U256(1), max160, 0}, "(true,1,1," + to_dec(max160) + ",0)"},
    };
    for (const auto& c : cases) {
        const std::string ours = to_hex(encode_rebalance(c.params));
        const std::string theirs = cast({"calldata", "rebalance((bool,uint256,uint256,uint160,uint256))", c.tuple});
        CHECK(ours == theirs);
        auto back = decode_rebalance_call(encode_rebalance(c.params));
        REQUIRE(back);
        CHECK(*back == c.params);
    }
}

TEST_CASE("view calls equal cast calldata") {
    const std::string vault = to_hex(kVault);
    const std::string keeper = to_hex(kKeeper);
    const std::vector<std::pair<Bytes, std::vector<std::string>>> cases{
        {vault::encode_paused(), {"calldata", "paused()"}},
        {vault::encode_open_series(), {"calldata", "openSeries()"}},
        {vault::encode_pool(), {"calldata", "pool()"}},
        {vault::encode_oracle(), {"calldata", "oracle()"}},
        {vault::encode_underlying(), {"calldata", "underlying()"}},
        {vault::encode_swap_router(), {"calldata", "swapRouter()"}},
        {vault::encode_asset(), {"calldata", "asset()"}},
        {vault::encode_rebalance_config(), {"calldata", "rebalanceConfig()"}},
        {vault::encode_delta_config(), {"calldata", "deltaConfig()"}},
        {vault::encode_delta_budget(kKeeper), {"calldata", "deltaBudget(address)", keeper}},
        {vault::encode_last_rebalance_at(), {"calldata", "lastRebalanceAt()"}},
        {lens::encode_rebalance_bounds(kVault, kKeeper), {"calldata", "rebalanceBounds(address,address)", vault, keeper}},
        {lens::encode_portfolio_delta(kVault), {"calldata", "portfolioDelta(address)", vault}},
        {oracle::encode_latest_price(), {"calldata", "latestPrice()"}},
        {oracle::encode_try_latest_price(), {"calldata", "tryLatestPrice()"}},
        {oracle::encode_staleness_limit(), {"calldata", "stalenessLimit()"}},
        {erc20::encode_balance_of(kVault), {"calldata", "balanceOf(address)", vault}},
        {erc20::encode_decimals(), {"calldata", "decimals()"}},
        {univ3::encode_slot0(), {"calldata", "slot0()"}},
        {univ3::encode_liquidity(), {"calldata", "liquidity()"}},
        {univ3::encode_token0(), {"calldata", "token0()"}},
        {univ3::encode_token1(), {"calldata", "token1()"}},
        {univ3::encode_fee(), {"calldata", "fee()"}},
    };
    for (const auto& [ours, args] : cases) {
        INFO(args[1]);
        CHECK(to_hex(ours) == cast(args));
    }
}

TEST_CASE("rebalanceBounds return data from cast abi-encode decodes field by field") {
    const std::string data = cast(
        {"abi-encode",
         "f((uint256,uint256,uint256,int256,int256,uint256,bool,uint256,uint256,uint256,uint256,(uint16,uint16,uint32,uint32,uint96)))",
         "(3000000000000000000000,3001500000000000000000,2999000000000000000000,-1234567890123456789,"
         "500000000000000000,100000000000000000,true,1700000600,50000000000000000000,250000000000,0,"
         "(200,50,300,60,1000000000000))"});
    auto b = lens::decode_rebalance_bounds(hex(data));
    REQUIRE(b);
    CHECK(b->oracle_price_wad == U256("3000000000000000000000"));
    CHECK(b->pool_price_wad == U256("3001500000000000000000"));
    CHECK(b->twap_price_wad == U256("2999000000000000000000"));
    CHECK(b->delta == I256("-1234567890123456789"));
    CHECK(b->target_delta == I256("500000000000000000"));
    CHECK(b->tolerance == U256("100000000000000000"));
    CHECK(b->urgent);
    CHECK(b->cooldown_ends_at == 1'700'000'600u);
    CHECK(b->budget == U256("50000000000000000000"));
    CHECK(b->max_quote_in == U256("250000000000"));
    CHECK(b->max_underlying_in == U256(0));
    CHECK(b->config.max_deviation_bps == 200u);
    CHECK(b->config.max_slippage_bps == 50u);
    CHECK(b->config.twap_window == 300u);
    CHECK(b->config.cooldown == 60u);
    CHECK(b->config.max_notional == U256("1000000000000"));
}

TEST_CASE("openSeries return data from cast abi-encode decodes every series") {
    const std::string data = cast({"abi-encode", "f((uint256,bool,uint256,uint256,uint256,uint256,bool,uint256)[])",
                                   "[(1,true,3200000000000000000000,1700086400,800000000000000000,"
                                   "2000000000000000000,false,0),(2,false,2800000000000000000000,1700172800,"
                                   "650000000000000000,500000000000000000,false,0)]"});
    auto s = vault::decode_open_series(hex(data));
    REQUIRE(s);
    REQUIRE(s->size() == 2);
    CHECK((*s)[0] == hedge::SeriesState{U256(1), true, U256("3200000000000000000000"), 1'700'086'400,
                                        U256("800000000000000000"), U256("2000000000000000000"), false});
    CHECK((*s)[1] == hedge::SeriesState{U256(2), false, U256("2800000000000000000000"), 1'700'172'800,
                                        U256("650000000000000000"), U256("500000000000000000"), false});
    auto empty = vault::decode_open_series(hex(cast({"abi-encode", "f((uint256,bool,uint256,uint256,uint256,uint256,bool,uint256)[])", "[]"})));
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("oracle, pool and token return data from cast abi-encode") {
    auto lp = oracle::decode_latest_price(hex(cast({"abi-encode", "f(uint256,uint256)", "3000000000000000000000", "1700000000"})));
    REQUIRE(lp);
    CHECK(*lp == hedge::OracleState{U256("3000000000000000000000"), 1'700'000'000});

    auto tp = oracle::decode_try_latest_price(hex(cast({"abi-encode", "f(uint8,uint256,uint256)", "4", "0", "0"})));
    REQUIRE(tp);
    CHECK(tp->status == oracle::Status::kStale);
    CHECK(oracle::to_string(tp->status) == "Stale");
    auto bad_status = oracle::decode_try_latest_price(hex(cast({"abi-encode", "f(uint8,uint256,uint256)", "9", "0", "0"})));
    REQUIRE_FALSE(bad_status);
    CHECK(bad_status.error().message.find("IOracleAdapter.tryLatestPrice.status") != std::string::npos);

    auto s0 = univ3::decode_slot0(hex(cast({"abi-encode", "f(uint160,int24,uint16,uint16,uint16,uint8,bool)",
                                            "4339505179874779672736325173248", "-200311", "7", "100", "100", "0", "true"})));
    REQUIRE(s0);
    CHECK(s0->sqrt_price_x96 == U256("4339505179874779672736325173248"));
    CHECK(s0->tick == -200311);
    CHECK(s0->unlocked);

    auto liq = univ3::decode_liquidity(hex(cast({"abi-encode", "f(uint128)", "340282366920938463463374607431768211455"})));
    REQUIRE(liq);
    CHECK(*liq == U256("340282366920938463463374607431768211455"));
    auto fee = univ3::decode_fee(hex(cast({"abi-encode", "f(uint24)", "500"})));
    REQUIRE(fee);
    CHECK(*fee == 500u);
    auto dec = erc20::decode_decimals(hex(cast({"abi-encode", "f(uint8)", "6"})));
    REQUIRE(dec);
    CHECK(*dec == 6u);
    auto bal = erc20::decode_balance_of(hex(cast({"abi-encode", "f(uint256)", "123456789"})));
    REQUIRE(bal);
    CHECK(*bal == U256(123456789));
    auto addr = vault::decode_address(hex(cast({"abi-encode", "f(address)", to_hex(kVault)})), "pool");
    REQUIRE(addr);
    CHECK(*addr == kVault);
    auto pd = lens::decode_portfolio_delta(hex(cast({"abi-encode", "f(int256,uint256)", "-42", "3000000000000000000000"})));
    REQUIRE(pd);
    CHECK(pd->delta == I256(-42));
    CHECK(pd->oracle_price_wad == U256("3000000000000000000000"));
}

TEST_CASE("reverts from cast calldata are named with their arguments") {
    CHECK(describe_revert(hex(cast({"calldata", "VaultWithinTolerance(int256,int256,uint256)", "5", "0", "10"}))) ==
          "VaultWithinTolerance(5, 0, 10)");
    CHECK(describe_revert(hex(cast({"calldata", "OracleStalePrice(uint256,uint256)", "1700000000", "3600"}))) ==
          "OracleStalePrice(1700000000, 3600)");
    CHECK(describe_revert(hex(cast({"calldata", "EnforcedPause()"}))) == "EnforcedPause()");
    CHECK(describe_revert({}) == "empty revert data");
}

// The shared test fixture itself: the forge deploy script brings up the whole stack on anvil,
// and the cast-driven market helpers move it.
#include <catch2/catch.hpp>

#include "support/stack.hpp"

using namespace keeper::test;

TEST_CASE("deploy script brings up a stack that writes options and moves the market", "[integration]") {
    AnvilProcess anvil(anvil_options());
    const auto stack = deploy_stack(anvil);
    CHECK(stack.chain_id == 31337);
    CHECK(call(anvil, stack.vault, "hasRole(bytes32,address)(bool)",
               {call(anvil, stack.vault, "KEEPER_ROLE()(bytes32)"), kKeeperAddress}) == "true");

    const auto ids = seed_vault(anvil, stack, "1000000000000",  // 1,000,000 USDC
                                {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"},
                                 {false, "2800000000000000000000", 14 * 86400, "800000000000000000", "5000000000000000000"}});
    REQUIRE(ids == std::vector<std::string>{"1", "2"});
    CHECK(call(anvil, stack.vault, "positionOf(uint256,address)(uint256)", {"1", kDeployerAddress}).rfind("10000000000000000000", 0) == 0);

    const auto before = call(anvil, stack.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
    swap_on_pool(anvil, stack, kTraderAddress, true, "50000000000");  // buy with 50,000 USDC
    CHECK(call(anvil, stack.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)") != before);

    set_oracle_answer(anvil, stack, "310000000000");
    CHECK(call(anvil, stack.adapter, "latestPrice()(uint256,uint256)").rfind("3100000000000000000000", 0) == 0);
}

// keeper/chain/contracts: the embedded ABIs, literal selectors, error messages naming the call,
// and the Rebalanced event.
#include <catch2/catch.hpp>

#include "keeper/abi/codec.hpp"
#include "keeper/chain/contracts.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"

using namespace keeper;
using namespace keeper::chain;

TEST_CASE("the embedded ABIs parse and carry the functions the keeper calls") {
    const auto prints = abi_fingerprints();
    REQUIRE(prints.size() == 4);
    CHECK(prints[0].name == "IOptionsVault");
    for (const auto& p : prints) CHECK(p.sha256.size() == 64);
    CHECK(vault_abi().function("rebalance"));
    CHECK(lens_abi().function("rebalanceBounds"));
    CHECK(oracle_abi().function("tryLatestPrice"));
    CHECK(vault_impl_abi().function("asset"));
}

TEST_CASE("selectors are the keccak of the canonical signatures") {
    // Literal selectors (4byte.directory / cast sig).
    CHECK(to_hex(encode_rebalance({true, U256(1), U256(1), U256(0), 1})).substr(0, 10) == "0xb50c05ab");
    CHECK(to_hex(vault::encode_paused()) == "0x5c975abb");
    CHECK(to_hex(erc20::encode_decimals()) == "0x313ce567");
    CHECK(to_hex(univ3::encode_slot0()) == "0x3850c7bd");
    CHECK(to_hex(univ3::encode_liquidity()) == "0x1a686502");
}

TEST_CASE("decoding errors name the call") {
    const Bytes short_data(31, 0);
    auto p = vault::decode_paused(short_data);
    REQUIRE_FALSE(p);
    CHECK(p.error().message.rfind("IOptionsVault.paused", 0) == 0);

    auto b = lens::decode_rebalance_bounds(short_data);
    REQUIRE_FALSE(b);
    CHECK(b.error().message.rfind("IOptionsVaultLens.rebalanceBounds", 0) == 0);

    Bytes two(32, 0);
    two[31] = 2;  // a bool word of 2
    auto bad_bool = vault::decode_paused(two);
    REQUIRE_FALSE(bad_bool);
    CHECK(bad_bool.error().code == abi::AbiErrc::kInvalidBool);

    auto a = vault::decode_address(short_data, "oracle");
    REQUIRE_FALSE(a);
    CHECK(a.error().message.rfind("IOptionsVault.oracle", 0) == 0);

    Bytes big(32, 0xff);  // 2^256 - 1 as decimals(): not a uint8
    auto d = erc20::decode_decimals(big);
    REQUIRE_FALSE(d);
    CHECK(d.error().message.find("ERC20.decimals") != std::string::npos);
}

TEST_CASE("decode_rebalance_call refuses other calldata") {
    auto r = decode_rebalance_call(vault::encode_paused());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == abi::AbiErrc::kSelectorMismatch);
}

TEST_CASE("Rebalanced event round trip") {
    const auto& ev = **vault_abi().event("Rebalanced");
    CHECK(rebalanced_topic() ==
          keccak256(as_bytes("Rebalanced(address,bool,uint256,uint256,uint256,int256,int256,uint256)")));
    const Address keeper = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"_address;
    Hash32 topic1{};
    std::copy(keeper.bytes.begin(), keeper.bytes.end(), topic1.bytes.begin() + 12);
    const std::vector<abi::Type> types = abi::types_of(std::vector<abi::Param>(ev.inputs.begin() + 1, ev.inputs.end()));
    const std::vector<abi::Value> values{abi::Value(true), abi::Value(U256(5000)), abi::Value(U256(17)),
                                         abi::Value(U256(3000)), abi::Value(I256(-100)), abi::Value(I256(-83)),
                                         abi::Value(U256(1000))};
    auto data = abi::encode(types, values);
    REQUIRE(data);
    const std::vector<Hash32> topics{rebalanced_topic(), topic1};
    auto e = decode_rebalanced(topics, *data);
    REQUIRE(e);
    CHECK(e->keeper == keeper);
    CHECK(e->buy_underlying);
    CHECK(e->amount_in == U256(5000));
    CHECK(e->amount_out == U256(17));
    CHECK(e->delta_before == I256(-100));
    CHECK(e->delta_after == I256(-83));
    CHECK(e->budget_remaining == U256(1000));

    const std::vector<Hash32> wrong{Hash32{}, topic1};
    CHECK_FALSE(decode_rebalanced(wrong, *data));
}

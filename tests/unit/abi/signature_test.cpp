#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "keeper/crypto/keccak.hpp"

using namespace keeper;
using namespace keeper::abi;

namespace {
std::string sel(const Selector& s) {
    return to_hex(ByteView(s));
}
}  // namespace

TEST_CASE("selectors of the Solidity ABI spec examples and well-known functions") {
    CHECK(sel(parse_function("baz(uint32,bool)")->selector()) == "0xcdcd77c0");
    CHECK(sel(parse_function("bar(bytes3[2])")->selector()) == "0xfce353f6");
    CHECK(sel(parse_function("sam(bytes,bool,uint256[])")->selector()) == "0xa5643bf2");
    CHECK(sel(parse_function("sam(bytes,bool,uint[])")->selector()) == "0xa5643bf2");
    CHECK(sel(parse_function("f(uint256,uint32[],bytes10,bytes)")->selector()) == "0x8be65246");
    CHECK(sel(parse_function("g(uint256[][],string[])")->selector()) == "0x2289b18c");
    CHECK(sel(parse_function("transfer(address to, uint256 amount)")->selector()) == "0xa9059cbb");
    CHECK(sel(parse_function("function balanceOf(address owner) external view returns (uint256)")->selector()) ==
          "0x70a08231");
}

TEST_CASE("Uniswap V3 exactInputSingle: SwapRouter (with deadline) and SwapRouter02") {
    const auto v1 = parse_function(
        "exactInputSingle((address tokenIn,address tokenOut,uint24 fee,address recipient,uint256 deadline,"
        "uint256 amountIn,uint256 amountOutMinimum,uint160 sqrtPriceLimitX96) params) payable returns (uint256)");
    REQUIRE(v1);
    CHECK(v1->signature() == "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))");
    CHECK(sel(v1->selector()) == "0x414bf389");
    CHECK(v1->state_mutability == StateMutability::kPayable);
    CHECK(v1->inputs[0].name == "params");
    CHECK(v1->inputs[0].type.component_names()[4] == "deadline");

    const auto v2 = parse_function("exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))");
    REQUIRE(v2);
    CHECK(sel(v2->selector()) == "0x04e45aaf");
    CHECK(sel(parse_function("exactInputSingle(tuple(address,address,uint24,address,uint256,uint256,uint160))")
                  ->selector()) == "0x04e45aaf");
}

TEST_CASE("parse_function reads names, modifiers and outputs in both spellings") {
    const auto f = parse_function("function balanceOf(address owner) external view returns (uint256 balance)");
    REQUIRE(f);
    CHECK(f->name == "balanceOf");
    CHECK(f->inputs.size() == 1);
    CHECK(f->inputs[0].name == "owner");
    CHECK(f->outputs.size() == 1);
    CHECK(f->outputs[0].name == "balance");
    CHECK(f->state_mutability == StateMutability::kView);

    const auto g = parse_function("getReserves()(uint112,uint112,uint32)");
    REQUIRE(g);
    CHECK(g->inputs.empty());
    CHECK(g->outputs.size() == 3);
    CHECK(g->signature() == "getReserves()");

    const auto h = parse_function("h(bytes memory data, string calldata s, address payable to) pure");
    REQUIRE(h);
    CHECK(h->signature() == "h(bytes,string,address)");
    CHECK(h->inputs[2].name == "to");
    CHECK(h->state_mutability == StateMutability::kPure);

    const auto anon = parse_function("(uint256,bool)");
    REQUIRE(anon);
    CHECK(anon->name.empty());
    CHECK(anon->inputs.size() == 2);
}

TEST_CASE("parse_function errors name the problem and position") {
    for (const char* bad : {"foo", "f(", "f(uint256", "f(uint7)", "f(uint256) extra", "function (uint256)",
                            "f(uint256 a b)", "f(uint256)(bool)(bool)", "f(uint256,)"}) {
        INFO(bad);
        const auto r = parse_function(bad);
        REQUIRE_FALSE(r);
        CHECK((r.error().code == AbiErrc::kInvalidSignature || r.error().code == AbiErrc::kInvalidType));
        CHECK(r.error().message.find("position") != std::string::npos);
    }
}

TEST_CASE("events: indexed parameters, topic 0, anonymous") {
    const auto e = parse_event("event Transfer(address indexed from, address indexed to, uint256 value)");
    REQUIRE(e);
    CHECK(e->name == "Transfer");
    CHECK(e->inputs[0].indexed);
    CHECK(e->inputs[1].indexed);
    CHECK_FALSE(e->inputs[2].indexed);
    CHECK(e->inputs[2].name == "value");
    CHECK(to_hex(e->topic0()) == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    CHECK_FALSE(e->anonymous);

    const auto swap = parse_event(
        "Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, "
        "uint160 sqrtPriceX96, uint128 liquidity, int24 tick)");
    REQUIRE(swap);
    CHECK(to_hex(swap->topic0()) == "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67");

    const auto a =
        parse_event("event Ping(uint256 indexed a, uint256 indexed b, uint256 indexed c, uint256 indexed d) anonymous");
    REQUIRE(a);
    CHECK(a->anonymous);
    CHECK_FALSE(parse_event("event Ping(uint256 indexed a, uint256 indexed b, uint256 indexed c, uint256 indexed d)"));
    CHECK_FALSE(parse_event("event (uint256)"));
    CHECK_FALSE(parse_event("Transfer(address indexed indexed from)"));
}

TEST_CASE("custom errors") {
    const auto e = parse_error("error InsufficientBalance(uint256 available, uint256 required)");
    REQUIRE(e);
    CHECK(e->signature() == "InsufficientBalance(uint256,uint256)");
    CHECK(e->selector() == function_selector("InsufficientBalance(uint256,uint256)"));
    CHECK(sel(parse_error("Error(string)")->selector()) == "0x08c379a0");
    CHECK(sel(parse_error("Panic(uint256)")->selector()) == "0x4e487b71");
    CHECK_FALSE(parse_error("error (uint256)"));
    CHECK_FALSE(parse_error("error E(uint256) view"));
}

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "keeper/abi/json_abi.hpp"

using namespace keeper;
using namespace keeper::abi;
using namespace keeper::abi::test;

namespace {

// The shape forge writes in out/<Contract>.sol/<Contract>.json ("abi" field), trimmed.
constexpr std::string_view kAbi = R"([
  {"type":"constructor","inputs":[{"name":"owner_","type":"address","internalType":"address"}],"stateMutability":"nonpayable"},
  {"type":"fallback","stateMutability":"payable"},
  {"type":"receive","stateMutability":"payable"},
  {"type":"function","name":"exactInputSingle","inputs":[{"name":"params","type":"tuple","internalType":"struct ISwapRouter.ExactInputSingleParams",
    "components":[{"name":"tokenIn","type":"address","internalType":"address"},{"name":"tokenOut","type":"address","internalType":"address"},
                  {"name":"fee","type":"uint24","internalType":"uint24"},{"name":"recipient","type":"address","internalType":"address"},
                  {"name":"amountIn","type":"uint256","internalType":"uint256"},{"name":"amountOutMinimum","type":"uint256","internalType":"uint256"},
                  {"name":"sqrtPriceLimitX96","type":"uint160","internalType":"uint160"}]}],
   "outputs":[{"name":"amountOut","type":"uint256","internalType":"uint256"}],"stateMutability":"payable"},
  {"type":"function","name":"hedge","inputs":[{"name":"legs","type":"tuple[2][]","components":[{"name":"size","type":"int256"},{"name":"tags","type":"string[]"}]}],
   "outputs":[],"stateMutability":"nonpayable"},
  {"type":"function","name":"balanceOf","inputs":[{"name":"","type":"address"}],"outputs":[{"name":"","type":"uint256"}],"stateMutability":"view"},
  {"type":"function","name":"deposit","inputs":[{"name":"assets","type":"uint256"}],"outputs":[],"stateMutability":"nonpayable"},
  {"type":"function","name":"deposit","inputs":[{"name":"assets","type":"uint256"},{"name":"receiver","type":"address"}],"outputs":[],"stateMutability":"nonpayable"},
  {"type":"event","name":"Transfer","inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},
   {"name":"value","type":"uint256","indexed":false}],"anonymous":false},
  {"type":"event","name":"Note","inputs":[{"name":"tag","type":"bytes32","indexed":true}],"anonymous":true},
  {"type":"error","name":"InsufficientBalance","inputs":[{"name":"available","type":"uint256"},{"name":"required","type":"uint256"}]},
  {"type":"error","name":"Unauthorized","inputs":[]}
])";

Abi load() {
    return Abi::from_json(kAbi).value();
}

}  // namespace

TEST_CASE("a forge JSON ABI: every entry kind") {
    const Abi abi = load();
    CHECK(abi.functions().size() == 5);
    CHECK(abi.events().size() == 2);
    CHECK(abi.errors().size() == 2);
    REQUIRE(abi.constructor());
    CHECK(abi.constructor()->inputs[0].name == "owner_");
    CHECK(abi.has_fallback());
    CHECK(abi.has_receive());

    const Function* swap = abi.function("exactInputSingle").value();
    CHECK(swap->signature() == "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))");
    CHECK(to_hex(ByteView(swap->selector())) == "0x04e45aaf");
    CHECK(swap->state_mutability == StateMutability::kPayable);
    CHECK(swap->inputs[0].type.component_names()[6] == "sqrtPriceLimitX96");
    CHECK(swap->outputs[0].name == "amountOut");

    const Function* hedge = abi.function("hedge").value();
    CHECK(hedge->signature() == "hedge((int256,string[])[2][])");

    CHECK(abi.function("balanceOf").value()->state_mutability == StateMutability::kView);
    CHECK(abi.event("Transfer").value()->inputs[0].indexed);
    CHECK(abi.event("Note").value()->anonymous);
}

TEST_CASE("lookups by name, signature, selector and topic, overloads") {
    const Abi abi = load();
    CHECK(abi.function("deposit").error().code == AbiErrc::kAmbiguous);
    CHECK(abi.overloads("deposit").size() == 2);
    CHECK(abi.function("deposit(uint256)").value()->inputs.size() == 1);
    CHECK(abi.function("deposit(uint256 assets, address receiver)").value()->inputs.size() == 2);
    CHECK(abi.function("deposit(address)").error().code == AbiErrc::kNotFound);
    CHECK(abi.function("withdraw").error().code == AbiErrc::kNotFound);
    CHECK(abi.function("deposit(uint7)").error().code == AbiErrc::kInvalidSignature);

    CHECK(abi.function_by_selector(Selector{0x04, 0xe4, 0x5a, 0xaf})->name == "exactInputSingle");
    CHECK(abi.function_by_selector(Selector{0x70, 0xa0, 0x82, 0x31})->name == "balanceOf");
    CHECK(abi.function_by_selector(Selector{0, 0, 0, 0}) == nullptr);
    const auto* transfer =
        abi.event_by_topic("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"_hash);
    REQUIRE(transfer != nullptr);
    CHECK(transfer->name == "Transfer");
    CHECK(abi.event_by_topic(abi.event("Note").value()->topic0()) == nullptr);  // anonymous: no topic 0
    const auto* err = abi.error_by_selector(parse_error("InsufficientBalance(uint256,uint256)")->selector());
    REQUIRE(err != nullptr);
    CHECK(err->inputs[1].name == "required");
    CHECK(abi.error("Unauthorized").value()->inputs.empty());
}

TEST_CASE("a forge artifact object is accepted through its abi field") {
    const auto abi = Abi::from_json(R"({"abi":[{"type":"function","name":"f","inputs":[],"outputs":[]}],
                                        "bytecode":{"object":"0x"},"metadata":{}})");
    REQUIRE(abi);
    CHECK(abi->functions().size() == 1);
}

TEST_CASE("entries without type are functions, pre-0.5 constant/payable flags") {
    const auto abi =
        Abi::from_json(R"([{"name":"totalSupply","inputs":[],"outputs":[{"name":"","type":"uint256"}],"constant":true},
                                        {"name":"buy","inputs":[],"outputs":[],"payable":true}])");
    REQUIRE(abi);
    CHECK(abi->function("totalSupply").value()->state_mutability == StateMutability::kView);
    CHECK(abi->function("buy").value()->state_mutability == StateMutability::kPayable);
}

TEST_CASE("malformed JSON ABIs are errors naming the entry") {
    const auto code = [](std::string_view json) { return Abi::from_json(json).error().code; };
    CHECK(code("") == AbiErrc::kInvalidJson);
    CHECK(code("[{]") == AbiErrc::kInvalidJson);
    CHECK(code("{}") == AbiErrc::kInvalidJson);
    CHECK(code("{\"abi\":5}") == AbiErrc::kInvalidJson);
    CHECK(code("[5]") == AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":5}])") == AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":"f","inputs":{}}])") == AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":"f","inputs":[{"name":"x"}]}])") == AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":"f","inputs":[{"name":"x","type":"tuple"}]}])") == AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":"f","inputs":[{"name":"x","type":"tuple","components":[]}]}])") ==
          AbiErrc::kInvalidJson);
    CHECK(
        code(
            R"([{"type":"function","name":"f","inputs":[{"name":"x","type":"tuple[x]","components":[{"name":"a","type":"bool"}]}]}])") ==
        AbiErrc::kInvalidJson);
    CHECK(code(R"([{"type":"function","name":"","inputs":[]}])") == AbiErrc::kInvalidJson);
    const auto r = Abi::from_json(R"([{"type":"function","name":"ok","inputs":[]},
                                      {"type":"function","name":"f","inputs":[{"name":"x","type":"uint7"}]}])");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kInvalidType);
    CHECK(r.error().message.find("entry 1 (f): inputs[0]: 'x': ") == 0);
    // Unknown entry kinds and fields are ignored.
    CHECK(Abi::from_json(R"([{"type":"modifier","name":"m"},{"type":"function","name":"f","extra":1}])"));
}

TEST_CASE("deeply nested components are refused, not recursed into without end") {
    std::string json = R"({"name":"x","type":"bool"})";
    for (int k = 0; k < 100; ++k) json = R"({"name":"x","type":"tuple","components":[)" + json + "]}";
    json = R"([{"type":"function","name":"f","inputs":[)" + json + "]}]";
    const auto r = Abi::from_json(json);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("nested too deeply") != std::string::npos);
}

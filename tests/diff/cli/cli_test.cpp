#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using keeper::test::cast;
using keeper::test::ProcessResult;
using keeper::test::run_process;
using keeper::test::TempDir;
using keeper::test::trimmed;

namespace {

ProcessResult keeper_run(std::vector<std::string> args) {
    args.insert(args.begin(), KEEPER_BIN);
    return run_process(args);
}

std::string keeper_out(const std::vector<std::string>& args) {
    auto r = keeper_run(args);
    INFO("keeper stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return trimmed(r.out);
}

}  // namespace

TEST_CASE("keccak, sig, calldata, abi-encode and RLP print what cast prints") {
    const std::vector<std::vector<std::string>> same = {
        {"keccak", "hello"},
        {"keccak", "0x1234"},
        {"sig", "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"},
        {"sig", "transfer(address,uint256)"},
        {"calldata", "transfer(address,uint256)", "0x000000000000000000000000000000000000dEaD", "1000000"},
        {"calldata", "f(uint256[],string,(bool,bytes))", "[1,2,3]", "hello", "(true,0xabcd)"},
        {"abi-encode", "g(int8,bytes3,address)", "-5", "0x616263", "0x000000000000000000000000000000000000dEaD"},
        {"to-rlp", R"(["0x01",["0x02","0x"],"0xdeadbeef"])"},
        {"from-rlp", "0xc88363617483646f67"},
    };
    for (const auto& args : same) {
        INFO(args[0] << " " << args[1]);
        CHECK(keeper_out(args) == cast(args));
    }
}

TEST_CASE("mktx from a cast keystore equals cast mktx, and decode-tx recovers the signer") {
    const TempDir dir;
    const std::string key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    cast({"wallet", "import", "k", "--private-key", key, "--unsafe-password", "pw", "--keystore-dir",
          dir.path().string()});
    const std::string password = dir.write("password", "pw\n");
    const std::string keystore = (dir.path() / "k").string();
    const std::string to = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45";
    const std::vector<std::string> fields = {"--chain", "1", "--nonce", "7", "--gas-limit", "250000",
                                             "--gas-price", "30gwei", "--priority-gas-price", "1gwei"};
    std::vector<std::string> ours = {"mktx", to, "transfer(address,uint256)", to, "5"};
    ours.insert(ours.end(), fields.begin(), fields.end());
    ours.insert(ours.end(), {"--keystore", keystore, "--password-file", password});
    std::vector<std::string> theirs = {"mktx", to, "transfer(address,uint256)", to, "5"};
    theirs.insert(theirs.end(), fields.begin(), fields.end());
    theirs.insert(theirs.end(), {"--private-key", key});
    const std::string raw = keeper_out(ours);
    CHECK(raw == cast(theirs));

    const std::string decoded = keeper_out({"decode-tx", raw});
    const std::string signer = cast({"wallet", "address", key});
    std::string lower = signer;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(decoded.find("\"signer\": \"" + lower + "\"") != std::string::npos);
    CHECK(decoded.find("\"nonce\": \"0x7\"") != std::string::npos);
}

TEST_CASE("bad input is one line on stderr naming the argument, exit code 1") {
    struct Bad {
        std::vector<std::string> args;
        std::string names;
    };
    const std::vector<Bad> cases = {
        {{"keccak", "0xzz"}, "data"},
        {{"sig", "f(uint7)"}, "uint7"},
        {{"from-rlp", "0xc88363617483646f6700"}, "trailing"},
        {{"decode-tx", "0x02"}, "tx"},
        {{"calldata", "transfer(address,uint256)", "0x1234", "1"}, "address"},
        {{"mktx", "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45", "--chain", "1", "--nonce", "0", "--gas-limit",
          "21000", "--gas-price", "1gwei", "--legacy", "--keystore", "/nonexistent/keystore"},
         "keystore"},
        {{"backtest", "/nonexistent/scenario.toml"}, "scenario"},
    };
    for (const auto& c : cases) {
        INFO(c.args[0] << " " << c.args[1]);
        const auto r = keeper_run(c.args);
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.starts_with("error: "));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.err.find(c.names) != std::string::npos);
    }
}

TEST_CASE("backtest writes a table, CSV and a self-contained HTML report, bad scenarios name the key") {
    const TempDir dir;
    const auto csv = dir.path() / "out.csv";
    const auto html = dir.path() / "out.html";
    const std::string table = keeper_out({"backtest", std::string(KEEPER_SOURCE_DIR) + "/config/backtest/hull.toml",
                                          "--paths", "400", "--threads", "2", "--csv", csv.string(), "--html",
                                          html.string()});
    CHECK(table.find("sd/V0") != std::string::npos);
    const std::string csv_text = TempDir::read(csv.string());
    CHECK(std::count(csv_text.begin(), csv_text.end(), '\n') == 7);  // header + six rebalancing intervals
    const std::string page = TempDir::read(html.string());
    CHECK(page.find("<svg") != std::string::npos);
    // Self-contained: nothing is loaded from elsewhere (the SVG namespace URI is a name, not a load).
    CHECK(page.find("src=\"http") == std::string::npos);
    CHECK(page.find("href=\"http") == std::string::npos);
    CHECK(page.find("<link") == std::string::npos);
    CHECK(page.find("@import") == std::string::npos);

    const std::string bad = dir.write("bad.toml", TempDir::read(std::string(KEEPER_SOURCE_DIR) + "/config/backtest/hull.toml") +
                                                      "\n[surprise]\nkey = 1\n");
    const auto r = keeper_run({"backtest", bad});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("surprise") != std::string::npos);
}

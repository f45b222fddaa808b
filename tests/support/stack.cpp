#include "support/stack.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace keeper::test {

namespace {

// forge shares one cache and one broadcast folder per project: serialize its runs across the
// test processes ctest starts in parallel.
class FileLock {
public:
    explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~FileLock() {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
        }
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_;
};

std::string first_word(const std::string& s) {
    std::istringstream in(s);
    std::string w;
    in >> w;
    return w;
}

std::string run_cast(const std::vector<std::string>& args) {
    std::vector<std::string> argv{KEEPER_CAST};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_process(argv);
    if (r.exit_code != 0) FAIL("cast failed: " << r.err << r.out);
    return trimmed(r.out);
}

}  // namespace

Stack deploy_stack(const AnvilProcess& anvil, const StackOptions& options) {
    const std::string root = KEEPER_SOURCE_DIR;
    const std::string name = "test-deployment-" + std::to_string(::getpid()) + "-" + std::to_string(anvil.port());
    std::filesystem::create_directories(root + "/build");
    ProcessResult r;
    {
        FileLock lock(root + "/build/.forge-deploy.lock");
        r = run_process({"/usr/bin/env", "-C", root, "DEPLOYMENT_NAME=" + name, "KEEPER=" + options.keeper,
                         root + "/node_modules/.bin/forge", "script", "contracts/script/Deploy.s.sol:Deploy",
                         "--rpc-url", anvil.http_url(), "--broadcast", "--unlocked", "--sender", kDeployerAddress,
                         "--slow", "--quiet"});
    }
    if (r.exit_code != 0) FAIL("forge script Deploy failed:\n" << r.out << r.err);
    const std::string path = root + "/config/" + name + ".json";
    std::ifstream in(path);
    if (!in) FAIL("deploy script wrote no " << path);
    const auto j = nlohmann::json::parse(in);
    in.close();
    std::filesystem::remove(path);
    Stack s;
    s.chain_id = j.at("chainId").get<std::uint64_t>();
    s.quote = j.at("quote").get<std::string>();
    s.underlying = j.at("underlying").get<std::string>();
    s.factory = j.at("uniswapV3Factory").get<std::string>();
    s.router = j.at("swapRouter").get<std::string>();
    s.pool = j.at("pool").get<std::string>();
    s.feed = j.at("priceFeed").get<std::string>();
    s.adapter = j.at("oracleAdapter").get<std::string>();
    s.vault = j.at("vault").get<std::string>();
    s.lens = j.at("lens").get<std::string>();
    return s;
}

std::string send_as(const AnvilProcess& anvil, const std::string& from, const std::string& to, const std::string& sig,
                    const std::vector<std::string>& args) {
    // A fixed gas limit, not cast's estimate: anvil estimates against its pending block, and a swap
    // mined in a block with another timestamp can need more (a failed exactInputSingle under load
    // used 106,235 gas, its estimate, where the same step succeeds with 109,514).
    std::vector<std::string> a{"send",   "--json", "--rpc-url", anvil.http_url(), "--unlocked", "--from",
                               from,     "--gas-limit", "5000000", to, sig};
    a.insert(a.end(), args.begin(), args.end());
    auto out = run_cast(a);
    const auto receipt = nlohmann::json::parse(out, nullptr, false);
    if (receipt.is_discarded() || receipt.value("status", std::string()) != "0x1")
        FAIL("transaction " << sig << " to " << to << " failed: " << out);
    return out;
}

std::string call(const AnvilProcess& anvil, const std::string& to, const std::string& sig,
                 const std::vector<std::string>& args) {
    std::vector<std::string> a{"call", "--rpc-url", anvil.http_url(), to, sig};
    a.insert(a.end(), args.begin(), args.end());
    return run_cast(a);
}

std::vector<std::string> seed_vault(const AnvilProcess& anvil, const Stack& stack, const std::string& deposit_quote,
                                    const std::vector<SeriesSpec>& series) {
    const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    send_as(anvil, kDeployerAddress, stack.quote, "approve(address,uint256)", {stack.vault, max});
    send_as(anvil, kDeployerAddress, stack.vault, "deposit(uint256,address)", {deposit_quote, kDeployerAddress});
    const auto now = std::stoull(run_cast({"block", "latest", "--field", "timestamp", "--rpc-url", anvil.http_url()}));
    std::vector<std::string> ids;
    for (const auto& s : series) {
        const auto out = send_as(anvil, kDeployerAddress, stack.vault, "createSeries(bool,uint256,uint256,uint256)",
                                 {s.is_call ? "true" : "false", s.strike_wad, std::to_string(now + s.expiry_in), s.vol_wad});
        const auto receipt = nlohmann::json::parse(out);
        std::string id;
        for (const auto& log : receipt.at("logs"))
            if (log.at("topics").size() >= 2) id = log.at("topics")[1].get<std::string>();
        if (id.empty()) FAIL("createSeries emitted no SeriesCreated");
        id = run_cast({"to-dec", id});
        const auto fair = first_word(call(anvil, stack.lens, "fairPremium(address,uint256,uint256)(uint256)",
                                          {stack.vault, id, s.size}));
        // premium = fair * 101 / 100 (+1 so a zero fair value still pays something)
        const auto padded = std::to_string(std::stoull(fair) / 100 * 101 + 1);  // fits: premiums are quote units (6 decimals)
        send_as(anvil, kDeployerAddress, stack.vault, "write(uint256,uint256,uint256,address)",
                {id, s.size, padded, kDeployerAddress});
        ids.push_back(id);
    }
    return ids;
}

void set_oracle_answer(const AnvilProcess& anvil, const Stack& stack, const std::string& answer_8dec) {
    send_as(anvil, kDeployerAddress, stack.feed, "setAnswer(int256)", {answer_8dec});
}

void swap_on_pool(const AnvilProcess& anvil, const Stack& stack, const std::string& from, bool buy_underlying,
                  const std::string& amount_in) {
    const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    const auto& token_in = buy_underlying ? stack.quote : stack.underlying;
    const auto& token_out = buy_underlying ? stack.underlying : stack.quote;
    send_as(anvil, from, token_in, "mint(address,uint256)", {from, amount_in});
    send_as(anvil, from, token_in, "approve(address,uint256)", {stack.router, max});
    send_as(anvil, from, stack.router,
            "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
            {"(" + token_in + "," + token_out + ",3000," + from + ",99999999999," + amount_in + ",0,0)"});
}

}  // namespace keeper::test

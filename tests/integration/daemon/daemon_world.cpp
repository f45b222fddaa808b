#include "daemon_world.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/keystore/keystore.hpp"
#include "support/process.hpp"

namespace keeper::test {
namespace {

/// First whitespace-separated token of cast's output ("123 [1.23e2]" -> "123").
std::string first_token(const std::string& s) {
    std::istringstream in(s);
    std::string t;
    in >> t;
    return t;
}

double wad_to_double(const std::string& text) { return std::stod(first_token(text)) / 1e18; }

void write_keystore(const TempDir& dir, const std::string& path) {
    auto bytes = from_hex(kKeeperKey);
    REQUIRE(bytes);
    auto key = SecretKey::from_bytes(*bytes);
    REQUIRE(key);
    // Light scrypt: the tests open it many times; the format is what cast writes.
    auto ks = encrypt_keystore(*key, kKeystorePassword, ScryptParams{1024, 8, 1});
    REQUIRE(ks);
    dir.write(path, to_json(*ks));
    dir.write("keeper.password", std::string(kKeystorePassword) + "\n");
}

}  // namespace

DaemonWorld::DaemonWorld(std::vector<std::string> anvil_args) {
    AnvilOptions o = anvil_options();
    o.extra_args = std::move(anvil_args);
    anvil_ = std::make_unique<AnvilProcess>(o);
    stack_ = deploy_stack(*anvil_);
    seed_book(*anvil_, stack_);
    advance_time(*anvil_, 400);  // a TWAP window (300 s) of pool history before the first decision
    write_keystore(dir_, "keeper.json");
}

std::string DaemonWorld::config_toml(ConfigOptions o) const {
    if (o.endpoints.empty()) o.endpoints.emplace_back("anvil", anvil_->http_url());
    std::ostringstream t;
    t << "dry_run = " << (o.dry_run ? "true" : "false") << "\n\n";
    t << "[network]\nname = \"anvil\"\nchain_id = " << stack_.chain_id << "\n\n";
    t << "[rpc]\n";
    if (o.ws_url) t << "ws_url = \"" << *o.ws_url << "\"\n";
    for (const auto& [name, url] : o.endpoints) t << "[[rpc.endpoints]]\nname = \"" << name << "\"\nurl = \"" << url << "\"\n";
    t << "[rpc.http]\nconnect_timeout_ms = 500\nrequest_timeout_ms = 3000\n";
    t << "[rpc.retry]\nmax_attempts = 4\ninitial_backoff_ms = 50\nmax_backoff_ms = 400\n";
    t << "[rpc.pool]\nprobe_interval_ms = " << o.probe_interval_ms << "\n";
    t << "[rpc.heads]\npoll_interval_ms = " << o.poll_interval_ms << "\n\n";
    if (o.with_keystore) {
        t << "[keys]\nkeystore = \"" << keystore_path() << "\"\npassword_file = \"" << password_path() << "\"\n\n";
    }
    t << "[journal]\npath = \"" << journal_path() << "\"\n\n";
    t << "[[vaults]]\naddress = \"" << stack_.vault << "\"\nlens = \"" << stack_.lens << "\"\n\n";
    t << "[policy]\nkind = \"delta_band\"\nband = " << o.band << "\nunit = \"absolute\"\nto = \"center\"\n\n";
    t << "[planner]\nmin_trade = 0.001\nmax_slippage_bps = 100\nmax_deviation_bps = 100\noracle_max_age_s = "
      << o.oracle_max_age_s << "\ndeadline_s = 300\nmin_keeper_balance_eth = 0.05\n\n";
    t << "[txm]\nconfirmations = " << o.confirmations << "\nintent_ttl_s = 600\n\n";
    if (o.private_relay_url) {
        t << "[submit]\nmode = \"private\"\nmax_block_window = " << o.relay_window_blocks << "\n";
        t << "[[submit.relays]]\nname = \"local\"\nurl = \"" << *o.private_relay_url << "\"\nkind = \"flashbots\"\n\n";
    } else {
        t << "[submit]\nmode = \"public\"\n\n";
    }
    t << "[metrics]\nenabled = true\nlisten = \"127.0.0.1:0\"\n\n";
    t << "[log]\nlevel = \"" << o.log_level << "\"\njson = " << (o.log_json ? "true" : "false") << "\n";
    return t.str();
}

std::string DaemonWorld::write_config(const ConfigOptions& options, const std::string& name) const {
    return dir_.write(name, config_toml(options));
}

nlohmann::json anvil_rpc(const AnvilProcess& anvil, const std::string& method, const std::string& params_json) {
    const auto body = nlohmann::json::parse(anvil.raw_call(method, params_json));
    if (body.contains("error")) FAIL(method << " failed: " << body["error"].dump());
    return body["result"];
}

void mine(const AnvilProcess& anvil) { anvil_rpc(anvil, "evm_mine"); }

void advance_time(const AnvilProcess& anvil, std::uint64_t seconds) {
    anvil_rpc(anvil, "evm_increaseTime", "[" + std::to_string(seconds) + "]");
    mine(anvil);
}

std::uint64_t block_number(const AnvilProcess& anvil) {
    return std::stoull(anvil_rpc(anvil, "eth_blockNumber").get<std::string>(), nullptr, 16);
}

std::uint64_t nonce_of(const AnvilProcess& anvil, const std::string& address) {
    return std::stoull(anvil_rpc(anvil, "eth_getTransactionCount", "[\"" + address + "\",\"latest\"]").get<std::string>(),
                       nullptr, 16);
}

double chain_delta(const AnvilProcess& anvil, const Stack& stack) {
    const std::string out = call(anvil, stack.lens, "portfolioDelta(address)(int256,uint256)", {stack.vault});
    return wad_to_double(out.substr(0, out.find('\n')));
}

double vault_tolerance(const AnvilProcess& anvil, const Stack& stack) {
    const std::string out = call(anvil, stack.vault, "deltaConfig()((int96,uint80,uint80))");
    // "(0, 500000000000000000 [5e17], 20000000000000000000 [2e19])"
    const auto comma = out.find(',');
    return wad_to_double(out.substr(comma + 1));
}

double pool_price(const AnvilProcess& anvil, const Stack& stack) {
    const std::string slot0 = call(anvil, stack.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
    const long double sqrt_price = std::stold(first_token(slot0)) / std::pow(2.0L, 96);
    const bool underlying_is_token0 =
        trimmed(call(anvil, stack.pool, "token0()(address)")) == stack.underlying;
    // raw price = token1 base units per token0 base unit; underlying 18 decimals, quote 6.
    const long double raw = sqrt_price * sqrt_price;
    const long double price = underlying_is_token0 ? raw * 1e12L : 1e12L / raw;
    return static_cast<double>(price);
}

void set_oracle_price(const AnvilProcess& anvil, const Stack& stack, double price) {
    char answer[64];
    std::snprintf(answer, sizeof answer, "%.0f", price * 1e8);
    set_oracle_answer(anvil, stack, answer);
}

std::vector<RebalancedLog> rebalanced_events(const AnvilProcess& anvil, const Stack& stack) {
    const std::string topic = cast({"keccak", "Rebalanced(address,bool,uint256,uint256,uint256,int256,int256,uint256)"});
    const auto logs = anvil_rpc(anvil, "eth_getLogs",
                          R"([{"fromBlock":"0x0","toBlock":"latest","address":")" + stack.vault +
                              R"(","topics":[")" + topic + R"("]}])");
    std::vector<RebalancedLog> out;
    for (const auto& l : logs) {
        RebalancedLog r;
        r.block = std::stoull(l["blockNumber"].get<std::string>(), nullptr, 16);
        r.tx_hash = l["transactionHash"].get<std::string>();
        const std::string t1 = l["topics"][1].get<std::string>();
        r.keeper = "0x" + t1.substr(t1.size() - 40);
        out.push_back(std::move(r));
    }
    return out;
}

void seed_book(const AnvilProcess& anvil, const Stack& stack) {
    seed_vault(anvil, stack, "1000000000000",
               {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"},
                {false, "2800000000000000000000", 14 * 86400, "800000000000000000", "5000000000000000000"}});
}

}  // namespace keeper::test

namespace keeper::test {

void move_pool_to(const AnvilProcess& anvil, const Stack& stack, double price) {
    const std::string slot0 = call(anvil, stack.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
    const long double q96 = std::pow(2.0L, 96);
    const long double sigma = std::stold(first_token(slot0)) / q96;
    const long double liquidity = std::stold(first_token(call(anvil, stack.pool, "liquidity()(uint128)")));
    const bool underlying_is_token0 = trimmed(call(anvil, stack.pool, "token0()(address)")) == stack.underlying;
    const long double raw_target = underlying_is_token0 ? static_cast<long double>(price) * 1e-12L
                                                        : 1e12L / static_cast<long double>(price);
    const long double sigma_target = std::sqrt(raw_target);
    // amount1 = L (sigma' - sigma) when the price of token0 rises; amount0 = L (1/sigma' - 1/sigma) when it falls.
    const bool token1_in = sigma_target > sigma;
    const long double amount = (token1_in ? liquidity * (sigma_target - sigma)
                                          : liquidity * (1.0L / sigma_target - 1.0L / sigma)) / 0.997L;
    if (amount < 1.0L) return;
    const bool quote_in = token1_in == underlying_is_token0;  // token1 is the quote when underlying is token0
    char text[80];
    std::snprintf(text, sizeof text, "%.0Lf", amount);
    swap_on_pool(anvil, stack, kTraderAddress, quote_in, text);
}

}  // namespace keeper::test

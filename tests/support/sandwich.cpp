#include "support/sandwich.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/keccak.hpp"

namespace keeper::test {

using Json = nlohmann::json;

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string selector_hex(std::string_view signature) {
    const auto sel = function_selector(signature);
    return to_hex(ByteView(sel.data(), sel.size()));
}

std::string word_address(const std::string& address) {
    return std::string(24, '0') + lower(std::string(strip_0x(address)));
}

std::string word_u256(const U256& v) {
    const auto be = to_be32(v);
    return to_hex_raw(ByteView(be.data(), be.size()));
}

U256 from_double(double v) {
    if (!(v > 0)) return 0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", std::floor(v));
    auto r = parse_u256(buf);
    return r ? *r : U256(0);
}

U256 word_at(const std::string& hex_no_prefix, std::size_t index) {
    auto b = from_hex(hex_no_prefix.substr(index * 64, 64));
    if (!b) throw std::runtime_error("bad word");
    auto v = from_be(*b);
    if (!v) throw std::runtime_error("bad word");
    return *v;
}

double to_double(const U256& v) { return v.convert_to<double>(); }

/// Full-range Uniswap V3 liquidity behaves as x*y = L^2 with sqrtP = sqrt(token1/token0).
struct PoolModel {
    double sqrt_p{0};
    double liquidity{0};
    double fee{0.003};

    /// Exact-input swap; returns the output and moves the price.
    double swap(bool zero_for_one, double amount_in) {
        const double eff = amount_in * (1.0 - fee);
        if (zero_for_one) {
            const double next = liquidity * sqrt_p / (liquidity + eff * sqrt_p);
            const double out = liquidity * (sqrt_p - next);
            sqrt_p = next;
            return out;
        }
        const double next = sqrt_p + eff / liquidity;
        const double out = liquidity * (1.0 / sqrt_p - 1.0 / next);
        sqrt_p = next;
        return out;
    }
};

}  // namespace

SandwichBot::SandwichBot(SandwichOptions options) : options_(std::move(options)) {
    if (!options_.gate) options_.gate = std::make_shared<ChainGate>();
}

SandwichBot::~SandwichBot() { stop(); }

void SandwichBot::start() {
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void SandwichBot::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

bool SandwichBot::wait_for_attack(std::chrono::milliseconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        {
            std::lock_guard lock(mutex_);
            if (!attacks_.empty()) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

void SandwichBot::wait_polls(std::uint64_t n) const {
    const std::uint64_t target = polls_.load() + n;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (polls_.load() < target && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

std::vector<Attack> SandwichBot::attacks() const {
    std::lock_guard lock(mutex_);
    return attacks_;
}

std::string SandwichBot::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

void SandwichBot::run() {
    while (!stopping_) {
        try {
            std::lock_guard gate(options_.gate->mutex);
            scan();
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            last_error_ = e.what();
        }
        ++polls_;
        std::this_thread::sleep_for(options_.poll_interval);
    }
}

void SandwichBot::scan() {
    static const std::string kRebalance = selector_hex("rebalance((bool,uint256,uint256,uint160,uint256))");
    const Json pool = Json::parse(options_.chain("txpool_content", "[]"));
    if (!pool.contains("result") || !pool["result"].contains("pending")) return;
    const std::string vault = lower(options_.target.vault);
    for (const auto& [sender, by_nonce] : pool["result"]["pending"].items()) {
        for (const auto& [nonce, tx] : by_nonce.items()) {
            if (!tx.contains("to") || !tx["to"].is_string() || lower(tx["to"].get<std::string>()) != vault) continue;
            const std::string input = tx.value("input", std::string());
            if (lower(input).rfind(kRebalance, 0) != 0) continue;
            const std::string hash = lower(tx["hash"].get<std::string>());
            {
                std::lock_guard lock(mutex_);
                if (!seen_.insert(hash).second) continue;
            }
            ++victims_seen_;
            react(hash, input, tx.value("maxPriorityFeePerGas", std::string("0x0")),
                  tx.value("maxFeePerGas", std::string("0x0")));
        }
    }
}

void SandwichBot::react(const std::string& hash, const std::string& input, const std::string& tip_hex,
                        const std::string& max_fee_hex) {
    const auto& t = options_.target;
    auto call = [&](const std::string& to, const std::string& data) {
        Json c = Json::object();
        c["to"] = to;
        c["data"] = data;
        const Json reply = Json::parse(options_.chain("eth_call", Json::array({c, "latest"}).dump()));
        if (!reply.contains("result")) throw std::runtime_error("eth_call failed: " + reply.dump());
        return std::string(strip_0x(reply["result"].get<std::string>()));
    };
    // The victim: rebalance((bool buy, uint256 amountIn, uint256 minAmountOut, uint160 limit, uint256 deadline)).
    const std::string args = std::string(strip_0x(input)).substr(8);
    const bool buy = word_at(args, 0) != 0;
    const double amount_in = to_double(word_at(args, 1));
    const double min_out = to_double(word_at(args, 2));
    // The victim's own sqrtPriceLimitX96 (0: none): the pool stops its swap there, a partial
    // fill that its minimum would then refuse, so the front-run must leave it short of the limit.
    const double victim_limit_sqrt = to_double(word_at(args, 3)) / std::pow(2.0, 96);

    PoolModel model;
    model.sqrt_p = to_double(word_at(call(t.pool, selector_hex("slot0()")), 0)) / std::pow(2.0, 96);
    model.liquidity = to_double(word_at(call(t.pool, selector_hex("liquidity()")), 0));
    model.fee = t.pool_fee / 1e6;
    const double oracle = to_double(word_at(call(t.adapter, selector_hex("latestPrice()")), 0)) / 1e18;

    const bool underlying_is_token0 = lower(t.underlying) < lower(t.quote);
    const double scale = std::pow(10.0, static_cast<double>(t.underlying_decimals) - t.quote_decimals);
    auto price = [&](double sqrt_p) {  // quote per underlying, human units
        const double raw = sqrt_p * sqrt_p;
        return (underlying_is_token0 ? raw : 1.0 / raw) * scale;
    };
    // Buying underlying spends quote: zeroForOne iff quote is token0.
    const bool zero_for_one = buy ? !underlying_is_token0 : underlying_is_token0;
    const double margin = options_.safety_bps / 1e4;
    const double dev = t.max_deviation_bps / 1e4;
    const double slip = t.max_slippage_bps / 1e4;
    const double uq = std::pow(10.0, t.underlying_decimals);
    const double qq = std::pow(10.0, t.quote_decimals);
    // The vault's oracle floor on the victim's output, in output base units.
    const double floor_out = buy ? amount_in / qq / oracle * uq * (1.0 - slip) : amount_in / uq * oracle * qq * (1.0 - slip);
    const double limit_price = buy ? oracle * (1.0 + slip) : oracle * (1.0 - slip);

    auto victim_after = [&](double front, PoolModel& m, double& victim_out) {
        (void)m.swap(zero_for_one, front);
        const double p1 = price(m.sqrt_p);
        if (std::abs(p1 - oracle) / oracle > dev - margin) return false;
        victim_out = m.swap(zero_for_one, amount_in);
        const double p2 = price(m.sqrt_p);
        if (buy ? p2 > limit_price * (1.0 - margin) : p2 < limit_price * (1.0 + margin)) return false;
        if (victim_limit_sqrt > 0) {  // sqrt prices: zeroForOne moves down to the limit, oneForZero up
            const double ratio = (m.sqrt_p * m.sqrt_p) / (victim_limit_sqrt * victim_limit_sqrt);
            if (zero_for_one ? ratio < 1.0 + margin : ratio > 1.0 - margin) return false;
        }
        return victim_out >= min_out * (1.0 + margin) && victim_out >= floor_out * (1.0 + margin);
    };
    double lo = 0;
    double hi = amount_in * 50;  // far beyond any feasible front-run
    double out = 0;
    {
        PoolModel m = model;
        if (!victim_after(0, m, out)) return;  // the victim would fail on its own
    }
    for (int i = 0; i < 100; ++i) {
        const double mid = (lo + hi) / 2;
        PoolModel m = model;
        double o = 0;
        if (victim_after(mid, m, o)) lo = mid;
        else hi = mid;
    }
    const double front = std::floor(lo);
    PoolModel m = model;
    const double bought = m.swap(zero_for_one, front);
    const double victim_out = m.swap(zero_for_one, amount_in);
    const double back_in = std::floor(bought);
    const double back_out = m.swap(!zero_for_one, back_in);
    const double profit = back_out - front;
    if (front <= 0 || profit <= 0) return;  // nothing to earn on this one

    // Send front (tip above the victim's) and back (tip below), same block.
    const std::string token_in = buy ? t.quote : t.underlying;
    const std::string token_out = buy ? t.underlying : t.quote;
    const std::string swap_sel = selector_hex("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))");
    auto swap_data = [&](const std::string& in, const std::string& out_token, double amount) {
        return swap_sel + word_address(in) + word_address(out_token) + word_u256(t.pool_fee) +
               word_address(options_.bot) + word_u256(U256(1) << 40) + word_u256(from_double(amount)) +
               word_u256(0) + word_u256(0);
    };
    const U256 victim_tip = *parse_u256(tip_hex);
    const U256 victim_max_fee = *parse_u256(max_fee_hex);
    const U256 gwei = 1'000'000'000;
    const Json nonce_reply =
        Json::parse(options_.chain("eth_getTransactionCount", Json::array({options_.bot, "pending"}).dump()));
    const U256 nonce = *parse_u256(nonce_reply["result"].get<std::string>());
    auto send = [&](const std::string& data, const U256& tip, const U256& max_fee, const U256& n) {
        Json tx = Json::object();
        tx["from"] = options_.bot;
        tx["to"] = t.router;
        tx["data"] = data;
        tx["gas"] = "0x7a120";
        tx["maxPriorityFeePerGas"] = to_quantity(tip);
        tx["maxFeePerGas"] = to_quantity(max_fee);
        tx["nonce"] = to_quantity(n);
        const Json reply = Json::parse(options_.chain("eth_sendTransaction", Json::array({tx}).dump()));
        if (!reply.contains("result")) throw std::runtime_error("bot send failed: " + reply.dump());
        return reply["result"].get<std::string>();
    };
    Attack a;
    a.victim_hash = hash;
    a.buy_underlying = buy;
    a.front_in = front;
    a.expected_victim_out = victim_out;
    a.expected_profit = profit;
    a.front_hash = send(swap_data(token_in, token_out, front), victim_tip + gwei, victim_max_fee + 2 * gwei, nonce);
    a.back_hash = send(swap_data(token_out, token_in, back_in), victim_tip / 2, victim_max_fee, nonce + 1);
    std::lock_guard lock(mutex_);
    attacks_.push_back(a);
}

}  // namespace keeper::test

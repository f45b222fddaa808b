#include "keeper/demo/market.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/log.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/demo/process.hpp"

namespace keeper::demo {

namespace {

using abi::Value;

const U256 kMaxU256 = ~U256(0);
constexpr std::uint64_t kKeeperBlockOffset = 12;     // seconds between a market block and the keeper's
constexpr double kInitialBudget = 100.0;             // delta budget the deploy script grants, underlying units
constexpr double kRefillBelow = 50.0;                // refill when the remaining budget drops below this

const abi::TupleValue& as_tuple(const Value& v, std::string_view what) {
    if (const auto* t = v.get_if<abi::TupleValue>()) return *t;
    throw DemoError(std::string(what) + ": expected a tuple");
}

Expected<Address, std::string> field_address(const rpc::Json& j, const char* name) {
    if (!j.contains(name) || !j[name].is_string()) return Unexpected(std::string(name) + ": missing or not a string");
    auto a = parse_address(j[name].get<std::string>());
    if (!a) return Unexpected(std::string(name) + ": not an address");
    return *a;
}

// Whole-token amount to base units (rounded down).
U256 units(double amount, double unit) { return u256_from_double(amount * unit); }

}  // namespace

Expected<Deployment, std::string> parse_deployment(std::string_view json) {
    auto j = rpc::parse_json(json);
    if (!j || !j->is_object()) return Unexpected(std::string("deployment: not a JSON object"));
    Deployment d;
    if (!j->contains("chainId") || !(*j)["chainId"].is_number_unsigned())
        return Unexpected(std::string("deployment: chainId: missing or not an unsigned integer"));
    d.chain_id = (*j)["chainId"].get<std::uint64_t>();
    const std::pair<const char*, Address*> fields[] = {
        {"quote", &d.quote},        {"underlying", &d.underlying}, {"uniswapV3Factory", &d.factory},
        {"swapRouter", &d.router},  {"pool", &d.pool},             {"priceFeed", &d.feed},
        {"oracleAdapter", &d.adapter}, {"vault", &d.vault},        {"lens", &d.lens}};
    for (const auto& [name, out] : fields) {
        auto a = field_address(*j, name);
        if (!a) return Unexpected("deployment: " + a.error());
        *out = *a;
    }
    return d;
}

std::vector<double> market_path(const MarketSpec& spec, double s0) {
    sim::PathSpec p;
    p.s0 = s0;
    p.steps = static_cast<int>(spec.steps);
    p.horizon = static_cast<double>(spec.steps) * static_cast<double>(spec.step_seconds) / (365.0 * 86400.0);
    p.model = spec.model;
    if (auto ok = sim::validate(p); !ok) throw DemoError("market path: " + std::string(sim::to_string(ok.error())));
    std::vector<double> spot(spec.steps + 1u);
    std::vector<double> normals(2u * spec.steps);
    sim::simulate_path(p, spec.seed, 0, spot, normals);
    return spot;
}

MarketDriver::MarketDriver(Chain& chain, Deployment deployment, DriverSettings settings)
    : chain_(chain),
      deployment_(deployment),
      settings_(std::move(settings)),
      deployer_(dev_account(0, "deployer")),
      trader_(dev_account(2, "trader")) {}

void MarketDriver::inspect() {
    const auto& d = deployment_;
    const Address token0 = as_address(chain_.call_fn(d.pool, "token0()(address)").at(0), "token0");
    if (token0 != d.underlying && token0 != d.quote) throw DemoError("the pool does not trade the vault's tokens");
    orientation_.underlying_is_token0 = token0 == d.underlying;
    orientation_.underlying_decimals =
        static_cast<unsigned>(as_u256(chain_.call_fn(d.underlying, "decimals()(uint8)").at(0), "decimals"));
    orientation_.quote_decimals =
        static_cast<unsigned>(as_u256(chain_.call_fn(d.quote, "decimals()(uint8)").at(0), "decimals"));
    pool_fee_ = static_cast<std::uint32_t>(as_u256(chain_.call_fn(d.pool, "fee()(uint24)").at(0), "fee"));
    underlying_unit_ = std::pow(10.0, orientation_.underlying_decimals);
    quote_unit_ = std::pow(10.0, orientation_.quote_decimals);
}

double MarketDriver::pool_price(const rpc::BlockRef& block) {
    const auto slot0 = chain_.call_fn(deployment_.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)", {}, block);
    return price_from_sqrt_x96(as_u256(slot0.at(0), "sqrtPriceX96"), orientation_);
}

double MarketDriver::oracle_price(const rpc::BlockRef& block) {
    const auto round =
        chain_.call_fn(deployment_.feed, "latestRoundData()(uint80,int256,uint256,uint256,uint80)", {}, block);
    const auto decimals = as_u256(chain_.call_fn(deployment_.feed, "decimals()(uint8)", {}, block).at(0), "decimals");
    return to_double(as_i256(round.at(1), "answer")) / std::pow(10.0, to_double(decimals));
}

void MarketDriver::seed_vault(double deposit_quote, const std::vector<SeriesSpec>& series) {
    const auto& d = deployment_;
    chain_.transact(deployer_, d.quote, calldata("approve(address,uint256)", {d.vault, kMaxU256}), "approve the vault");
    chain_.transact(deployer_, d.vault,
                    calldata("deposit(uint256,address)", {units(deposit_quote, quote_unit_), deployer_.address}),
                    "deposit into the vault");
    const auto now = chain_.block(rpc::BlockTag::kLatest).timestamp;
    for (const auto& s : series) {
        const auto created = chain_.transact(
            deployer_, d.vault,
            calldata("createSeries(bool,uint256,uint256,uint256)",
                     {s.is_call, units(s.strike, 1e18), U256(now + s.expiry_in), units(s.vol, 1e18)}),
            "createSeries");
        std::optional<U256> id;
        for (const auto& log : created.logs)
            if (log.address == d.vault && log.topics.size() >= 2) id = from_be(log.topics[1].view()).value();
        if (!id) throw DemoError("createSeries emitted no SeriesCreated");
        const U256 size = units(s.size, underlying_unit_);
        const U256 fair = as_u256(
            chain_.call_fn(d.lens, "fairPremium(address,uint256,uint256)(uint256)", {d.vault, *id, size}).at(0),
            "fairPremium");
        chain_.transact(deployer_, d.vault,
                        calldata("write(uint256,uint256,uint256,address)", {*id, size, fair / 100 * 101 + 1, deployer_.address}),
                        "write series " + to_dec(*id));
    }
}

void MarketDriver::fund_trader() {
    const auto& d = deployment_;
    // Enough for any move the path can ask for (the pool holds ~20,000 WETH of virtual depth).
    chain_.transact(trader_, d.underlying, calldata("mint(address,uint256)", {trader_.address, units(1e7, underlying_unit_)}),
                    "mint underlying to the trader");
    chain_.transact(trader_, d.quote, calldata("mint(address,uint256)", {trader_.address, units(1e11, quote_unit_)}),
                    "mint quote to the trader");
    for (const Address& token : {d.underlying, d.quote})
        chain_.transact(trader_, token, calldata("approve(address,uint256)", {d.router, kMaxU256}),
                        "approve the router");
}

void MarketDriver::queue_pool_move(double price, std::vector<Hash32>& txs) {
    const auto& d = deployment_;
    const auto slot0 = chain_.call_fn(d.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
    const U256 current = as_u256(slot0.at(0), "sqrtPriceX96");
    const U256 liquidity = as_u256(chain_.call_fn(d.pool, "liquidity()(uint128)").at(0), "liquidity");
    auto target = sqrt_x96_from_price(price, orientation_);
    if (!target) throw DemoError("market path: " + target.error());
    if (*target == current) return;
    auto swap = swap_to_price(current, liquidity, *target, pool_fee_, orientation_);
    if (!swap) throw DemoError("pool move to " + std::to_string(price) + ": " + swap.error());
    // 2 % above the exact input: the price limit stops the swap at the target and the router
    // pulls only what the pool used.
    const U256 amount_in = swap->amount_in + swap->amount_in / 50 + 1;
    const Address& token0 = orientation_.underlying_is_token0 ? d.underlying : d.quote;
    const Address& token1 = orientation_.underlying_is_token0 ? d.quote : d.underlying;
    const Address& token_in = swap->zero_for_one ? token0 : token1;
    const Address& token_out = swap->zero_for_one ? token1 : token0;
    const Value params = abi::TupleValue{{token_in, token_out, U256(pool_fee_), trader_.address, kMaxU256 >> 1,
                                          amount_in, U256(0), swap->target_sqrt_price_x96}};
    txs.push_back(chain_.send(
        trader_, d.router,
        calldata("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))", {params})));
}

void MarketDriver::queue_oracle(double price, std::vector<Hash32>& txs) {
    const double answer = std::round(price * 1e8);  // the feed has 8 decimals (checked in run())
    txs.push_back(chain_.send(deployer_, deployment_.feed,
                              calldata("setAnswer(int256)", {I256(u256_from_double(answer))})));
}

void MarketDriver::check_receipts(const std::vector<Hash32>& txs, std::string_view what) {
    for (const auto& h : txs) {
        const auto r = chain_.receipt(h);
        if (!r.status) throw DemoError(std::string(what) + ": transaction " + to_hex(h) + " reverted");
    }
}

Sample MarketDriver::sample(std::uint64_t block, std::uint32_t step, bool market_block, double path_price) {
    const auto& d = deployment_;
    Sample s;
    s.block = block;
    s.step = step;
    s.market_block = market_block;
    s.path_price = path_price;
    s.timestamp = chain_.block(block).timestamp;
    s.pool_price = pool_price(block);
    s.oracle_price = oracle_price(block);
    try {
        const auto out = chain_.call_fn(d.lens,
                                        "rebalanceBounds(address,address)((uint256,uint256,uint256,int256,int256,uint256,"
                                        "bool,uint256,uint256,uint256,uint256,(uint16,uint16,uint32,uint32,uint96)))",
                                        {d.vault, settings_.keeper}, block);
        const auto& b = as_tuple(out.at(0), "rebalanceBounds").items;
        s.delta = to_double(as_i256(b.at(3), "delta")) / underlying_unit_;
        s.target = to_double(as_i256(b.at(4), "targetDelta")) / underlying_unit_;
        s.tolerance = to_double(as_u256(b.at(5), "tolerance")) / underlying_unit_;
        s.budget = to_double(as_u256(b.at(8), "budget")) / underlying_unit_;
        return s;
    } catch (const DemoError&) {
        // rebalanceBounds refuses when a bound cannot be computed (e.g. the pool's TWAP has too
        // little history); the delta and the band are still readable one by one.
    }
    const auto pd = chain_.call_fn(d.lens, "portfolioDelta(address)(int256,uint256)", {d.vault}, block);
    s.delta = to_double(as_i256(pd.at(0), "delta")) / underlying_unit_;
    const auto dc = as_tuple(chain_.call_fn(d.vault, "deltaConfig()((int96,uint80,uint80))", {}, block).at(0), "deltaConfig");
    s.target = to_double(as_i256(dc.items.at(0), "targetDelta")) / underlying_unit_;
    s.tolerance = to_double(as_u256(dc.items.at(1), "tolerance")) / underlying_unit_;
    s.budget = to_double(as_u256(chain_.call_fn(d.vault, "deltaBudget(address)(uint256)", {settings_.keeper}, block).at(0),
                                 "deltaBudget")) /
               underlying_unit_;
    return s;
}

std::vector<Hedge> MarketDriver::hedges_in(std::uint64_t from, std::uint64_t to) {
    static const abi::Event event = [] {
        auto e = abi::parse_event(kRebalancedEvent);
        if (!e) throw DemoError("Rebalanced event signature: " + e.error().message);
        return std::move(*e);
    }();
    std::vector<Hedge> out;
    for (const auto& log : chain_.logs(deployment_.vault, event.topic0(), from, to)) {
        auto fields = abi::decode_log(event, log.topics, log.data);
        if (!fields) throw DemoError("Rebalanced log in block " + std::to_string(log.block_number) + ": " + fields.error().message);
        const auto& f = *fields;
        Hedge h;
        h.block = log.block_number;
        h.tx = log.transaction_hash;
        h.buy_underlying = as_bool(f.at(1).value, "buyUnderlying");
        const double in_unit = h.buy_underlying ? quote_unit_ : underlying_unit_;
        const double out_unit = h.buy_underlying ? underlying_unit_ : quote_unit_;
        h.amount_in = to_double(as_u256(f.at(2).value, "amountIn")) / in_unit;
        h.amount_out = to_double(as_u256(f.at(3).value, "amountOut")) / out_unit;
        h.oracle_price = to_double(as_u256(f.at(4).value, "oraclePrice")) / 1e18;
        h.delta_before = to_double(as_i256(f.at(5).value, "deltaBefore")) / underlying_unit_;
        h.delta_after = to_double(as_i256(f.at(6).value, "deltaAfter")) / underlying_unit_;
        const double given = h.buy_underlying ? h.amount_in : h.amount_in * h.oracle_price;
        const double received = h.buy_underlying ? h.amount_out * h.oracle_price : h.amount_out;
        h.notional = given;
        h.cost = given - received;
        const auto receipt = chain_.receipt(h.tx);
        h.gas_used = receipt.gas_used;
        h.gas_cost_eth = static_cast<double>(receipt.gas_used) * to_double(receipt.effective_gas_price) / 1e18;
        h.timestamp = chain_.block(h.block).timestamp;
        out.push_back(h);
    }
    return out;
}

void MarketDriver::wait_for_keeper() {
    const auto deadline = std::chrono::steady_clock::now() + settings_.keeper_wait;
    const std::uint64_t mined = chain_.nonce(settings_.keeper, rpc::BlockTag::kLatest);
    while (std::chrono::steady_clock::now() < deadline && !stop_requested()) {
        if (settings_.keeper_alive && !settings_.keeper_alive()) return;
        if (chain_.nonce(settings_.keeper, rpc::BlockTag::kPending) > mined) {
            // A hedge is in the pool; leave a moment for a second vault's or a replacement.
            std::this_thread::sleep_for(settings_.keeper_settle);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

void MarketDriver::refill_budget_if_low(std::vector<Hash32>& txs, MarketRecord& record) {
    const double budget = record.samples.empty() ? kInitialBudget : record.samples.back().budget;
    if (budget >= kRefillBelow) return;
    txs.push_back(chain_.send(deployer_, deployment_.vault,
                              calldata("setDeltaBudget(address,uint256)",
                                       {settings_.keeper, units(kInitialBudget, underlying_unit_)})));
    char note[160];
    std::snprintf(note, sizeof note, "step %u: the admin refilled the keeper's delta budget from %.2f to %.0f",
                  record.samples.back().step + 1, budget, kInitialBudget);
    record.notes.emplace_back(note);
}

MarketRecord MarketDriver::run() {
    const auto& d = deployment_;
    const auto feed_decimals = as_u256(chain_.call_fn(d.feed, "decimals()(uint8)").at(0), "decimals");
    if (feed_decimals != 8) throw DemoError("the price feed has " + to_dec(feed_decimals) + " decimals, expected 8");

    MarketRecord record;
    const double s0 = pool_price();
    record.path = market_path(settings_.market, s0);
    chain_.set_automine(false);
    struct RestoreAutomine {
        Chain& c;
        ~RestoreAutomine() {
            try {
                c.set_automine(true);
            } catch (const std::exception&) {
                // the node is gone: nothing to restore
            }
        }
    } restore{chain_};

    const auto head = chain_.block(rpc::BlockTag::kLatest);
    std::uint64_t ts = head.timestamp;
    record.first_block = head.number;
    record.samples.push_back(sample(head.number, 0, true, record.path[0]));
    const std::uint32_t steps = settings_.market.steps;
    bool call_next = true;
    for (std::uint32_t k = 1; k <= steps; ++k) {
        if (stop_requested()) {
            record.notes.push_back("stopped by request after step " + std::to_string(k - 1));
            break;
        }
        const double price = record.path[k];
        ts += settings_.market.step_seconds;

        // Market block: the oracle publishes, the trader moves the pool, maybe a new series.
        std::vector<Hash32> txs;
        queue_oracle(price, txs);
        queue_pool_move(price, txs);
        refill_budget_if_low(txs, record);
        std::optional<Hash32> create_tx;
        SeriesSpec new_series;
        if (settings_.market.write_every != 0 && k % settings_.market.write_every == 0) {
            new_series.is_call = call_next;
            call_next = !call_next;
            new_series.strike = std::round(price / 50.0) * 50.0;
            new_series.size = 20.0;
            create_tx = chain_.send(deployer_, d.vault,
                                    calldata("createSeries(bool,uint256,uint256,uint256)",
                                             {new_series.is_call, units(new_series.strike, 1e18),
                                              U256(ts + new_series.expiry_in), units(new_series.vol, 1e18)}));
            txs.push_back(*create_tx);
        }
        const std::uint64_t market_block = chain_.mine(ts);
        check_receipts(txs, "market step " + std::to_string(k));
        record.samples.push_back(sample(market_block, k, true, price));
        const std::size_t market_sample = record.samples.size() - 1;

        if (settings_.wait_for_keeper) wait_for_keeper();

        // Keeper block: the keeper's hedge (it tips, the market does not, so it goes first),
        // then the write of the series listed in the market block, at the fair premium.
        std::vector<Hash32> txs2;
        std::optional<Write> write;
        if (create_tx) {
            const auto receipt = chain_.receipt(*create_tx);
            std::optional<U256> id;
            for (const auto& log : receipt.logs)
                if (log.address == d.vault && log.topics.size() >= 2) id = from_be(log.topics[1].view()).value();
            if (!id) throw DemoError("createSeries emitted no SeriesCreated");
            const U256 size = units(new_series.size, underlying_unit_);
            const U256 fair = as_u256(
                chain_.call_fn(d.lens, "fairPremium(address,uint256,uint256)(uint256)", {d.vault, *id, size}).at(0),
                "fairPremium");
            const U256 premium = fair / 100 * 101 + 1;
            txs2.push_back(chain_.send(deployer_, d.vault,
                                       calldata("write(uint256,uint256,uint256,address)",
                                                {*id, size, premium, deployer_.address})));
            write = Write{0, k, new_series.is_call, new_series.strike, new_series.size, to_double(premium) / quote_unit_};
        }
        const std::uint64_t keeper_block = chain_.mine(ts + kKeeperBlockOffset);
        check_receipts(txs2, "option write at step " + std::to_string(k));
        if (write) {
            write->block = keeper_block;
            record.writes.push_back(*write);
        }
        record.samples.push_back(sample(keeper_block, k, false, price));
        const auto hedges = hedges_in(market_block, keeper_block);
        record.hedges.insert(record.hedges.end(), hedges.begin(), hedges.end());
        record.last_block = keeper_block;

        if (settings_.on_step) {
            StepProgress p;
            p.step = k;
            p.steps = steps;
            p.after_market = &record.samples[market_sample];
            p.after_keeper = &record.samples.back();
            p.hedge = hedges.empty() ? nullptr : &record.hedges.back();
            p.write = write ? &record.writes.back() : nullptr;
            settings_.on_step(p);
        }
    }
    return record;
}

}  // namespace keeper::demo

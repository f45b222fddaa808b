#include "keeper/chain/contracts.hpp"

#include <array>
#include <cassert>
#include <cstdlib>
#include <limits>
#include <span>
#include <string_view>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/log.hpp"
#include "keeper/abi/revert.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/chain/embedded_abis.hpp"

namespace keeper::chain {

namespace {

// ---- the embedded ABIs, parsed once --------------------------------------------------------------

const detail::EmbeddedAbi& embedded(std::string_view name) {
    for (std::size_t i = 0; i < detail::kEmbeddedAbiCount; ++i)
        if (name == detail::kEmbeddedAbis[i].name) return detail::kEmbeddedAbis[i];
    // The list is fixed in keeper/chain/CMakeLists.txt: a missing name is a build error.
    std::abort();
}

abi::Abi parse_embedded(std::string_view name) {
    auto parsed = abi::Abi::from_json(embedded(name).json);
    // The JSON is checked by tests/unit/chain at build time; a malformed file cannot ship.
    if (!parsed) std::abort();
    return std::move(*parsed);
}

/// A function the keeper calls, looked up once by canonical signature; a missing function means
/// the embedded ABI and this file disagree, which the unit tests catch.
struct Fn {
    const abi::Function* fn;
    std::string label;  // "IOptionsVault.openSeries"
};

Fn find(const abi::Abi& a, std::string_view contract, std::string_view signature) {
    auto f = a.function(signature);
    if (!f) std::abort();
    return Fn{*f, std::string(contract) + "." + (*f)->name};
}

/// A standard-interface function from its human-readable form.
struct OwnedFn {
    abi::Function fn;
    std::string label;
};

OwnedFn declare(std::string_view contract, std::string_view text) {
    auto f = abi::parse_function(text);
    if (!f) std::abort();
    std::string label = std::string(contract) + "." + f->name;
    return OwnedFn{std::move(*f), std::move(label)};
}

struct Registry {
    Fn rebalance, paused, open_series, pool, oracle, underlying, swap_router, asset, rebalance_config, delta_config,
        delta_budget, last_rebalance_at;
    Fn rebalance_bounds, portfolio_delta;
    Fn latest_price, try_latest_price, staleness_limit;
    OwnedFn balance_of, decimals, slot0, liquidity, token0, token1, fee;
    const abi::Event* rebalanced;
};

const Registry& registry() {
    static const Registry r = [] {
        const abi::Abi& v = vault_abi();
        const abi::Abi& l = lens_abi();
        const abi::Abi& o = oracle_abi();
        const abi::Abi& impl = vault_impl_abi();
        auto ev = v.event("Rebalanced");
        if (!ev) std::abort();
        return Registry{
            find(v, "IOptionsVault", "rebalance((bool,uint256,uint256,uint160,uint256))"),
            find(v, "IOptionsVault", "paused()"),
            find(v, "IOptionsVault", "openSeries()"),
            find(v, "IOptionsVault", "pool()"),
            find(v, "IOptionsVault", "oracle()"),
            find(v, "IOptionsVault", "underlying()"),
            find(v, "IOptionsVault", "swapRouter()"),
            find(impl, "OptionsVault", "asset()"),  // ERC-4626, on the implementation
            find(v, "IOptionsVault", "rebalanceConfig()"),
            find(v, "IOptionsVault", "deltaConfig()"),
            find(v, "IOptionsVault", "deltaBudget(address)"),
            find(v, "IOptionsVault", "lastRebalanceAt()"),
            find(l, "IOptionsVaultLens", "rebalanceBounds(address,address)"),
            find(l, "IOptionsVaultLens", "portfolioDelta(address)"),
            find(o, "IOracleAdapter", "latestPrice()"),
            find(o, "IOracleAdapter", "tryLatestPrice()"),
            find(o, "IOracleAdapter", "stalenessLimit()"),
            declare("ERC20", "function balanceOf(address owner) view returns (uint256)"),
            declare("ERC20", "function decimals() view returns (uint8)"),
            declare("UniswapV3Pool",
                    "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, "
                    "uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, "
                    "bool unlocked)"),
            declare("UniswapV3Pool", "function liquidity() view returns (uint128)"),
            declare("UniswapV3Pool", "function token0() view returns (address)"),
            declare("UniswapV3Pool", "function token1() view returns (address)"),
            declare("UniswapV3Pool", "function fee() view returns (uint24)"),
            *ev,
        };
    }();
    return r;
}

// ---- encoding --------------------------------------------------------------------------------------

Bytes call(const abi::Function& fn, std::span<const abi::Value> args = {}) {
    auto data = abi::encode_call(fn, args);
    // Arguments are built here from typed C++ values of the right shape: a failure is a bug.
    assert(data);
    if (!data) std::abort();
    return std::move(*data);
}
Bytes call(const Fn& f, std::span<const abi::Value> args = {}) { return call(*f.fn, args); }
Bytes call(const OwnedFn& f, std::span<const abi::Value> args = {}) { return call(f.fn, args); }

// ---- decoding --------------------------------------------------------------------------------------

abi::Result<std::vector<abi::Value>> outputs(const abi::Function& fn, std::string_view label, ByteView data) {
    auto values = abi::decode_output(fn, data, abi::DecodeMode::kStrict);
    if (!values) return Unexpected(std::move(values).error().within(label));
    return values;
}
abi::Result<std::vector<abi::Value>> outputs(const Fn& f, ByteView data) { return outputs(*f.fn, f.label, data); }
abi::Result<std::vector<abi::Value>> outputs(const OwnedFn& f, ByteView data) { return outputs(f.fn, f.label, data); }

/// Typed access to decoded values; the decoder already checked them against the ABI types, so a
/// mismatch here means the ABI changed shape under this code: reported, not asserted.
template <class T>
abi::Result<T> as(const abi::Value& v, std::string_view what) {
    if (const T* p = v.get_if<T>()) return *p;
    return abi::fail(abi::AbiErrc::kTypeMismatch, std::string(what) + ": unexpected ABI type (the ABI changed?)");
}

abi::Result<const std::vector<abi::Value>*> tuple(const abi::Value& v, std::size_t n, std::string_view what) {
    const auto* t = v.get_if<abi::TupleValue>();
    if (t == nullptr || t->items.size() != n)
        return abi::fail(abi::AbiErrc::kTypeMismatch,
                         std::string(what) + ": expected a tuple of " + std::to_string(n) + " (the ABI changed?)");
    return &t->items;
}

template <class Int>
abi::Result<Int> narrow(const U256& v, std::string_view what) {
    if (v > U256(std::numeric_limits<Int>::max()))
        return abi::fail(abi::AbiErrc::kOutOfRange, std::string(what) + ": " + to_dec(v) + " does not fit");
    return static_cast<Int>(v);
}

#define KEEPER_TRY(var, expr)                                  \
    auto var##_r = (expr);                                     \
    if (!var##_r) return Unexpected(std::move(var##_r).error()); \
    auto var = std::move(*var##_r)

abi::Result<U256> single_uint(const abi::Result<std::vector<abi::Value>>& values, std::string_view label) {
    if (!values) return Unexpected(values.error());
    if (values->size() != 1)
        return abi::fail(abi::AbiErrc::kArityMismatch, std::string(label) + ": expected one output");
    return as<U256>((*values)[0], label);
}

abi::Result<Address> single_address(const abi::Result<std::vector<abi::Value>>& values, std::string_view label) {
    if (!values) return Unexpected(values.error());
    if (values->size() != 1)
        return abi::fail(abi::AbiErrc::kArityMismatch, std::string(label) + ": expected one output");
    return as<Address>((*values)[0], label);
}

}  // namespace

// ---- the ABIs ------------------------------------------------------------------------------------

const abi::Abi& vault_abi() {
    static const abi::Abi a = parse_embedded("IOptionsVault");
    return a;
}
const abi::Abi& lens_abi() {
    static const abi::Abi a = parse_embedded("IOptionsVaultLens");
    return a;
}
const abi::Abi& oracle_abi() {
    static const abi::Abi a = parse_embedded("IOracleAdapter");
    return a;
}
const abi::Abi& vault_impl_abi() {
    static const abi::Abi a = parse_embedded("OptionsVault");
    return a;
}

std::vector<AbiFingerprint> abi_fingerprints() {
    std::vector<AbiFingerprint> out;
    out.reserve(detail::kEmbeddedAbiCount);
    for (std::size_t i = 0; i < detail::kEmbeddedAbiCount; ++i)
        out.push_back({detail::kEmbeddedAbis[i].name, detail::kEmbeddedAbis[i].sha256});
    return out;
}

std::string describe_revert(ByteView revert_data) {
    const std::array<const abi::Abi*, 3> abis{&vault_impl_abi(), &oracle_abi(), &lens_abi()};
    std::string last;
    for (const abi::Abi* a : abis) {
        auto reason = abi::decode_revert(revert_data, a, abi::DecodeMode::kLenient);
        if (!reason) return "malformed revert data: " + reason.error().message;
        last = abi::describe(*reason);
        if (reason->kind != abi::RevertKind::kUnknown) return last;
    }
    return last;
}

// ---- IOptionsVault -------------------------------------------------------------------------------

Bytes encode_rebalance(const hedge::RebalanceParams& p) {
    assert(p.sqrt_price_limit_x96 <= (U256(1) << 160) - 1);
    const abi::Value params = abi::TupleValue{{
        abi::Value(p.buy_underlying),
        abi::Value(p.amount_in),
        abi::Value(p.min_amount_out),
        abi::Value(p.sqrt_price_limit_x96),
        abi::Value(U256(p.deadline)),
    }};
    return call(registry().rebalance, std::span(&params, 1));
}

abi::Result<hedge::RebalanceParams> decode_rebalance_call(ByteView calldata) {
    const Fn& f = registry().rebalance;
    auto values = abi::decode_call(*f.fn, calldata, abi::DecodeMode::kStrict);
    if (!values) return Unexpected(std::move(values).error().within(f.label));
    KEEPER_TRY(items, tuple((*values)[0], 5, f.label));
    hedge::RebalanceParams p;
    KEEPER_TRY(buy, as<bool>((*items)[0], "rebalance.buyUnderlying"));
    KEEPER_TRY(amount_in, as<U256>((*items)[1], "rebalance.amountIn"));
    KEEPER_TRY(min_out, as<U256>((*items)[2], "rebalance.minAmountOut"));
    KEEPER_TRY(limit, as<U256>((*items)[3], "rebalance.sqrtPriceLimitX96"));
    KEEPER_TRY(deadline, as<U256>((*items)[4], "rebalance.deadline"));
    KEEPER_TRY(deadline64, narrow<std::uint64_t>(deadline, "rebalance.deadline"));
    p.buy_underlying = buy;
    p.amount_in = amount_in;
    p.min_amount_out = min_out;
    p.sqrt_price_limit_x96 = limit;
    p.deadline = deadline64;
    return p;
}

abi::Result<RebalanceResult> decode_rebalance_result(ByteView data) {
    KEEPER_TRY(values, outputs(registry().rebalance, data));
    KEEPER_TRY(in, as<U256>(values[0], "rebalance.amountIn"));
    KEEPER_TRY(out, as<U256>(values[1], "rebalance.amountOut"));
    return RebalanceResult{in, out};
}

Hash32 rebalanced_topic() { return registry().rebalanced->topic0(); }

abi::Result<RebalancedEvent> decode_rebalanced(std::span<const Hash32> topics, ByteView data) {
    auto fields = abi::decode_log(*registry().rebalanced, topics, data, abi::DecodeMode::kStrict);
    if (!fields) return Unexpected(std::move(fields).error().within("IOptionsVault.Rebalanced"));
    if (fields->size() != 8)
        return abi::fail(abi::AbiErrc::kTypeMismatch, "IOptionsVault.Rebalanced: expected 8 fields (the ABI changed?)");
    const auto& f = *fields;
    RebalancedEvent e;
    KEEPER_TRY(keeper, as<Address>(f[0].value, "Rebalanced.keeper"));
    KEEPER_TRY(buy, as<bool>(f[1].value, "Rebalanced.buyUnderlying"));
    KEEPER_TRY(in, as<U256>(f[2].value, "Rebalanced.amountIn"));
    KEEPER_TRY(out, as<U256>(f[3].value, "Rebalanced.amountOut"));
    KEEPER_TRY(price, as<U256>(f[4].value, "Rebalanced.oraclePrice"));
    KEEPER_TRY(before, as<I256>(f[5].value, "Rebalanced.deltaBefore"));
    KEEPER_TRY(after, as<I256>(f[6].value, "Rebalanced.deltaAfter"));
    KEEPER_TRY(budget, as<U256>(f[7].value, "Rebalanced.budgetRemaining"));
    e.keeper = keeper;
    e.buy_underlying = buy;
    e.amount_in = in;
    e.amount_out = out;
    e.oracle_price_wad = price;
    e.delta_before = before;
    e.delta_after = after;
    e.budget_remaining = budget;
    return e;
}

namespace vault {

Bytes encode_paused() { return call(registry().paused); }
abi::Result<bool> decode_paused(ByteView data) {
    KEEPER_TRY(values, outputs(registry().paused, data));
    return as<bool>(values[0], registry().paused.label);
}

Bytes encode_open_series() { return call(registry().open_series); }
abi::Result<std::vector<hedge::SeriesState>> decode_open_series(ByteView data) {
    const Fn& f = registry().open_series;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(array, as<abi::ArrayValue>(values[0], f.label));
    std::vector<hedge::SeriesState> out;
    out.reserve(array.items.size());
    for (std::size_t i = 0; i < array.items.size(); ++i) {
        const std::string where = f.label + "[" + std::to_string(i) + "]";
        KEEPER_TRY(items, tuple(array.items[i], 8, where));
        const auto& s = *items;
        hedge::SeriesState st;
        KEEPER_TRY(id, as<U256>(s[0], where + ".id"));
        KEEPER_TRY(is_call, as<bool>(s[1], where + ".isCall"));
        KEEPER_TRY(strike, as<U256>(s[2], where + ".strike"));
        KEEPER_TRY(expiry, as<U256>(s[3], where + ".expiry"));
        KEEPER_TRY(expiry64, narrow<std::uint64_t>(expiry, where + ".expiry"));
        KEEPER_TRY(vol, as<U256>(s[4], where + ".vol"));
        KEEPER_TRY(open_size, as<U256>(s[5], where + ".openSize"));
        KEEPER_TRY(settled, as<bool>(s[6], where + ".settled"));
        st.id = id;
        st.is_call = is_call;
        st.strike_wad = strike;
        st.expiry = expiry64;
        st.vol_wad = vol;
        st.open_size = open_size;
        st.settled = settled;
        out.push_back(st);
    }
    return out;
}

Bytes encode_pool() { return call(registry().pool); }
Bytes encode_oracle() { return call(registry().oracle); }
Bytes encode_underlying() { return call(registry().underlying); }
Bytes encode_swap_router() { return call(registry().swap_router); }
Bytes encode_asset() { return call(registry().asset); }
abi::Result<Address> decode_address(ByteView data, std::string_view call_name) {
    // Every address getter has the same output shape (one address); `pool()` stands for them.
    const std::string label = "IOptionsVault." + std::string(call_name);
    return single_address(outputs(*registry().pool.fn, label, data), label);
}

namespace {
abi::Result<hedge::RebalanceConfig> rebalance_config_from(const abi::Value& v, std::string_view where) {
    KEEPER_TRY(items, tuple(v, 5, where));
    const auto& c = *items;
    const std::string w(where);
    KEEPER_TRY(dev, as<U256>(c[0], w + ".maxDeviationBps"));
    KEEPER_TRY(slip, as<U256>(c[1], w + ".maxSlippageBps"));
    KEEPER_TRY(window, as<U256>(c[2], w + ".twapWindow"));
    KEEPER_TRY(cooldown, as<U256>(c[3], w + ".cooldown"));
    KEEPER_TRY(notional, as<U256>(c[4], w + ".maxNotional"));
    // uint16/uint32 on chain: the strict decoder already bounded them.
    hedge::RebalanceConfig out;
    out.max_deviation_bps = static_cast<std::uint32_t>(dev);
    out.max_slippage_bps = static_cast<std::uint32_t>(slip);
    out.twap_window = static_cast<std::uint32_t>(window);
    out.cooldown = static_cast<std::uint32_t>(cooldown);
    out.max_notional = notional;
    return out;
}
}  // namespace

Bytes encode_rebalance_config() { return call(registry().rebalance_config); }
abi::Result<hedge::RebalanceConfig> decode_rebalance_config(ByteView data) {
    KEEPER_TRY(values, outputs(registry().rebalance_config, data));
    return rebalance_config_from(values[0], registry().rebalance_config.label);
}

Bytes encode_delta_config() { return call(registry().delta_config); }
abi::Result<DeltaConfig> decode_delta_config(ByteView data) {
    const Fn& f = registry().delta_config;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(items, tuple(values[0], 3, f.label));
    KEEPER_TRY(target, as<I256>((*items)[0], f.label + ".targetDelta"));
    KEEPER_TRY(tolerance, as<U256>((*items)[1], f.label + ".tolerance"));
    KEEPER_TRY(urgent, as<U256>((*items)[2], f.label + ".urgentThreshold"));
    return DeltaConfig{target, tolerance, urgent};
}

Bytes encode_delta_budget(const Address& keeper) {
    const abi::Value arg(keeper);
    return call(registry().delta_budget, std::span(&arg, 1));
}
Bytes encode_last_rebalance_at() { return call(registry().last_rebalance_at); }
abi::Result<U256> decode_uint(ByteView data, std::string_view call_name) {
    const std::string label = "IOptionsVault." + std::string(call_name);
    return single_uint(outputs(*registry().last_rebalance_at.fn, label, data), label);
}

}  // namespace vault

// ---- IOptionsVaultLens ---------------------------------------------------------------------------

namespace lens {

Bytes encode_rebalance_bounds(const Address& vault, const Address& keeper) {
    const std::array<abi::Value, 2> args{abi::Value(vault), abi::Value(keeper)};
    return call(registry().rebalance_bounds, args);
}

abi::Result<hedge::RebalanceBounds> decode_rebalance_bounds(ByteView data) {
    const Fn& f = registry().rebalance_bounds;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(items, tuple(values[0], 12, f.label));
    const auto& b = *items;
    const std::string& w = f.label;
    hedge::RebalanceBounds out;
    KEEPER_TRY(oracle_price, as<U256>(b[0], w + ".oraclePrice"));
    KEEPER_TRY(pool_price, as<U256>(b[1], w + ".poolPrice"));
    KEEPER_TRY(twap_price, as<U256>(b[2], w + ".twapPrice"));
    KEEPER_TRY(delta, as<I256>(b[3], w + ".delta"));
    KEEPER_TRY(target, as<I256>(b[4], w + ".targetDelta"));
    KEEPER_TRY(tolerance, as<U256>(b[5], w + ".tolerance"));
    KEEPER_TRY(urgent, as<bool>(b[6], w + ".urgent"));
    KEEPER_TRY(cooldown_ends, as<U256>(b[7], w + ".cooldownEndsAt"));
    KEEPER_TRY(cooldown_ends64, narrow<std::uint64_t>(cooldown_ends, w + ".cooldownEndsAt"));
    KEEPER_TRY(budget, as<U256>(b[8], w + ".budget"));
    KEEPER_TRY(max_quote_in, as<U256>(b[9], w + ".maxQuoteIn"));
    KEEPER_TRY(max_underlying_in, as<U256>(b[10], w + ".maxUnderlyingIn"));
    KEEPER_TRY(config, vault::rebalance_config_from(b[11], w + ".config"));
    out.oracle_price_wad = oracle_price;
    out.pool_price_wad = pool_price;
    out.twap_price_wad = twap_price;
    out.delta = delta;
    out.target_delta = target;
    out.tolerance = tolerance;
    out.urgent = urgent;
    out.cooldown_ends_at = cooldown_ends64;
    out.budget = budget;
    out.max_quote_in = max_quote_in;
    out.max_underlying_in = max_underlying_in;
    out.config = config;
    return out;
}

Bytes encode_portfolio_delta(const Address& vault) {
    const abi::Value arg(vault);
    return call(registry().portfolio_delta, std::span(&arg, 1));
}
abi::Result<PortfolioDelta> decode_portfolio_delta(ByteView data) {
    const Fn& f = registry().portfolio_delta;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(delta, as<I256>(values[0], f.label + ".delta"));
    KEEPER_TRY(price, as<U256>(values[1], f.label + ".oraclePrice"));
    return PortfolioDelta{delta, price};
}

}  // namespace lens

// ---- IOracleAdapter ------------------------------------------------------------------------------

namespace oracle {

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::kOk: return "Ok";
        case Status::kFeedCallFailed: return "FeedCallFailed";
        case Status::kNonPositiveAnswer: return "NonPositiveAnswer";
        case Status::kUpdatedInFuture: return "UpdatedInFuture";
        case Status::kStale: return "Stale";
        case Status::kSequencerCallFailed: return "SequencerCallFailed";
        case Status::kSequencerDown: return "SequencerDown";
        case Status::kSequencerGracePeriod: return "SequencerGracePeriod";
    }
    return "unknown";
}

Bytes encode_latest_price() { return call(registry().latest_price); }
abi::Result<hedge::OracleState> decode_latest_price(ByteView data) {
    const Fn& f = registry().latest_price;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(price, as<U256>(values[0], f.label + ".priceWad"));
    KEEPER_TRY(updated, as<U256>(values[1], f.label + ".updatedAt"));
    KEEPER_TRY(updated64, narrow<std::uint64_t>(updated, f.label + ".updatedAt"));
    return hedge::OracleState{price, updated64};
}

Bytes encode_try_latest_price() { return call(registry().try_latest_price); }
abi::Result<TryPrice> decode_try_latest_price(ByteView data) {
    const Fn& f = registry().try_latest_price;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(status, as<U256>(values[0], f.label + ".status"));
    if (status > U256(static_cast<unsigned>(Status::kSequencerGracePeriod)))
        return abi::fail(abi::AbiErrc::kOutOfRange, f.label + ".status: " + to_dec(status) + " is not an IOracleAdapter.Status");
    KEEPER_TRY(price, as<U256>(values[1], f.label + ".priceWad"));
    KEEPER_TRY(updated, as<U256>(values[2], f.label + ".updatedAt"));
    KEEPER_TRY(updated64, narrow<std::uint64_t>(updated, f.label + ".updatedAt"));
    return TryPrice{static_cast<Status>(static_cast<unsigned>(status)), hedge::OracleState{price, updated64}};
}

Bytes encode_staleness_limit() { return call(registry().staleness_limit); }
abi::Result<std::uint64_t> decode_staleness_limit(ByteView data) {
    const Fn& f = registry().staleness_limit;
    KEEPER_TRY(v, single_uint(outputs(f, data), f.label));
    return narrow<std::uint64_t>(v, f.label);
}

}  // namespace oracle

// ---- ERC-20 --------------------------------------------------------------------------------------

namespace erc20 {

Bytes encode_balance_of(const Address& owner) {
    const abi::Value arg(owner);
    return call(registry().balance_of, std::span(&arg, 1));
}
abi::Result<U256> decode_balance_of(ByteView data) {
    const OwnedFn& f = registry().balance_of;
    return single_uint(outputs(f, data), f.label);
}
Bytes encode_decimals() { return call(registry().decimals); }
abi::Result<std::uint8_t> decode_decimals(ByteView data) {
    const OwnedFn& f = registry().decimals;
    KEEPER_TRY(v, single_uint(outputs(f, data), f.label));
    return narrow<std::uint8_t>(v, f.label);
}

}  // namespace erc20

// ---- Uniswap V3 pool -----------------------------------------------------------------------------

namespace univ3 {

Bytes encode_slot0() { return call(registry().slot0); }
abi::Result<Slot0> decode_slot0(ByteView data) {
    const OwnedFn& f = registry().slot0;
    KEEPER_TRY(values, outputs(f, data));
    KEEPER_TRY(sqrt_price, as<U256>(values[0], f.label + ".sqrtPriceX96"));
    KEEPER_TRY(tick, as<I256>(values[1], f.label + ".tick"));
    KEEPER_TRY(unlocked, as<bool>(values[6], f.label + ".unlocked"));
    // int24: the strict decoder bounded it.
    return Slot0{sqrt_price, static_cast<std::int32_t>(tick), unlocked};
}
Bytes encode_liquidity() { return call(registry().liquidity); }
abi::Result<U256> decode_liquidity(ByteView data) {
    const OwnedFn& f = registry().liquidity;
    return single_uint(outputs(f, data), f.label);
}
Bytes encode_token0() { return call(registry().token0); }
Bytes encode_token1() { return call(registry().token1); }
abi::Result<Address> decode_token(ByteView data, std::string_view call_name) {
    const std::string label = "UniswapV3Pool." + std::string(call_name);
    return single_address(outputs(registry().token0.fn, label, data), label);
}
Bytes encode_fee() { return call(registry().fee); }
abi::Result<std::uint32_t> decode_fee(ByteView data) {
    const OwnedFn& f = registry().fee;
    KEEPER_TRY(v, single_uint(outputs(f, data), f.label));
    return narrow<std::uint32_t>(v, f.label);
}

}  // namespace univ3

#undef KEEPER_TRY

}  // namespace keeper::chain

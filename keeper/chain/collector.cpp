#include "keeper/chain/collector.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "keeper/chain/contracts.hpp"
#include "keeper/core/hex.hpp"

namespace keeper::chain {

namespace {

using Clock = std::chrono::steady_clock;

rpc::Call eth_call(const Address& to, Bytes data, const rpc::BlockRef& block) {
    rpc::CallRequest request;
    request.to = to;
    request.data = std::move(data);
    return rpc::eth::call(request, block);
}

rpc::Call get_code(const Address& account) {
    rpc::Call c;
    c.method = "eth_getCode";
    c.params = rpc::Json::array({to_hex(account), "latest"});
    return c;
}

std::string vault_label(const Address& vault) { return "vault " + to_hex(vault); }

/// The node's error object for one call of a batch, as an rpc::Error naming the call.
rpc::Error call_failed(const rpc::RpcError& e, const std::string& where) {
    rpc::Error out;
    out.code = rpc::Errc::kRpc;
    if (e.is_revert())
        out.message = where + ": reverted: " + describe_revert(e.revert_data().value_or(Bytes{}));
    else
        out.message = where + ": " + e.describe();
    out.rpc = e;
    return out;
}

rpc::Error bad_result(const std::string& where, const std::string& message) {
    return rpc::make_error(rpc::Errc::kBadResult, where + ": " + message);
}

/// Return data of one eth_call response.
rpc::Result<Bytes> return_data(const rpc::Response& r, const std::string& where) {
    if (!r) return Unexpected(call_failed(r.error(), where));
    auto data = rpc::decode_data(*r, "result");
    if (!data) return Unexpected(bad_result(where, data.error().message));
    return std::move(*data);
}

/// Decodes one eth_call response with a contracts.hpp decoder.
template <class Decode>
auto decode(const rpc::Response& r, const std::string& where, Decode d)
    -> rpc::Result<typename std::invoke_result_t<Decode, ByteView>::value_type> {
    auto data = return_data(r, where);
    if (!data) return Unexpected(std::move(data).error());
    auto v = d(ByteView(*data));
    if (!v) return Unexpected(bad_result(where, v.error().message));
    return std::move(*v);
}

#define KEEPER_CO_TRY(var, expr)                                    \
    auto var##_r = (expr);                                          \
    if (!var##_r) co_return Unexpected(std::move(var##_r).error()); \
    auto var = std::move(*var##_r)

#define KEEPER_CO_CHECK(expr)                                      \
    do {                                                           \
        auto check_r = (expr);                                     \
        if (!check_r) co_return Unexpected(std::move(check_r).error()); \
    } while (false)

}  // namespace

std::string_view to_string(BlockPinning p) noexcept {
    switch (p) {
        case BlockPinning::kAuto: return "auto";
        case BlockPinning::kHash: return "hash";
        case BlockPinning::kNumber: return "number";
    }
    return "unknown";
}

bool rejects_block_hash_param(const rpc::RpcError& e) {
    if (e.code == rpc::errc::kInvalidParams || e.code == rpc::errc::kInvalidRequest ||
        e.code == rpc::errc::kParseError)
        return true;
    // Nodes that predate EIP-1898 fail to decode the object and say so with a generic code:
    // geth-style "json: cannot unmarshal object into Go value of type string", "invalid argument
    // 1: hex string without 0x prefix", "invalid block number".
    std::string m = e.message;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* needle : {"unmarshal", "invalid argument", "invalid params", "invalid block number",
                               "invalid block tag", "hex string", "expected string"})
        if (m.find(needle) != std::string::npos) return true;
    return false;
}

Collector::Collector(rpc::EndpointPool& pool, Address keeper, std::vector<VaultTarget> vaults, BlockPinning pinning)
    : pool_(pool), keeper_(keeper), targets_(std::move(vaults)), pinning_(pinning) {}

asio::awaitable<rpc::Result<void>> Collector::probe_block_hash_support() {
    // eth_getBalance(keeper) at the latest block's hash: the cheapest read that takes a block
    // parameter and never reverts. A reorg between the two calls makes the node refuse the
    // hash; that is "not available", not "not supported": ask again with the new head.
    std::optional<rpc::Error> last;
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto latest = co_await pool_.call_as(rpc::eth::get_block_by_number(rpc::BlockTag::kLatest),
                                             rpc::decode_block_header);
        if (!latest) co_return Unexpected(std::move(latest).error());
        const rpc::BlockRef at = rpc::BlockHashRef{latest->hash, true};
        auto probe = co_await pool_.call(rpc::eth::get_balance(keeper_, at));
        if (probe) {
            by_hash_ = true;
            co_return rpc::Result<void>{};
        }
        if (probe.error().code != rpc::Errc::kRpc || !probe.error().rpc) co_return Unexpected(std::move(probe).error());
        if (rejects_block_hash_param(*probe.error().rpc)) {
            const std::string why = probe.error().rpc->describe();
            if (pinning_ == BlockPinning::kHash)
                co_return Unexpected(rpc::make_error(
                    rpc::Errc::kRpc, "collector: the node rejects EIP-1898 block hash parameters (" + why +
                                         ") and block pinning is \"hash\""));
            spdlog::warn("collector: the node rejects EIP-1898 block hash parameters ({}); per-head reads are "
                         "pinned by block NUMBER, which a reorg can resolve to another block",
                         why);
            by_hash_ = false;
            co_return rpc::Result<void>{};
        }
        last = std::move(probe).error();
    }
    co_return Unexpected(rpc::make_error(rpc::Errc::kRpc, "collector: EIP-1898 probe: " + last->describe()));
}

asio::awaitable<rpc::Result<void>> Collector::start() {
    if (targets_.empty()) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, "collector: no vaults configured"));
    const rpc::BlockRef latest = rpc::BlockTag::kLatest;

    // Round 1: the vault's and lens's code, and the vault's immutables.
    constexpr std::size_t kFirst = 6;
    std::vector<rpc::Call> calls;
    calls.reserve(targets_.size() * kFirst);
    for (const VaultTarget& t : targets_) {
        calls.push_back(get_code(t.vault));
        calls.push_back(get_code(t.lens));
        calls.push_back(eth_call(t.vault, vault::encode_pool(), latest));
        calls.push_back(eth_call(t.vault, vault::encode_oracle(), latest));
        calls.push_back(eth_call(t.vault, vault::encode_underlying(), latest));
        calls.push_back(eth_call(t.vault, vault::encode_asset(), latest));
    }
    auto first = co_await pool_.batch(std::move(calls));
    if (!first) co_return Unexpected(std::move(first).error());
    if (first->size() != targets_.size() * kFirst)
        co_return Unexpected(bad_result("collector start", "batch answered " + std::to_string(first->size()) + " calls"));

    auto has_code = [](const rpc::Response& r, const std::string& where, const std::string& what,
                       const Address& a) -> rpc::Result<void> {
        auto code = return_data(r, where + ": eth_getCode(" + what + ")");
        if (!code) return Unexpected(std::move(code).error());
        if (code->empty())
            return Unexpected(rpc::make_error(rpc::Errc::kBadResult,
                                              where + ": no contract code at " + what + " " + to_hex(a)));
        return {};
    };

    std::vector<VaultFacts> facts;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const VaultTarget& t = targets_[i];
        const std::string where = vault_label(t.vault);
        const auto* r = &(*first)[i * kFirst];
        KEEPER_CO_CHECK(has_code(r[0], where, "vault", t.vault));
        KEEPER_CO_CHECK(has_code(r[1], where, "lens", t.lens));
        VaultFacts f;
        f.vault = t.vault;
        f.lens = t.lens;
        KEEPER_CO_TRY(pool_addr, decode(r[2], where + ": pool()", [](ByteView d) { return vault::decode_address(d, "pool"); }));
        KEEPER_CO_TRY(oracle_addr,
                      decode(r[3], where + ": oracle()", [](ByteView d) { return vault::decode_address(d, "oracle"); }));
        KEEPER_CO_TRY(underlying_addr, decode(r[4], where + ": underlying()",
                                              [](ByteView d) { return vault::decode_address(d, "underlying"); }));
        KEEPER_CO_TRY(asset_addr,
                      decode(r[5], where + ": asset()", [](ByteView d) { return vault::decode_address(d, "asset"); }));
        f.pool = pool_addr;
        f.oracle = oracle_addr;
        f.underlying = underlying_addr;
        f.quote = asset_addr;
        facts.push_back(f);
    }

    // Round 2: code at every address the vault named, token decimals, pool tokens and fee.
    constexpr std::size_t kSecond = 9;
    std::vector<rpc::Call> calls2;
    calls2.reserve(facts.size() * kSecond);
    for (const VaultFacts& f : facts) {
        calls2.push_back(get_code(f.pool));
        calls2.push_back(get_code(f.oracle));
        calls2.push_back(get_code(f.underlying));
        calls2.push_back(get_code(f.quote));
        calls2.push_back(eth_call(f.underlying, erc20::encode_decimals(), latest));
        calls2.push_back(eth_call(f.quote, erc20::encode_decimals(), latest));
        calls2.push_back(eth_call(f.pool, univ3::encode_token0(), latest));
        calls2.push_back(eth_call(f.pool, univ3::encode_token1(), latest));
        calls2.push_back(eth_call(f.pool, univ3::encode_fee(), latest));
    }
    auto second = co_await pool_.batch(std::move(calls2));
    if (!second) co_return Unexpected(std::move(second).error());
    if (second->size() != facts.size() * kSecond)
        co_return Unexpected(bad_result("collector start", "batch answered " + std::to_string(second->size()) + " calls"));
    for (std::size_t i = 0; i < facts.size(); ++i) {
        VaultFacts& f = facts[i];
        const std::string where = vault_label(f.vault);
        const auto* r = &(*second)[i * kSecond];
        KEEPER_CO_CHECK(has_code(r[0], where, "pool", f.pool));
        KEEPER_CO_CHECK(has_code(r[1], where, "oracle", f.oracle));
        KEEPER_CO_CHECK(has_code(r[2], where, "underlying token", f.underlying));
        KEEPER_CO_CHECK(has_code(r[3], where, "quote token", f.quote));
        KEEPER_CO_TRY(ud, decode(r[4], where + ": underlying decimals()", erc20::decode_decimals));
        KEEPER_CO_TRY(qd, decode(r[5], where + ": quote decimals()", erc20::decode_decimals));
        KEEPER_CO_TRY(token0,
                      decode(r[6], where + ": pool token0()", [](ByteView d) { return univ3::decode_token(d, "token0"); }));
        KEEPER_CO_TRY(token1,
                      decode(r[7], where + ": pool token1()", [](ByteView d) { return univ3::decode_token(d, "token1"); }));
        KEEPER_CO_TRY(fee, decode(r[8], where + ": pool fee()", univ3::decode_fee));
        if (ud > 18 || qd > 18)
            co_return Unexpected(bad_result(where, "token decimals above 18 (underlying " + std::to_string(ud) +
                                                       ", quote " + std::to_string(qd) + ")"));
        const bool forward = token0 == f.underlying && token1 == f.quote;
        const bool reverse = token0 == f.quote && token1 == f.underlying;
        if (!forward && !reverse)
            co_return Unexpected(bad_result(where, "pool " + to_hex(f.pool) + " trades " + to_hex(token0) + "/" +
                                                       to_hex(token1) + ", not the vault's tokens"));
        f.underlying_decimals = ud;
        f.quote_decimals = qd;
        f.underlying_is_token0 = forward;
        f.fee_pips = fee;
    }
    if (pinning_ == BlockPinning::kNumber) {
        by_hash_ = false;
    } else {
        auto probed = co_await probe_block_hash_support();
        if (!probed) co_return Unexpected(std::move(probed).error());
    }
    stats_.pinned_by_hash = by_hash_;
    facts_ = std::move(facts);
    started_ = true;
    co_return rpc::Result<void>{};
}

asio::awaitable<rpc::Result<std::vector<hedge::VaultSnapshot>>> Collector::collect(const rpc::BlockHeader& head) {
    if (!started_) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, "collector: collect() before start()"));
    // EIP-1898: the head by hash, so every read sees exactly the block the decision is about.
    const rpc::BlockRef at =
        by_hash_ ? rpc::BlockRef(rpc::BlockHashRef{head.hash, true}) : rpc::BlockRef(head.number);
    std::vector<rpc::Call> calls;
    calls.reserve(facts_.size() * kCallsPerVault + 1);
    for (const VaultFacts& f : facts_) {
        calls.push_back(eth_call(f.vault, vault::encode_paused(), at));
        calls.push_back(eth_call(f.vault, vault::encode_open_series(), at));
        calls.push_back(eth_call(f.lens, lens::encode_rebalance_bounds(f.vault, keeper_), at));
        calls.push_back(eth_call(f.oracle, oracle::encode_try_latest_price(), at));
        calls.push_back(eth_call(f.pool, univ3::encode_slot0(), at));
        calls.push_back(eth_call(f.pool, univ3::encode_liquidity(), at));
        calls.push_back(eth_call(f.underlying, erc20::encode_balance_of(f.vault), at));
        calls.push_back(eth_call(f.quote, erc20::encode_balance_of(f.vault), at));
    }
    calls.push_back(rpc::eth::get_balance(keeper_, at));
    const std::size_t n_calls = calls.size();

    const auto started_at = Clock::now();
    auto responses = co_await pool_.batch(std::move(calls));
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_at);
    stats_.calls += n_calls;
    stats_.last_latency = latency;
    stats_.max_latency = std::max(stats_.max_latency, latency);
    stats_.total_latency += latency;

    auto fail = [this](rpc::Error e) {
        ++stats_.failures;
        stats_.last_error = e.describe();
        return Unexpected(std::move(e));
    };
    if (!responses) co_return fail(std::move(responses).error());
    if (responses->size() != n_calls)
        co_return fail(bad_result("collector", "batch answered " + std::to_string(responses->size()) + " of " +
                                                   std::to_string(n_calls) + " calls"));

    const std::string block_label = " at block " + std::to_string(head.number) + " " + to_hex(head.hash);
    const rpc::Response& balance_response = responses->back();
    if (!balance_response) {
        // eth_getBalance cannot revert: an error means the node would not read at that block. By
        // hash, that is a head no longer canonical (a reorg) or not known to this node.
        std::string where = "eth_getBalance(keeper)" + block_label;
        if (by_hash_) {
            ++stats_.head_unavailable;
            where += " (block not canonical or unknown to the node: reorged?)";
        }
        co_return fail(call_failed(balance_response.error(), where));
    }
    auto keeper_balance = rpc::decode_quantity(*balance_response, "result");
    if (!keeper_balance) co_return fail(bad_result("eth_getBalance(keeper)" + block_label, keeper_balance.error().message));

    std::vector<hedge::VaultSnapshot> out;
    out.reserve(facts_.size());
    std::uint64_t lens_reverts = 0;
    for (std::size_t i = 0; i < facts_.size(); ++i) {
        const VaultFacts& f = facts_[i];
        const std::string where = vault_label(f.vault) + block_label;
        const rpc::Response* r = &(*responses)[i * kCallsPerVault];
        hedge::VaultSnapshot s;
        s.block_number = head.number;
        s.block_hash = head.hash;
        s.block_timestamp = head.timestamp;
        s.base_fee_per_gas = head.base_fee_per_gas.value_or(U256{0});
        s.vault = f.vault;
        s.underlying_decimals = f.underlying_decimals;
        s.quote_decimals = f.quote_decimals;
        s.keeper_balance_wei = *keeper_balance;

        auto paused = decode(r[0], where + ": paused()", vault::decode_paused);
        if (!paused) co_return fail(std::move(paused).error());
        s.paused = *paused;
        auto series = decode(r[1], where + ": openSeries()", vault::decode_open_series);
        if (!series) co_return fail(std::move(series).error());
        s.series = std::move(*series);

        // The lens reverts when the oracle is unusable: no bounds, and the reason for the log.
        if (!r[2] && r[2].error().is_revert()) {
            s.bounds_error = describe_revert(r[2].error().revert_data().value_or(Bytes{}));
            ++lens_reverts;
        } else {
            auto bounds = decode(r[2], where + ": lens.rebalanceBounds()", lens::decode_rebalance_bounds);
            if (!bounds) co_return fail(std::move(bounds).error());
            s.bounds = *bounds;
        }

        auto price = decode(r[3], where + ": oracle.tryLatestPrice()", oracle::decode_try_latest_price);
        if (!price) co_return fail(std::move(price).error());
        s.oracle = price->price;
        if (price->status != oracle::Status::kOk && s.bounds_error.empty())
            s.bounds_error = "oracle status " + std::string(oracle::to_string(price->status));

        auto slot0 = decode(r[4], where + ": pool.slot0()", univ3::decode_slot0);
        if (!slot0) co_return fail(std::move(slot0).error());
        auto liquidity = decode(r[5], where + ": pool.liquidity()", univ3::decode_liquidity);
        if (!liquidity) co_return fail(std::move(liquidity).error());
        s.pool.sqrt_price_x96 = slot0->sqrt_price_x96;
        s.pool.tick = slot0->tick;
        s.pool.liquidity = *liquidity;
        s.pool.fee_pips = f.fee_pips;
        s.pool.underlying_is_token0 = f.underlying_is_token0;

        auto underlying = decode(r[6], where + ": underlying.balanceOf(vault)", erc20::decode_balance_of);
        if (!underlying) co_return fail(std::move(underlying).error());
        auto quote = decode(r[7], where + ": quote.balanceOf(vault)", erc20::decode_balance_of);
        if (!quote) co_return fail(std::move(quote).error());
        s.vault_underlying = *underlying;
        s.vault_quote = *quote;
        out.push_back(std::move(s));
    }
    ++stats_.rounds;
    stats_.lens_reverts += lens_reverts;
    co_return out;
}

#undef KEEPER_CO_TRY
#undef KEEPER_CO_CHECK

}  // namespace keeper::chain

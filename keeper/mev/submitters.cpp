#include "keeper/mev/submitters.hpp"

#include <algorithm>
#include <random>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"

namespace keeper::mev {

using submit::SubmitRequest;
using submit::SubmitResult;
using submit::SubmitStatus;
using submit::Visibility;

namespace {

bool contains_ci(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != hay.end();
}

/// The relay already holds these exact bytes: a re-send after a crash is a success.
bool already_known(const RelayError& e) {
    return e.kind == RelayError::Kind::kRpc &&
           (contains_ci(e.message, "already known") || contains_ci(e.message, "already exists") ||
            contains_ci(e.message, "already imported"));
}

SubmitResult from_error(const RelayError& e, const std::string& channel) {
    SubmitResult r;
    if (already_known(e)) {
        r.status = SubmitStatus::kAccepted;
        r.accepted_by.push_back(channel);
        r.detail = e.message;
    } else {
        r.status = e.retryable() || e.kind == RelayError::Kind::kCancelled ? SubmitStatus::kUnavailable
                                                                           : SubmitStatus::kRejected;
        r.detail = e.describe();
    }
    return r;
}

SubmitResult accepted(const std::string& channel) {
    SubmitResult r;
    r.status = SubmitStatus::kAccepted;
    r.accepted_by.push_back(channel);
    return r;
}

/// Maps a status-API answer ({"status": "PENDING", ...}).
std::optional<Visibility> from_status(const Json& body) {
    if (!body.is_object() || !body.contains("status") || !body["status"].is_string()) return std::nullopt;
    const auto s = body["status"].get<std::string>();
    if (s == "PENDING" || s == "INCLUDED") return Visibility::kPending;  // INCLUDED: the receipt is the executor's
    if (s == "FAILED") return Visibility::kFailed;
    if (s == "CANCELLED") return Visibility::kCancelled;
    if (s == "UNKNOWN") return Visibility::kUnknown;
    return std::nullopt;
}

std::string new_uuid_v4() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < 16; i += 8) {
        const std::uint64_t v = rng();
        for (std::size_t j = 0; j < 8; ++j) b[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
    const std::string h = to_hex_raw(ByteView(b.data(), b.size()));
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

Json to_json(const PrivacyPreferences& p) {
    Json j = Json::object();
    j["fast"] = p.fast;
    Json privacy = Json::object();
    privacy["hints"] = p.hints;
    if (!p.builders.empty()) privacy["builders"] = p.builders;
    j["privacy"] = std::move(privacy);
    return j;
}

std::uint64_t window_end(std::uint64_t head_number, std::uint64_t window_blocks, std::uint64_t seconds_to_deadline,
                         std::uint64_t block_time_seconds) noexcept {
    std::uint64_t blocks = std::max<std::uint64_t>(window_blocks, 1);
    if (seconds_to_deadline > 0 && block_time_seconds > 0)
        blocks = std::min(blocks, std::max<std::uint64_t>(seconds_to_deadline / block_time_seconds, 1));
    return head_number + blocks;
}

Visibility best_visibility(Visibility a, Visibility b) noexcept {
    auto rank = [](Visibility v) {
        switch (v) {
            case Visibility::kPending: return 4;
            case Visibility::kUnknown: return 3;
            case Visibility::kExpired: return 2;
            case Visibility::kFailed: return 1;
            case Visibility::kCancelled: return 0;
        }
        return 0;
    };
    return rank(a) >= rank(b) ? a : b;
}

// ---------------------------------------------------------------------------------------------
// PrivateRelaySubmitter

PrivateRelaySubmitter::PrivateRelaySubmitter(std::shared_ptr<RelayClient> client, Settings settings)
    : client_(std::move(client)), settings_(std::move(settings)) {}

std::optional<std::uint64_t> PrivateRelaySubmitter::max_block(const Hash32& tx_hash) const {
    auto it = tracked_.find(tx_hash);
    if (it == tracked_.end()) return std::nullopt;
    return it->second.max_block;
}

asio::awaitable<SubmitResult> PrivateRelaySubmitter::submit(const SubmitRequest& request) {
    const std::uint64_t max_block = window_end(request.head_number, settings_.window_blocks,
                                               request.seconds_to_deadline, settings_.block_time_seconds);
    Json tx = Json::object();
    tx["tx"] = to_hex(request.raw);
    tx["maxBlockNumber"] = rpc::to_quantity(max_block);
    tx["preferences"] = to_json(settings_.preferences);
    Json params = Json::array();
    params.push_back(std::move(tx));
    auto r = co_await client_->call("eth_sendPrivateTransaction", std::move(params));
    SubmitResult out = r ? accepted(client_->name()) : from_error(r.error(), client_->name());
    if (out.status == SubmitStatus::kAccepted) {
        Tracked& t = tracked_[request.tx_hash];
        t.max_block = std::max(t.max_block, max_block);
        t.cancelled = false;
        spdlog::debug("mev: {} accepted private tx {} nonce {} until block {}", client_->name(),
                      to_hex(request.tx_hash), request.nonce, t.max_block);
    }
    co_return out;
}

asio::awaitable<Visibility> PrivateRelaySubmitter::visibility(const Hash32& tx_hash, std::uint64_t head) {
    auto it = tracked_.find(tx_hash);
    if (it == tracked_.end()) co_return Visibility::kUnknown;
    if (it->second.cancelled) co_return Visibility::kCancelled;
    if (it->second.failed) co_return Visibility::kFailed;
    if (head >= it->second.max_block) co_return Visibility::kExpired;  // block max_block is mined: window over
    if (settings_.status_url.empty()) co_return Visibility::kPending;
    auto status = co_await client_->get_json(settings_.status_url + to_hex(tx_hash));
    if (!status) {
        spdlog::warn("mev: {} status query failed: {}", client_->name(), status.error().describe());
        co_return Visibility::kPending;  // the window is still open as far as we know
    }
    auto v = from_status(*status);
    if (!v) co_return Visibility::kPending;
    // the iterator may be stale after the co_await: look the entry up again
    auto again = tracked_.find(tx_hash);
    if (again != tracked_.end()) {
        if (*v == Visibility::kFailed) again->second.failed = true;
        if (*v == Visibility::kCancelled) again->second.cancelled = true;
    }
    co_return *v;
}

asio::awaitable<bool> PrivateRelaySubmitter::cancel(const Hash32& tx_hash) {
    if (tracked_.find(tx_hash) == tracked_.end()) co_return false;
    Json arg = Json::object();
    arg["txHash"] = to_hex(tx_hash);
    Json params = Json::array();
    params.push_back(std::move(arg));
    auto r = co_await client_->call("eth_cancelPrivateTransaction", std::move(params));
    if (!r) {
        spdlog::warn("mev: {} cancel of {} failed: {}", client_->name(), to_hex(tx_hash), r.error().describe());
        co_return false;
    }
    const bool ok = r->is_boolean() ? r->get<bool>() : true;
    if (ok) {
        auto it = tracked_.find(tx_hash);
        if (it != tracked_.end()) it->second.cancelled = true;
    }
    co_return ok;
}

asio::awaitable<void> PrivateRelaySubmitter::on_head(std::uint64_t head_number) {
    // Forget transactions long past their window (the executor has its own journal).
    std::erase_if(tracked_, [&](const auto& kv) { return kv.second.max_block + 256 < head_number; });
    co_return;
}

// ---------------------------------------------------------------------------------------------
// BundleSubmitter

BundleSubmitter::BundleSubmitter(std::shared_ptr<RelayClient> client, Settings settings)
    : client_(std::move(client)), settings_(std::move(settings)), name_("bundle:" + client_->name()) {}

std::optional<std::string> BundleSubmitter::replacement_uuid(const Hash32& tx_hash) const {
    auto it = tracked_.find(tx_hash);
    if (it == tracked_.end()) return std::nullopt;
    return it->second.uuid;
}

asio::awaitable<bool> BundleSubmitter::send_targets(Tracked& t, std::uint64_t head, std::string* detail) {
    const std::uint64_t until = std::min(t.last_target, head + std::max<std::uint64_t>(settings_.lookahead, 1));
    bool any = false;
    const std::string uuid = t.uuid;
    const std::string raw = t.raw_hex;
    for (std::uint64_t block = std::max(t.highest_sent + 1, head + 1); block <= until; ++block) {
        Json bundle = Json::object();
        bundle["txs"] = Json::array({raw});
        bundle["blockNumber"] = rpc::to_quantity(block);
        bundle["replacementUuid"] = uuid;
        if (!settings_.builders.empty()) bundle["builders"] = settings_.builders;
        Json params = Json::array();
        params.push_back(std::move(bundle));
        auto r = co_await client_->call("eth_sendBundle", std::move(params));
        if (r || already_known(r.error())) {
            any = true;
            t.highest_sent = std::max(t.highest_sent, block);
        } else {
            if (detail != nullptr && detail->empty()) *detail = r.error().describe();
            spdlog::warn("mev: {} eth_sendBundle for block {} failed: {}", name_, block, r.error().describe());
        }
    }
    co_return any;
}

asio::awaitable<SubmitResult> BundleSubmitter::submit(const SubmitRequest& request) {
    const std::string raw = to_hex(request.raw);
    if (settings_.simulate) {
        Json call = Json::object();
        call["txs"] = Json::array({raw});
        call["blockNumber"] = rpc::to_quantity(request.head_number + 1);
        call["stateBlockNumber"] = "latest";
        Json params = Json::array();
        params.push_back(std::move(call));
        auto sim = co_await client_->call("eth_callBundle", std::move(params));
        if (!sim) co_return from_error(sim.error(), name_);
        if (sim->is_object() && sim->contains("results") && (*sim)["results"].is_array()) {
            for (const Json& res : (*sim)["results"]) {
                if (res.is_object() && (res.contains("error") || res.contains("revert"))) {
                    SubmitResult out;
                    out.status = SubmitStatus::kRejected;
                    out.detail = name_ + ": bundle simulation failed: " +
                                 (res.contains("revert") ? res["revert"].dump() : res["error"].dump());
                    co_return out;
                }
            }
        }
    }
    auto [it, inserted] = tracked_.try_emplace(request.tx_hash);
    Tracked& t = it->second;
    if (inserted) {
        t.raw_hex = raw;
        t.uuid = new_uuid_v4();
    }
    t.cancelled = false;
    t.last_target = std::max(t.last_target, window_end(request.head_number, settings_.window_blocks,
                                                        request.seconds_to_deadline, settings_.block_time_seconds));
    std::string detail;
    const Hash32 hash = request.tx_hash;
    const bool ok = co_await send_targets(tracked_[hash], request.head_number, &detail);
    if (ok) co_return accepted(name_);
    tracked_.erase(hash);
    SubmitResult out;
    out.status = SubmitStatus::kUnavailable;
    out.detail = detail.empty() ? name_ + ": no target block left in the window" : detail;
    co_return out;
}

asio::awaitable<Visibility> BundleSubmitter::visibility(const Hash32& tx_hash, std::uint64_t head) {
    auto it = tracked_.find(tx_hash);
    if (it == tracked_.end()) co_return Visibility::kUnknown;
    if (it->second.cancelled) co_return Visibility::kCancelled;
    if (it->second.failed) co_return Visibility::kFailed;
    if (head >= it->second.last_target) co_return Visibility::kExpired;
    co_return Visibility::kPending;
}

asio::awaitable<bool> BundleSubmitter::cancel(const Hash32& tx_hash) {
    auto it = tracked_.find(tx_hash);
    if (it == tracked_.end()) co_return false;
    Json arg = Json::object();
    arg["replacementUuid"] = it->second.uuid;
    Json params = Json::array();
    params.push_back(std::move(arg));
    auto r = co_await client_->call("eth_cancelBundle", std::move(params));
    if (!r) {
        spdlog::warn("mev: {} eth_cancelBundle failed: {}", name_, r.error().describe());
        co_return false;
    }
    auto again = tracked_.find(tx_hash);
    if (again != tracked_.end()) again->second.cancelled = true;
    co_return true;
}

asio::awaitable<void> BundleSubmitter::on_head(std::uint64_t head_number) {
    std::vector<Hash32> live;
    for (const auto& [hash, t] : tracked_)
        if (!t.cancelled && !t.failed && t.last_target > head_number) live.push_back(hash);
    for (const Hash32& hash : live) {
        auto it = tracked_.find(hash);
        if (it == tracked_.end()) continue;
        (void)co_await send_targets(it->second, head_number, nullptr);
    }
    std::erase_if(tracked_, [&](const auto& kv) { return kv.second.last_target + 256 < head_number; });
}

// ---------------------------------------------------------------------------------------------
// ProtectSubmitter

ProtectSubmitter::ProtectSubmitter(std::shared_ptr<RelayClient> client, Settings settings)
    : client_(std::move(client)), settings_(std::move(settings)) {}

asio::awaitable<SubmitResult> ProtectSubmitter::submit(const SubmitRequest& request) {
    Json params = Json::array({to_hex(request.raw)});
    auto r = co_await client_->call("eth_sendRawTransaction", std::move(params));
    SubmitResult out = r ? accepted(client_->name()) : from_error(r.error(), client_->name());
    if (out.status == SubmitStatus::kAccepted) {
        auto& last = last_block_[request.tx_hash];
        last = std::max(last, window_end(request.head_number, settings_.window_blocks, request.seconds_to_deadline,
                                         settings_.block_time_seconds));
    }
    co_return out;
}

asio::awaitable<Visibility> ProtectSubmitter::visibility(const Hash32& tx_hash, std::uint64_t head) {
    auto it = last_block_.find(tx_hash);
    if (it == last_block_.end()) co_return Visibility::kUnknown;
    if (head >= it->second) co_return Visibility::kExpired;
    if (settings_.status_url.empty()) co_return Visibility::kPending;
    auto status = co_await client_->get_json(settings_.status_url + to_hex(tx_hash));
    if (!status) co_return Visibility::kPending;
    co_return from_status(*status).value_or(Visibility::kPending);
}

asio::awaitable<bool> ProtectSubmitter::cancel(const Hash32&) { co_return false; }

asio::awaitable<void> ProtectSubmitter::on_head(std::uint64_t head_number) {
    std::erase_if(last_block_, [&](const auto& kv) { return kv.second + 256 < head_number; });
    co_return;
}

// ---------------------------------------------------------------------------------------------
// FanOutSubmitter

FanOutSubmitter::FanOutSubmitter(std::vector<std::unique_ptr<submit::Submitter>> relays, Settings settings,
                                 std::shared_ptr<submit::Submitter> fallback, AlertSink alert)
    : relays_(std::move(relays)), settings_(settings), fallback_(std::move(fallback)), alert_(std::move(alert)) {
    for (std::size_t i = 0; i < relays_.size(); ++i) {
        if (i > 0) name_ += '+';
        name_ += std::string(relays_[i]->name());
    }
    if (settings_.public_fallback && fallback_) name_ += "|fallback:" + std::string(fallback_->name());
}

std::uint32_t FanOutSubmitter::failed_windows(std::uint64_t nonce) const {
    auto it = failed_.find(nonce);
    return it == failed_.end() ? 0 : static_cast<std::uint32_t>(it->second.size());
}

asio::awaitable<SubmitResult> FanOutSubmitter::submit_public(const SubmitRequest& request, const std::string& reason) {
    spdlog::warn("mev: FALLING BACK TO THE PUBLIC MEMPOOL for tx {} nonce {} ({}): the transaction is now "
                 "visible to sandwich bots; public_fallback is enabled in the configuration",
                 to_hex(request.tx_hash), request.nonce, reason);
    SubmitResult r = co_await fallback_->submit(request);
    if (r.status == SubmitStatus::kAccepted) public_[request.tx_hash] = true;
    co_return r;
}

asio::awaitable<SubmitResult> FanOutSubmitter::submit(const SubmitRequest& request) {
    nonce_of_[request.tx_hash] = request.nonce;
    std::uint64_t& seen = last_seen_[request.nonce];
    seen = std::max(seen, request.head_number);
    // A re-send (dropped from the mempool, or an unconfirmed send after an error) of bytes the
    // public mempool has seen goes the public way again, as a public attempt is tracked: bytes
    // this run sent publicly, or bytes journaled as public before a restart (the latter only
    // while the operator's public fallback is still on; otherwise the relays).
    const bool sent_public_here = went_public(request.tx_hash) && fallback_ != nullptr;
    if (sent_public_here || (request.went_public && may_go_public())) {
        spdlog::info("mev: tx {} nonce {} went public earlier: re-sent through {}", to_hex(request.tx_hash),
                     request.nonce, fallback_->name());
        SubmitResult r = co_await fallback_->submit(request);
        if (r.status == SubmitStatus::kAccepted) public_[request.tx_hash] = true;
        co_return r;
    }
    // This run's count, or the journal's when it knows more (a restart forgets this one's).
    const std::uint32_t failures = std::max(failed_windows(request.nonce), request.missed_windows);
    const bool exhausted = settings_.alert_after_failures > 0 && failures >= settings_.alert_after_failures;
    const bool can_fall_back = settings_.public_fallback && fallback_ != nullptr;
    if (exhausted && !alerted_[request.nonce]) {
        alerted_[request.nonce] = true;
        MevAlert alert{request.nonce, failures, can_fall_back,
                       std::to_string(failures) + " private windows passed without inclusion for nonce " +
                           std::to_string(request.nonce)};
        spdlog::error("mev: ALERT: {}{}", alert.message,
                      can_fall_back ? "; falling back to the public mempool" : "; still private (no public fallback)");
        if (alert_) alert_(alert);
    }
    if (exhausted && can_fall_back)
        co_return co_await submit_public(request, std::to_string(failures) + " private windows failed");

    // The same bytes to every relay at once; the slowest relay bounds the latency, not the sum.
    const std::size_t n = relays_.size();
    std::vector<SubmitResult> results(n);
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer done(executor, asio::steady_timer::time_point::max());
    std::size_t remaining = n;
    for (std::size_t i = 0; i < n; ++i) {
        asio::co_spawn(
            executor,
            [&, i]() -> asio::awaitable<void> {
                results[i] = co_await relays_[i]->submit(request);
                if (--remaining == 0) done.cancel();
            },
            asio::detached);
    }
    if (remaining > 0) {
        boost::system::error_code ec;
        co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }

    SubmitResult merged;
    merged.status = SubmitStatus::kRejected;
    bool any_unavailable = false;
    for (std::size_t i = 0; i < n; ++i) {
        const SubmitResult& r = results[i];
        if (r.status == SubmitStatus::kAccepted) {
            merged.status = SubmitStatus::kAccepted;
            merged.accepted_by.insert(merged.accepted_by.end(), r.accepted_by.begin(), r.accepted_by.end());
        } else {
            if (r.status == SubmitStatus::kUnavailable) any_unavailable = true;
            spdlog::warn("mev: {} refused tx {}: {}", relays_[i]->name(), to_hex(request.tx_hash), r.detail);
            if (merged.detail.empty()) merged.detail = r.detail;
        }
    }
    if (merged.status != SubmitStatus::kAccepted && any_unavailable) merged.status = SubmitStatus::kUnavailable;
    if (merged.status == SubmitStatus::kUnavailable && can_fall_back)
        co_return co_await submit_public(request, "no private relay reachable: " + merged.detail);
    co_return merged;
}

asio::awaitable<Visibility> FanOutSubmitter::visibility(const Hash32& tx_hash, std::uint64_t head) {
    if (public_.count(tx_hash) != 0) co_return co_await fallback_->visibility(tx_hash, head);
    Visibility best = Visibility::kCancelled;
    bool any = false;
    for (auto& relay : relays_) {
        const Visibility v = co_await relay->visibility(tx_hash, head);
        best = any ? best_visibility(best, v) : v;
        any = true;
    }
    if (!any) co_return Visibility::kUnknown;
    auto it = nonce_of_.find(tx_hash);
    if (it == nonce_of_.end()) co_return best;  // not sent through this fan-out
    std::uint64_t& last = last_seen_[it->second];
    last = std::max(last, head);
    if (best == Visibility::kExpired || best == Visibility::kFailed) {
        auto& hashes = failed_[it->second];
        if (std::find(hashes.begin(), hashes.end(), tx_hash) == hashes.end()) {
            hashes.push_back(tx_hash);
            spdlog::warn("mev: private window of tx {} (nonce {}) passed without inclusion ({} so far for this "
                         "nonce): re-plan and re-sign at the same nonce",
                         to_hex(tx_hash), it->second, hashes.size());
        }
    }
    co_return best;
}

asio::awaitable<bool> FanOutSubmitter::cancel(const Hash32& tx_hash) {
    if (public_.count(tx_hash) != 0) co_return co_await fallback_->cancel(tx_hash);
    bool all = !relays_.empty();
    for (auto& relay : relays_) {
        const Visibility v = co_await relay->visibility(tx_hash, 0);
        if (v == Visibility::kUnknown) continue;  // this relay never took it
        const bool ok = co_await relay->cancel(tx_hash);
        all = all && ok;
    }
    co_return all;
}

asio::awaitable<void> FanOutSubmitter::on_head(std::uint64_t head_number) {
    for (auto& relay : relays_) co_await relay->on_head(head_number);
    if (fallback_) co_await fallback_->on_head(head_number);
    // Forget nonces idle for kForgetAfterBlocks (see the declaration).
    std::set<std::uint64_t> stale;
    for (const auto& [nonce, seen] : last_seen_)
        if (seen + kForgetAfterBlocks < head_number) stale.insert(nonce);
    if (stale.empty()) co_return;
    for (auto it = nonce_of_.begin(); it != nonce_of_.end();) {
        if (stale.count(it->second) != 0) {
            public_.erase(it->first);
            it = nonce_of_.erase(it);
        } else {
            ++it;
        }
    }
    for (std::uint64_t nonce : stale) {
        failed_.erase(nonce);
        alerted_.erase(nonce);
        last_seen_.erase(nonce);
    }
}

}  // namespace keeper::mev

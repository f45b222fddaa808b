#include "keeper/rpc/pool.hpp"

#include <algorithm>
#include <array>
#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "keeper/rpc/async.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/http.hpp"
#include "keeper/rpc/url.hpp"

namespace keeper::rpc {

std::string_view to_string(EndpointState s) noexcept {
    switch (s) {
        case EndpointState::kUnverified: return "unverified";
        case EndpointState::kHealthy: return "healthy";
        case EndpointState::kLagging: return "lagging";
        case EndpointState::kDown: return "down";
        case EndpointState::kWrongChain: return "wrong-chain";
    }
    return "unknown";
}

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

bool is_hedgeable(std::string_view method) noexcept {
    // Methods that read chain state or node metadata and change nothing. Sending one twice
    // costs the provider a request, nothing else.
    static constexpr std::array<std::string_view, 24> kReads{
        "eth_blockNumber",        "eth_call",
        "eth_chainId",            "eth_estimateGas",
        "eth_feeHistory",         "eth_gasPrice",
        "eth_getBalance",         "eth_getBlockByHash",
        "eth_getBlockByNumber",   "eth_getBlockReceipts",
        "eth_getCode",            "eth_getLogs",
        "eth_getProof",           "eth_getStorageAt",
        "eth_getTransactionByHash", "eth_getTransactionCount",
        "eth_getTransactionReceipt", "eth_maxPriorityFeePerGas",
        "eth_syncing",            "net_version",
        "web3_clientVersion",     "eth_getBlockTransactionCountByNumber",
        "eth_getUncleCountByBlockNumber", "eth_blobBaseFee",
    };
    return std::find(kReads.begin(), kReads.end(), method) != kReads.end();
}

void LatencyEstimator::add(microseconds sample) noexcept {
    if (sample.count() < 0) sample = microseconds(0);
    if (samples_++ == 0) {  // RFC 6298 (2.2)
        srtt_ = sample;
        rttvar_ = sample / 2;
        return;
    }
    // (2.3): rttvar = 3/4 rttvar + 1/4 |srtt - r|; srtt = 7/8 srtt + 1/8 r.
    const microseconds delta = srtt_ > sample ? srtt_ - sample : sample - srtt_;
    rttvar_ = (rttvar_ * 3 + delta) / 4;
    srtt_ = (srtt_ * 7 + sample) / 8;
}

microseconds LatencyEstimator::hedge_delay(microseconds floor, microseconds cap) const noexcept {
    if (empty()) return cap;
    // rttvar of a steady endpoint decays toward zero, so srtt + 4 * rttvar alone would hedge
    // a slow-but-steady endpoint on its first bit of jitter; twice its usual latency is the least.
    return std::clamp(std::max(srtt_ + rttvar_ * 4, srtt_ * 2), std::min(floor, cap), cap);
}

struct EndpointPool::Endpoint {
    std::size_t index{0};
    std::unique_ptr<HttpEndpoint> http;
    EndpointStats stats;
    LatencyEstimator latency;             // answers to requests (probes only until one exists)
    Clock::time_point benched_until{};    // unresponsive: no restore before this
    Clock::time_point restored_at{};      // last restore from unresponsive
    unsigned benchings{0};                // relapses within a minute of a restore
};

/// One request raced over endpoints: attempts run as detached coroutines and report here.
struct EndpointPool::Race {
    struct Attempt {
        Endpoint* ep{nullptr};
        std::size_t slot{0};  // index in send()'s candidate order
        CancelToken cancel;
        Clock::time_point started;
        microseconds hedge_delay{0};
        std::optional<Result<Responses>> result;
        bool seen{false};  // result processed by send()
    };
    explicit Race(const asio::any_io_executor& ex) : wake(ex) {}
    std::deque<Attempt> attempts;  // a deque: references stay valid as attempts are added
    std::size_t in_flight{0};
    asio::steady_timer wake;  // send() sleeps on it until its next deadline; an outcome cancels it
};

namespace {
int rank(EndpointState s) {
    switch (s) {
        case EndpointState::kHealthy: return 0;
        case EndpointState::kLagging: return 1;
        case EndpointState::kDown: return 2;
        default: return 3;  // unusable
    }
}

std::string millis_text(microseconds d) { return std::to_string(d.count() / 1000) + " ms"; }
}  // namespace

EndpointPool::EndpointPool(asio::any_io_executor executor, std::uint64_t chain_id, std::vector<EndpointConfig> endpoints,
                           RpcSettings settings)
    : executor_(std::move(executor)),
      chain_id_(chain_id),
      settings_(settings),
      alive_(std::make_shared<bool>(true)),
      probe_timer_(executor_) {
    for (auto& config : endpoints) {
        auto ep = std::make_unique<Endpoint>();
        ep->index = endpoints_.size();
        ep->stats.name = config.name.empty() ? redact_url(config.url) : config.name;
        ep->http = std::make_unique<HttpEndpoint>(executor_, std::move(config.url), ep->stats.name, settings_.http);
        ep->stats.hedge_delay = hedge_delay(*ep);
        endpoints_.push_back(std::move(ep));
    }
}

EndpointPool::~EndpointPool() { *alive_ = false; }

void EndpointPool::stop() {
    stopping_ = true;
    probe_timer_.cancel();
    for (auto& ep : endpoints_) ep->http->stop();
}

void EndpointPool::observe_head(std::uint64_t number) {
    // Only raises the bar: endpoints are judged against it when they next report their head.
    best_head_ = std::max(best_head_, number);
}

std::vector<EndpointStats> EndpointPool::stats() const {
    std::vector<EndpointStats> out;
    out.reserve(endpoints_.size());
    for (const auto& ep : endpoints_) out.push_back(ep->stats);
    return out;
}

microseconds EndpointPool::hedge_delay(const Endpoint& ep) const {
    const microseconds cap = std::min<microseconds>(settings_.pool.hedge_cap, settings_.http.request_timeout);
    return ep.latency.hedge_delay(settings_.pool.hedge_floor, cap);
}

void EndpointPool::set_state(Endpoint& ep, EndpointState state) {
    if (ep.stats.state == state) return;
    const auto level = state == EndpointState::kHealthy ? spdlog::level::info
                       : state == EndpointState::kWrongChain ? spdlog::level::err
                                                             : spdlog::level::warn;
    std::string detail;
    if (state == EndpointState::kDown) detail = " (" + ep.stats.last_error + ")";
    if (state == EndpointState::kLagging && ep.stats.head)
        detail = " (head " + std::to_string(*ep.stats.head) + ", best " + std::to_string(best_head_) + ")";
    spdlog::log(level, "rpc endpoint '{}': {} -> {}{}", ep.stats.name, to_string(ep.stats.state), to_string(state),
                detail);
    ep.stats.state = state;
    ++ep.stats.state_changes;
}

void EndpointPool::update_lag(Endpoint& ep) {
    const auto s = ep.stats.state;
    if (s != EndpointState::kHealthy && s != EndpointState::kLagging) return;
    const bool lagging = ep.stats.head && *ep.stats.head + settings_.pool.max_head_lag < best_head_;
    set_state(ep, lagging ? EndpointState::kLagging : EndpointState::kHealthy);
}

void EndpointPool::note_head(Endpoint& ep, const std::vector<Call>& calls, const Responses& responses) {
    // An answer that shows the endpoint's head is a fresh head report: the same evidence a probe gives.
    std::optional<std::uint64_t> exact;  // its head, as it says
    std::uint64_t at_least = 0;          // it serves this block, so its head is no lower
    for (std::size_t i = 0; i < calls.size() && i < responses.size(); ++i) {
        if (!responses[i] || responses[i]->is_null()) continue;
        const Json& result = *responses[i];
        if (calls[i].method == "eth_blockNumber") {
            if (auto n = decode_u64(result, "result")) exact = std::max(exact.value_or(0), *n);
        } else if (calls[i].method == "eth_getBlockByNumber" && result.is_object() && result.contains("number")) {
            const auto n = decode_u64(result["number"], "result.number");
            if (!n) continue;
            const Json& params = calls[i].params;
            if (!params.empty() && params[0] == "latest") exact = std::max(exact.value_or(0), *n);
            else at_least = std::max(at_least, *n);
        }
    }
    if (exact) {
        ep.stats.head = std::max(*exact, at_least);
        observe_head(*ep.stats.head);
        update_lag(ep);
    } else if (at_least > ep.stats.head.value_or(0)) {
        // A lower bound (an old block it served) can show it caught up, never that it is behind.
        ep.stats.head = at_least;
        observe_head(at_least);
        if (ep.stats.state == EndpointState::kLagging) update_lag(ep);
    }
}

void EndpointPool::record_failure(Endpoint& ep, const Error& e) {
    if (e.code == Errc::kCancelled) return;
    ++ep.stats.failures;
    ++ep.stats.consecutive_failures;
    if (e.code == Errc::kRateLimited) ++ep.stats.rate_limited;
    ep.stats.last_error = e.describe();
    if (ep.stats.state == EndpointState::kHealthy || ep.stats.state == EndpointState::kLagging)
        set_state(ep, EndpointState::kDown);
}

void EndpointPool::strike(Endpoint& ep) {
    ++ep.stats.hedged;
    ++ep.stats.strikes;
    if (ep.stats.strikes < std::max(1u, settings_.pool.strikes_to_bench)) return;
    if (ep.stats.state != EndpointState::kHealthy && ep.stats.state != EndpointState::kLagging) return;
    const auto now = Clock::now();
    ep.benchings = now - ep.restored_at < std::chrono::minutes(1) ? std::min(ep.benchings + 1, 6u) : 0;
    const auto hold = settings_.pool.probe_interval * (1 << ep.benchings);
    ep.benched_until = now + hold;
    ep.stats.last_error = make_error(Errc::kTimeout,
                                     "unresponsive: " + std::to_string(ep.stats.strikes) +
                                         " reads in a row unanswered after the hedge delay (" +
                                         millis_text(hedge_delay(ep)) + "); benched for " +
                                         std::to_string(hold.count()) + " ms",
                                     ep.stats.name)
                              .describe();
    set_state(ep, EndpointState::kDown);
}

void EndpointPool::restore_if_due(Endpoint& ep) {
    if (ep.stats.state != EndpointState::kDown && ep.stats.state != EndpointState::kUnverified) return;
    if (Clock::now() < ep.benched_until) return;  // benched as unresponsive: the hold is not over
    if (ep.benched_until != Clock::time_point{}) {  // back from unresponsive: a fresh count
        ep.restored_at = Clock::now();
        ep.benched_until = Clock::time_point{};
        ep.stats.strikes = 0;
    }
    set_state(ep, EndpointState::kHealthy);
}

std::vector<EndpointPool::Endpoint*> EndpointPool::candidates() const {
    std::vector<Endpoint*> out;
    for (const auto& ep : endpoints_)
        if (rank(ep->stats.state) < 3) out.push_back(ep.get());
    std::stable_sort(out.begin(), out.end(),
                     [](const Endpoint* a, const Endpoint* b) { return rank(a->stats.state) < rank(b->stats.state); });
    return out;
}

asio::awaitable<Result<EndpointPool::Responses>> EndpointPool::exchange(Endpoint& ep, const std::vector<Call>& calls,
                                                                        bool single, CancelToken cancel, bool probe) {
    const auto alive = alive_;  // `this` and `ep` may be gone when an abandoned attempt completes
    const std::uint64_t first_id = next_id_;
    next_id_ += calls.size();
    std::string body = single ? encode_request_string(calls.front(), first_id) : encode_batch(calls, first_id);
    ++ep.stats.requests;
    HttpResult reply = co_await ep.http->async_post(std::move(body), std::move(cancel), asio::use_awaitable);
    if (!*alive) co_return Unexpected(make_error(Errc::kCancelled, "pool destroyed"));
    if (!reply) {
        record_failure(ep, reply.error());
        co_return Unexpected(std::move(reply).error());
    }
    Responses responses;
    if (single) {
        auto r = decode_response(reply->body, first_id);
        if (r) responses.push_back(std::move(*r));
        else {
            Error e = from_codec(r.error(), Errc::kBadResponse, ep.stats.name);
            record_failure(ep, e);
            co_return Unexpected(std::move(e));
        }
    } else {
        auto r = decode_batch_response(reply->body, first_id, calls.size());
        if (!r) {
            Error e = from_codec(r.error(), Errc::kBadResponse, ep.stats.name);
            record_failure(ep, e);
            co_return Unexpected(std::move(e));
        }
        responses = std::move(*r);
    }
    for (const auto& r : responses) {
        if (r.has_value()) continue;
        if (r.error().is_rate_limit()) {
            Error e = make_error(Errc::kRateLimited, r.error().describe(), ep.stats.name);
            record_failure(ep, e);
            co_return Unexpected(std::move(e));
        }
        ++ep.stats.rpc_errors;
    }
    // Success: latency and health. Probes (two trivial calls) say little about how long real
    // requests take, so they only seed the estimator; an answer to a request clears strikes.
    ep.stats.consecutive_failures = 0;
    ep.stats.last_latency = reply->latency;
    ep.stats.avg_latency = ep.stats.avg_latency.count() == 0 ? reply->latency
                                                             : (ep.stats.avg_latency * 7 + reply->latency) / 8;
    if (!probe || ep.latency.empty()) ep.latency.add(reply->latency);
    ep.stats.hedge_delay = hedge_delay(ep);
    if (!probe) {
        ep.stats.strikes = 0;
        if (ep.stats.state == EndpointState::kDown) restore_if_due(ep);
        note_head(ep, calls, responses);
    }
    co_return responses;
}

asio::awaitable<void> EndpointPool::run_attempt(std::shared_ptr<Race> race, std::size_t index,
                                                std::shared_ptr<const std::vector<Call>> calls, bool single,
                                                bool probe) {
    Result<Responses> r = Unexpected(make_error(Errc::kCancelled, "attempt failed"));
    try {
        Race::Attempt& a = race->attempts[index];
        r = co_await exchange(*a.ep, *calls, single, a.cancel, probe);
    } catch (const std::exception& e) {  // out of memory: an outcome all the same, or send() waits forever
        r = Unexpected(make_error(Errc::kConnect, std::string("internal error: ") + e.what()));
    }
    race->attempts[index].result = std::move(r);
    --race->in_flight;
    race->wake.cancel();
}

void EndpointPool::launch(const std::shared_ptr<Race>& race, Endpoint& ep, std::size_t slot,
                          const std::shared_ptr<const std::vector<Call>>& calls, bool single, bool probe) {
    Race::Attempt a;
    a.ep = &ep;
    a.slot = slot;
    a.cancel = make_cancel_token();
    a.started = Clock::now();
    a.hedge_delay = hedge_delay(ep);
    race->attempts.push_back(std::move(a));
    ++race->in_flight;
    asio::co_spawn(executor_, run_attempt(race, race->attempts.size() - 1, calls, single, probe), asio::detached);
}

void EndpointPool::settle(Race& race, std::size_t winner) {
    const auto now = Clock::now();
    bool overtook = false;  // the winner answered while an earlier attempt was still out
    for (std::size_t i = 0; i < race.attempts.size(); ++i) {
        auto& a = race.attempts[i];
        if (i == winner || a.result) continue;
        a.cancel->store(true);  // abandoned: the worker drops or aborts it
        if (i < winner) overtook = true;
        // Too slow by its own standard while another endpoint answered: a strike. (An attempt
        // launched as a hedge a moment ago and overtaken is not slow.)
        if (now - a.started >= a.hedge_delay) strike(*a.ep);
    }
    if (overtook) ++race.attempts[winner].ep->stats.hedge_wins;
}

asio::awaitable<Result<EndpointPool::Responses>> EndpointPool::send(const std::vector<Call>& calls, bool single) {
    if (stopping_) co_return Unexpected(make_error(Errc::kCancelled, "pool stopped"));
    auto order = candidates();
    if (order.empty()) {
        std::string states;
        for (const auto& ep : endpoints_)
            states += (states.empty() ? "" : ", ") + ep->stats.name + " " + std::string(to_string(ep->stats.state));
        co_return Unexpected(make_error(Errc::kNoEndpoint, "no usable endpoint (" + states + ")"));
    }
    const std::size_t k = order.size();
    const bool hedge = k > 1 && std::all_of(calls.begin(), calls.end(),
                                            [](const Call& c) { return is_hedgeable(c.method); });
    const auto shared_calls = std::make_shared<const std::vector<Call>>(calls);
    const auto race = std::make_shared<Race>(executor_);
    const unsigned max_attempts = std::max(1u, settings_.retry.max_attempts);
    std::vector<bool> skip(k, false);  // failed for good (not retryable)
    std::vector<bool> busy(k, false);  // an attempt in flight
    std::vector<bool> tried(k, false);
    std::size_t cursor = 0;  // where revisits resume, in candidate order
    Backoff backoff(settings_.retry.initial_backoff, settings_.retry.max_backoff, settings_.retry.multiplier);
    bool backed_off = false;
    unsigned launched = 0;
    std::optional<Clock::time_point> launch_at = Clock::now();  // when the next attempt may start
    std::optional<Error> last;

    // The next endpoint to try: one not yet tried, in order; else a revisit (after a backoff).
    const auto pick = [&]() -> std::optional<std::pair<std::size_t, bool>> {
        for (std::size_t i = 0; i < k; ++i)
            if (!tried[i] && !skip[i] && !busy[i]) return std::pair{i, false};
        for (std::size_t n = 0; n < k; ++n) {
            const std::size_t i = (cursor + n) % k;
            if (!skip[i] && !busy[i]) return std::pair{i, true};
        }
        return std::nullopt;
    };

    for (;;) {
        // Outcomes: the first answer wins; a failure moves on to the next endpoint at once.
        for (std::size_t i = 0; i < race->attempts.size(); ++i) {
            auto& a = race->attempts[i];
            if (a.seen || !a.result) continue;
            a.seen = true;
            busy[a.slot] = false;
            if (*a.result) {
                settle(*race, i);
                co_return std::move(*a.result);
            }
            const Error& e = a.result->error();
            if (e.code == Errc::kCancelled) {  // stop(): nobody is to blame
                for (auto& other : race->attempts)
                    if (!other.result) other.cancel->store(true);
                co_return Unexpected(e);
            }
            if (!e.retryable()) skip[a.slot] = true;
            last = e;
            launch_at = Clock::now();
        }
        if (stopping_) {
            for (auto& a : race->attempts)
                if (!a.result) a.cancel->store(true);
            co_return Unexpected(make_error(Errc::kCancelled, "pool stopped"));
        }
        // Start the next attempt when due: a retry, or a hedge of a read still unanswered.
        const auto now = Clock::now();
        if (launch_at && *launch_at <= now) {
            launch_at.reset();
            const auto next = launched < max_attempts ? pick() : std::nullopt;
            if (next && next->second && !backed_off) {  // a second visit to an endpoint waits
                backed_off = true;
                launch_at = now + backoff.next();
                continue;
            }
            if (next) {
                backed_off = false;
                const std::size_t slot = next->first;
                if (next->second) cursor = (slot + 1) % k;
                tried[slot] = true;
                busy[slot] = true;
                ++launched;
                launch(race, *order[slot], slot, shared_calls, single, /*probe=*/false);
                if (hedge) launch_at = now + race->attempts.back().hedge_delay;
                continue;
            }
        }
        if (race->in_flight == 0 && !launch_at) break;  // nothing left to wait for
        race->wake.expires_at(launch_at ? *launch_at : Clock::time_point::max());
        boost::system::error_code ec;
        co_await race->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return Unexpected(make_error(Errc::kNoEndpoint,
                                    "all attempts failed; last: " + (last ? last->describe() : std::string("none"))));
}

asio::awaitable<Result<Json>> EndpointPool::call(Call c) {
    std::vector<Call> calls;
    calls.push_back(std::move(c));
    auto r = co_await send(calls, /*single=*/true);
    if (!r) co_return Unexpected(std::move(r).error());
    Response& response = r->front();
    if (!response) co_return Unexpected(from_rpc(std::move(response).error()));
    co_return std::move(*response);
}

asio::awaitable<Result<std::vector<Response>>> EndpointPool::batch(std::vector<Call> calls) {
    const std::size_t max = std::max<std::size_t>(1, settings_.pool.max_batch_size);
    if (calls.size() <= max) {
        auto r = co_await send(calls, /*single=*/false);
        co_return r;
    }
    std::vector<Response> out;
    out.reserve(calls.size());
    for (std::size_t i = 0; i < calls.size(); i += max) {
        const auto end = std::min(calls.size(), i + max);
        std::vector<Call> chunk(std::make_move_iterator(calls.begin() + static_cast<std::ptrdiff_t>(i)),
                                std::make_move_iterator(calls.begin() + static_cast<std::ptrdiff_t>(end)));
        auto r = co_await send(chunk, /*single=*/false);
        if (!r) co_return r;
        for (auto& response : *r) out.push_back(std::move(response));
    }
    co_return out;
}

asio::awaitable<Result<void>> EndpointPool::probe(Endpoint& ep) {
    if (ep.stats.state == EndpointState::kWrongChain)
        co_return Unexpected(make_error(Errc::kChainIdMismatch, ep.stats.last_error, ep.stats.name));
    // Bounded by probe_timeout: a hung endpoint fails its probe instead of holding up the round.
    const auto calls = std::make_shared<const std::vector<Call>>(std::vector<Call>{eth::chain_id(), eth::block_number()});
    const auto race = std::make_shared<Race>(executor_);
    launch(race, ep, 0, calls, /*single=*/false, /*probe=*/true);
    race->wake.expires_after(settings_.pool.probe_timeout);
    while (!race->attempts.front().result) {
        boost::system::error_code ec;
        co_await race->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) break;  // expired; a cancel means the attempt completed
    }
    if (!race->attempts.front().result) {
        race->attempts.front().cancel->store(true);
        Error e = make_error(Errc::kTimeout,
                             "no answer to the health probe within " +
                                 std::to_string(settings_.pool.probe_timeout.count()) + " ms",
                             ep.stats.name);
        record_failure(ep, e);
        co_return Unexpected(std::move(e));
    }
    auto r = std::move(*race->attempts.front().result);
    if (!r) co_return Unexpected(std::move(r).error());
    auto& responses = *r;
    for (auto& response : responses)
        if (!response) co_return Unexpected(from_rpc(std::move(response).error(), ep.stats.name));
    const auto id = decode_u64(*responses[0], "eth_chainId result");
    const auto head = decode_u64(*responses[1], "eth_blockNumber result");
    if (!id) co_return Unexpected(from_codec(id.error(), Errc::kBadResult, ep.stats.name));
    if (!head) co_return Unexpected(from_codec(head.error(), Errc::kBadResult, ep.stats.name));
    if (*id != chain_id_) {
        Error e = make_error(Errc::kChainIdMismatch,
                             "serves chain id " + std::to_string(*id) + ", expected " + std::to_string(chain_id_),
                             ep.stats.name);
        ep.stats.last_error = e.describe();
        set_state(ep, EndpointState::kWrongChain);
        co_return Unexpected(std::move(e));
    }
    ep.stats.head = *head;
    observe_head(*head);
    restore_if_due(ep);  // lag is judged once the whole round reported (probe_all)
    co_return Result<void>{};
}

asio::awaitable<std::vector<Result<void>>> EndpointPool::probe_all() {
    std::vector<Result<void>> results(endpoints_.size());
    std::size_t pending = endpoints_.size();
    Signal done(executor_);
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
        asio::co_spawn(
            executor_,
            [this, i, &results, &pending, &done]() -> asio::awaitable<void> {
                results[i] = co_await probe(*endpoints_[i]);
                if (--pending == 0) done.notify();
            },
            asio::detached);
    }
    while (pending > 0) co_await done.wait();
    // Every head in this round is fresh: judge each endpoint against the best of them.
    for (auto& ep : endpoints_) update_lag(*ep);
    co_return results;
}

asio::awaitable<Result<void>> EndpointPool::start() {
    auto results = co_await probe_all();
    std::string failures;
    bool any = false;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i]) {
            any = true;
            continue;
        }
        if (results[i].error().code == Errc::kChainIdMismatch) co_return Unexpected(results[i].error());
        spdlog::warn("rpc endpoint '{}' unreachable at start: {}", endpoints_[i]->stats.name,
                     results[i].error().describe());
        failures += (failures.empty() ? "" : "; ") + results[i].error().describe();
    }
    if (!any) co_return Unexpected(make_error(Errc::kNoEndpoint, "no endpoint answered: " + failures));
    co_return Result<void>{};
}

asio::awaitable<void> EndpointPool::run() {
    while (!stopping_) {
        // co_await only as a full statement or initializer here: g++ 12 miscompiles it inside
        // conditions and casts (SIGILL), so this file and heads.cpp never do that.
        const bool slept = co_await sleep_for(probe_timer_, settings_.pool.probe_interval);
        if (!slept || stopping_) continue;  // stop(), or a cancelled wait
        const auto results = co_await probe_all();
        static_cast<void>(results);  // each probe updated its endpoint's state
    }
}

}  // namespace keeper::rpc

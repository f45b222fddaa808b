#include "keeper/rpc/pool.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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

struct EndpointPool::Endpoint {
    std::size_t index{0};
    std::unique_ptr<HttpEndpoint> http;
    EndpointStats stats;
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
}  // namespace

EndpointPool::EndpointPool(asio::any_io_executor executor, std::uint64_t chain_id, std::vector<EndpointConfig> endpoints,
                           RpcSettings settings)
    : executor_(std::move(executor)), chain_id_(chain_id), settings_(settings), probe_timer_(executor_) {
    for (auto& config : endpoints) {
        auto ep = std::make_unique<Endpoint>();
        ep->index = endpoints_.size();
        ep->stats.name = config.name.empty() ? redact_url(config.url) : config.name;
        ep->http = std::make_unique<HttpEndpoint>(executor_, std::move(config.url), ep->stats.name, settings_.http);
        endpoints_.push_back(std::move(ep));
    }
}

EndpointPool::~EndpointPool() = default;

void EndpointPool::stop() {
    stopping_ = true;
    probe_timer_.cancel();
    for (auto& ep : endpoints_) ep->http->stop();
}

void EndpointPool::observe_head(std::uint64_t number) {
    if (number <= best_head_) return;
    best_head_ = number;
    for (auto& ep : endpoints_) update_lag(*ep);
}

std::vector<EndpointStats> EndpointPool::stats() const {
    std::vector<EndpointStats> out;
    out.reserve(endpoints_.size());
    for (const auto& ep : endpoints_) out.push_back(ep->stats);
    return out;
}

void EndpointPool::set_state(Endpoint& ep, EndpointState state) {
    if (ep.stats.state == state) return;
    const auto level = state == EndpointState::kHealthy ? spdlog::level::info
                       : state == EndpointState::kWrongChain ? spdlog::level::err
                                                             : spdlog::level::warn;
    spdlog::log(level, "rpc endpoint '{}': {} -> {}{}", ep.stats.name, to_string(ep.stats.state), to_string(state),
                state == EndpointState::kDown ? " (" + ep.stats.last_error + ")" : std::string());
    ep.stats.state = state;
}

void EndpointPool::update_lag(Endpoint& ep) {
    const auto s = ep.stats.state;
    if (s != EndpointState::kHealthy && s != EndpointState::kLagging) return;
    const bool lagging = ep.stats.head && *ep.stats.head + settings_.pool.max_head_lag < best_head_;
    set_state(ep, lagging ? EndpointState::kLagging : EndpointState::kHealthy);
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

std::vector<EndpointPool::Endpoint*> EndpointPool::candidates() const {
    std::vector<Endpoint*> out;
    for (const auto& ep : endpoints_)
        if (rank(ep->stats.state) < 3) out.push_back(ep.get());
    std::stable_sort(out.begin(), out.end(),
                     [](const Endpoint* a, const Endpoint* b) { return rank(a->stats.state) < rank(b->stats.state); });
    return out;
}

asio::awaitable<Result<std::vector<Response>>> EndpointPool::exchange(Endpoint& ep, const std::vector<Call>& calls,
                                                                      bool single) {
    const std::uint64_t first_id = next_id_;
    next_id_ += calls.size();
    std::string body = single ? encode_request_string(calls.front(), first_id) : encode_batch(calls, first_id);
    ++ep.stats.requests;
    HttpResult reply = co_await ep.http->async_post(std::move(body), asio::use_awaitable);
    if (!reply) {
        record_failure(ep, reply.error());
        co_return Unexpected(std::move(reply).error());
    }
    std::vector<Response> responses;
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
    // Success: latency and health.
    ep.stats.consecutive_failures = 0;
    ep.stats.last_latency = reply->latency;
    ep.stats.avg_latency = ep.stats.avg_latency.count() == 0 ? reply->latency
                                                             : (ep.stats.avg_latency * 7 + reply->latency) / 8;
    if (ep.stats.state == EndpointState::kDown) {
        set_state(ep, EndpointState::kHealthy);
        update_lag(ep);
    }
    co_return responses;
}

asio::awaitable<Result<std::vector<Response>>> EndpointPool::send(const std::vector<Call>& calls, bool single) {
    if (stopping_) co_return Unexpected(make_error(Errc::kCancelled, "pool stopped"));
    auto order = candidates();
    if (order.empty()) {
        std::string states;
        for (const auto& ep : endpoints_)
            states += (states.empty() ? "" : ", ") + ep->stats.name + " " + std::string(to_string(ep->stats.state));
        co_return Unexpected(make_error(Errc::kNoEndpoint, "no usable endpoint (" + states + ")"));
    }
    const std::size_t k = order.size();
    std::vector<bool> skip(k, false);
    Backoff backoff(settings_.retry.initial_backoff, settings_.retry.max_backoff, settings_.retry.multiplier);
    asio::steady_timer timer(executor_);
    std::optional<Error> last;
    std::size_t turn = 0;
    for (unsigned attempt = 0; attempt < std::max(1u, settings_.retry.max_attempts); ++attempt) {
        std::size_t tries = 0;
        while (tries < k && skip[turn % k]) {
            ++turn;
            ++tries;
        }
        if (tries == k) break;  // every endpoint failed for good
        // A second visit to an endpoint waits; moving on to another endpoint does not.
        if (turn >= k) {
            const bool slept = co_await sleep_for(timer, backoff.next());
            static_cast<void>(slept);  // a cancelled sleep is caught by the stopping_ check below
        }
        if (stopping_) co_return Unexpected(make_error(Errc::kCancelled, "pool stopped"));
        Endpoint& ep = *order[turn % k];
        auto r = co_await exchange(ep, calls, single);
        if (r) co_return r;
        if (r.error().code == Errc::kCancelled) co_return r;
        if (!r.error().retryable()) skip[turn % k] = true;
        last = std::move(r).error();
        ++turn;
    }
    co_return Unexpected(make_error(Errc::kNoEndpoint, "all attempts failed; last: " + last->describe()));
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
    const std::vector<Call> calls{eth::chain_id(), eth::block_number()};  // a named local: g++ 12 miscompiles
    auto r = co_await exchange(ep, calls, /*single=*/false);              // braced temporaries in co_await
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
    if (ep.stats.state == EndpointState::kUnverified || ep.stats.state == EndpointState::kDown)
        set_state(ep, EndpointState::kHealthy);
    if (*head > best_head_) {
        observe_head(*head);
    } else {
        update_lag(ep);
    }
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

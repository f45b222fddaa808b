// JSON-RPC over HTTP(S) with libcurl.
//
// How it meets the event loop. Two designs were on the table: libcurl's multi interface
// driven by Asio socket callbacks (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION), or blocking easy
// handles on a few worker threads with completions posted back to the loop. We use the second:
//  - it is simple and obviously correct: one thread owns one CURL easy handle for its whole
//    life (libcurl's threading rule), reusing one keep-alive connection;
//  - the keeper issues a handful of requests per block (one batch to collect, a few for
//    execution), so a thread per connection costs nothing measurable, while the multi/socket
//    integration is a known source of subtle bugs (socket ownership, timer races, reentrancy);
//  - everything the rest of the daemon sees is still an Asio completion on the loop thread,
//    so pool state, health and metrics need no locks.
// Timeouts are libcurl's (connect and total, per attempt); stop() aborts transfers in flight
// through the progress callback, so shutdown never waits out a timeout. One request can be
// abandoned the same way (a CancelToken, set by the pool when another endpoint answered a
// hedged read first): a queued request is dropped, one in flight is aborted at libcurl's next
// progress callback (at most about a second while the peer is silent) and its connection
// closed, which frees the worker for the next request. Completed requests keep their
// keep-alive connection. https:// follows
// HttpSettings::tls (see apply_curl_tls); a certificate failure is Errc::kConnect with
// libcurl's reason ("SSL certificate problem: ...", host and port at most, never the path).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include "keeper/rpc/error.hpp"
#include "keeper/rpc/settings.hpp"

struct curl_slist;

namespace keeper::rpc {

namespace asio = boost::asio;

struct HttpReply {
    std::string body;
    std::chrono::microseconds latency{0};
};
using HttpResult = Result<HttpReply>;

/// Set to true to abandon one request (Errc::kCancelled); shared by the caller and the worker.
using CancelToken = std::shared_ptr<std::atomic<bool>>;
[[nodiscard]] inline CancelToken make_cancel_token() { return std::make_shared<std::atomic<bool>>(false); }

/// The TLS policy of tls.hpp on a libcurl easy handle (`easy` is a CURL*; also used by
/// mev::RelayClient): TLS 1.2 or later, peer and host name verification on, and with
/// `tls.ca_file` set that file as the only trust anchors (CURLOPT_CAINFO, no CAPATH).
void apply_curl_tls(void* easy, const TlsSettings& tls);

/// A blocking HTTP client for one URL: one CURL easy handle, hence one keep-alive connection,
/// reused across requests. Move-only; use from one thread at a time. One attempt per post():
/// retries and failover belong to the caller (EndpointPool), which sees every endpoint.
class HttpClient {
public:
    /// `name` labels errors and logs; `url` is never printed (it may carry an API key).
    HttpClient(std::string url, std::string name, HttpSettings settings);
    ~HttpClient();
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// POSTs a JSON body. `abort` and `cancel`, if given, are polled during the transfer;
    /// either one set ends it with Errc::kCancelled.
    [[nodiscard]] HttpResult post(std::string_view body, const std::atomic<bool>* abort = nullptr,
                                  const std::atomic<bool>* cancel = nullptr);

private:
    struct EasyDeleter {  // CURL is `void` in libcurl's C++ view
        void operator()(void* h) const noexcept;
    };
    struct SlistDeleter {
        void operator()(curl_slist* l) const noexcept;
    };
    std::unique_ptr<void, EasyDeleter> easy_;
    std::unique_ptr<curl_slist, SlistDeleter> headers_;
    std::string url_;
    std::string name_;
    HttpSettings settings_;
};

/// One HTTP endpoint on the event loop: `connections_per_endpoint` worker threads, each with
/// its own HttpClient, take POSTs from a queue; each completion is posted back to the
/// caller's executor. Not movable (the workers point at it).
class HttpEndpoint {
public:
    HttpEndpoint(asio::any_io_executor executor, std::string url, std::string name, HttpSettings settings);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /// Asynchronous POST; completes with void(HttpResult) on the handler's executor.
    /// With asio::use_awaitable: `HttpResult r = co_await endpoint.async_post(body, use_awaitable);`
    /// `cancel`, if set, abandons this request (see the file comment).
    template <class Token>
    auto async_post(std::string body, CancelToken cancel, Token&& token) {
        return asio::async_initiate<Token, void(HttpResult)>(
            [this](auto handler, std::string b, CancelToken c) {
                using Handler = decltype(handler);
                enqueue(std::make_unique<JobFor<Handler>>(std::move(b), std::move(c), std::move(handler), executor_));
            },
            token, std::move(body), std::move(cancel));
    }
    template <class Token>
    auto async_post(std::string body, Token&& token) {
        return async_post(std::move(body), CancelToken(), std::forward<Token>(token));
    }

    /// Aborts transfers in flight and fails queued and future posts with Errc::kCancelled.
    void stop();

private:
    struct Job {
        Job(std::string b, CancelToken c) : body(std::move(b)), cancel(std::move(c)) {}
        virtual ~Job() = default;
        Job(const Job&) = delete;
        Job& operator=(const Job&) = delete;
        virtual void complete(HttpResult result) = 0;
        std::string body;
        CancelToken cancel;  // may be null
    };
    template <class Handler>
    struct JobFor final : Job {
        JobFor(std::string b, CancelToken c, Handler h, const asio::any_io_executor& fallback)
            : Job(std::move(b), std::move(c)),
              handler(std::move(h)),
              // Keeps the caller's event loop alive while the request is out.
              work(asio::prefer(asio::get_associated_executor(handler, fallback),
                                asio::execution::outstanding_work.tracked)) {}
        void complete(HttpResult result) override {
            auto ex = work;
            asio::post(ex, [h = std::move(handler), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
        }
        Handler handler;
        asio::any_io_executor work;
    };

    void enqueue(std::unique_ptr<Job> job);
    void run_worker();

    asio::any_io_executor executor_;
    std::string url_;
    std::string name_;
    HttpSettings settings_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Job>> queue_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> workers_;
};

}  // namespace keeper::rpc

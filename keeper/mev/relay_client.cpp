#include "keeper/mev/relay_client.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "keeper/mev/flashbots_auth.hpp"
#include "keeper/rpc/http.hpp"

namespace keeper::mev {

namespace {

struct Sink {
    std::string body;
    std::size_t limit{0};
    bool too_large{false};
    const std::atomic<bool>* abort{nullptr};
};

extern "C" std::size_t relay_on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* s = static_cast<Sink*>(user);
    const std::size_t n = size * count;
    if (s->body.size() + n > s->limit) {
        s->too_large = true;
        return 0;
    }
    s->body.append(data, n);
    return n;
}

extern "C" int relay_on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* s = static_cast<const Sink*>(user);
    return s->abort != nullptr && s->abort->load(std::memory_order_relaxed) ? 1 : 0;
}

std::string snippet(const std::string& body) {
    std::string s = body.substr(0, 160);
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

bool RelayError::retryable() const noexcept {
    switch (kind) {
        case Kind::kTransport: return true;
        case Kind::kHttp: return http_status == 429 || http_status >= 500;
        case Kind::kRpc: return code == rpc::errc::kLimitExceeded;
        default: return false;
    }
}

std::string RelayError::describe() const {
    std::string kind_name;
    switch (kind) {
        case Kind::kTransport: kind_name = "transport"; break;
        case Kind::kHttp: kind_name = "http " + std::to_string(http_status); break;
        case Kind::kRpc: kind_name = "code " + std::to_string(code); break;
        case Kind::kBadResponse: kind_name = "bad response"; break;
        case Kind::kCancelled: kind_name = "cancelled"; break;
        case Kind::kSigning: kind_name = "signing"; break;
    }
    return kind_name + ": " + message;
}

/// The curl easy handle; used on the worker thread only.
struct RelayClient::Transport {
    struct EasyDeleter {
        void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
    };
    std::unique_ptr<CURL, EasyDeleter> easy;
    rpc::HttpSettings http;

    explicit Transport(rpc::HttpSettings settings) : http(settings) {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        easy.reset(curl_easy_init());
        if (!easy) throw std::runtime_error("curl_easy_init failed");
    }

    HttpOutcome perform(const Request& r, const std::atomic<bool>* abort) {
        HttpOutcome out;
        if (abort->load()) {
            out.cancelled = true;
            out.error = "stopped";
            return out;
        }
        CURL* h = easy.get();
        curl_easy_reset(h);  // keeps the live connection, drops options of the previous request
        Sink sink;
        sink.limit = http.max_response_bytes;
        sink.abort = abort;
        curl_slist* headers = nullptr;
        std::string sig_header;
        const bool post = !r.body.empty();
        if (post) {
            headers = curl_slist_append(headers, "Content-Type: application/json");
            if (!r.signature.empty()) {
                sig_header = std::string(kSignatureHeader) + ": " + r.signature;
                headers = curl_slist_append(headers, sig_header.c_str());
            }
        }
        headers = curl_slist_append(headers, "Accept: application/json");
        headers = curl_slist_append(headers, "Expect:");
        char errbuf[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "keeper/0.1");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        if (post) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        } else {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        }
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(http.connect_timeout.count()));
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(http.request_timeout.count()));
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &relay_on_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &relay_on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        rpc::apply_curl_tls(h, http.tls);  // relays are https in production: same trust as the RPC
        const auto start = std::chrono::steady_clock::now();
        const CURLcode rc = curl_easy_perform(h);
        out.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
            out.cancelled = rc == CURLE_ABORTED_BY_CALLBACK;
            out.error = sink.too_large ? "response exceeds " + std::to_string(http.max_response_bytes) + " bytes"
                                       : std::string(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
            return out;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
        out.ok = true;
        out.body = std::move(sink.body);
        return out;
    }
};

RelayClient::RelayClient(asio::any_io_executor executor, std::string name, std::string url,
                         std::shared_ptr<const SecretKey> reputation_key, rpc::HttpSettings http)
    : executor_(std::move(executor)),
      name_(std::move(name)),
      url_(std::move(url)),
      key_(std::move(reputation_key)),
      http_(http),
      transport_(std::make_unique<Transport>(http)) {}

RelayClient::~RelayClient() {
    stop();
    worker_.join();  // queued requests run to completion with kCancelled: every awaiter resumes
}

void RelayClient::stop() { abort_.store(true); }

asio::awaitable<RelayClient::HttpOutcome> RelayClient::perform(Request request) {
    auto caller = co_await asio::this_coro::executor;
    auto init = [this, caller](auto handler, Request r) {
        auto work = asio::prefer(caller, asio::execution::outstanding_work.tracked);
        asio::post(worker_, [this, h = std::move(handler), work, req = std::move(r)]() mutable {
            HttpOutcome out = transport_->perform(req, &abort_);
            asio::post(work, [h2 = std::move(h), o = std::move(out)]() mutable { std::move(h2)(std::move(o)); });
        });
    };
    HttpOutcome outcome =
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpOutcome)>(init, asio::use_awaitable,
                                                                                       std::move(request));
    co_return outcome;
}

namespace {

RelayResult interpret(const std::string& name, const RelayClient::HttpOutcome& out, std::uint64_t id,
                      RelayClientStats& stats) {
    using Kind = RelayError::Kind;
    ++stats.requests;
    stats.last_latency = out.latency;
    if (!out.ok) {
        ++stats.failures;
        return Unexpected(RelayError{out.cancelled ? Kind::kCancelled : Kind::kTransport, 0, 0,
                                     "relay '" + name + "': " + out.error});
    }
    // Relays answer auth and validation failures with 4xx AND an error object: read it first.
    auto parsed = rpc::parse_json(out.body);
    if (parsed && parsed->is_object() && parsed->contains("error") && (*parsed)["error"].is_object()) {
        const Json& err = (*parsed)["error"];
        RelayError e{Kind::kRpc, out.status, 0, {}};
        if (err.contains("code") && err["code"].is_number_integer()) e.code = err["code"].get<std::int64_t>();
        e.message = "relay '" + name + "': " +
                    (err.contains("message") && err["message"].is_string() ? err["message"].get<std::string>()
                                                                           : std::string("error without message"));
        ++stats.rpc_errors;
        return Unexpected(std::move(e));
    }
    if (out.status < 200 || out.status >= 300) {
        ++stats.failures;
        return Unexpected(RelayError{Kind::kHttp, out.status, 0,
                                     "relay '" + name + "': HTTP " + std::to_string(out.status) +
                                         (out.body.empty() ? "" : ": " + snippet(out.body))});
    }
    if (!parsed) {
        ++stats.failures;
        return Unexpected(RelayError{Kind::kBadResponse, out.status, 0,
                                     "relay '" + name + "': " + parsed.error().message});
    }
    if (id == 0) return std::move(*parsed);  // a plain JSON GET (status API)
    auto response = rpc::decode_response_message(*parsed, id);
    if (!response) {
        ++stats.failures;
        return Unexpected(RelayError{Kind::kBadResponse, out.status, 0,
                                     "relay '" + name + "': " + response.error().message});
    }
    if (!*response) {  // unreachable: error objects were handled above
        ++stats.rpc_errors;
        return Unexpected(RelayError{Kind::kRpc, out.status, response->error().code,
                                     "relay '" + name + "': " + response->error().message});
    }
    return std::move(**response);
}

}  // namespace

asio::awaitable<RelayResult> RelayClient::call(std::string method, Json params) {
    const std::uint64_t id = next_id_++;
    rpc::Call c{std::move(method), std::move(params)};
    Request request;
    request.url = url_;
    request.body = rpc::encode_request_string(c, id);  // the exact bytes signed and sent
    if (key_) {
        auto sig = flashbots_signature(request.body, *key_);
        if (!sig)
            co_return Unexpected(RelayError{RelayError::Kind::kSigning, 0, 0,
                                            "relay '" + name_ + "': reputation key cannot sign: " +
                                                std::string(to_string(sig.error()))});
        request.signature = std::move(*sig);
    }
    HttpOutcome out = co_await perform(std::move(request));
    co_return interpret(name_, out, id, stats_);
}

asio::awaitable<RelayResult> RelayClient::get_json(std::string url) {
    Request request;
    request.url = std::move(url);
    HttpOutcome out = co_await perform(std::move(request));
    co_return interpret(name_, out, 0, stats_);
}

}  // namespace keeper::mev

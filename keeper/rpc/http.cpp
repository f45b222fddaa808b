#include "keeper/rpc/http.hpp"

#include <curl/curl.h>

#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

namespace keeper::rpc {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
    std::string body;
    std::size_t limit{0};
    bool too_large{false};
    const std::atomic<bool>* abort{nullptr};
    const std::atomic<bool>* cancel{nullptr};
};

extern "C" std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    if (t->body.size() + n > t->limit) {
        t->too_large = true;
        return 0;  // makes libcurl fail with CURLE_WRITE_ERROR
    }
    t->body.append(data, n);
    return n;
}

extern "C" int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* t = static_cast<const Transfer*>(user);
    const bool stop = (t->abort != nullptr && t->abort->load(std::memory_order_relaxed)) ||
                      (t->cancel != nullptr && t->cancel->load(std::memory_order_relaxed));
    return stop ? 1 : 0;
}

Errc classify(CURLcode code) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT: return Errc::kTimeout;
        case CURLE_ABORTED_BY_CALLBACK: return Errc::kCancelled;
        default: return Errc::kConnect;
    }
}

}  // namespace

void apply_curl_tls(void* easy, const TlsSettings& tls) {
    CURL* h = easy;  // NOLINT(misc-misplaced-const)
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!tls.ca_file.empty()) {
        curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file.c_str());
        curl_easy_setopt(h, CURLOPT_CAPATH, static_cast<const char*>(nullptr));  // only the configured CAs
    }
}

void HttpClient::EasyDeleter::operator()(void* h) const noexcept { curl_easy_cleanup(h); }
void HttpClient::SlistDeleter::operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }

HttpClient::HttpClient(std::string url, std::string name, HttpSettings settings)
    : url_(std::move(url)), name_(std::move(name)), settings_(settings) {
    global_init();
    easy_.reset(curl_easy_init());
    if (!easy_) throw std::runtime_error("curl_easy_init failed");
    curl_slist* list = nullptr;
    for (const char* h : {"Content-Type: application/json", "Accept: application/json", "Expect:"}) {
        curl_slist* next = curl_slist_append(list, h);
        if (next == nullptr) {
            curl_slist_free_all(list);
            throw std::runtime_error("curl_slist_append failed");
        }
        list = next;
    }
    headers_.reset(list);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::post(std::string_view body, const std::atomic<bool>* abort, const std::atomic<bool>* cancel) {
    CURL* h = easy_.get();  // NOLINT(misc-misplaced-const)
    Transfer t;
    t.limit = settings_.max_response_bytes;
    t.abort = abort;
    t.cancel = cancel;
    char errbuf[CURL_ERROR_SIZE] = {};
    // Options are set on every call (cheap) so a handle never carries state from a previous
    // request except its live connection.
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate: large logs and blocks
    curl_easy_setopt(h, CURLOPT_USERAGENT, "keeper/0.1");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.request_timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    apply_curl_tls(h, settings_.tls);

    const auto start = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(h);
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // errbuf goes out of scope

    if (rc != CURLE_OK) {
        if (t.too_large)
            return Unexpected(make_error(Errc::kResponseTooLarge,
                                         "response exceeds " + std::to_string(settings_.max_response_bytes) + " bytes",
                                         name_));
        // libcurl's messages name host and port at most, never the path or query.
        std::string what = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        return Unexpected(make_error(classify(rc), std::move(what), name_));
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        std::string snippet = t.body.substr(0, 160);
        Error e = make_error(status == 429 ? Errc::kRateLimited : Errc::kHttpStatus,
                             "HTTP " + std::to_string(status) + (snippet.empty() ? "" : ": " + snippet), name_);
        e.http_status = status;
        return Unexpected(std::move(e));
    }
    return HttpReply{std::move(t.body), latency};
}

HttpEndpoint::HttpEndpoint(asio::any_io_executor executor, std::string url, std::string name, HttpSettings settings)
    : executor_(std::move(executor)), url_(std::move(url)), name_(std::move(name)), settings_(settings) {
    global_init();
    const unsigned n = settings_.connections_per_endpoint == 0 ? 1 : settings_.connections_per_endpoint;
    workers_.reserve(n);
    for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { run_worker(); });
}

HttpEndpoint::~HttpEndpoint() {
    stop();
    for (auto& w : workers_) w.join();
}

void HttpEndpoint::stop() {
    std::deque<std::unique_ptr<Job>> cancelled;
    {
        std::lock_guard lock(mutex_);
        stopping_.store(true);
        cancelled.swap(queue_);
    }
    cv_.notify_all();
    for (auto& job : cancelled) job->complete(Unexpected(make_error(Errc::kCancelled, "stopped", name_)));
}

void HttpEndpoint::enqueue(std::unique_ptr<Job> job) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_.load()) {
            queue_.push_back(std::move(job));
            job = nullptr;
        }
    }
    if (job) {
        job->complete(Unexpected(make_error(Errc::kCancelled, "stopped", name_)));
        return;
    }
    cv_.notify_one();
}

void HttpEndpoint::run_worker() {
    std::optional<HttpClient> client;
    try {
        client.emplace(url_, name_, settings_);
    } catch (const std::exception& e) {  // out of memory in libcurl: fail this worker's jobs
        spdlog::error("rpc endpoint '{}': {}", name_, e.what());
    }
    while (true) {
        std::unique_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        if (job->cancel && job->cancel->load()) {  // abandoned while queued: never sent
            job->complete(Unexpected(make_error(Errc::kCancelled, "abandoned", name_)));
            continue;
        }
        job->complete(client ? client->post(job->body, &stopping_, job->cancel.get())
                             : HttpResult(Unexpected(make_error(Errc::kConnect, "no HTTP client", name_))));
    }
}

}  // namespace keeper::rpc

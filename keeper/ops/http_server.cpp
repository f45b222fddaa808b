#include <utility>  // before Asio (Boost 1.74)

#include "keeper/ops/http_server.hpp"
#include "keeper/ops/logging.hpp"

#include <cmath>
#include <map>
#include <sstream>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace keeper::ops {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view to_string(HealthStatus s) noexcept {
    switch (s) {
        case HealthStatus::kOk:
            return "ok";
        case HealthStatus::kDegraded:
            return "degraded";
        case HealthStatus::kHalted:
            return "halted";
    }
    return "unknown";
}

namespace {

template <class T>
nlohmann::json optional_number(const std::optional<T>& v) {
    if constexpr (std::is_floating_point_v<T>) {
        if (v && !std::isfinite(*v)) return nullptr;
    }
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// "head stale: <before><age> s<after> (limit <limit> s)"
std::string stale_reason(std::string_view before, double age, std::string_view after, double limit) {
    std::ostringstream r;
    r.precision(1);
    r << std::fixed << "head stale: " << before << age << " s" << after << " (limit " << limit << " s)";
    return r.str();
}

}  // namespace

HealthResponse render_health(const Health& h, double max_head_lag_s) {
    HealthStatus status = h.status;
    std::vector<std::string> reasons = h.reasons;
    bool unhealthy = status == HealthStatus::kHalted;
    if (!h.head || !h.head_lag_s) {
        unhealthy = true;
        reasons.emplace_back("no head seen yet");
    } else {
        // NaN compares false: an unknown age counts as stale.
        if (!(*h.head_lag_s <= max_head_lag_s)) {
            unhealthy = true;
            reasons.push_back(stale_reason("", *h.head_lag_s, " old", max_head_lag_s));
        }
        if (h.head_received_s && !(*h.head_received_s <= max_head_lag_s)) {
            unhealthy = true;
            reasons.push_back(stale_reason("no new head for ", *h.head_received_s, "", max_head_lag_s));
        }
    }
    if (unhealthy && status == HealthStatus::kOk) status = HealthStatus::kDegraded;

    nlohmann::ordered_json alerts = nlohmann::ordered_json::array();
    for (const HealthAlert& a : h.alerts) {
        nlohmann::ordered_json j;
        j["source"] = a.source;
        j["kind"] = a.kind;
        j["intent"] = optional_number(a.intent);
        j["nonce"] = optional_number(a.nonce);
        j["detail"] = redact(a.detail);
        j["time"] = std::isfinite(a.time) ? nlohmann::json(a.time) : nlohmann::json(nullptr);
        alerts.push_back(std::move(j));
    }

    nlohmann::ordered_json j;
    j["status"] = to_string(status);
    j["head"] = optional_number(h.head);
    j["head_lag_s"] = optional_number(h.head_lag_s);
    j["head_received_s"] = optional_number(h.head_received_s);
    j["last_decision"] = optional_number(h.last_decision);
    j["reasons"] = reasons;
    j["alerts"] = std::move(alerts);
    j["ready"] = h.ready;
    return {unhealthy ? 503U : 200U, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

struct HttpServer::State {
    State(asio::any_io_executor ex, HttpServerSettings s, const Registry& r, HealthProvider h)
        : executor(std::move(ex)), settings(std::move(s)), registry(&r), health(std::move(h)), acceptor(executor) {}

    asio::any_io_executor executor;
    HttpServerSettings settings;
    const Registry* registry;
    HealthProvider health;
    tcp::acceptor acceptor;
    std::uint16_t port{0};
    bool stopped{false};
    std::uint64_t next_id{0};
    std::map<std::uint64_t, beast::tcp_stream*> open;  // live connections (streams live in their coroutines)
    std::size_t active{0};                             // sessions spawned and not yet finished
    HttpServerStats stats;
};

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response make_response(const Request& req, http::status status, std::string_view content_type, std::string body) {
    Response res{status, req.version()};
    res.set(http::field::server, "keeper");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response handle(HttpServer::State& st, const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    const bool known = target == "/metrics" || target == "/health" || target == "/ready";
    if (!known) return make_response(req, http::status::not_found, "text/plain; charset=utf-8", "not found\n");
    if (req.method() != http::verb::get) {
        Response res =
            make_response(req, http::status::method_not_allowed, "text/plain; charset=utf-8", "method not allowed\n");
        res.set(http::field::allow, "GET");
        return res;
    }
    try {
        if (target == "/metrics")
            return make_response(req, http::status::ok, kExpositionContentType, st.registry->render());
        const Health h = st.health ? st.health() : Health{};
        if (target == "/health") {
            HealthResponse r = render_health(h, st.settings.max_head_lag_s);
            return make_response(req, static_cast<http::status>(r.http_status), "application/json", std::move(r.body));
        }
        return h.ready
                   ? make_response(req, http::status::ok, "text/plain; charset=utf-8", "ready\n")
                   : make_response(req, http::status::service_unavailable, "text/plain; charset=utf-8", "not ready\n");
    } catch (const std::exception&) {
        // The provider failed: say so without its text (it could hold anything).
        return make_response(req, http::status::internal_server_error, "text/plain; charset=utf-8", "internal error\n");
    }
}

asio::awaitable<void> session(std::shared_ptr<HttpServer::State> st, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    const std::uint64_t id = st->next_id++;
    st->open.emplace(id, &stream);
    beast::flat_buffer buffer(st->settings.max_request_bytes + 1024);
    boost::system::error_code ec;
    while (!st->stopped) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(st->settings.max_request_bytes));
        parser.body_limit(st->settings.max_request_bytes);
        stream.expires_after(st->settings.idle_timeout);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::header_limit || ec == http::error::body_limit || ec == http::error::buffer_overflow) {
            ++st->stats.rejected;
            Request stub;
            stub.version(11);
            stub.keep_alive(false);
            Response res = make_response(stub, http::status::payload_too_large, "text/plain; charset=utf-8",
                                         "request too large\n");
            co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
            break;
        }
        if (ec || st->stopped) break;
        Response res = handle(*st, parser.get());
        ++st->stats.requests;
        const bool keep_alive = res.keep_alive();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
    st->open.erase(id);
    --st->active;
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpServer::State> st) {
    while (!st->stopped) {
        boost::system::error_code ec;
        tcp::socket socket = co_await st->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (st->stopped) break;
        if (ec) {
            if (ec == asio::error::operation_aborted) break;
            continue;  // a failed accept (e.g. the peer reset) does not stop the server
        }
        ++st->stats.connections;
        if (st->active >= st->settings.max_connections) {
            ++st->stats.rejected;
            socket.close(ec);
            continue;
        }
        ++st->active;  // counted now: a burst of accepts must not outrun the sessions' start
        asio::co_spawn(st->executor, session(st, std::move(socket)), asio::detached);
    }
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor executor, HttpServerSettings settings, const Registry& registry,
                       HealthProvider health)
    : state_(std::make_shared<State>(std::move(executor), std::move(settings), registry, std::move(health))) {}

HttpServer::~HttpServer() {
    stop();
}

Expected<void, std::string> HttpServer::start() {
    State& st = *state_;
    const std::string where = st.settings.host + ":" + std::to_string(st.settings.port);
    if (st.acceptor.is_open()) return Unexpected("metrics server " + where + ": already started");
    boost::system::error_code ec;
    const std::string host = st.settings.host == "localhost" ? "127.0.0.1" : st.settings.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return Unexpected("metrics server " + where + ": not an IP address");
    if (!address.is_loopback() && !st.settings.allow_remote)
        return Unexpected("metrics server " + where + ": not a loopback address (allow_remote is off)");
    const tcp::endpoint endpoint(address, st.settings.port);
    st.acceptor.open(endpoint.protocol(), ec);
    if (!ec) st.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) st.acceptor.bind(endpoint, ec);
    if (!ec) st.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        boost::system::error_code ignored;
        st.acceptor.close(ignored);
        return Unexpected("metrics server " + where + ": " + ec.message());
    }
    st.port = st.acceptor.local_endpoint(ec).port();
    st.stopped = false;
    asio::co_spawn(st.executor, accept_loop(state_), asio::detached);
    return {};
}

std::uint16_t HttpServer::port() const noexcept {
    return state_->port;
}

HttpServerStats HttpServer::stats() const noexcept {
    return state_->stats;
}

void HttpServer::stop() {
    State& st = *state_;
    if (st.stopped) return;
    st.stopped = true;
    boost::system::error_code ec;
    st.acceptor.close(ec);
    for (auto& [id, stream] : st.open) stream->socket().close(ec);
    // The coroutines see the closed sockets, leave, and drop their references to the state;
    // the registry and the provider are not touched again.
    st.registry = nullptr;
    st.health = nullptr;
}

}  // namespace keeper::ops

#include "keeper/rpc/ws.hpp"

#include <deque>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "keeper/rpc/tls.hpp"
#include "keeper/rpc/url.hpp"

namespace keeper::rpc {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// No permessage-deflate (the second argument): never offered, and no zlib code compiled in.
using PlainWs = websocket::stream<beast::tcp_stream, false>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>, false>;

// The websocket options common to ws:// and wss://, then the upgrade request.
template <class Ws>
asio::awaitable<boost::system::error_code> ws_handshake(Ws& ws, const WsSettings& settings, const std::string& host,
                                                        const std::string& target) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = settings.handshake_timeout;
    timeouts.idle_timeout = settings.idle_timeout;
    timeouts.keep_alive_pings = true;  // ping at idle_timeout / 2; a dead peer is noticed
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "keeper/0.1"); }));
    ws.read_message_max(settings.max_message_bytes);
    ws.text(true);
    boost::system::error_code ec;
    co_await ws.async_handshake(host, target, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
}

template <class Ws>
void disarm_and_close(Ws& ws) {
    // Beast's websocket keeps its own timer armed while the stream is open (the keep-alive
    // ping at idle_timeout / 2) and a closed socket does not disarm it: that pending wait
    // kept the event loop, and so a graceful stop, alive for up to idle_timeout / 2.
    // Timeouts off cancels it; connect() sets them again on the next stream.
    ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
    boost::system::error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
}

}  // namespace

struct WsConnection::Impl {
    Impl(asio::any_io_executor ex, std::string n, WsSettings s)
        : executor(ex), name(std::move(n)), settings(std::move(s)), watchdog(ex) {}

    asio::any_io_executor executor;
    std::string name;
    WsSettings settings;
    std::optional<asio::ssl::context> tls_context;  // made on the first wss:// connect
    std::optional<PlainWs> ws;                      // ws://
    std::optional<TlsWs> wss;                       // wss://
    beast::flat_buffer buffer;
    std::deque<Notification> pending;
    std::uint64_t next_id{1};
    asio::steady_timer watchdog;  // bounds a request or a close: on expiry the socket is closed
    // Completion handlers of close_gracefully() outlive no Impl: they check this token first.
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    Error io_error(const boost::system::error_code& ec, std::string_view during) const {
        const Errc code = ec == beast::error::timeout ? Errc::kTimeout
                          : ec == asio::error::connection_refused || ec == asio::error::host_not_found
                              ? Errc::kConnect
                              : Errc::kWebsocket;
        return make_error(code, std::string(during) + ": " + ec.message(), name);
    }

    [[nodiscard]] bool is_open() const noexcept { return (ws && ws->is_open()) || (wss && wss->is_open()); }

    void close_socket() {
        if (ws) disarm_and_close(*ws);
        if (wss) disarm_and_close(*wss);
    }

    // Reads one text message and parses it.
    asio::awaitable<Result<Json>> read_message() {
        if (!is_open()) co_return Unexpected(make_error(Errc::kWebsocket, "not connected", name));
        buffer.clear();
        boost::system::error_code ec;
        if (wss) co_await wss->async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        else co_await ws->async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return Unexpected(io_error(ec, "read"));
        auto json = parse_json(beast::buffers_to_string(buffer.data()));
        if (!json) co_return Unexpected(from_codec(json.error(), Errc::kBadResponse, name));
        co_return std::move(*json);
    }

    asio::awaitable<boost::system::error_code> write_text(const std::string& text) {
        boost::system::error_code ec;
        if (wss) co_await wss->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
        else co_await ws->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
        co_return ec;
    }

    // On expiry of close_timeout the socket is closed, which completes whatever is pending.
    void arm_close_watchdog() {
        watchdog.expires_after(settings.close_timeout);
        std::weak_ptr<int> token = alive;
        Impl* self = this;
        watchdog.async_wait([self, token](const boost::system::error_code& ec) {
            if (!ec && !token.expired()) self->close_socket();
        });
    }
};

WsConnection::WsConnection(asio::any_io_executor executor, std::string name, WsSettings settings)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(name), std::move(settings))) {}

WsConnection::~WsConnection() { close(); }

bool WsConnection::is_open() const noexcept { return impl_->is_open(); }

void WsConnection::close() {
    impl_->watchdog.cancel();
    impl_->close_socket();
}

asio::awaitable<Result<void>> WsConnection::connect(std::string_view url_text) {
    Impl& s = *impl_;
    auto url = parse_url(url_text);
    if (!url) co_return Unexpected(make_error(Errc::kConnect, url.error(), s.name));
    if (url->scheme != "ws" && url->scheme != "wss")
        co_return Unexpected(
            make_error(Errc::kConnect, "only ws:// and wss:// are supported (got " + url->scheme + "://)", s.name));
    const bool tls = url->scheme == "wss";
    if (tls && !s.tls_context) {
        auto context = make_tls_client_context(s.settings.tls);
        if (!context) co_return Unexpected(make_error(Errc::kConnect, context.error(), s.name));
        s.tls_context.emplace(std::move(*context));
    }
    s.close_socket();
    s.pending.clear();
    s.ws.reset();
    s.wss.reset();
    if (tls) s.wss.emplace(s.executor, *s.tls_context);
    else s.ws.emplace(s.executor);
    beast::tcp_stream& tcp_layer = tls ? beast::get_lowest_layer(*s.wss) : beast::get_lowest_layer(*s.ws);

    boost::system::error_code ec;
    tcp::resolver resolver(s.executor);
    const auto endpoints =
        co_await resolver.async_resolve(url->host, std::to_string(url->port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unexpected(s.io_error(ec, "resolve"));
    tcp_layer.expires_after(s.settings.connect_timeout);
    co_await tcp_layer.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unexpected(s.io_error(ec, "connect"));
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);

    if (tls) {
        SSL* ssl = s.wss->next_layer().native_handle();
        auto named = set_tls_peer_name(ssl, url->host);
        if (!named) co_return Unexpected(make_error(Errc::kConnect, named.error(), s.name));
        tcp_layer.expires_after(s.settings.handshake_timeout);
        co_await s.wss->next_layer().async_handshake(asio::ssl::stream_base::client,
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            // The verification reason ("certificate verify failed: hostname mismatch") beats
            // OpenSSL's generic error string; neither carries the URL's path or query.
            const std::string reason = tls_verify_failure(ssl);
            const Errc code = ec == beast::error::timeout ? Errc::kTimeout : Errc::kConnect;
            s.close_socket();
            co_return Unexpected(make_error(code, "TLS handshake: " + (reason.empty() ? ec.message() : reason), s.name));
        }
    }
    tcp_layer.expires_never();  // the websocket's own timeouts take over

    const std::string host = url->host + ":" + std::to_string(url->port);
    if (tls) ec = co_await ws_handshake(*s.wss, s.settings, host, url->target);
    else ec = co_await ws_handshake(*s.ws, s.settings, host, url->target);
    if (ec) co_return Unexpected(s.io_error(ec, "handshake"));
    co_return Result<void>{};
}

asio::awaitable<Result<Json>> WsConnection::request(Call call) {
    // Written plainly on purpose: no variables declared in conditions, no local RAII types
    // across co_await; g++ 12 destroys such objects twice inside coroutine loops.
    Impl& s = *impl_;
    if (!is_open()) co_return Unexpected(make_error(Errc::kWebsocket, "not connected", s.name));
    const std::uint64_t id = s.next_id++;
    const std::string text = encode_request_string(call, id);
    // A peer that keeps the connection alive but never answers: close after request_timeout.
    s.watchdog.expires_after(s.settings.request_timeout);
    Impl* self = &s;
    s.watchdog.async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->close_socket();
    });
    Result<Json> outcome = Unexpected(make_error(Errc::kWebsocket, "no response", s.name));
    const boost::system::error_code ec = co_await s.write_text(text);
    if (ec) outcome = Unexpected(s.io_error(ec, "write"));
    bool waiting = !ec;
    while (waiting) {
        Result<Json> message = co_await s.read_message();
        if (!message) {
            outcome = Unexpected(std::move(message).error());
            break;
        }
        std::optional<Expected<Notification, CodecError>> notification = decode_notification(*message);
        if (notification.has_value()) {
            if (notification->has_value()) s.pending.push_back(std::move(notification->value()));
            continue;
        }
        const std::optional<std::uint64_t> rid = response_id(*message);
        if (rid.has_value() && *rid != id) continue;  // a stale answer to an abandoned request
        waiting = false;
        Expected<Response, CodecError> response = decode_response_message(*message, id);
        if (!response) {
            outcome = Unexpected(from_codec(response.error(), Errc::kBadResponse, s.name));
        } else if (!response->has_value()) {
            outcome = Unexpected(from_rpc(response->error(), s.name));
        } else {
            outcome = std::move(response->value());
        }
    }
    s.watchdog.cancel();
    co_return outcome;
}

asio::awaitable<Result<std::string>> WsConnection::subscribe(Json params) {
    Call call{"eth_subscribe", std::move(params)};  // a braced temporary inside co_await breaks g++ 12
    auto r = co_await request(std::move(call));
    if (!r) co_return Unexpected(std::move(r).error());
    if (!r->is_string())
        co_return Unexpected(make_error(Errc::kBadResult, "eth_subscribe result: not a string", impl_->name));
    co_return r->get<std::string>();
}

asio::awaitable<Result<Notification>> WsConnection::next_notification() {
    Impl& s = *impl_;
    while (s.pending.empty()) {
        Result<Json> message = co_await s.read_message();
        if (!message) co_return Unexpected(std::move(message).error());
        std::optional<Expected<Notification, CodecError>> notification = decode_notification(*message);
        if (!notification.has_value()) continue;  // a late response: nobody waits for it
        if (!notification->has_value())
            co_return Unexpected(from_codec(notification->error(), Errc::kBadResponse, s.name));
        s.pending.push_back(std::move(notification->value()));
    }
    Notification n = std::move(s.pending.front());
    s.pending.pop_front();
    co_return n;
}

asio::awaitable<void> WsConnection::shutdown() {
    Impl& s = *impl_;
    if (!s.is_open()) {
        close();
        co_return;
    }
    s.arm_close_watchdog();
    // async_close sends the close frame, reads until the peer's, then tears the transport down:
    // for wss:// that is SSL_shutdown (close_notify both ways) before the socket closes. An
    // error (the peer dropped the connection, the watchdog fired) just means it is closed.
    boost::system::error_code ec;
    if (s.wss) co_await s.wss->async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
    else co_await s.ws->async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
    close();
}

void WsConnection::close_gracefully() {
    Impl& s = *impl_;
    if (!s.is_open()) {
        close();
        return;
    }
    s.arm_close_watchdog();
    Impl* self = &s;
    std::weak_ptr<int> token = s.alive;
    auto done = [self, token](const boost::system::error_code&) {
        if (token.expired()) return;
        self->watchdog.cancel();
        self->close_socket();
    };
    if (s.wss) s.wss->async_close(websocket::close_code::normal, done);
    else s.ws->async_close(websocket::close_code::normal, done);
}

}  // namespace keeper::rpc

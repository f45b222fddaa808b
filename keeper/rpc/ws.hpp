// JSON-RPC over a websocket (Boost.Beast, C++20 coroutines): connect, call, subscribe, and
// read subscription notifications. One connection, used by one coroutine at a time
// (connect -> request/subscribe -> next_notification ...); reconnecting is the caller's job
// (HeadStream does it with backoff). ws:// and wss://: TLS per tls.hpp (TLS 1.2+, peer and host
// name verified, SNI, the system trust store or WsSettings::tls.ca_file); a certificate the
// keeper does not trust fails connect() with the verification reason and the endpoint's name.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "keeper/rpc/error.hpp"
#include "keeper/rpc/jsonrpc.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::rpc {

namespace asio = boost::asio;

class WsConnection {
public:
    /// `name` labels errors and logs (the URL may carry an API key and is never printed).
    WsConnection(asio::any_io_executor executor, std::string name, WsSettings settings);
    ~WsConnection();
    WsConnection(const WsConnection&) = delete;
    WsConnection& operator=(const WsConnection&) = delete;

    /// Resolves, connects (connect_timeout) and performs the handshake (handshake_timeout).
    [[nodiscard]] asio::awaitable<Result<void>> connect(std::string_view url);
    /// Sends a call and reads until its response (request_timeout); notifications read on the
    /// way are kept for next_notification(). A node error object is Errc::kRpc.
    [[nodiscard]] asio::awaitable<Result<Json>> request(Call call);
    /// eth_subscribe with `params` (e.g. ["newHeads"]); returns the subscription id.
    [[nodiscard]] asio::awaitable<Result<std::string>> subscribe(Json params);
    /// The next eth_subscription notification. A peer silent for idle_timeout (pings
    /// included) is an error; so is close().
    [[nodiscard]] asio::awaitable<Result<Notification>> next_notification();
    /// Closes the socket at once; pending operations complete with an error. Idempotent.
    void close();
    /// Orderly close: a websocket close frame, then (wss://) the TLS close_notify exchange,
    /// then the socket is closed. Bounded by WsSettings::close_timeout: a peer that does not
    /// answer, or that just drops the connection, never holds the caller up longer.
    asio::awaitable<void> shutdown();
    /// The same, started without waiting (for synchronous stop() paths): a pending read
    /// completes once the close is done or the timeout closed the socket.
    void close_gracefully();
    [[nodiscard]] bool is_open() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace keeper::rpc

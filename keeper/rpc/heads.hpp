// New heads: one ordered stream of canonical block headers for the daemon.
//
// Sources: an eth_subscribe ["newHeads"] websocket (reconnected with jittered backoff, chain
// id checked on every connect) and, while it is down or silent, HTTP polling of
// eth_getBlockByNumber("latest") through the endpoint pool. Whatever arrives goes through one
// sequencer, which guarantees to consumers:
//  - no duplicates: a header already delivered is dropped;
//  - no gaps: heights skipped by the source are fetched and delivered in order;
//  - reorgs reported: when a header's parentHash does not match the delivered chain, the fork
//    point is found by walking parent hashes back through the recent history, and the first
//    header of the new branch carries a Reorg (how many delivered blocks were replaced, or
//    that the fork lies beyond the kept history: the consumer must resynchronize).
// next() hands out events in order; the daemon reads them top to bottom:
//     for (;;) { auto ev = co_await heads.next(); if (!ev) break; ... }
// (co_await as a statement or initializer only: g++ 12 miscompiles it inside conditions.)
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "keeper/rpc/async.hpp"
#include "keeper/rpc/error.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::rpc {

class EndpointPool;
class WsConnection;

enum class HeadSource : std::uint8_t {
    kWebsocket,  // a newHeads notification
    kPoll,       // HTTP polling while the websocket is down
    kFill,       // fetched to fill a gap or to walk back to a fork point
};
[[nodiscard]] std::string_view to_string(HeadSource s) noexcept;

struct Reorg {
    std::uint64_t fork_number{0};  // last block shared with the previous chain (when known)
    std::uint64_t depth{0};        // delivered blocks replaced (above fork_number)
    bool beyond_history{false};    // fork point older than the kept history: resynchronize
};

struct HeadEvent {
    BlockHeader header;
    HeadSource source{HeadSource::kWebsocket};
    std::optional<Reorg> reorg;  // set on the first header of a new branch
};

struct HeadStats {
    std::uint64_t delivered{0};
    std::uint64_t duplicates{0};
    std::uint64_t filled{0};
    std::uint64_t reorgs{0};
    std::uint64_t ws_connects{0};
    std::uint64_t ws_failures{0};
    std::uint64_t ws_heads{0};
    std::uint64_t polled_heads{0};
    bool ws_live{false};
};

class HeadStream {
public:
    /// `ws_url` empty: polling only. The pool must outlive the stream.
    HeadStream(asio::any_io_executor executor, EndpointPool& pool, std::string ws_url, std::string ws_name,
               HeadSettings heads, WsSettings ws);
    ~HeadStream();
    HeadStream(const HeadStream&) = delete;
    HeadStream& operator=(const HeadStream&) = delete;

    /// Runs the websocket, polling and sequencing loops until stop(). co_spawn it, and keep
    /// the stream alive until it returns.
    asio::awaitable<void> run();
    void stop();

    /// The next head event in order; Errc::kCancelled once stopped.
    [[nodiscard]] asio::awaitable<Result<HeadEvent>> next();

    [[nodiscard]] HeadStats stats() const;
    /// The last delivered header, if any.
    [[nodiscard]] std::optional<BlockHeader> tip() const;

private:
    struct Candidate {
        BlockHeader header;
        HeadSource source;
    };

    asio::awaitable<void> ws_loop();
    asio::awaitable<void> poll_loop();
    asio::awaitable<void> sequence_loop();
    asio::awaitable<void> integrate(Candidate c);
    void offer(BlockHeader header, HeadSource source);
    void deliver(const BlockHeader& header, HeadSource source, std::optional<Reorg> reorg);
    [[nodiscard]] std::optional<Hash32> delivered_hash(std::uint64_t number) const;
    [[nodiscard]] bool ws_live() const;

    asio::any_io_executor executor_;
    EndpointPool& pool_;
    std::string ws_url_;
    std::string ws_name_;
    HeadSettings settings_;
    WsSettings ws_settings_;
    std::unique_ptr<WsConnection> ws_;

    std::deque<Candidate> incoming_;    // from the sources, to the sequencer
    std::deque<BlockHeader> history_;   // delivered canonical chain, consecutive numbers
    std::deque<HeadEvent> events_;      // to consumers
    Signal incoming_signal_;
    Signal events_signal_;
    asio::steady_timer ws_timer_;
    asio::steady_timer poll_timer_;
    bool ws_subscribed_{false};
    std::chrono::steady_clock::time_point last_ws_head_{};
    bool stopping_{false};
    std::size_t loops_running_{0};
    Signal loops_done_;
    HeadStats stats_;
};

}  // namespace keeper::rpc

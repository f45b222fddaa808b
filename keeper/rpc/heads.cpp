#include "keeper/rpc/heads.hpp"

#include <cassert>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/rpc/ws.hpp"

namespace keeper::rpc {

std::string_view to_string(HeadSource s) noexcept {
    switch (s) {
        case HeadSource::kWebsocket: return "websocket";
        case HeadSource::kPoll: return "poll";
        case HeadSource::kFill: return "fill";
    }
    return "unknown";
}

HeadStream::HeadStream(asio::any_io_executor executor, EndpointPool& pool, std::string ws_url, std::string ws_name,
                       HeadSettings heads, WsSettings ws)
    : executor_(executor),
      pool_(pool),
      ws_url_(std::move(ws_url)),
      ws_name_(std::move(ws_name)),
      settings_(heads),
      ws_settings_(ws),
      incoming_signal_(executor),
      events_signal_(executor),
      ws_timer_(executor),
      poll_timer_(executor),
      loops_done_(executor) {
    if (!ws_url_.empty()) ws_ = std::make_unique<WsConnection>(executor_, ws_name_, ws_settings_);
}

HeadStream::~HeadStream() = default;

HeadStats HeadStream::stats() const {
    HeadStats out = stats_;
    out.ws_live = ws_live();
    return out;
}

std::optional<BlockHeader> HeadStream::tip() const {
    if (history_.empty()) return std::nullopt;
    return history_.back();
}

void HeadStream::stop() {
    stopping_ = true;
    // An orderly close (close frame, TLS close_notify), bounded by ws.close_timeout; the
    // websocket loop's pending read ends with it.
    if (ws_) ws_->close_gracefully();
    ws_timer_.cancel();
    poll_timer_.cancel();
    incoming_signal_.notify();
    events_signal_.notify();
}

asio::awaitable<Result<HeadEvent>> HeadStream::next() {
    while (events_.empty()) {
        if (stopping_) co_return Unexpected(make_error(Errc::kCancelled, "head stream stopped"));
        co_await events_signal_.wait();
    }
    HeadEvent ev = std::move(events_.front());
    events_.pop_front();
    co_return ev;
}

asio::awaitable<void> HeadStream::run() {
    auto spawn = [this](asio::awaitable<void> (HeadStream::*loop)(), const char* what) {
        ++loops_running_;
        asio::co_spawn(
            executor_,
            [this, loop, what]() -> asio::awaitable<void> {
                try {
                    co_await (this->*loop)();
                } catch (const std::exception& e) {  // the boundary: log, never propagate
                    spdlog::error("head stream {} loop failed: {}", what, e.what());
                }
                if (--loops_running_ == 0) loops_done_.notify();
            },
            asio::detached);
    };
    if (ws_) spawn(&HeadStream::ws_loop, "websocket");
    spawn(&HeadStream::poll_loop, "poll");
    try {
        co_await sequence_loop();
    } catch (const std::exception& e) {
        spdlog::error("head stream sequencer failed: {}", e.what());
        stop();
    }
    while (loops_running_ > 0) co_await loops_done_.wait();
}

bool HeadStream::ws_live() const {
    return ws_subscribed_ && std::chrono::steady_clock::now() - last_ws_head_ < settings_.stall_timeout;
}

void HeadStream::offer(BlockHeader header, HeadSource source) {
    incoming_.push_back(Candidate{std::move(header), source});
    incoming_signal_.notify();
}

asio::awaitable<void> HeadStream::ws_loop() {
    Backoff backoff(settings_.reconnect_initial, settings_.reconnect_max);
    const Json new_heads = Json::array({"newHeads"});  // not a braced temporary inside co_await (g++ 12)
    unsigned failures_in_a_row = 0;
    while (!stopping_) {
        std::optional<Error> failure;
        std::string subscription;
        // Connect, check the chain id, subscribe. (co_await stays out of conditions: g++ 12.)
        auto connected = co_await ws_->connect(ws_url_);
        if (!connected) failure = connected.error();
        if (!failure) {
            auto chain = co_await ws_->request(eth::chain_id());
            if (!chain) {
                failure = chain.error();
            } else if (auto n = decode_u64(*chain, "eth_chainId result"); !n) {
                failure = from_codec(n.error(), Errc::kBadResult, ws_name_);
            } else if (*n != pool_.chain_id()) {
                failure = make_error(Errc::kChainIdMismatch,
                                     "serves chain id " + std::to_string(*n) + ", expected " +
                                         std::to_string(pool_.chain_id()),
                                     ws_name_);
            }
        }
        if (!failure) {
            auto sub = co_await ws_->subscribe(new_heads);
            if (sub) subscription = std::move(*sub);
            else failure = sub.error();
        }
        if (!failure) {
            ++stats_.ws_connects;
            if (failures_in_a_row > 0 || stats_.ws_connects > 1)
                spdlog::info("websocket '{}': subscribed to newHeads again", ws_name_);
            failures_in_a_row = 0;
            backoff.reset();
            ws_subscribed_ = true;
            last_ws_head_ = std::chrono::steady_clock::now();
            // A block mined after the last poll but before this subscription took effect is
            // announced by no notification: without this read it would wait for the next block
            // (polling stops while the websocket is live). The sequencer drops it if known.
            auto current = co_await pool_.call_as(eth::get_block_by_number(BlockTag::kLatest), decode_block_header);
            if (current) {
                ++stats_.polled_heads;
                offer(std::move(*current), HeadSource::kPoll);
            } else {
                spdlog::debug("head read after subscribing failed: {}", current.error().describe());
            }
            while (!stopping_) {
                auto n = co_await ws_->next_notification();
                if (!n) {
                    failure = n.error();
                    break;
                }
                if (n->subscription != subscription) continue;
                auto header = decode_block_header(n->result, "newHeads");
                if (!header) {
                    spdlog::warn("websocket '{}': {}", ws_name_, header.error().message);
                    continue;
                }
                last_ws_head_ = std::chrono::steady_clock::now();
                ++stats_.ws_heads;
                offer(std::move(*header), HeadSource::kWebsocket);
            }
            ws_subscribed_ = false;
            if (!stopping_) ws_->close();  // when stopping, close_gracefully() is finishing it
        }
        if (stopping_) break;
        ++stats_.ws_failures;
        if (failures_in_a_row++ == 0) {
            spdlog::warn("websocket '{}' down, polling over HTTP meanwhile: {}", ws_name_,
                         failure ? failure->describe() : std::string("closed"));
        }
        const bool slept = co_await sleep_for(ws_timer_, backoff.next());
        static_cast<void>(slept);  // stop() is checked by the loop
    }
}

asio::awaitable<void> HeadStream::poll_loop() {
    bool first = true;
    while (!stopping_) {
        if (!first) {
            const bool slept = co_await sleep_for(poll_timer_, settings_.poll_interval);
            if (!slept) continue;  // stop(), or a cancelled wait
        }
        first = false;
        if (stopping_) break;
        if (ws_live()) continue;
        if (ws_subscribed_) {
            // Connected but silent: the subscription is stuck. Force a reconnect.
            spdlog::warn("websocket '{}': no head for {} ms, reconnecting", ws_name_, settings_.stall_timeout.count());
            ws_->close();
        }
        auto head = co_await pool_.call_as(eth::get_block_by_number(BlockTag::kLatest), decode_block_header);
        if (!head) {
            spdlog::debug("head poll failed: {}", head.error().describe());
            continue;
        }
        ++stats_.polled_heads;
        offer(std::move(*head), HeadSource::kPoll);
    }
}

asio::awaitable<void> HeadStream::sequence_loop() {
    while (!stopping_) {
        if (incoming_.empty()) {
            co_await incoming_signal_.wait();
            continue;
        }
        Candidate c = std::move(incoming_.front());
        incoming_.pop_front();
        co_await integrate(std::move(c));
    }
}

std::optional<Hash32> HeadStream::delivered_hash(std::uint64_t number) const {
    if (history_.empty()) return std::nullopt;
    const std::uint64_t front = history_.front().number;
    if (number + 1 == front) return history_.front().parent_hash;  // one more block known for free
    if (number < front || number > history_.back().number) return std::nullopt;
    return history_[static_cast<std::size_t>(number - front)].hash;
}

void HeadStream::deliver(const BlockHeader& header, HeadSource source, std::optional<Reorg> reorg) {
    assert(history_.empty() || history_.back().number + 1 == header.number);
    history_.push_back(header);
    while (history_.size() > std::max<std::size_t>(settings_.history, 2)) history_.pop_front();
    ++stats_.delivered;
    if (source == HeadSource::kFill) ++stats_.filled;
    if (reorg) {
        ++stats_.reorgs;
        spdlog::warn("reorg at block {}: {} delivered block(s) replaced{}", header.number, reorg->depth,
                     reorg->beyond_history ? " (fork point beyond kept history)" : "");
    }
    pool_.observe_head(header.number);
    events_.push_back(HeadEvent{header, source, reorg});
    events_signal_.notify();
}

asio::awaitable<void> HeadStream::integrate(Candidate c) {
    const BlockHeader& h = c.header;
    if (history_.empty()) {
        deliver(h, c.source, std::nullopt);
        co_return;
    }
    if (const auto known = delivered_hash(h.number); known && *known == h.hash) {
        ++stats_.duplicates;
        co_return;
    }
    const BlockHeader tip = history_.back();
    if (h.number == tip.number + 1 && h.parent_hash == tip.hash) {
        deliver(h, c.source, std::nullopt);
        co_return;
    }

    std::deque<BlockHeader> chain;
    if (h.number > tip.number + 1) {
        // A gap: fetch the skipped heights in one batch, then check the links.
        std::vector<Call> calls;
        for (std::uint64_t n = tip.number + 1; n < h.number; ++n) calls.push_back(eth::get_block_by_number(n));
        auto r = co_await pool_.batch(std::move(calls));
        if (!r) {
            spdlog::warn("filling blocks {}..{} failed: {}", tip.number + 1, h.number - 1, r.error().describe());
            co_return;  // the next head retries
        }
        for (std::size_t i = 0; i < r->size(); ++i) {
            const auto& response = (*r)[i];
            auto header = response ? decode_nullable(*response, "result", [](const Json& j, std::string_view p) {
                return decode_block_header(j, p);
            })
                                   : Expected<std::optional<BlockHeader>, CodecError>(
                                         Unexpected(CodecError{CodecErrc::kMissingField, response.error().describe()}));
            if (!header || !*header) {
                spdlog::warn("filling block {} failed: {}", tip.number + 1 + i,
                             header ? std::string("not available yet") : header.error().message);
                co_return;
            }
            chain.push_back(std::move(**header));
        }
        chain.push_back(h);
        bool linked = chain.front().parent_hash == tip.hash;
        for (std::size_t i = 1; linked && i < chain.size(); ++i) linked = chain[i].parent_hash == chain[i - 1].hash;
        if (linked) {
            for (std::size_t i = 0; i + 1 < chain.size(); ++i) deliver(chain[i], HeadSource::kFill, std::nullopt);
            deliver(h, c.source, std::nullopt);
            co_return;
        }
        chain.clear();  // the chain moved under us: walk back by hash instead
    }

    // Walk back by parent hash until the new branch meets the delivered chain.
    chain.push_back(h);
    std::optional<std::uint64_t> fork;
    while (true) {
        const BlockHeader& low = chain.front();
        if (low.number == 0) break;
        if (const auto anc = delivered_hash(low.number - 1)) {
            if (*anc == low.parent_hash) {
                fork = low.number - 1;
                break;
            }
        } else if (low.number - 1 < history_.front().number) {
            break;  // below the kept history
        }
        if (chain.size() > settings_.history) break;
        auto parent = co_await pool_.call_as(eth::get_block_by_hash(low.parent_hash), [](const Json& j, std::string_view p) {
            return decode_nullable(j, p, [](const Json& jj, std::string_view pp) { return decode_block_header(jj, pp); });
        });
        if (!parent || !*parent) {
            spdlog::warn("fetching parent {} of block {} failed: {}", to_hex(low.parent_hash), low.number,
                         parent ? std::string("unknown to the node") : parent.error().describe());
            co_return;
        }
        chain.push_front(std::move(**parent));
    }

    std::optional<Reorg> reorg;
    if (fork) {
        if (*fork < tip.number) reorg = Reorg{*fork, tip.number - *fork, false};
        while (!history_.empty() && history_.back().number > *fork) history_.pop_back();
    } else {
        const std::uint64_t first = chain.front().number;
        reorg = Reorg{first == 0 ? 0 : first - 1, tip.number + 1 > first ? tip.number + 1 - first : 0, true};
        history_.clear();
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const bool last = i + 1 == chain.size();
        deliver(chain[i], last ? c.source : HeadSource::kFill, i == 0 ? reorg : std::nullopt);
    }
}

}  // namespace keeper::rpc

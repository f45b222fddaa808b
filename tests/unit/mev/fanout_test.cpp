// FanOutSubmitter::sent_privately(): which sends went out through the operator's public fallback,
// per transaction hash, so the executor tracks each attempt as what it is. The relays and the
// fallback are in-memory fakes (no network): each records what it was sent and answers what the
// test told it to.
#include <utility>  // before Asio

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/submit/submitter.hpp"
#include "support/run_co.hpp"

using namespace keeper;
using submit::SubmitRequest;
using submit::SubmitResult;
using submit::SubmitStatus;
using submit::Visibility;

namespace {

namespace asio = boost::asio;

/// What a fake channel was sent, and how it answers.
struct FakeState {
    SubmitStatus answer{SubmitStatus::kAccepted};
    Visibility visibility{Visibility::kPending};  // for every hash it took
    std::vector<Hash32> sent;                     // tx hashes, in order
};

class FakeChannel final : public submit::Submitter {
public:
    FakeChannel(std::string name, bool priv, std::shared_ptr<FakeState> state)
        : name_(std::move(name)), private_(priv), state_(std::move(state)) {}
    [[nodiscard]] std::string_view name() const noexcept override { return name_; }
    [[nodiscard]] bool is_private() const noexcept override { return private_; }
    [[nodiscard]] asio::awaitable<SubmitResult> submit(const SubmitRequest& request) override {
        state_->sent.push_back(request.tx_hash);
        SubmitResult r;
        r.status = state_->answer;
        if (r.status == SubmitStatus::kAccepted)
            r.accepted_by.push_back(name_);
        else
            r.detail = name_ + " said no";
        co_return r;
    }
    [[nodiscard]] asio::awaitable<Visibility> visibility(const Hash32& tx_hash, std::uint64_t) override {
        for (const Hash32& h : state_->sent)
            if (h == tx_hash) co_return state_->visibility;
        co_return Visibility::kUnknown;
    }
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32&) override { co_return false; }
    asio::awaitable<void> on_head(std::uint64_t) override { co_return; }

private:
    std::string name_;
    bool private_;
    std::shared_ptr<FakeState> state_;
};

/// A distinct request per (nonce, attempt): the bytes are a stand-in, the hash is theirs.
SubmitRequest request(std::uint64_t nonce, std::uint64_t attempt) {
    SubmitRequest r;
    r.raw = Bytes{0x02, static_cast<std::uint8_t>(nonce), static_cast<std::uint8_t>(attempt)};
    r.tx_hash = keccak256(ByteView(r.raw));
    r.nonce = nonce;
    r.head_number = 100 + attempt;
    return r;
}

struct World {
    std::shared_ptr<FakeState> relay = std::make_shared<FakeState>();
    std::shared_ptr<FakeState> fallback = std::make_shared<FakeState>();
    std::vector<mev::MevAlert> alerts;
    std::unique_ptr<mev::FanOutSubmitter> fan;

    World(bool public_fallback, std::uint32_t alert_after) {
        std::vector<std::unique_ptr<submit::Submitter>> relays;
        relays.push_back(std::make_unique<FakeChannel>("relay", true, relay));
        fan = std::make_unique<mev::FanOutSubmitter>(std::move(relays),
                                                     mev::FanOutSubmitter::Settings{alert_after, public_fallback},
                                                     std::make_shared<FakeChannel>("public", false, fallback),
                                                     [this](const mev::MevAlert& a) { alerts.push_back(a); });
    }

    asio::io_context io;

    SubmitResult send(const SubmitRequest& r) { return test::run_co(io, fan->submit(r)); }
    /// The executor's per-head question; the fan-out counts an expired window here.
    Visibility look(const SubmitRequest& r, std::uint64_t head) {
        return test::run_co(io, fan->visibility(r.tx_hash, head));
    }
};

}  // namespace

TEST_CASE("submitter: sent_privately defaults to is_private for every hash", "[mev]") {
    auto state = std::make_shared<FakeState>();
    const FakeChannel pub("public", false, state);
    const FakeChannel priv("relay", true, state);
    const Hash32 h = request(0, 0).tx_hash;
    CHECK_FALSE(pub.sent_privately(h));
    CHECK(priv.sent_privately(h));
}

TEST_CASE("fan-out: a send the relays took is private, after N failed windows the fallback's send is not", "[mev]") {
    World w(true, 2);
    CHECK(w.fan->is_private());
    CHECK(w.fan->may_go_public());

    const SubmitRequest first = request(7, 0);
    CHECK(w.send(first).status == SubmitStatus::kAccepted);
    CHECK(w.fan->sent_privately(first.tx_hash));
    CHECK(w.relay->sent.size() == 1);
    CHECK(w.fallback->sent.empty());

    // Two windows pass without inclusion: each re-sign at nonce 7 still goes to the relay.
    w.relay->visibility = Visibility::kExpired;
    CHECK(w.look(first, 110) == Visibility::kExpired);
    CHECK(w.fan->failed_windows(7) == 1);
    const SubmitRequest second = request(7, 1);
    CHECK(w.send(second).status == SubmitStatus::kAccepted);
    CHECK(w.fan->sent_privately(second.tx_hash));
    CHECK(w.look(second, 120) == Visibility::kExpired);
    CHECK(w.fan->failed_windows(7) == 2);
    CHECK(w.alerts.empty());

    // The third attempt: windows exhausted, the operator allowed the fallback: public.
    const SubmitRequest third = request(7, 2);
    const SubmitResult r = w.send(third);
    CHECK(r.status == SubmitStatus::kAccepted);
    CHECK(r.accepted_by == std::vector<std::string>{"public"});
    CHECK_FALSE(w.fan->sent_privately(third.tx_hash));
    CHECK(w.fan->went_public(third.tx_hash));
    REQUIRE(w.alerts.size() == 1);
    CHECK(w.alerts[0].nonce == 7);
    CHECK(w.alerts[0].failed_windows == 2);
    CHECK(w.alerts[0].falling_back_to_public);
    REQUIRE(w.fallback->sent.size() == 1);
    CHECK(w.fallback->sent[0] == third.tx_hash);
    CHECK(w.relay->sent.size() == 2);  // the relay never saw the public one
    // The earlier attempts stay private; another nonce is untouched.
    CHECK(w.fan->sent_privately(first.tx_hash));
    CHECK(w.fan->sent_privately(second.tx_hash));
    const SubmitRequest other = request(8, 0);
    w.relay->visibility = Visibility::kPending;
    CHECK(w.send(other).status == SubmitStatus::kAccepted);
    CHECK(w.fan->sent_privately(other.tx_hash));
    CHECK(w.relay->sent.size() == 3);

    // Its visibility is the node's (the fallback's) from now on.
    w.fallback->visibility = Visibility::kUnknown;  // dropped from the mempool
    CHECK(w.look(third, 130) == Visibility::kUnknown);
    CHECK(w.fan->failed_windows(7) == 2);  // a mempool drop is not a private window

    // A dropped public attempt is re-sent with the same bytes the public way, never to a relay.
    CHECK(w.send(third).status == SubmitStatus::kAccepted);
    REQUIRE(w.fallback->sent.size() == 2);
    CHECK(w.fallback->sent[1] == third.tx_hash);
    CHECK(w.relay->sent.size() == 3);
    CHECK_FALSE(w.fan->sent_privately(third.tx_hash));
    CHECK(w.alerts.size() == 1);  // alerted once per nonce
}

TEST_CASE("fan-out: without the public fallback every send stays private, also after N failed windows", "[mev]") {
    World w(false, 1);
    CHECK_FALSE(w.fan->may_go_public());
    const SubmitRequest first = request(3, 0);
    CHECK(w.send(first).status == SubmitStatus::kAccepted);
    w.relay->visibility = Visibility::kFailed;
    CHECK(w.look(first, 110) == Visibility::kFailed);
    const SubmitRequest second = request(3, 1);
    CHECK(w.send(second).status == SubmitStatus::kAccepted);
    REQUIRE(w.alerts.size() == 1);
    CHECK_FALSE(w.alerts[0].falling_back_to_public);
    CHECK(w.fan->sent_privately(first.tx_hash));
    CHECK(w.fan->sent_privately(second.tx_hash));
    CHECK(w.fallback->sent.empty());
    CHECK(w.relay->sent.size() == 2);
}

TEST_CASE("fan-out: no relay reachable: public only when the fallback took it", "[mev]") {
    World w(true, 3);
    w.relay->answer = SubmitStatus::kUnavailable;

    // The fallback accepts: public.
    const SubmitRequest first = request(1, 0);
    CHECK(w.send(first).status == SubmitStatus::kAccepted);
    CHECK_FALSE(w.fan->sent_privately(first.tx_hash));
    CHECK(w.fallback->sent.size() == 1);

    // The fallback refuses it for good (e.g. underpriced): the node holds nothing of it, so it
    // is not counted as public.
    w.fallback->answer = SubmitStatus::kRejected;
    const SubmitRequest second = request(2, 0);
    CHECK(w.send(second).status == SubmitStatus::kRejected);
    CHECK(w.fan->sent_privately(second.tx_hash));
    CHECK(w.fallback->sent.size() == 2);
    CHECK(w.relay->sent.size() == 2);
}

TEST_CASE("fan-out: bytes journaled as public (a restart) are re-sent through the fallback, not the relays", "[mev]") {
    // A fresh fan-out, as after a restart: it never saw these bytes go public, the journal did.
    World w(true, 3);
    SubmitRequest resend = request(4, 0);
    resend.went_public = true;
    CHECK(w.fan->sent_privately(resend.tx_hash));  // before: nothing known this run
    CHECK(w.send(resend).status == SubmitStatus::kAccepted);
    CHECK_FALSE(w.fan->sent_privately(resend.tx_hash));
    CHECK(w.fallback->sent == std::vector<Hash32>{resend.tx_hash});
    CHECK(w.relay->sent.empty());
    CHECK(w.alerts.empty());  // no failed windows: this is not a fallback decision, only a re-send

    // Without a public fallback configured (the operator turned it off before restarting), the
    // same re-send goes to the relays: never public unless the operator says so.
    World off(false, 3);
    CHECK(off.send(resend).status == SubmitStatus::kAccepted);
    CHECK(off.fan->sent_privately(resend.tx_hash));
    CHECK(off.fallback->sent.empty());
    CHECK(off.relay->sent == std::vector<Hash32>{resend.tx_hash});
}

TEST_CASE("fan-out: the journal's missed windows count after a restart: the fallback at the operator's count",
          "[mev]") {
    // A fresh fan-out, as after a restart: it counted no window, the journal knows of two.
    World w(true, 2);
    SubmitRequest one_missed = request(5, 1);
    one_missed.missed_windows = 1;
    CHECK(w.send(one_missed).status == SubmitStatus::kAccepted);
    CHECK(w.fan->sent_privately(one_missed.tx_hash));  // below the count: the relays
    CHECK(w.alerts.empty());

    SubmitRequest two_missed = request(5, 2);
    two_missed.missed_windows = 2;
    const SubmitResult r = w.send(two_missed);
    CHECK(r.accepted_by == std::vector<std::string>{"public"});
    CHECK_FALSE(w.fan->sent_privately(two_missed.tx_hash));
    REQUIRE(w.alerts.size() == 1);
    CHECK(w.alerts[0].nonce == 5);
    CHECK(w.alerts[0].failed_windows == 2);
    CHECK(w.alerts[0].falling_back_to_public);
    CHECK(w.relay->sent == std::vector<Hash32>{one_missed.tx_hash});
    CHECK(w.fallback->sent == std::vector<Hash32>{two_missed.tx_hash});

    // The larger count decides: this run's own count when the request's is behind it.
    World own(true, 2);
    own.relay->visibility = Visibility::kExpired;
    for (std::uint64_t attempt = 0; attempt < 2; ++attempt) {
        const SubmitRequest sent = request(6, attempt);
        CHECK(own.send(sent).status == SubmitStatus::kAccepted);
        CHECK(own.look(sent, 110 + attempt) == Visibility::kExpired);
    }
    SubmitRequest behind = request(6, 2);
    behind.missed_windows = 1;
    CHECK(own.send(behind).accepted_by == std::vector<std::string>{"public"});

    // Without the operator's fallback the journal's count only alerts; the send stays private.
    World off(false, 2);
    SubmitRequest exhausted = request(9, 3);
    exhausted.missed_windows = 3;
    CHECK(off.send(exhausted).status == SubmitStatus::kAccepted);
    CHECK(off.fan->sent_privately(exhausted.tx_hash));
    REQUIRE(off.alerts.size() == 1);
    CHECK_FALSE(off.alerts[0].falling_back_to_public);
    CHECK(off.fallback->sent.empty());
}

TEST_CASE("fan-out: a nonce idle for a day of blocks is forgotten: hashes, public flags, failed windows", "[mev]") {
    World w(true, 1);
    // Nonce 5: one failed window, then the fallback's public send at head 110.
    SubmitRequest first = request(5, 0);
    first.head_number = 100;
    CHECK(w.send(first).status == SubmitStatus::kAccepted);
    w.relay->visibility = Visibility::kFailed;
    CHECK(w.look(first, 105) == Visibility::kFailed);
    SubmitRequest second = request(5, 1);
    second.head_number = 110;
    CHECK(w.send(second).status == SubmitStatus::kAccepted);
    CHECK_FALSE(w.fan->sent_privately(second.tx_hash));
    // Nonce 6: sent much later, still fresh at the end.
    SubmitRequest later = request(6, 0);
    later.head_number = 110 + mev::FanOutSubmitter::kForgetAfterBlocks;
    w.relay->visibility = Visibility::kPending;
    CHECK(w.send(later).status == SubmitStatus::kAccepted);
    CHECK(w.fan->remembered_nonces() == 2);

    test::run_co(w.io, w.fan->on_head(110 + mev::FanOutSubmitter::kForgetAfterBlocks));  // not yet idle long enough
    CHECK(w.fan->remembered_nonces() == 2);
    CHECK(w.fan->failed_windows(5) == 1);
    test::run_co(w.io, w.fan->on_head(111 + mev::FanOutSubmitter::kForgetAfterBlocks));
    CHECK(w.fan->remembered_nonces() == 1);
    CHECK(w.fan->failed_windows(5) == 0);
    CHECK(w.fan->sent_privately(second.tx_hash));  // forgotten here; the executor journals it as public
    CHECK(w.look(later, 111 + mev::FanOutSubmitter::kForgetAfterBlocks) == Visibility::kPending);
}

// The seam between the executor and the network: how a signed transaction reaches a block
// builder. The executor journals every attempt BEFORE it calls submit(), and never needs to
// know which channel is behind this interface:
//   - PublicSubmitter (keeper/submit): eth_sendRawTransaction through the endpoint pool, for
//     local chains and for operators who chose the public mempool;
//   - the MEV-protected submitters (keeper/mev): private transaction relays, bundles and
//     protect-style private RPC endpoints, fanned out to several relays.
// Everything runs on the daemon's event-loop thread.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "keeper/core/bytes.hpp"

namespace keeper::submit {

namespace asio = boost::asio;

/// One signed transaction to deliver, exactly as journaled.
struct SubmitRequest {
    Bytes raw;                     // the signed transaction bytes
    Hash32 tx_hash;                // keccak256(raw)
    std::uint64_t nonce{0};
    std::uint64_t head_number{0};  // the head the keeper saw when it signed (windows start after it)
    /// Seconds from that head's timestamp to the swap's deadline (deadline - head.timestamp):
    /// private channels end their inclusion window (maxBlockNumber, bundle targets) before it.
    /// 0: no deadline known, the channel's configured window applies.
    std::uint64_t seconds_to_deadline{0};
    /// These exact bytes reached the public mempool before (journaled, e.g. before a restart):
    /// a re-send goes the public way again, where a private submitter has one.
    bool went_public{false};
    /// Private windows that earlier attempts at this nonce missed, as the journal knows them
    /// (the executor counts the nonce's earlier attempts that stayed private: each was superseded
    /// because its window passed, or withdrawn with an expired trade). A submitter that counts
    /// failed windows itself starts from zero after a restart; it takes the larger of the two.
    std::uint32_t missed_windows{0};
};

enum class SubmitStatus : std::uint8_t {
    kAccepted,      // at least one channel took it (or already knew these exact bytes)
    kRejected,      // every channel refused it for good ("nonce too low", "underpriced", bad signature)
    kUnavailable,   // no channel could be reached: retry later with the same bytes
};
[[nodiscard]] std::string_view to_string(SubmitStatus s) noexcept;

struct SubmitResult {
    SubmitStatus status{SubmitStatus::kUnavailable};
    std::vector<std::string> accepted_by;  // channel names that accepted it
    std::string detail;                    // the first refusal or transport error, safe to log
};

/// Where a submitted transaction stands, as far as the submitter can tell. The executor asks
/// the chain for receipts itself; this answers "can it still land?".
enum class Visibility : std::uint8_t {
    kPending,    // a channel still holds it and it can be included (public: the node knows it)
    kUnknown,    // no channel knows it (public: dropped from the mempool)
    kExpired,    // a private window (maxBlockNumber / bundle targets) passed without inclusion
    kCancelled,  // cancelled at the relay
    kFailed,     // the relay reports it failed (simulation or inclusion failure)
};
[[nodiscard]] std::string_view to_string(Visibility v) noexcept;

class Submitter {
public:
    virtual ~Submitter() = default;
    /// "public", "flashbots", "bundle:flashbots+titan", ...: for logs and metrics.
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    /// True when the transaction never reaches the public mempool through this submitter.
    [[nodiscard]] virtual bool is_private() const noexcept = 0;
    /// Whether this transaction, sent through this submitter, stayed out of the public mempool.
    /// A submitter that may route one send publicly (FanOutSubmitter's public fallback) answers
    /// per hash; the executor tracks each attempt by this answer: a private one through
    /// visibility() (windows, no fee bump), a public one as the node sees it (bumped when stuck,
    /// re-sent when dropped, replaced under the node's +10% replacement rule). Wrappers forward
    /// it. Default: is_private(), the same answer for every send.
    [[nodiscard]] virtual bool sent_privately(const Hash32& tx_hash) const {
        (void)tx_hash;
        return is_private();
    }

    /// Deliver `request`. Idempotent for the same bytes: re-sending after a crash is safe.
    [[nodiscard]] virtual asio::awaitable<SubmitResult> submit(const SubmitRequest& request) = 0;
    /// Whether the transaction can still land, at head `head_number`.
    [[nodiscard]] virtual asio::awaitable<Visibility> visibility(const Hash32& tx_hash, std::uint64_t head_number) = 0;
    /// Withdraw it where the channel allows (private relays, bundles); false when the channel
    /// cannot cancel (the public mempool: the executor replaces it at the same nonce instead).
    [[nodiscard]] virtual asio::awaitable<bool> cancel(const Hash32& tx_hash) = 0;
    /// Called once per new head before the executor evaluates its intents (bundles re-target here).
    virtual asio::awaitable<void> on_head(std::uint64_t head_number) = 0;
};

}  // namespace keeper::submit

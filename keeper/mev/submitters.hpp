// The MEV-protected submitters: a signed hedge reaches block builders without ever entering
// the public mempool, where a predictable, size-known swap on a thin pool is a sandwich victim.
//
//   PrivateRelaySubmitter  eth_sendPrivateTransaction {tx, maxBlockNumber, preferences} to one
//                          Flashbots-style relay; eth_cancelPrivateTransaction; status from the
//                          relay's status API when configured (PENDING/INCLUDED/FAILED/CANCELLED/UNKNOWN).
//   BundleSubmitter        eth_sendBundle {txs, blockNumber, replacementUuid} for each block of
//                          the window, re-targeted on every head (a bundle names ONE block);
//                          eth_cancelBundle {replacementUuid}; optional eth_callBundle first.
//   ProtectSubmitter       eth_sendRawTransaction to a private RPC endpoint (protect-style); its
//                          options travel in the URL query (hint=hash, builder=..., fast=...).
//   FanOutSubmitter        the same bytes to several of the above at once; accepted if any
//                          accepts; visibility is the best across them; counts failed windows per
//                          nonce, raises an alert after N, and falls back to the public mempool
//                          only when the operator configured it (logged at warn, with the reason);
//                          sent_privately(hash) tells the executor which sends went public.
//
// What "expired" means to the executor (Visibility::kExpired): the transaction's window passed
// without inclusion and it can no longer land through this channel. The executor then re-plans
// the intent with fresh prices and re-signs it at the SAME nonce (no fee-bump rule applies: no
// mempool holds the old one), journals the new attempt and calls submit() again. Private
// transactions are invisible to eth_getTransactionCount(..., "pending"): nonces come from the
// journal's local reservations, never from the node's pending count.
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keeper/mev/relay_client.hpp"
#include "keeper/submit/submitter.hpp"

namespace keeper::mev {

/// eth_sendPrivateTransaction preferences. The default is full privacy: only the transaction
/// hash is shared (hints ["hash"]), every builder the relay works with, no fast mode.
struct PrivacyPreferences {
    bool fast{false};                         // relay shares with all registered builders at once
    std::vector<std::string> hints{"hash"};   // MEV-Share hints; ["hash"] = share nothing else
    std::vector<std::string> builders;        // empty: the relay's default set
    bool operator==(const PrivacyPreferences&) const = default;
};
[[nodiscard]] Json to_json(const PrivacyPreferences& p);

/// The last block a private transaction signed at `head_number` may be included in: head + window,
/// cut short so that it never outlives the swap's deadline (`seconds_to_deadline` after the head's
/// timestamp, 0 = none; block head+k is ~k * block_time seconds after the head). At least head + 1.
[[nodiscard]] std::uint64_t window_end(std::uint64_t head_number, std::uint64_t window_blocks,
                                       std::uint64_t seconds_to_deadline, std::uint64_t block_time_seconds) noexcept;

/// Flashbots-style relay submitter (one relay).
class PrivateRelaySubmitter final : public submit::Submitter {
public:
    struct Settings {
        std::uint64_t window_blocks{5};   // maxBlockNumber = signing head + window (relays clamp at +25)
        PrivacyPreferences preferences;   // this relay's own; default: full privacy
        std::string status_url;           // "<base>/tx/": GET <base><hash>; empty: local tracking only
        std::uint64_t block_time_seconds{12};  // request.seconds_to_deadline -> blocks
    };
    PrivateRelaySubmitter(std::shared_ptr<RelayClient> client, Settings settings);

    [[nodiscard]] std::string_view name() const noexcept override { return client_->name(); }
    [[nodiscard]] bool is_private() const noexcept override { return true; }
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override;
    [[nodiscard]] asio::awaitable<submit::Visibility> visibility(const Hash32& tx_hash, std::uint64_t head) override;
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override;
    asio::awaitable<void> on_head(std::uint64_t head_number) override;

    /// The last block the relay may include `tx_hash` in, if this submitter sent it.
    [[nodiscard]] std::optional<std::uint64_t> max_block(const Hash32& tx_hash) const;

private:
    struct Tracked {
        std::uint64_t max_block{0};
        bool cancelled{false};
        bool failed{false};
    };
    std::shared_ptr<RelayClient> client_;
    Settings settings_;
    std::map<Hash32, Tracked> tracked_;
};

/// Bundles of one transaction, one per target block, sharing a replacementUuid.
class BundleSubmitter final : public submit::Submitter {
public:
    struct Settings {
        std::uint64_t window_blocks{5};  // targets head+1 .. head+window (cut short by the deadline)
        std::uint64_t lookahead{2};      // blocks targeted ahead of the current head at any time
        bool simulate{false};            // eth_callBundle before the first eth_sendBundle
        std::vector<std::string> builders{};   // eth_sendBundle "builders" (empty: the relay's default)
        std::uint64_t block_time_seconds{12};  // request.seconds_to_deadline -> blocks
    };
    BundleSubmitter(std::shared_ptr<RelayClient> client, Settings settings);

    [[nodiscard]] std::string_view name() const noexcept override { return name_; }
    [[nodiscard]] bool is_private() const noexcept override { return true; }
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override;
    [[nodiscard]] asio::awaitable<submit::Visibility> visibility(const Hash32& tx_hash, std::uint64_t head) override;
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override;
    asio::awaitable<void> on_head(std::uint64_t head_number) override;

    [[nodiscard]] std::optional<std::string> replacement_uuid(const Hash32& tx_hash) const;

private:
    struct Tracked {
        std::string raw_hex;
        std::string uuid;
        std::uint64_t last_target{0};
        std::uint64_t highest_sent{0};
        bool cancelled{false};
        bool failed{false};
    };
    asio::awaitable<bool> send_targets(Tracked& t, std::uint64_t head, std::string* detail);

    std::shared_ptr<RelayClient> client_;
    Settings settings_;
    std::string name_;
    std::map<Hash32, Tracked> tracked_;
};

/// A protect-style private RPC endpoint: eth_sendRawTransaction that never reaches the mempool.
class ProtectSubmitter final : public submit::Submitter {
public:
    struct Settings {
        std::uint64_t window_blocks{25};  // how long we wait for it (Flashbots Protect keeps trying 25 blocks)
        std::string status_url;           // as for PrivateRelaySubmitter
        std::uint64_t block_time_seconds{12};  // request.seconds_to_deadline -> blocks
    };
    ProtectSubmitter(std::shared_ptr<RelayClient> client, Settings settings);

    [[nodiscard]] std::string_view name() const noexcept override { return client_->name(); }
    [[nodiscard]] bool is_private() const noexcept override { return true; }
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override;
    [[nodiscard]] asio::awaitable<submit::Visibility> visibility(const Hash32& tx_hash, std::uint64_t head) override;
    /// Protect endpoints offer no cancel: false (replace at the same nonce instead).
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override;
    asio::awaitable<void> on_head(std::uint64_t head_number) override;

private:
    std::shared_ptr<RelayClient> client_;
    Settings settings_;
    std::map<Hash32, std::uint64_t> last_block_;
};

/// Raised when a nonce's private windows keep passing without inclusion.
struct MevAlert {
    std::uint64_t nonce{0};
    std::uint32_t failed_windows{0};
    bool falling_back_to_public{false};
    std::string message;
};
using AlertSink = std::function<void(const MevAlert&)>;

class FanOutSubmitter final : public submit::Submitter {
public:
    struct Settings {
        std::uint32_t alert_after_failures{3};  // failed (expired/failed) windows of one nonce
        bool public_fallback{false};            // operator's explicit choice; needs `fallback`
    };
    /// `fallback`: the public submitter, used only when settings.public_fallback is set.
    FanOutSubmitter(std::vector<std::unique_ptr<submit::Submitter>> relays, Settings settings,
                    std::shared_ptr<submit::Submitter> fallback = nullptr, AlertSink alert = {});

    [[nodiscard]] std::string_view name() const noexcept override { return name_; }
    /// True: sends go to the private relays; only the operator's public fallback may route one
    /// publicly, and sent_privately() says which did.
    [[nodiscard]] bool is_private() const noexcept override { return true; }
    /// False for a hash that went out through the public fallback (!went_public): the executor
    /// tracks that attempt as a public one (fee bumps under the node's replacement rule, dropped
    /// bytes re-sent publicly); true for every other hash, tracked through visibility().
    [[nodiscard]] bool sent_privately(const Hash32& tx_hash) const override { return !went_public(tx_hash); }
    /// The same bytes to every relay, or to the public fallback once the nonce's private windows
    /// are exhausted (or no relay is reachable) and the operator enabled it. Bytes that already
    /// went public (a re-send of a dropped or unconfirmed attempt) go to the fallback again:
    /// they are in the public mempool's view already, nothing is left to hide.
    [[nodiscard]] asio::awaitable<submit::SubmitResult> submit(const submit::SubmitRequest& request) override;
    [[nodiscard]] asio::awaitable<submit::Visibility> visibility(const Hash32& tx_hash, std::uint64_t head) override;
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override;
    asio::awaitable<void> on_head(std::uint64_t head_number) override;

    [[nodiscard]] std::uint32_t failed_windows(std::uint64_t nonce) const;
    /// True when a send may reach the public mempool (the operator enabled the public fallback).
    [[nodiscard]] bool may_go_public() const noexcept { return settings_.public_fallback && fallback_ != nullptr; }
    /// True when `tx_hash` was sent through the public fallback (it is visible in the mempool).
    [[nodiscard]] bool went_public(const Hash32& tx_hash) const { return public_.count(tx_hash) != 0; }
    [[nodiscard]] std::size_t relay_count() const noexcept { return relays_.size(); }
    /// What a nonce's memory is kept for after its last send or window: about a day of 12 s
    /// blocks. Older nonces are long mined or replaced; on_head forgets their hashes, public
    /// flags (the executor journals those) and failed-window counts, so a daemon that runs for
    /// months holds only the recent ones.
    static constexpr std::uint64_t kForgetAfterBlocks = 7200;
    /// Nonces with anything remembered (tests, memory hygiene).
    [[nodiscard]] std::size_t remembered_nonces() const noexcept { return last_seen_.size(); }

private:
    asio::awaitable<submit::SubmitResult> submit_public(const submit::SubmitRequest& request,
                                                        const std::string& reason);

    std::vector<std::unique_ptr<submit::Submitter>> relays_;
    Settings settings_;
    std::shared_ptr<submit::Submitter> fallback_;
    AlertSink alert_;
    std::string name_;
    std::map<Hash32, std::uint64_t> nonce_of_;          // every hash sent, to its nonce
    std::map<Hash32, bool> public_;                     // hashes sent through the fallback
    std::map<std::uint64_t, std::vector<Hash32>> failed_;  // nonce -> hashes whose window failed
    std::map<std::uint64_t, bool> alerted_;
    std::map<std::uint64_t, std::uint64_t> last_seen_;     // nonce -> the last head it was sent or looked at
};

/// Visibility ranking across channels: the one that says the transaction can still land wins.
[[nodiscard]] submit::Visibility best_visibility(submit::Visibility a, submit::Visibility b) noexcept;

}  // namespace keeper::mev

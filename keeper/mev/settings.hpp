// Which channel the keeper's transactions take on one network, validated, and the factory
// that builds it. The config layer maps its [submit] / [[submit.relays]] section onto
// MevSettings (one per network); mainnet-like networks default to private submission.
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::mev {

enum class SubmitMode : std::uint8_t {
    kPublic,   // eth_sendRawTransaction to the chain's endpoints (local chains, explicit opt-in)
    kPrivate,  // the relays below, fanned out
};

enum class ChannelKind : std::uint8_t {
    kPrivateRelay,  // eth_sendPrivateTransaction (signed)
    kBundle,        // eth_sendBundle (signed)
    kProtect,       // private eth_sendRawTransaction endpoint (query options in the URL)
};
[[nodiscard]] std::string_view to_string(ChannelKind k) noexcept;

struct RelaySettings {
    std::string name;        // label for logs and metrics ("flashbots", "titan")
    ChannelKind kind{ChannelKind::kPrivateRelay};
    std::string url;         // may carry an API key: never logged
    std::string status_url;  // optional: status API base, "<status_url><0xhash>" (private relays, protect)
    std::vector<std::pair<std::string, std::string>> query;  // kProtect: appended as ?k=v&k=v
    /// What THIS relay may reveal; never shared with another relay. Default: full privacy.
    ///   kPrivateRelay: sent as eth_sendPrivateTransaction's preferences.
    ///   kBundle: `builders` goes in eth_sendBundle (bundles share nothing: hints must stay ["hash"],
    ///            fast must stay off).
    ///   kProtect: the endpoint's query options hint=..., builder=..., fast=true, for each key
    ///             neither `query` nor the URL sets itself (an endpoint without hint= shares its
    ///             default hints).
    PrivacyPreferences preferences;
    bool simulate_bundles{false};  // kBundle: eth_callBundle before the first eth_sendBundle
};

/// Preferences from a config's per-relay lists. No hint, or "full", means full privacy: only
/// the hash is shared (an empty list sent to a relay would select the relay's default hints).
[[nodiscard]] PrivacyPreferences privacy_from(const std::vector<std::string>& hints,
                                              const std::vector<std::string>& builders, bool fast);

struct MevSettings {
    SubmitMode mode{SubmitMode::kPrivate};
    std::vector<RelaySettings> relays;
    /// Private window: maxBlockNumber / last bundle target / protect's tracking = head + window
    /// (1..25: relays clamp maxBlockNumber at head + 25), cut short by the swap's deadline.
    std::uint64_t window_blocks{5};
    std::uint64_t bundle_lookahead{2};    // bundles: blocks targeted ahead of the head at any time
    std::uint64_t block_time_seconds{12};  // converts a request's seconds_to_deadline into blocks
    std::uint32_t alert_after_failures{3};  // failed windows of one nonce before the alert
    bool public_fallback{false};          // after the alert or with every relay down: public mempool (loud)
    rpc::HttpSettings http;
};

/// The URL a protect relay is called at: its `query` plus its preferences for each of hint,
/// builder and fast that `query` does not set (full privacy adds hint=hash).
[[nodiscard]] std::string protect_url(const RelaySettings& relay);

/// Mainnet defaults: private, the Flashbots relay with its status API, full privacy.
[[nodiscard]] MevSettings mainnet_defaults();
/// Private for Ethereum mainnet (1) and other mainnet-like chains the keeper knows a relay for;
/// public for local development chains (31337, 1337).
[[nodiscard]] MevSettings default_for_chain(std::uint64_t chain_id);

/// First problem found, naming the field ("relays[1].url: must start with http:// or https://").
[[nodiscard]] Expected<void, std::string> validate(const MevSettings& settings);

/// `base` with `query` appended, each key and value percent-encoded.
[[nodiscard]] std::string with_query(const std::string& base,
                                     const std::vector<std::pair<std::string, std::string>>& query);

struct SubmitterDeps {
    asio::any_io_executor executor;
    std::shared_ptr<const SecretKey> reputation_key;  // signs relay requests; never the funds key
    Address funds_address;                            // refused as the reputation key's address
    std::shared_ptr<submit::Submitter> public_submitter;  // for kPublic and the optional fallback
    AlertSink alert;
};

/// The submitter `settings` describe, or why it cannot be built (validation, a reputation key
/// equal to the funds key, a fallback without a public submitter).
[[nodiscard]] Expected<std::shared_ptr<submit::Submitter>, std::string> make_submitter(const MevSettings& settings,
                                                                                      SubmitterDeps deps);

}  // namespace keeper::mev

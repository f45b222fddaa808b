// The [submit] section of a KeeperConfig as the MEV layer's MevSettings: one RelaySettings per
// [[submit.relays]] entry with that relay's OWN privacy preferences (never merged across relays),
// its status API, its protect query options and its bundle simulation flag; the private window
// from submit.max_block_window. Pure: no I/O.
#pragma once

#include <string_view>

#include "keeper/config/config.hpp"
#include "keeper/mev/settings.hpp"

namespace keeper::daemon {

/// The status API of Flashbots' private transactions ("<base><0xhash>").
inline constexpr std::string_view kFlashbotsStatusUrl = "https://protect.flashbots.net/tx/";

/// The MEV settings `config` describes. Relay kinds map per submit mode: "flashbots" is a private
/// relay (eth_sendPrivateTransaction) or, in mode "bundle", a bundle relay; "builder" is always
/// a bundle relay; "protect" a protect endpoint. A relay without status_url gets the Flashbots
/// status API when it is the Flashbots relay (host relay.flashbots.net) on chain id 1, and none
/// otherwise (the status API only knows what Flashbots received). Validate the result with
/// mev::validate (make_submitter does).
[[nodiscard]] mev::MevSettings mev_settings(const config::KeeperConfig& config);

}  // namespace keeper::daemon

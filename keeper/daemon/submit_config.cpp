#include "keeper/daemon/submit_config.hpp"

#include "keeper/rpc/url.hpp"

namespace keeper::daemon {

namespace {

bool is_flashbots_relay(const std::string& url) {
    const auto u = rpc::parse_url(url);
    return u && u->host == "relay.flashbots.net";
}

mev::ChannelKind channel_of(config::RelayKind kind, config::SubmitMode mode) {
    switch (kind) {
        case config::RelayKind::kFlashbots:
            return mode == config::SubmitMode::kBundle ? mev::ChannelKind::kBundle : mev::ChannelKind::kPrivateRelay;
        case config::RelayKind::kBuilder: return mev::ChannelKind::kBundle;
        case config::RelayKind::kProtect: return mev::ChannelKind::kProtect;
    }
    return mev::ChannelKind::kPrivateRelay;
}

}  // namespace

mev::MevSettings mev_settings(const config::KeeperConfig& c) {
    mev::MevSettings m = mev::default_for_chain(c.network.chain_id);
    m.mode = c.submit.mode == config::SubmitMode::kPublic ? mev::SubmitMode::kPublic : mev::SubmitMode::kPrivate;
    m.relays.clear();
    for (const auto& r : c.submit.relays) {
        mev::RelaySettings rs;
        rs.name = r.name;
        rs.url = r.url;
        rs.kind = channel_of(r.kind, c.submit.mode);
        // This relay's own preferences: empty hints (or "full") = only the hash.
        rs.preferences = mev::privacy_from(r.hints, r.builders, r.fast);
        if (r.status_url) {
            rs.status_url = *r.status_url;  // "" = the operator turned it off
        } else if (c.network.chain_id == 1 && r.kind == config::RelayKind::kFlashbots &&
                   rs.kind == mev::ChannelKind::kPrivateRelay && is_flashbots_relay(r.url)) {
            rs.status_url = std::string(kFlashbotsStatusUrl);
        }
        rs.query = r.query;
        rs.simulate_bundles = r.simulate_bundles;
        m.relays.push_back(std::move(rs));
    }
    m.window_blocks = c.submit.max_block_window;
    m.alert_after_failures = c.submit.max_failures_before_alert;
    m.public_fallback = c.submit.allow_public_fallback;
    m.http = c.rpc.settings.http;
    return m;
}

}  // namespace keeper::daemon

#include "keeper/mev/settings.hpp"

#include <algorithm>
#include <set>

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "keeper/rpc/url.hpp"

namespace keeper::mev {

std::string_view to_string(ChannelKind k) noexcept {
    switch (k) {
        case ChannelKind::kPrivateRelay: return "private";
        case ChannelKind::kBundle: return "bundle";
        case ChannelKind::kProtect: return "protect";
    }
    return "unknown";
}

MevSettings mainnet_defaults() {
    MevSettings s;
    s.mode = SubmitMode::kPrivate;
    RelaySettings flashbots;
    flashbots.name = "flashbots";
    flashbots.kind = ChannelKind::kPrivateRelay;
    flashbots.url = "https://relay.flashbots.net";
    flashbots.status_url = "https://protect.flashbots.net/tx/";
    s.relays.push_back(std::move(flashbots));
    return s;
}

MevSettings default_for_chain(std::uint64_t chain_id) {
    if (chain_id == 1) return mainnet_defaults();
    MevSettings s;
    s.mode = SubmitMode::kPublic;
    return s;
}

namespace {

bool is_http_url(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

const std::set<std::string>& known_hints() {
    static const std::set<std::string> hints{"hash",    "tx_hash",      "calldata",     "contract_address",
                                             "logs",    "default_logs", "special_logs", "function_selector"};
    return hints;
}

Expected<void, std::string> validate_preferences(const PrivacyPreferences& p, const std::string& field) {
    if (p.hints.empty()) return Unexpected(field + ".hints: empty (use [\"hash\"] for full privacy)");
    for (const auto& h : p.hints)
        if (known_hints().count(h) == 0) return Unexpected(field + ".hints: unknown hint '" + h + "'");
    for (const auto& b : p.builders)
        if (b.empty()) return Unexpected(field + ".builders: empty builder name");
    return {};
}

}  // namespace

PrivacyPreferences privacy_from(const std::vector<std::string>& hints, const std::vector<std::string>& builders,
                                bool fast) {
    PrivacyPreferences p;
    p.fast = fast;
    p.builders = builders;
    p.hints.clear();
    for (const auto& h : hints)
        if (h != "full" && std::find(p.hints.begin(), p.hints.end(), h) == p.hints.end()) p.hints.push_back(h);
    if (p.hints.empty() || std::find(hints.begin(), hints.end(), "full") != hints.end()) p.hints = {"hash"};
    return p;
}

Expected<void, std::string> validate(const MevSettings& s) {
    if (s.mode == SubmitMode::kPublic) {
        if (s.public_fallback) return Unexpected(std::string("public_fallback: meaningless with mode = public"));
        return {};
    }
    if (s.relays.empty()) return Unexpected(std::string("relays: private mode needs at least one relay"));
    if (s.window_blocks == 0 || s.window_blocks > 25)
        return Unexpected("window_blocks: must be 1..25 (relays clamp maxBlockNumber at head + 25), got " +
                          std::to_string(s.window_blocks));
    if (s.bundle_lookahead == 0)  // above window_blocks it is the window itself
        return Unexpected(std::string("bundle_lookahead: must be at least 1"));
    if (s.block_time_seconds == 0) return Unexpected(std::string("block_time_seconds: must be at least 1"));
    std::set<std::string> names;
    for (std::size_t i = 0; i < s.relays.size(); ++i) {
        const auto& r = s.relays[i];
        const std::string field = "relays[" + std::to_string(i) + "]";
        if (r.name.empty()) return Unexpected(field + ".name: must not be empty");
        if (!names.insert(r.name).second) return Unexpected(field + ".name: duplicate relay name '" + r.name + "'");
        if (!is_http_url(r.url)) return Unexpected(field + ".url: must start with http:// or https://");
        if (!r.status_url.empty() && !is_http_url(r.status_url))
            return Unexpected(field + ".status_url: must start with http:// or https://");
        if (!r.status_url.empty() && r.kind == ChannelKind::kBundle)
            return Unexpected(field + ".status_url: bundles have no status API (only private relays and protect)");
        if (!r.query.empty() && r.kind != ChannelKind::kProtect)
            return Unexpected(field + ".query: only protect endpoints take query options");
        for (const auto& [k, v] : r.query)
            if (k.empty()) return Unexpected(field + ".query: empty option name");
        for (const auto& [k, v] : r.query)
            if (rpc::url_query_has(r.url, k))
                return Unexpected(field + ".url: its query string sets '" + k + "' too: set it in one place (query)");
        if (r.simulate_bundles && r.kind != ChannelKind::kBundle)
            return Unexpected(field + ".simulate_bundles: only bundle relays simulate (eth_callBundle)");
        if (auto ok = validate_preferences(r.preferences, field + ".preferences"); !ok) return ok;
        if (r.kind == ChannelKind::kBundle) {
            if (r.preferences.hints != std::vector<std::string>{"hash"})
                return Unexpected(field + ".preferences.hints: bundles share no hints (leave the full-privacy default)");
            if (r.preferences.fast) return Unexpected(field + ".preferences.fast: not available for bundles");
        }
    }
    if (s.http.request_timeout.count() <= 0) return Unexpected(std::string("http.request_timeout: must be > 0"));
    return {};
}

std::string protect_url(const RelaySettings& relay) {
    auto query = relay.query;
    auto has = [&](const std::string& key) {
        return rpc::url_query_has(relay.url, key) ||
               std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == key; });
    };
    const bool set_hint = !has("hint");
    const bool set_builder = !has("builder");
    const bool set_fast = !has("fast");
    if (set_hint)
        for (const auto& h : relay.preferences.hints) query.emplace_back("hint", h);
    if (set_builder)
        for (const auto& b : relay.preferences.builders) query.emplace_back("builder", b);
    if (set_fast && relay.preferences.fast) query.emplace_back("fast", "true");
    return with_query(relay.url, query);
}

std::string with_query(const std::string& base, const std::vector<std::pair<std::string, std::string>>& query) {
    if (query.empty()) return base;
    auto encode = [](const std::string& in) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        std::string out;
        for (const char ch : in) {
            const auto c = static_cast<unsigned char>(ch);
            if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
                out += static_cast<char>(c);
            } else {
                out += '%';
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
            }
        }
        return out;
    };
    std::string url = base;
    char sep = base.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : query) {
        url += sep;
        url += encode(k) + "=" + encode(v);
        sep = '&';
    }
    return url;
}

Expected<std::shared_ptr<submit::Submitter>, std::string> make_submitter(const MevSettings& settings,
                                                                        SubmitterDeps deps) {
    if (auto ok = validate(settings); !ok) return Unexpected(ok.error());
    if (settings.mode == SubmitMode::kPublic) {
        if (!deps.public_submitter) return Unexpected(std::string("mode = public but no public submitter was given"));
        spdlog::info("mev: submitting through the public mempool ({})", deps.public_submitter->name());
        return deps.public_submitter;
    }
    bool needs_key = false;
    for (const auto& r : settings.relays) needs_key = needs_key || r.kind != ChannelKind::kProtect;
    if (needs_key && !deps.reputation_key)
        return Unexpected(std::string("reputation_key: private relays and bundles need a reputation key"));
    if (deps.reputation_key && address_of(*deps.reputation_key) == deps.funds_address)
        return Unexpected(std::string("reputation_key: must not be the funds key (relays publish its reputation)"));
    if (settings.public_fallback && !deps.public_submitter)
        return Unexpected(std::string("public_fallback: enabled but no public submitter was given"));

    std::vector<std::unique_ptr<submit::Submitter>> relays;
    for (const auto& r : settings.relays) {
        switch (r.kind) {
            case ChannelKind::kPrivateRelay: {
                auto client = std::make_shared<RelayClient>(deps.executor, r.name, r.url, deps.reputation_key,
                                                            settings.http);
                PrivateRelaySubmitter::Settings ps{settings.window_blocks, r.preferences, r.status_url,
                                                   settings.block_time_seconds};
                relays.push_back(std::make_unique<PrivateRelaySubmitter>(std::move(client), std::move(ps)));
                break;
            }
            case ChannelKind::kBundle: {
                auto client = std::make_shared<RelayClient>(deps.executor, r.name, r.url, deps.reputation_key,
                                                            settings.http);
                BundleSubmitter::Settings bs{settings.window_blocks, settings.bundle_lookahead, r.simulate_bundles,
                                             r.preferences.builders, settings.block_time_seconds};
                relays.push_back(std::make_unique<BundleSubmitter>(std::move(client), std::move(bs)));
                break;
            }
            case ChannelKind::kProtect: {
                auto client = std::make_shared<RelayClient>(deps.executor, r.name, protect_url(r), nullptr,
                                                            settings.http);
                ProtectSubmitter::Settings ps{settings.window_blocks, r.status_url, settings.block_time_seconds};
                relays.push_back(std::make_unique<ProtectSubmitter>(std::move(client), std::move(ps)));
                break;
            }
        }
        spdlog::info("mev: relay {} ({}): hints [{}], builders [{}], fast {}{}", r.name, to_string(r.kind),
                     fmt::join(r.preferences.hints, ","), fmt::join(r.preferences.builders, ","), r.preferences.fast,
                     r.status_url.empty() ? "" : ", status API on");
    }
    FanOutSubmitter::Settings fs{settings.alert_after_failures, settings.public_fallback};
    auto fan = std::make_shared<FanOutSubmitter>(std::move(relays), fs,
                                                 settings.public_fallback ? deps.public_submitter : nullptr,
                                                 std::move(deps.alert));
    if (settings.public_fallback)
        spdlog::warn("mev: public mempool fallback is ENABLED: after {} failed private windows (or with every relay "
                     "down) hedges go to the public mempool",
                     settings.alert_after_failures);
    spdlog::info("mev: private submission through {}", fan->name());
    return std::shared_ptr<submit::Submitter>(std::move(fan));
}

}  // namespace keeper::mev

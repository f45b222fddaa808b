#include "keeper/config/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

#include "keeper/crypto/eip55.hpp"
#include "keeper/rpc/url.hpp"

namespace keeper::config {

namespace {

// Internal: a validation failure unwinds to parse_config(), which turns it into a ConfigError.
// No exception leaves this file.
struct Failure {
    std::string field;
    std::string message;
};

[[noreturn]] void fail(std::string field, std::string message) {
    throw Failure{std::move(field), std::move(message)};
}

std::string join_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

std::string format_double(double v) {
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

std::string pow10_suffix(unsigned decimals) {
    return std::string(decimals, '0');
}

// "12.5" with `decimals` fractional digits -> 12.5 * 10^decimals exactly. No sign, no exponent.
Expected<U256, std::string> decimal_to_units(std::string_view text, unsigned decimals) {
    if (text.empty()) return Unexpected(std::string("empty amount"));
    const auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() && frac.empty()) return Unexpected(std::string("not a decimal amount"));
    for (char c : whole)
        if (c < '0' || c > '9') return Unexpected(std::string("not a non-negative decimal amount"));
    for (char c : frac)
        if (c < '0' || c > '9') return Unexpected(std::string("not a non-negative decimal amount"));
    // Trailing zeros of the fraction carry no precision.
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    if (frac.size() > decimals)
        return Unexpected("more than " + std::to_string(decimals) + " decimal places (below 1 wei)");
    if (whole.size() > 40) return Unexpected(std::string("amount too large"));
    std::string digits = std::string(whole.empty() ? "0" : whole) + std::string(frac) +
                         pow10_suffix(decimals - static_cast<unsigned>(frac.size()));
    const auto v = parse_u256(digits);
    if (!v) return Unexpected(std::string("amount too large"));
    return *v;
}

// A table and the keys it may hold; every read names its field on failure.
class Table {
public:
    Table(const toml::table* t, std::string path, std::initializer_list<std::string_view> allowed)
        : t_(t), path_(std::move(path)) {
        if (t_ == nullptr) return;
        for (const auto& [k, v] : *t_) {
            const std::string_view key = k.str();
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
                fail(join_path(path_, key), "unknown key");
        }
    }

    [[nodiscard]] bool present() const { return t_ != nullptr; }
    [[nodiscard]] bool has(std::string_view key) const { return t_ != nullptr && t_->contains(key); }
    [[nodiscard]] std::string field(std::string_view key) const { return join_path(path_, key); }
    [[nodiscard]] const std::string& path() const { return path_; }

    [[nodiscard]] std::optional<std::string> opt_string(std::string_view key) const {
        const toml::node* n = node(key);
        if (n == nullptr) return std::nullopt;
        const auto* s = n->as_string();
        if (s == nullptr) fail(field(key), "expected a string");
        return s->get();
    }

    [[nodiscard]] std::string string(std::string_view key, std::optional<std::string> fallback = std::nullopt) const {
        auto v = opt_string(key);
        if (v) return *v;
        if (fallback) return *fallback;
        fail(field(key), "missing (required)");
    }

    [[nodiscard]] std::string nonempty_string(std::string_view key) const {
        auto v = string(key);
        if (v.empty()) fail(field(key), "must not be empty");
        return v;
    }

    [[nodiscard]] bool boolean(std::string_view key, bool fallback) const {
        const toml::node* n = node(key);
        if (n == nullptr) return fallback;
        const auto* b = n->as_boolean();
        if (b == nullptr) fail(field(key), "expected true or false");
        return b->get();
    }

    [[nodiscard]] std::optional<double> opt_number(std::string_view key) const {
        const toml::node* n = node(key);
        if (n == nullptr) return std::nullopt;
        double v = 0.0;
        if (const auto* f = n->as_floating_point()) {
            v = f->get();
        } else if (const auto* i = n->as_integer()) {
            v = static_cast<double>(i->get());
        } else {
            fail(field(key), "expected a number");
        }
        if (!std::isfinite(v)) fail(field(key), "must be finite");
        return v;
    }

    [[nodiscard]] double number(std::string_view key, std::optional<double> fallback = std::nullopt) const {
        if (auto v = opt_number(key)) return *v;
        if (fallback) return *fallback;
        fail(field(key), "missing (required)");
    }

    [[nodiscard]] std::optional<std::uint64_t> opt_uint(std::string_view key, std::uint64_t max) const {
        const toml::node* n = node(key);
        if (n == nullptr) return std::nullopt;
        const auto* i = n->as_integer();
        if (i == nullptr) fail(field(key), "expected an integer");
        const std::int64_t v = i->get();
        if (v < 0) fail(field(key), "must not be negative");
        const auto u = static_cast<std::uint64_t>(v);
        if (u > max) fail(field(key), "must be at most " + std::to_string(max));
        return u;
    }

    [[nodiscard]] std::uint64_t uint(
        std::string_view key, std::optional<std::uint64_t> fallback,
        std::uint64_t max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) const {
        if (auto v = opt_uint(key, max)) return *v;
        if (fallback) return *fallback;
        fail(field(key), "missing (required)");
    }

    template <class T>
    [[nodiscard]] T uint_as(std::string_view key, T fallback) const {
        return static_cast<T>(uint(key, fallback, std::numeric_limits<T>::max()));
    }

    /// Milliseconds: a non-negative integer.
    [[nodiscard]] rpc::Millis millis(std::string_view key, rpc::Millis fallback) const {
        const auto v = opt_uint(key, 86'400'000ULL * 365);
        return v ? rpc::Millis(static_cast<rpc::Millis::rep>(*v)) : fallback;
    }

    /// A decimal amount (number or string, e.g. 1.5 or "1.5") in units of 10^-decimals.
    [[nodiscard]] U256 amount(std::string_view key, const U256& fallback, unsigned decimals) const {
        const toml::node* n = node(key);
        if (n == nullptr) return fallback;
        std::string text;
        if (const auto* s = n->as_string()) {
            text = s->get();
        } else if (const auto* i = n->as_integer()) {
            if (i->get() < 0) fail(field(key), "must not be negative");
            text = std::to_string(i->get());
        } else if (const auto* f = n->as_floating_point()) {
            const double d = f->get();
            if (!std::isfinite(d)) fail(field(key), "must be finite");
            if (d < 0) fail(field(key), "must not be negative");
            // The shortest decimal that reads back as d: the literal the operator wrote.
            std::array<char, 400> buf{};
            const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
            if (r.ec != std::errc{}) fail(field(key), "amount too large");
            text.assign(buf.data(), r.ptr);
        } else {
            fail(field(key), "expected a number or a decimal string");
        }
        auto v = decimal_to_units(text, decimals);
        if (!v) fail(field(key), v.error());
        return *v;
    }

    [[nodiscard]] std::vector<std::string> strings(std::string_view key) const {
        std::vector<std::string> out;
        const toml::node* n = node(key);
        if (n == nullptr) return out;
        const auto* arr = n->as_array();
        if (arr == nullptr) fail(field(key), "expected an array of strings");
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const auto* s = (*arr)[i].as_string();
            if (s == nullptr) fail(indexed(field(key), i), "expected a string");
            if (s->get().empty()) fail(indexed(field(key), i), "must not be empty");
            out.push_back(s->get());
        }
        return out;
    }

    [[nodiscard]] const toml::table* table(std::string_view key) const {
        const toml::node* n = node(key);
        if (n == nullptr) return nullptr;
        const auto* t = n->as_table();
        if (t == nullptr) fail(field(key), "expected a table");
        return t;
    }

    /// An array of tables ([[key]]); empty when absent.
    [[nodiscard]] std::vector<const toml::table*> tables(std::string_view key) const {
        std::vector<const toml::table*> out;
        const toml::node* n = node(key);
        if (n == nullptr) return out;
        const auto* arr = n->as_array();
        if (arr == nullptr) fail(field(key), "expected an array of tables ([[" + field(key) + "]])");
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const auto* t = (*arr)[i].as_table();
            if (t == nullptr) fail(indexed(field(key), i), "expected a table");
            out.push_back(t);
        }
        return out;
    }

private:
    [[nodiscard]] const toml::node* node(std::string_view key) const { return t_ == nullptr ? nullptr : t_->get(key); }

    const toml::table* t_;
    std::string path_;
};

// ---- values with rules ------------------------------------------------------------------------

void check_http_url(const std::string& field, const std::string& url) {
    const auto u = rpc::parse_url(url);
    if (!u || (u->scheme != "http" && u->scheme != "https")) fail(field, "not an http(s) URL");
}

void check_ws_url(const std::string& field, const std::string& url) {
    const auto u = rpc::parse_url(url);
    if (!u || (u->scheme != "ws" && u->scheme != "wss")) fail(field, "not a ws(s) URL");
}

Address parse_addr(const std::string& field, const std::string& text) {
    const auto a = parse_address(text, ChecksumPolicy::kVerifyMixedCase);
    if (!a) fail(field, "not an address: " + std::string(to_string(a.error())));
    if (a->is_zero()) fail(field, "must not be the zero address");
    return *a;
}

const std::set<std::string_view> kLogLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};

void check_log_level(const std::string& field, const std::string& level) {
    if (!kLogLevels.contains(level)) fail(field, "expected trace, debug, info, warn, error, critical or off");
}

std::optional<bool> parse_bool_text(std::string_view v) {
    if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return false;
    return std::nullopt;
}

bool is_loopback_host(const std::string& host) {
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8
    if (host.rfind("127.", 0) != 0) return false;
    int parts = 0;
    std::size_t start = 0;
    while (start <= host.size()) {
        const auto end = std::min(host.find('.', start), host.size());
        const std::string_view part(host.data() + start, end - start);
        unsigned v = 0;
        const auto r = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || r.ec != std::errc{} || r.ptr != part.data() + part.size() || v > 255) return false;
        ++parts;
        start = end + 1;
    }
    return parts == 4;
}

// "host:port" / "[v6]:port" -> host, port.
void parse_listen(const std::string& field, MetricsConfig& m) {
    const std::string& s = m.listen;
    std::string host;
    std::string_view port_text;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
            fail(field, "expected host:port or [ipv6]:port");
        host = s.substr(1, close - 1);
        port_text = std::string_view(s).substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string::npos || colon == 0) fail(field, "expected host:port");
        host = s.substr(0, colon);
        if (host.find(':') != std::string::npos) fail(field, "an IPv6 host must be in brackets: [::1]:9464");
        port_text = std::string_view(s).substr(colon + 1);
    }
    unsigned port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || r.ec != std::errc{} || r.ptr != port_text.data() + port_text.size() || port > 65535)
        fail(field, "port must be a number from 0 to 65535");
    if (!m.allow_remote && !is_loopback_host(host))
        fail(field, "not a loopback address (set metrics.allow_remote = true to expose it)");
    m.host = host;
    m.port = static_cast<std::uint16_t>(port);
}

// ---- sections ---------------------------------------------------------------------------------

NetworkConfig parse_network(const Table& root) {
    const Table t(root.table("network"), "network", {"name", "chain_id"});
    if (!t.present()) fail("network", "missing (required)");
    NetworkConfig n;
    n.name = t.nonempty_string("name");
    n.chain_id = t.uint("chain_id", std::nullopt);
    if (n.chain_id == 0) fail("network.chain_id", "must be positive");
    return n;
}

void parse_rpc_settings(const Table& rpc_t, rpc::RpcSettings& s) {
    {
        const Table t(rpc_t.table("http"), "rpc.http",
                      {"connect_timeout_ms", "request_timeout_ms", "max_response_bytes", "connections_per_endpoint"});
        s.http.connect_timeout = t.millis("connect_timeout_ms", s.http.connect_timeout);
        s.http.request_timeout = t.millis("request_timeout_ms", s.http.request_timeout);
        s.http.max_response_bytes = t.uint_as<std::size_t>("max_response_bytes", s.http.max_response_bytes);
        s.http.connections_per_endpoint =
            t.uint_as<unsigned>("connections_per_endpoint", s.http.connections_per_endpoint);
        if (s.http.connect_timeout.count() == 0) fail(t.field("connect_timeout_ms"), "must be positive");
        if (s.http.request_timeout.count() == 0) fail(t.field("request_timeout_ms"), "must be positive");
        if (s.http.max_response_bytes < 1024) fail(t.field("max_response_bytes"), "must be at least 1024");
        if (s.http.connections_per_endpoint == 0 || s.http.connections_per_endpoint > 64)
            fail(t.field("connections_per_endpoint"), "must be from 1 to 64");
    }
    {
        const Table t(rpc_t.table("retry"), "rpc.retry",
                      {"max_attempts", "initial_backoff_ms", "max_backoff_ms", "multiplier"});
        s.retry.max_attempts = t.uint_as<unsigned>("max_attempts", s.retry.max_attempts);
        s.retry.initial_backoff = t.millis("initial_backoff_ms", s.retry.initial_backoff);
        s.retry.max_backoff = t.millis("max_backoff_ms", s.retry.max_backoff);
        s.retry.multiplier = t.number("multiplier", s.retry.multiplier);
        if (s.retry.max_attempts == 0) fail(t.field("max_attempts"), "must be at least 1");
        if (s.retry.max_backoff < s.retry.initial_backoff)
            fail(t.field("max_backoff_ms"), "must not be below initial_backoff_ms");
        if (s.retry.multiplier < 1.0) fail(t.field("multiplier"), "must be at least 1");
    }
    {
        const Table t(rpc_t.table("pool"), "rpc.pool",
                      {"max_head_lag", "probe_interval_ms", "probe_timeout_ms", "max_batch_size", "hedge_floor_ms",
                       "hedge_cap_ms", "strikes_to_bench"});
        s.pool.max_head_lag = t.uint("max_head_lag", s.pool.max_head_lag);
        s.pool.probe_interval = t.millis("probe_interval_ms", s.pool.probe_interval);
        s.pool.probe_timeout = t.millis("probe_timeout_ms", s.pool.probe_timeout);
        s.pool.max_batch_size = t.uint_as<std::size_t>("max_batch_size", s.pool.max_batch_size);
        s.pool.hedge_floor = t.millis("hedge_floor_ms", s.pool.hedge_floor);
        s.pool.hedge_cap = t.millis("hedge_cap_ms", s.pool.hedge_cap);
        s.pool.strikes_to_bench = t.uint_as<unsigned>("strikes_to_bench", s.pool.strikes_to_bench);
        if (s.pool.probe_interval.count() == 0) fail(t.field("probe_interval_ms"), "must be positive");
        if (s.pool.probe_timeout.count() == 0) fail(t.field("probe_timeout_ms"), "must be positive");
        if (s.pool.max_batch_size == 0) fail(t.field("max_batch_size"), "must be at least 1");
        if (s.pool.hedge_floor.count() == 0) fail(t.field("hedge_floor_ms"), "must be positive");
        if (s.pool.hedge_cap < s.pool.hedge_floor) fail(t.field("hedge_cap_ms"), "must not be below hedge_floor_ms");
        if (s.pool.strikes_to_bench == 0) fail(t.field("strikes_to_bench"), "must be at least 1");
    }
    {
        const Table t(rpc_t.table("ws"), "rpc.ws",
                      {"connect_timeout_ms", "handshake_timeout_ms", "request_timeout_ms", "idle_timeout_ms",
                       "max_message_bytes", "close_timeout_ms"});
        s.ws.connect_timeout = t.millis("connect_timeout_ms", s.ws.connect_timeout);
        s.ws.handshake_timeout = t.millis("handshake_timeout_ms", s.ws.handshake_timeout);
        s.ws.request_timeout = t.millis("request_timeout_ms", s.ws.request_timeout);
        s.ws.idle_timeout = t.millis("idle_timeout_ms", s.ws.idle_timeout);
        s.ws.max_message_bytes = t.uint_as<std::size_t>("max_message_bytes", s.ws.max_message_bytes);
        s.ws.close_timeout = t.millis("close_timeout_ms", s.ws.close_timeout);
        for (const char* k : {"connect_timeout_ms", "handshake_timeout_ms", "request_timeout_ms", "idle_timeout_ms",
                              "close_timeout_ms"}) {
            if (t.has(k) && t.millis(k, rpc::Millis{1}).count() == 0) fail(t.field(k), "must be positive");
        }
        if (s.ws.max_message_bytes < 1024) fail(t.field("max_message_bytes"), "must be at least 1024");
    }
    {
        const Table t(rpc_t.table("heads"), "rpc.heads",
                      {"poll_interval_ms", "stall_timeout_ms", "reconnect_initial_ms", "reconnect_max_ms", "history"});
        s.heads.poll_interval = t.millis("poll_interval_ms", s.heads.poll_interval);
        s.heads.stall_timeout = t.millis("stall_timeout_ms", s.heads.stall_timeout);
        s.heads.reconnect_initial = t.millis("reconnect_initial_ms", s.heads.reconnect_initial);
        s.heads.reconnect_max = t.millis("reconnect_max_ms", s.heads.reconnect_max);
        s.heads.history = t.uint_as<std::size_t>("history", s.heads.history);
        if (s.heads.poll_interval.count() == 0) fail(t.field("poll_interval_ms"), "must be positive");
        if (s.heads.stall_timeout.count() == 0) fail(t.field("stall_timeout_ms"), "must be positive");
        if (s.heads.reconnect_initial.count() == 0) fail(t.field("reconnect_initial_ms"), "must be positive");
        if (s.heads.reconnect_max < s.heads.reconnect_initial)
            fail(t.field("reconnect_max_ms"), "must not be below reconnect_initial_ms");
        if (s.heads.history < 2) fail(t.field("history"), "must be at least 2");
    }
}

// [rpc.tls] ca_file: a readable file holding at least one PEM certificate. Checked here so a
// bad path fails at start naming the field, not at the first https:// or wss:// connection.
// (The transports load it with OpenSSL / libcurl and report a malformed certificate themselves.)
void check_ca_file(const std::string& field, const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) fail(field, "no such file: " + path);
    if (!std::filesystem::is_regular_file(status)) fail(field, "not a regular file: " + path);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(field, "cannot read " + path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        fail(field, "no PEM certificate (-----BEGIN CERTIFICATE-----) in " + path);
}

RpcConfig parse_rpc(const Table& root) {
    const Table t(root.table("rpc"), "rpc", {"endpoints", "ws_url", "http", "retry", "pool", "ws", "heads", "tls"});
    RpcConfig r;
    const auto eps = t.tables("endpoints");
    for (std::size_t i = 0; i < eps.size(); ++i) {
        const Table e(eps[i], indexed("rpc.endpoints", i), {"name", "url"});
        RpcEndpoint ep;
        ep.name = e.nonempty_string("name");
        ep.url = e.nonempty_string("url");
        check_http_url(e.field("url"), ep.url);
        for (const auto& other : r.endpoints)
            if (other.name == ep.name) fail(e.field("name"), "duplicate endpoint name '" + ep.name + "'");
        r.endpoints.push_back(std::move(ep));
    }
    r.ws_url = t.opt_string("ws_url");
    if (r.ws_url) check_ws_url("rpc.ws_url", *r.ws_url);
    parse_rpc_settings(t, r.settings);
    {
        // One trust setting for every TLS connection of the keeper: https:// endpoints and
        // relays (libcurl) and the wss:// head stream (OpenSSL). Verification is always on.
        const Table tls(t.table("tls"), "rpc.tls", {"ca_file"});
        if (tls.has("ca_file")) {
            const std::string ca_file = tls.nonempty_string("ca_file");
            check_ca_file(tls.field("ca_file"), ca_file);
            r.settings.http.tls.ca_file = ca_file;
            r.settings.ws.tls.ca_file = ca_file;
        }
    }
    return r;
}

policy::RehedgeTo parse_to(const Table& t) {
    const std::string to = t.string("to", "center");
    if (to == "center") return policy::RehedgeTo::kCenter;
    if (to == "edge") return policy::RehedgeTo::kEdge;
    fail(t.field("to"), "expected \"center\" or \"edge\"");
}

policy::Policy parse_policy(const Table& root) {
    const toml::table* raw = root.table("policy");
    if (raw == nullptr) fail("policy", "missing (required)");
    const Table kind_t(raw, "policy",
                       {"kind", "interval_s", "band", "unit", "to", "multiplier", "horizon_s", "min_band",
                        "risk_aversion", "cost_rate", "round_trip_cost", "fixed_cost", "min_trade"});
    const std::string kind = kind_t.string("kind");
    policy::Policy p;
    // Each kind accepts only its own fields (a field of another policy is a mistake).
    if (kind == "time_based") {
        const Table t(raw, "policy", {"kind", "interval_s"});
        p = policy::TimeBased{t.number("interval_s") / kSecondsPerYear};
    } else if (kind == "delta_band") {
        const Table t(raw, "policy", {"kind", "band", "unit", "to"});
        policy::DeltaBand d;
        d.band = t.number("band");
        const std::string unit = t.string("unit", "absolute");
        if (unit == "absolute") {
            d.unit = policy::BandUnit::kAbsolute;
        } else if (unit == "fraction_of_notional") {
            d.unit = policy::BandUnit::kFractionOfNotional;
        } else {
            fail(t.field("unit"), "expected \"absolute\" or \"fraction_of_notional\"");
        }
        d.to = parse_to(t);
        p = d;
    } else if (kind == "gamma_band") {
        const Table t(raw, "policy", {"kind", "multiplier", "horizon_s", "min_band", "to"});
        policy::GammaBand g;
        g.multiplier = t.number("multiplier", g.multiplier);
        g.horizon = t.number("horizon_s") / kSecondsPerYear;
        g.min_band = t.number("min_band", g.min_band);
        g.to = parse_to(t);
        p = g;
    } else if (kind == "whalley_wilmott") {
        const Table t(raw, "policy", {"kind", "risk_aversion", "cost_rate"});
        p = policy::WhalleyWilmott{t.number("risk_aversion"), t.number("cost_rate")};
    } else if (kind == "leland") {
        const Table t(raw, "policy", {"kind", "interval_s", "round_trip_cost"});
        p = policy::Leland{t.number("interval_s") / kSecondsPerYear, t.number("round_trip_cost")};
    } else if (kind == "fixed_cost_aware") {
        const Table t(raw, "policy", {"kind", "risk_aversion", "horizon_s", "fixed_cost", "cost_rate", "min_trade"});
        policy::FixedCostAware f;
        f.risk_aversion = t.number("risk_aversion");
        f.horizon = t.number("horizon_s") / kSecondsPerYear;
        f.fixed_cost = t.number("fixed_cost");
        f.cost_rate = t.number("cost_rate");
        f.min_trade = t.number("min_trade", f.min_trade);
        p = f;
    } else {
        fail("policy.kind", "expected time_based, delta_band, gamma_band, whalley_wilmott, leland or fixed_cost_aware");
    }
    if (const auto v = policy::validate(p); !v)
        fail("policy", "invalid " + kind + " parameters: " + std::string(policy::to_string(v.error())));
    return p;
}

PlannerConfig parse_planner(const Table& root) {
    const Table t(root.table("planner"), "planner",
                  {"min_trade", "max_slippage_bps", "max_deviation_bps", "oracle_max_age_s", "deadline_s",
                   "min_keeper_balance_eth", "rate"});
    PlannerConfig p;
    p.min_trade = t.number("min_trade", p.min_trade);
    p.max_slippage_bps = t.uint_as<std::uint32_t>("max_slippage_bps", p.max_slippage_bps);
    p.max_deviation_bps = t.uint_as<std::uint32_t>("max_deviation_bps", p.max_deviation_bps);
    p.oracle_max_age_s = t.uint("oracle_max_age_s", p.oracle_max_age_s);
    p.deadline_s = t.uint("deadline_s", p.deadline_s);
    p.min_keeper_balance_wei = t.amount("min_keeper_balance_eth", p.min_keeper_balance_wei, 18);
    p.rate = t.number("rate", p.rate);
    if (p.min_trade < 0) fail(t.field("min_trade"), "must not be negative");
    if (p.max_slippage_bps == 0 || p.max_slippage_bps >= 10'000)
        fail(t.field("max_slippage_bps"), "must be from 1 to 9999");
    if (p.max_deviation_bps == 0 || p.max_deviation_bps >= 10'000)
        fail(t.field("max_deviation_bps"), "must be from 1 to 9999");
    if (p.oracle_max_age_s == 0) fail(t.field("oracle_max_age_s"), "must be positive");
    if (p.deadline_s == 0) fail(t.field("deadline_s"), "must be positive");
    if (std::abs(p.rate) > 1.0) fail(t.field("rate"), "must be within -1 and 1 (a fraction per year)");
    return p;
}

constexpr unsigned kGweiDecimals = 9;

TxmConfig parse_txm(const Table& root) {
    const Table t(root.table("txm"), "txm",
                  {"confirmations", "bump_after_blocks", "bump_percent", "bump_min_increment_gwei", "fee_cap_gwei",
                   "intent_ttl_s", "gas_limit_margin_percent", "finality"});
    TxmConfig x;
    if (auto f = t.opt_string("finality")) {
        auto parsed = txm::parse_finality(*f);
        if (!parsed) fail(t.field("finality"), "must be \"depth\" or \"finalized\", not \"" + *f + "\"");
        x.finality = *parsed;
    }
    x.confirmations = t.uint("confirmations", x.confirmations);
    x.bump_after_blocks = t.uint("bump_after_blocks", x.bump_after_blocks);
    x.bump_percent = t.uint_as<std::uint32_t>("bump_percent", x.bump_percent);
    x.bump_min_increment_wei = t.amount("bump_min_increment_gwei", x.bump_min_increment_wei, kGweiDecimals);
    x.fee_cap_wei = t.amount("fee_cap_gwei", x.fee_cap_wei, kGweiDecimals);
    x.intent_ttl_s = t.uint("intent_ttl_s", x.intent_ttl_s);
    x.gas_limit_margin_percent = t.uint_as<std::uint32_t>("gas_limit_margin_percent", x.gas_limit_margin_percent);
    if (x.confirmations == 0) fail(t.field("confirmations"), "must be at least 1");
    if (x.bump_after_blocks == 0) fail(t.field("bump_after_blocks"), "must be at least 1");
    if (x.bump_percent < 10 || x.bump_percent > 1'000)
        fail(t.field("bump_percent"), "must be from 10 (the node's replacement rule) to 1000");
    if (x.fee_cap_wei == 0) fail(t.field("fee_cap_gwei"), "must be positive");
    if (x.intent_ttl_s == 0) fail(t.field("intent_ttl_s"), "must be positive");
    if (x.gas_limit_margin_percent > 400) fail(t.field("gas_limit_margin_percent"), "must be at most 400");
    return x;
}

FeesConfig parse_fees(const Table& root, const TxmConfig& txm) {
    const Table t(root.table("fees"), "fees",
                  {"history_blocks", "reward_percentile", "priority_fee_min_gwei", "priority_fee_max_gwei",
                   "base_fee_multiplier"});
    FeesConfig f;
    f.history_blocks = t.uint("history_blocks", f.history_blocks);
    f.reward_percentile = t.number("reward_percentile", f.reward_percentile);
    f.priority_fee_min_wei = t.amount("priority_fee_min_gwei", f.priority_fee_min_wei, kGweiDecimals);
    f.priority_fee_max_wei = t.amount("priority_fee_max_gwei", f.priority_fee_max_wei, kGweiDecimals);
    f.base_fee_multiplier = t.number("base_fee_multiplier", f.base_fee_multiplier);
    if (f.history_blocks == 0 || f.history_blocks > 1024) fail(t.field("history_blocks"), "must be from 1 to 1024");
    if (f.reward_percentile < 0 || f.reward_percentile > 100)
        fail(t.field("reward_percentile"), "must be from 0 to 100");
    if (f.priority_fee_max_wei < f.priority_fee_min_wei)
        fail(t.field("priority_fee_max_gwei"), "must not be below priority_fee_min_gwei");
    if (f.priority_fee_max_wei > txm.fee_cap_wei)
        fail(t.field("priority_fee_max_gwei"), "must not exceed txm.fee_cap_gwei");
    if (f.base_fee_multiplier < 1.0 || f.base_fee_multiplier > 10.0)
        fail(t.field("base_fee_multiplier"), "must be from 1 to 10");
    return f;
}

// MEV-Share hints a relay may be told to reveal.
const std::set<std::string_view> kHints{"calldata", "contract_address", "logs",         "function_selector",
                                        "hash",     "tx_hash",          "default_logs", "full"};

/// True when a hint list reveals nothing but the hash ([], ["hash"], ["full"], ...).
bool privacy_is_full(const std::vector<std::string>& hints) {
    return std::all_of(hints.begin(), hints.end(), [](const std::string& h) { return h == "hash" || h == "full"; }) ||
           std::find(hints.begin(), hints.end(), "full") != hints.end();
}

/// [[submit.relays]] query = { hint = ["hash"], builder = ["flashbots"], refund = "0x...:90", fast = true }:
/// the protect endpoint's URL query options, in key order; an array repeats its key.
std::vector<std::pair<std::string, std::string>> parse_relay_query(const Table& r) {
    std::vector<std::pair<std::string, std::string>> out;
    const toml::table* q = r.table("query");
    if (q == nullptr) return out;
    if (r.string("kind") != "protect") fail(r.field("query"), "only protect relays take query options");
    const std::string base = r.field("query");
    auto scalar = [&](const toml::node& n, const std::string& field) -> std::string {
        if (const auto* str = n.as_string()) {
            if (str->get().empty()) fail(field, "must not be empty");
            return str->get();
        }
        if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
        if (const auto* i = n.as_integer()) {
            if (i->get() < 0) fail(field, "must not be negative");
            return std::to_string(i->get());
        }
        fail(field, "expected a string, an integer, true/false or an array of strings");
    };
    for (const auto& [k, v] : *q) {
        const std::string key(k.str());
        const std::string field = join_path(base, key);
        if (const auto* arr = v.as_array()) {
            if (arr->empty()) fail(field, "must not be empty (leave the option out instead)");
            for (std::size_t i = 0; i < arr->size(); ++i) out.emplace_back(key, scalar((*arr)[i], indexed(field, i)));
        } else {
            out.emplace_back(key, scalar(v, field));
        }
        if (key == "hint") {
            for (std::size_t i = 0; i < out.size(); ++i)
                if (out[i].first == "hint" && !kHints.contains(out[i].second))
                    fail(field, "unknown hint '" + out[i].second + "'");
            for (std::size_t i = 0; i < out.size(); ++i)
                if (out[i].first == "hint" && out[i].second == "full")
                    fail(field, "'full' means full privacy only in hints; in query write hint = [\"hash\"]");
        }
    }
    auto has = [&](std::string_view key) {
        return std::any_of(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    };
    if (has("hint") && r.has("hints")) fail(join_path(base, "hint"), "set either hints or query.hint, not both");
    if (has("builder") && r.has("builders"))
        fail(join_path(base, "builder"), "set either builders or query.builder, not both");
    if (has("fast") && r.has("fast")) fail(join_path(base, "fast"), "set either fast or query.fast, not both");
    return out;
}

SubmitConfig parse_submit(const Table& root) {
    const Table t(root.table("submit"), "submit",
                  {"mode", "allow_public_mempool", "allow_public_fallback", "reputation_keystore",
                   "reputation_password_file", "max_block_window", "max_failures_before_alert", "relays"});
    SubmitConfig s;
    const std::string mode = t.string("mode", "public");
    if (mode == "public") {
        s.mode = SubmitMode::kPublic;
    } else if (mode == "private") {
        s.mode = SubmitMode::kPrivate;
    } else if (mode == "bundle") {
        s.mode = SubmitMode::kBundle;
    } else if (mode == "protect") {
        s.mode = SubmitMode::kProtect;
    } else {
        fail(t.field("mode"), "expected public, private, bundle or protect");
    }
    s.allow_public_mempool = t.boolean("allow_public_mempool", s.allow_public_mempool);
    s.allow_public_fallback = t.boolean("allow_public_fallback", s.allow_public_fallback);
    s.reputation_keystore = t.opt_string("reputation_keystore");
    s.reputation_password_file = t.opt_string("reputation_password_file");
    s.max_block_window = t.uint("max_block_window", s.max_block_window);
    s.max_failures_before_alert = t.uint_as<std::uint32_t>("max_failures_before_alert", s.max_failures_before_alert);
    if (s.max_block_window == 0 || s.max_block_window > 25)
        fail(t.field("max_block_window"), "must be from 1 to 25 (relays cap a private window at 25 blocks)");
    if (s.max_failures_before_alert == 0) fail(t.field("max_failures_before_alert"), "must be at least 1");
    if (s.reputation_keystore && s.reputation_keystore->empty())
        fail(t.field("reputation_keystore"), "must not be empty");

    const auto relays = t.tables("relays");
    for (std::size_t i = 0; i < relays.size(); ++i) {
        const Table r(relays[i], indexed("submit.relays", i),
                      {"name", "url", "kind", "hints", "builders", "fast", "status_url", "query", "simulate_bundles"});
        RelayConfig rc;
        rc.name = r.nonempty_string("name");
        rc.url = r.nonempty_string("url");
        check_http_url(r.field("url"), rc.url);
        const std::string kind = r.string("kind");
        if (kind == "flashbots") {
            rc.kind = RelayKind::kFlashbots;
        } else if (kind == "protect") {
            rc.kind = RelayKind::kProtect;
        } else if (kind == "builder") {
            rc.kind = RelayKind::kBuilder;
        } else {
            fail(r.field("kind"), "expected flashbots, protect or builder");
        }
        rc.hints = r.strings("hints");
        for (std::size_t h = 0; h < rc.hints.size(); ++h) {
            if (!kHints.contains(rc.hints[h]))
                fail(indexed(r.field("hints"), h),
                     "unknown hint (expected calldata, contract_address, logs, function_selector, hash, tx_hash, "
                     "default_logs or full)");
        }
        rc.builders = r.strings("builders");
        for (std::size_t b = 0; b < rc.builders.size(); ++b) {
            for (std::size_t c = 0; c < b; ++c)
                if (rc.builders[c] == rc.builders[b]) fail(indexed(r.field("builders"), b), "duplicate builder");
        }
        rc.fast = r.boolean("fast", rc.fast);
        rc.status_url = r.opt_string("status_url");
        if (rc.status_url && !rc.status_url->empty()) check_http_url(r.field("status_url"), *rc.status_url);
        rc.simulate_bundles = r.boolean("simulate_bundles", rc.simulate_bundles);
        rc.query = parse_relay_query(r);
        for (const auto& [key, value] : rc.query)
            if (rpc::url_query_has(rc.url, key))
                fail(r.field("url"), "its query string sets '" + key + "' too: set it in one place (query)");
        if (rc.kind == RelayKind::kBuilder && !rc.status_url.value_or("").empty())
            fail(r.field("status_url"), "builders have no status API for bundles");
        if (rc.kind == RelayKind::kProtect && rc.simulate_bundles)
            fail(r.field("simulate_bundles"), "only bundle relays (builder, or flashbots in mode \"bundle\") simulate");
        if (rc.kind == RelayKind::kBuilder && rc.fast) fail(r.field("fast"), "not available for bundles");
        if (rc.kind == RelayKind::kBuilder && !privacy_is_full(rc.hints))
            fail(r.field("hints"), "bundles share no hints (leave empty, or [\"hash\"])");
        for (const auto& other : s.relays)
            if (other.name == rc.name) fail(r.field("name"), "duplicate relay name '" + rc.name + "'");
        s.relays.push_back(std::move(rc));
    }
    return s;
}

MetricsConfig parse_metrics(const Table& root) {
    const Table t(root.table("metrics"), "metrics", {"enabled", "listen", "allow_remote", "max_head_age_s"});
    MetricsConfig m;
    m.enabled = t.boolean("enabled", m.enabled);
    m.listen = t.string("listen", m.listen);
    m.allow_remote = t.boolean("allow_remote", m.allow_remote);
    m.max_head_age_s = t.number("max_head_age_s", m.max_head_age_s);
    if (!(m.max_head_age_s > 0))
        fail(t.field("max_head_age_s"), "must be a positive number of seconds");
    return m;
}

LogConfig parse_log(const Table& root) {
    const Table t(root.table("log"), "log", {"level", "json", "file"});
    LogConfig l;
    l.level = t.string("level", l.level);
    l.json = t.boolean("json", l.json);
    l.file = t.opt_string("file");
    if (l.file && l.file->empty()) fail(t.field("file"), "must not be empty");
    check_log_level(t.field("level"), l.level);
    return l;
}

// ---- environment ------------------------------------------------------------------------------

std::optional<std::string> env_value(const Env& env, std::string_view name) {
    if (!env) return std::nullopt;
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
}

bool env_bool(const std::string& name, const std::string& v) {
    const auto b = parse_bool_text(v);
    if (!b) fail("$" + name, "expected true, false, 1 or 0");
    return *b;
}

void apply_env(KeeperConfig& c, const Env& env) {
    if (auto v = env_value(env, "ETH_RPC_URL")) {
        check_http_url("$ETH_RPC_URL", *v);
        c.rpc.endpoints = {RpcEndpoint{"env", *v}};
    }
    if (auto v = env_value(env, "ETH_WS_URL")) {
        check_ws_url("$ETH_WS_URL", *v);
        c.rpc.ws_url = *v;
    }
    if (auto v = env_value(env, "KEEPER_KEYSTORE")) c.keys.keystore = *v;
    if (auto v = env_value(env, "KEEPER_PASSWORD_FILE")) c.keys.password_file = *v;
    if (auto v = env_value(env, "KEEPER_JOURNAL")) c.journal.path = *v;
    if (auto v = env_value(env, "KEEPER_METRICS_LISTEN")) c.metrics.listen = *v;
    if (auto v = env_value(env, "KEEPER_LOG_LEVEL")) {
        check_log_level("$KEEPER_LOG_LEVEL", *v);
        c.log.level = *v;
    }
    if (auto v = env_value(env, "KEEPER_LOG_JSON")) c.log.json = env_bool("KEEPER_LOG_JSON", *v);
    if (auto v = env_value(env, "KEEPER_DRY_RUN")) c.dry_run = env_bool("KEEPER_DRY_RUN", *v);
    if (auto v = env_value(env, "KEEPER_TXM_FINALITY")) {
        auto parsed = txm::parse_finality(*v);
        if (!parsed) fail("$KEEPER_TXM_FINALITY", "must be \"depth\" or \"finalized\", not \"" + *v + "\"");
        c.txm.finality = *parsed;
    }
}

// ---- rules across sections --------------------------------------------------------------------

// Whether two paths name the same file (symlinks resolved where the files exist).
bool same_file(const std::string& a, const std::string& b) {
    namespace fs = std::filesystem;
    const auto resolve = [](const std::string& p) {
        std::error_code ec;
        fs::path abs = fs::absolute(fs::path(p), ec);
        if (ec) return fs::path(p).lexically_normal();
        const fs::path canon = fs::weakly_canonical(abs, ec);
        return ec ? abs.lexically_normal() : canon.lexically_normal();
    };
    return resolve(a) == resolve(b);
}

void validate_all(const KeeperConfig& c) {
    if (c.rpc.endpoints.empty()) fail("rpc.endpoints", "at least one endpoint is required (or set ETH_RPC_URL)");
    if (!c.dry_run && !c.keys.keystore) fail("keys.keystore", "missing (required unless dry_run)");
    if (c.keys.keystore && c.keys.keystore->empty()) fail("keys.keystore", "must not be empty");
    if (c.journal.path.empty()) fail("journal.path", "missing (required)");
    if (c.vaults.empty()) fail("vaults", "at least one [[vaults]] entry is required");

    const SubmitConfig& s = c.submit;
    if (s.mode != SubmitMode::kPublic && s.relays.empty())
        fail("submit.relays", "mode \"" + std::string(to_string(s.mode)) + "\" needs at least one [[submit.relays]]");
    if (s.mode == SubmitMode::kPublic && !s.relays.empty())
        fail("submit.relays", "relays are configured but mode is \"public\" (choose private, bundle or protect)");
    if (s.mode == SubmitMode::kPublic && s.allow_public_fallback)
        fail("submit.allow_public_fallback", "only meaningful with a private mode");
    if (is_mainnet(c.network) && !s.allow_public_mempool) {
        if (s.mode == SubmitMode::kPublic)
            fail("submit.mode",
                 "public submission on mainnet exposes every hedge to sandwiching; use a private mode or set "
                 "submit.allow_public_mempool = true");
        if (s.allow_public_fallback)
            fail("submit.allow_public_fallback",
                 "falling back to the public mempool on mainnet needs submit.allow_public_mempool = true");
    }
    if (s.mode == SubmitMode::kProtect) {
        for (std::size_t i = 0; i < s.relays.size(); ++i)
            if (s.relays[i].kind != RelayKind::kProtect)
                fail(indexed("submit.relays", i) + ".kind", "mode \"protect\" takes only relays of kind protect");
    }
    if (s.mode == SubmitMode::kBundle) {
        for (std::size_t i = 0; i < s.relays.size(); ++i) {
            const RelayConfig& r = s.relays[i];
            const std::string field = indexed("submit.relays", i);
            if (r.kind == RelayKind::kProtect) fail(field + ".kind", "mode \"bundle\" needs flashbots or builder relays");
            if (!r.status_url.value_or("").empty()) fail(field + ".status_url", "bundles have no status API");
            if (r.fast) fail(field + ".fast", "not available for bundles");
            if (!privacy_is_full(r.hints)) fail(field + ".hints", "bundles share no hints (leave empty, or [\"hash\"])");
        }
    } else {
        for (std::size_t i = 0; i < s.relays.size(); ++i)
            if (s.relays[i].kind == RelayKind::kFlashbots && s.relays[i].simulate_bundles)
                fail(indexed("submit.relays", i) + ".simulate_bundles",
                     "only bundles simulate (mode \"bundle\", or a relay of kind builder)");
    }
    if (s.reputation_keystore && c.keys.keystore && same_file(*s.reputation_keystore, *c.keys.keystore))
        fail("submit.reputation_keystore", "must not be the funds keystore (keys.keystore)");
    if (!s.reputation_keystore && s.reputation_password_file)
        fail("submit.reputation_password_file", "given without submit.reputation_keystore");
}

Expected<KeeperConfig, ConfigError> parse_impl(std::string_view text, const Env& env, std::string source) {
    toml::table doc;
    try {
        doc = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        // toml++'s description quotes at most the offending token, never a whole value.
        std::ostringstream where;
        where << "line " << e.source().begin.line << ", column " << e.source().begin.column;
        return Unexpected(ConfigError{source, where.str(), std::string(e.description())});
    }
    try {
        KeeperConfig c;
        c.source = source;
        const Table root(&doc, "",
                         {"dry_run", "network", "rpc", "keys", "journal", "vaults", "policy", "planner", "txm", "fees",
                          "submit", "metrics", "log"});
        c.dry_run = root.boolean("dry_run", false);
        c.network = parse_network(root);
        c.rpc = parse_rpc(root);
        {
            const Table k(root.table("keys"), "keys", {"keystore", "password_file"});
            c.keys.keystore = k.opt_string("keystore");
            c.keys.password_file = k.opt_string("password_file");
            if (c.keys.password_file && c.keys.password_file->empty()) fail("keys.password_file", "must not be empty");
        }
        {
            const Table j(root.table("journal"), "journal", {"path"});
            c.journal.path = j.string("path", std::string{});
        }
        const auto vaults = root.tables("vaults");
        for (std::size_t i = 0; i < vaults.size(); ++i) {
            const Table v(vaults[i], indexed("vaults", i), {"address", "lens"});
            VaultConfig vc;
            vc.vault = parse_addr(v.field("address"), v.string("address"));
            vc.lens = parse_addr(v.field("lens"), v.string("lens"));
            for (const auto& other : c.vaults)
                if (other.vault == vc.vault) fail(v.field("address"), "duplicate vault");
            c.vaults.push_back(vc);
        }
        c.policy = parse_policy(root);
        c.planner = parse_planner(root);
        c.txm = parse_txm(root);
        c.fees = parse_fees(root, c.txm);
        c.submit = parse_submit(root);
        c.metrics = parse_metrics(root);
        c.log = parse_log(root);
        apply_env(c, env);
        parse_listen(env_value(env, "KEEPER_METRICS_LISTEN") ? "$KEEPER_METRICS_LISTEN" : "metrics.listen", c.metrics);
        validate_all(c);
        return c;
    } catch (const Failure& f) {
        return Unexpected(ConfigError{source, f.field, f.message});
    } catch (const std::exception& e) {
        // Allocation failure and the like; the text of std exceptions holds no config value.
        return Unexpected(ConfigError{source, "", std::string("unexpected error: ") + e.what()});
    }
}

std::string gwei(const U256& wei) {
    const U256 whole = wei / 1'000'000'000U;
    const U256 frac = wei % 1'000'000'000U;
    std::string out = to_dec(whole);
    if (frac != 0) {
        std::string f = to_dec(frac);
        f.insert(0, 9 - f.size(), '0');
        while (f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return out;
}

std::string eth(const U256& wei) {
    const U256 unit = U256(1'000'000'000'000'000'000ULL);
    std::string out = to_dec(wei / unit);
    const U256 frac = wei % unit;
    if (frac != 0) {
        std::string f = to_dec(frac);
        f.insert(0, 18 - f.size(), '0');
        while (f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return out;
}

std::string describe_policy(const policy::Policy& p) {
    std::ostringstream o;
    const auto secs = [](double years) { return format_double(years * kSecondsPerYear) + "s"; };
    const auto to = [](policy::RehedgeTo t) { return t == policy::RehedgeTo::kEdge ? "edge" : "center"; };
    o << policy_kind(p);
    if (const auto* t = std::get_if<policy::TimeBased>(&p)) {
        o << " interval=" << secs(t->interval);
    } else if (const auto* d = std::get_if<policy::DeltaBand>(&p)) {
        o << " band=" << format_double(d->band)
          << (d->unit == policy::BandUnit::kFractionOfNotional ? " (fraction of notional)" : " (absolute)")
          << " to=" << to(d->to);
    } else if (const auto* g = std::get_if<policy::GammaBand>(&p)) {
        o << " multiplier=" << format_double(g->multiplier) << " horizon=" << secs(g->horizon)
          << " min_band=" << format_double(g->min_band) << " to=" << to(g->to);
    } else if (const auto* w = std::get_if<policy::WhalleyWilmott>(&p)) {
        o << " risk_aversion=" << format_double(w->risk_aversion) << " cost_rate=" << format_double(w->cost_rate);
    } else if (const auto* l = std::get_if<policy::Leland>(&p)) {
        o << " interval=" << secs(l->interval) << " round_trip_cost=" << format_double(l->round_trip_cost);
    } else if (const auto* f = std::get_if<policy::FixedCostAware>(&p)) {
        o << " risk_aversion=" << format_double(f->risk_aversion) << " horizon=" << secs(f->horizon)
          << " fixed_cost=" << format_double(f->fixed_cost) << " cost_rate=" << format_double(f->cost_rate)
          << " min_trade=" << format_double(f->min_trade);
    }
    return o.str();
}

}  // namespace

std::string_view policy_kind(const policy::Policy& p) noexcept {
    constexpr std::array<std::string_view, 6> kKinds{"time_based",      "delta_band", "gamma_band",
                                                     "whalley_wilmott", "leland",     "fixed_cost_aware"};
    static_assert(std::variant_size_v<policy::Policy> == kKinds.size());
    return kKinds[p.index()];
}

std::string ConfigError::to_string() const {
    std::string out = source;
    if (!field.empty()) out += (out.empty() ? "" : ": ") + field;
    out += (out.empty() ? "" : ": ") + message;
    return out;
}

std::string_view to_string(SubmitMode m) noexcept {
    switch (m) {
        case SubmitMode::kPublic:
            return "public";
        case SubmitMode::kPrivate:
            return "private";
        case SubmitMode::kBundle:
            return "bundle";
        case SubmitMode::kProtect:
            return "protect";
    }
    return "unknown";
}

std::string_view to_string(RelayKind k) noexcept {
    switch (k) {
        case RelayKind::kFlashbots:
            return "flashbots";
        case RelayKind::kProtect:
            return "protect";
        case RelayKind::kBuilder:
            return "builder";
    }
    return "unknown";
}

txm::MachinePolicy machine_policy(const TxmConfig& t) {
    txm::MachinePolicy m;
    m.confirmations = t.confirmations;
    m.bump_after_blocks = t.bump_after_blocks;
    m.bump.min_percent = t.bump_percent;
    m.bump.min_increment = t.bump_min_increment_wei;
    m.bump.fee_cap = t.fee_cap_wei;
    m.finality = t.finality;
    return m;
}

bool is_mainnet(const NetworkConfig& n) noexcept {
    return n.chain_id == 1 || n.name == "mainnet";
}

Env process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const std::string key(name);
        const char* v = std::getenv(key.c_str());  // NOLINT(concurrency-mt-unsafe): read at start-up only
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
}

Env map_env(std::map<std::string, std::string, std::less<>> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

Env empty_env() {
    return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

Expected<KeeperConfig, ConfigError> parse_config(std::string_view toml, const Env& env, std::string_view source) {
    return parse_impl(toml, env, std::string(source));
}

Expected<KeeperConfig, ConfigError> load_config(const std::string& path, const Env& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected(ConfigError{path, "", "cannot open the file"});
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return Unexpected(ConfigError{path, "", "cannot read the file"});
    return parse_impl(ss.str(), env, path);
}

std::string describe(const KeeperConfig& c) {
    std::ostringstream o;
    o << "config " << c.source << (c.dry_run ? " (DRY RUN: nothing is signed or sent)" : "") << "\n";
    o << "  network: " << c.network.name << " (chain id " << c.network.chain_id << ")\n";
    o << "  rpc:";
    for (const auto& e : c.rpc.endpoints) o << " " << e.name << "=" << rpc::redact_url(e.url);
    o << "\n  heads: " << (c.rpc.ws_url ? "websocket " + rpc::redact_url(*c.rpc.ws_url) : std::string("HTTP polling"))
      << ", poll " << c.rpc.settings.heads.poll_interval.count() << " ms\n";
    o << "  rpc limits: request timeout " << c.rpc.settings.http.request_timeout.count() << " ms, "
      << c.rpc.settings.retry.max_attempts << " attempts, max head lag " << c.rpc.settings.pool.max_head_lag
      << " blocks\n";
    o << "  tls: " << (c.rpc.settings.http.tls.ca_file.empty() ? std::string("system trust store")
                                                                : "CA file " + c.rpc.settings.http.tls.ca_file)
      << ", peer and host name verified\n";
    o << "  keystore: " << c.keys.keystore.value_or("(none)")
      << ", password: " << (c.keys.password_file ? "from file " + *c.keys.password_file : std::string("prompt"))
      << "\n";
    o << "  journal: " << c.journal.path << "\n";
    for (const auto& v : c.vaults) o << "  vault: " << to_checksum(v.vault) << " lens " << to_checksum(v.lens) << "\n";
    o << "  policy: " << describe_policy(c.policy) << "\n";
    o << "  planner: min_trade " << format_double(c.planner.min_trade) << ", slippage " << c.planner.max_slippage_bps
      << " bps, oracle deviation " << c.planner.max_deviation_bps << " bps, oracle max age "
      << c.planner.oracle_max_age_s << " s, deadline " << c.planner.deadline_s << " s, min keeper balance "
      << eth(c.planner.min_keeper_balance_wei) << " ETH, rate " << format_double(c.planner.rate) << "\n";
    o << "  txm: " << (c.txm.finality == txm::Finality::kFinalized ? std::string("final at the finalized block")
                                                                    : std::to_string(c.txm.confirmations) + " confirmations")
      << ", bump +" << c.txm.bump_percent << "% (min "
      << gwei(c.txm.bump_min_increment_wei) << " gwei) after " << c.txm.bump_after_blocks << " blocks, fee cap "
      << gwei(c.txm.fee_cap_wei) << " gwei, intent ttl " << c.txm.intent_ttl_s << " s, gas margin "
      << c.txm.gas_limit_margin_percent << "%\n";
    o << "  fees: " << c.fees.history_blocks << " blocks at p" << format_double(c.fees.reward_percentile) << ", tip "
      << gwei(c.fees.priority_fee_min_wei) << ".." << gwei(c.fees.priority_fee_max_wei)
      << " gwei, max fee = " << format_double(c.fees.base_fee_multiplier) << " x base + tip\n";
    o << "  submit: " << to_string(c.submit.mode) << (c.submit.allow_public_fallback ? ", public fallback ON" : "")
      << (c.submit.allow_public_mempool ? ", public mempool allowed" : "") << ", window " << c.submit.max_block_window
      << " blocks, alert after " << c.submit.max_failures_before_alert
      << " failures, relay key: " << c.submit.reputation_keystore.value_or("ephemeral") << "\n";
    for (const auto& r : c.submit.relays) {
        o << "  relay: " << r.name << " (" << to_string(r.kind) << ") " << rpc::redact_url(r.url);
        if (!r.hints.empty()) {
            o << " hints=";
            for (std::size_t i = 0; i < r.hints.size(); ++i) o << (i ? "," : "") << r.hints[i];
        }
        if (!r.builders.empty()) {
            o << " builders=";
            for (std::size_t i = 0; i < r.builders.size(); ++i) o << (i ? "," : "") << r.builders[i];
        }
        if (r.fast) o << " fast";
        o << "\n";
    }
    o << "  metrics: " << (c.metrics.enabled ? c.metrics.listen : std::string("disabled")) << "\n";
    o << "  log: " << c.log.level << (c.log.json ? " json" : "") << (c.log.file ? " file " + *c.log.file : "");
    return o.str();
}

}  // namespace keeper::config

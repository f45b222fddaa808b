#include "keeper/rpc/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace keeper::rpc {

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
}  // namespace

Expected<Url, std::string> parse_url(std::string_view url) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return Unexpected(std::string("url: missing scheme (expected http://, https://, ws:// or wss://)"));
    Url out;
    out.scheme = lower(url.substr(0, sep));
    std::uint16_t default_port = 0;
    if (out.scheme == "http" || out.scheme == "ws") {
        default_port = 80;
    } else if (out.scheme == "https" || out.scheme == "wss") {
        default_port = 443;
    } else {
        return Unexpected("url: unsupported scheme '" + out.scheme + "'");
    }
    std::string_view rest = url.substr(sep + 3);
    const auto path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    if (path_start != std::string_view::npos) {
        std::string_view target = rest.substr(path_start);
        if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
        out.target.clear();
        if (target.empty() || target.front() != '/') out.target.push_back('/');
        out.target.append(target);
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return Unexpected(std::string("url: unterminated IPv6 literal"));
        out.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Unexpected(std::string("url: junk after IPv6 literal"));
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return Unexpected(std::string("url: missing host"));
    out.port = default_port;
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
        if (ec != std::errc{} || ptr != end || value == 0 || value > 65535)
            return Unexpected(std::string("url: invalid port"));
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

std::string redact_url(std::string_view url) {
    const auto parsed = parse_url(url);
    if (!parsed) return "<invalid url>";
    // Appends, not operator+ chains: g++ 12 raises a false -Wrestrict on those.
    const bool v6 = parsed->host.find(':') != std::string::npos;
    std::string out = parsed->scheme;
    out.append("://");
    if (v6) out.push_back('[');
    out.append(parsed->host);
    if (v6) out.push_back(']');
    out.push_back(':');
    out.append(std::to_string(parsed->port));
    return out;
}

bool url_query_has(std::string_view url, std::string_view key) {
    const auto q = url.find('?');
    if (q == std::string_view::npos) return false;
    std::size_t pos = q + 1;
    while (pos <= url.size()) {
        const auto end = std::min(url.find('&', pos), url.find('#', pos));
        const std::string_view part = url.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (part.substr(0, part.find('=')) == key) return true;
        if (end == std::string_view::npos || url[end] == '#') break;
        pos = end + 1;
    }
    return false;
}

}  // namespace keeper::rpc

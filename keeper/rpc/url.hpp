// Endpoint URLs: parsing into the parts a socket needs, and redaction for logs.
// Pure: no I/O. Provider URLs often carry an API key in the path or query
// (".../v3/<key>", "?apikey=<key>") or credentials ("user:pass@"), so a URL is never logged as
// is: logs, metrics and error messages use redact_url() or the endpoint's configured name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keeper/core/expected.hpp"

namespace keeper::rpc {

struct Url {
    std::string scheme;  // "http", "https", "ws" or "wss" (lower case)
    std::string host;    // without brackets for IPv6 literals
    std::uint16_t port{0};
    std::string target{"/"};  // path and query, at least "/"

    [[nodiscard]] bool tls() const noexcept { return scheme == "https" || scheme == "wss"; }
};

/// Parses "scheme://[userinfo@]host[:port][/path][?query]". The default port follows the
/// scheme. Errors name what is wrong, never echo the URL (it may hold a key).
[[nodiscard]] Expected<Url, std::string> parse_url(std::string_view url);

/// "scheme://host:port" with userinfo, path and query removed, or "<invalid url>". Safe to log.
[[nodiscard]] std::string redact_url(std::string_view url);

/// True when the query string of `url` sets `key` ("...?key=v&...", up to any '#'); values are
/// not looked at.
[[nodiscard]] bool url_query_has(std::string_view url, std::string_view key);

}  // namespace keeper::rpc

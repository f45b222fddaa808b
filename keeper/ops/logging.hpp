// Structured logs on spdlog: one line per event, human text or one JSON object per line.
//
//   human: 2026-11-21T14:05:00.123Z info  hedge planned vault=0x95... trade=-1.25 reason="outside band"
//   json:  {"ts":"2026-11-21T14:05:00.123Z","level":"info","msg":"hedge planned","vault":"0x95...","trade":-1.25,...}
//
// init_logging() installs the process-wide default logger (spdlog::default_logger), so every
// layer's spdlog::info(...) goes through the same sinks and the same formatter. That formatter
// redacts every message and every string field before it is written (redact(): URLs lose their
// credentials, path and query, "apikey=..."-style parameters lose their value): a provider URL
// with an API key in an error text never reaches a log line, whoever logged it.
//
// Structured fields: log_event(level, "msg", {{"vault", v}, {"trade", -1.25}}) attaches typed
// key/value fields to one line (JSON members, or key=value in text). Fields travel to the
// formatter through a thread-local slot, so they work from any thread with the synchronous
// sinks used here.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include "keeper/core/expected.hpp"

namespace keeper::ops {

struct LogSettings {
    std::string level{"info"};        // trace, debug, info, warn, error, critical, off
    bool json{false};                 // one JSON object per line
    std::optional<std::string> file;  // also append to this file (created if missing)
    bool console{true};               // write to stderr (off: the file only; an embedding's choice)
};

/// Replaces spdlog's default logger: stderr (unless !console) and the file, the chosen format, the level, flush on
/// every line of level info and above. Errors: an unknown level, a file that cannot be opened.
[[nodiscard]] Expected<void, std::string> init_logging(const LogSettings& settings);

/// spdlog's level for a name; nullopt for an unknown name (spdlog's own from_str maps those to off).
[[nodiscard]] std::optional<spdlog::level::level_enum> parse_level(std::string_view name) noexcept;

using FieldValue = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;

/// One key/value of a structured line. Strings are redacted when written.
struct Field {
    std::string key;
    FieldValue value;

    Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
    Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    Field(std::string_view k, bool v) : key(k), value(v) {}
    template <std::floating_point T>
    Field(std::string_view k, T v) : key(k), value(static_cast<double>(v)) {}
    template <std::integral T>
    requires(!std::same_as<T, bool>) Field(std::string_view k, T v) : key(k) {
        if constexpr (std::is_signed_v<T>) {
            value = static_cast<std::int64_t>(v);
        } else {
            value = static_cast<std::uint64_t>(v);
        }
    }
};

/// Logs `msg` with structured fields through the default logger.
void log_event(spdlog::level::level_enum level, std::string_view msg, std::initializer_list<Field> fields);

/// The formatter init_logging() installs, exposed for tests and for extra sinks.
class LineFormatter final : public spdlog::formatter {
public:
    explicit LineFormatter(bool json) : json_(json) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;

private:
    bool json_;
};

/// Removes secrets from free text: every scheme://... URL becomes rpc::redact_url() of it
/// ("https://host:443"), and the value of key=value pairs whose key names a secret (apikey,
/// api_key, api-key, key, token, access_token, secret, password, passwd, auth, private_key;
/// any case) becomes "<redacted>".
[[nodiscard]] std::string redact(std::string_view text);

/// Replaces the std::terminate handler: libstdc++'s default prints an uncaught exception's
/// what() as is (which could hold a provider URL with its key). This one writes
/// "keeper: fatal: <redacted what()>" to stderr, flushes the default logger, and aborts.
void install_terminate_handler();

}  // namespace keeper::ops

#include "keeper/ops/logging.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "keeper/rpc/url.hpp"

namespace keeper::ops {

namespace {

// Fields of the line being logged on this thread (set by log_event for the duration of the
// synchronous log call; every sink's formatter runs inside it).
thread_local const std::initializer_list<Field>* t_fields = nullptr;

bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
}

// Characters that end a URL embedded in text.
bool ends_url(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<' || c == '>' ||
           c == '`' || c == ')' || c == ']' || c == '}' || c == ',' || c == ';';
}

bool secret_key_name(std::string_view k) {
    std::string lower(k);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    static constexpr std::array<std::string_view, 11> kNames{"apikey", "api_key",      "api-key",    "key",
                                                             "token",  "access_token", "secret",     "password",
                                                             "passwd", "auth",         "private_key"};
    return std::find(kNames.begin(), kNames.end(), lower) != kNames.end();
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// "apikey=abc" -> "apikey=<redacted>" for secret-looking keys (outside URLs, which are
// redacted whole).
std::string redact_pairs(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto eq = text.find('=', i);
        if (eq == std::string_view::npos) break;
        std::size_t k = eq;
        while (k > i && is_key_char(text[k - 1])) --k;
        const std::string_view key = text.substr(k, eq - k);
        const std::size_t v = eq + 1;
        if (!key.empty() && secret_key_name(key) && v < text.size() && !ends_url(text[v])) {
            std::size_t e = v;
            while (e < text.size() && !ends_url(text[e]) && text[e] != '&') ++e;
            out.append(text.substr(i, v - i));
            out += "<redacted>";
            i = e;
        } else {
            out.append(text.substr(i, eq + 1 - i));
            i = eq + 1;
        }
    }
    out.append(text.substr(std::min(i, text.size())));
    return out;
}

std::string iso_timestamp(spdlog::log_clock::time_point tp) {
    const auto since = tp.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
    const std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 40> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    std::array<char, 8> msbuf{};
    std::snprintf(msbuf.data(), msbuf.size(), ".%03dZ", static_cast<int>(ms));
    return std::string(buf.data(), n) + msbuf.data();
}

std::string_view level_name(spdlog::level::level_enum l) {
    switch (l) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        case spdlog::level::off:
            return "off";
        case spdlog::level::n_levels:
            break;
    }
    return "unknown";
}

std::string number_text(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

nlohmann::json json_value(const FieldValue& v) {
    return std::visit(
        [](const auto& x) -> nlohmann::json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return redact(x);
            } else if constexpr (std::is_same_v<T, double>) {
                // JSON has no NaN/Inf: write them as strings.
                if (!std::isfinite(x)) return number_text(x);
                return x;
            } else {
                return x;
            }
        },
        v);
}

// key=value for the text format; strings with spaces, quotes or '=' are quoted (JSON escaping).
std::string text_value(const FieldValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                std::string s = redact(x);
                const bool plain = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
                    return c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t' || c == '\\';
                });
                return plain ? s : nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                return number_text(x);
            } else {
                return std::to_string(x);
            }
        },
        v);
}

}  // namespace

std::string redact(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto sep = text.find("://", i);
        if (sep == std::string_view::npos) break;
        std::size_t start = sep;
        while (start > i && is_scheme_char(text[start - 1])) --start;
        if (start == sep) {  // "://" without a scheme: not a URL
            out.append(text.substr(i, sep + 3 - i));
            i = sep + 3;
            continue;
        }
        std::size_t end = sep + 3;
        while (end < text.size() && !ends_url(text[end])) ++end;
        // Sentence punctuation after a URL is not part of it ("failed: https://h/x: refused").
        while (end > sep + 3 &&
               (text[end - 1] == ':' || text[end - 1] == '.' || text[end - 1] == '!' || text[end - 1] == '?'))
            --end;
        out.append(text.substr(i, start - i));
        out += rpc::redact_url(text.substr(start, end - start));
        i = end;
    }
    out.append(text.substr(std::min(i, text.size())));
    return redact_pairs(out);
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) noexcept {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn" || name == "warning") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    if (name == "critical") return spdlog::level::critical;
    if (name == "off") return spdlog::level::off;
    return std::nullopt;
}

void LineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const std::string text = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    const std::string ts = iso_timestamp(msg.time);
    const std::string_view level = level_name(msg.level);
    std::string line;
    if (json_) {
        nlohmann::ordered_json j;
        j["ts"] = ts;
        j["level"] = level;
        j["msg"] = text;
        if (t_fields != nullptr) {
            for (const Field& f : *t_fields) {
                // A field never overwrites ts/level/msg or an earlier field.
                std::string key = f.key;
                while (j.contains(key)) key += "_";
                j[key] = json_value(f.value);
            }
        }
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        line = ts;
        line += ' ';
        line += level;
        line.append(level.size() < 8 ? 8 - level.size() : 1, ' ');
        line += text;
        if (t_fields != nullptr) {
            for (const Field& f : *t_fields) {
                line += ' ';
                line += f.key;
                line += '=';
                line += text_value(f.value);
            }
        }
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> LineFormatter::clone() const {
    return std::make_unique<LineFormatter>(json_);
}

void log_event(spdlog::level::level_enum level, std::string_view msg, std::initializer_list<Field> fields) {
    auto logger = spdlog::default_logger_raw();
    if (logger == nullptr || !logger->should_log(level)) return;
    struct Slot {
        const std::initializer_list<Field>* saved;
        explicit Slot(const std::initializer_list<Field>* f) : saved(t_fields) { t_fields = f; }
        ~Slot() { t_fields = saved; }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
    } const slot(&fields);
    logger->log(level, spdlog::string_view_t(msg.data(), msg.size()));
}

void install_terminate_handler() {
    std::set_terminate([] {
        std::string what = "terminate called without an active exception";
        if (const std::exception_ptr e = std::current_exception()) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                what = redact(ex.what());
            } catch (...) {
                what = "unknown exception";
            }
        }
        std::fprintf(stderr, "keeper: fatal: %s\n", what.c_str());  // NOLINT(cppcoreguidelines-pro-type-vararg)
        if (auto* logger = spdlog::default_logger_raw()) logger->flush();
        std::abort();
    });
}

Expected<void, std::string> init_logging(const LogSettings& settings) {
    const auto level = parse_level(settings.level);
    if (!level)
        return Unexpected("log level '" + settings.level +
                          "': expected trace, debug, info, warn, error, critical or off");
    std::vector<spdlog::sink_ptr> sinks;
    if (settings.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    if (settings.file) {
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(*settings.file, /*truncate=*/false));
        } catch (const spdlog::spdlog_ex& e) {
            return Unexpected("log file '" + *settings.file + "': " + e.what());
        }
    }
    auto logger = std::make_shared<spdlog::logger>("keeper", sinks.begin(), sinks.end());
    logger->set_formatter(std::make_unique<LineFormatter>(settings.json));
    logger->set_level(*level);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
    return {};
}

}  // namespace keeper::ops

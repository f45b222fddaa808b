#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "keeper/ops/logging.hpp"
#include "support/temp_dir.hpp"

using namespace keeper::ops;

namespace {

// Routes the default logger to a string for the duration of a test.
class Capture {
public:
    explicit Capture(bool json) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_formatter(std::make_unique<LineFormatter>(json));
        logger->set_level(spdlog::level::trace);
        previous_ = spdlog::default_logger();
        spdlog::set_default_logger(logger);
    }
    ~Capture() { spdlog::set_default_logger(previous_); }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    [[nodiscard]] std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("logging: redact() removes URL credentials, paths, queries and secret parameters") {
    CHECK(redact("GET https://mainnet.infura.io/v3/0123456789abcdef failed") ==
          "GET https://mainnet.infura.io:443 failed");
    CHECK(redact("ws 'wss://user:pass@eth.example.com:8546/ws?apikey=XYZ' down") ==
          "ws 'wss://eth.example.com:8546' down");
    CHECK(redact("endpoints: http://127.0.0.1:8545, https://rpc.example/key123") ==
          "endpoints: http://127.0.0.1:8545, https://rpc.example:443");
    CHECK(redact("relay refused: apikey=SECRET123&x=1 token=abc Password=hunter2") ==
          "relay refused: apikey=<redacted>&x=1 token=<redacted> Password=<redacted>");
    CHECK(redact("no secrets here: nonce=5 gas=21000") == "no secrets here: nonce=5 gas=21000");
    // Anything URL-shaped that does not parse is dropped whole rather than guessed at.
    CHECK(redact("see foo://user:pw@x/KEY.") == "see <invalid url>.");
    CHECK(redact("tx 0xabc mined in block 12") == "tx 0xabc mined in block 12");
    CHECK(redact("") == "");
}

TEST_CASE("logging: a JSON line is one object with ts, level, msg and typed fields") {
    Capture cap(/*json=*/true);
    log_event(spdlog::level::warn, "endpoint https://eth.example/v3/APIKEY123 failed",
              {{"endpoint", "primary"},
               {"url", std::string("https://eth.example/v3/APIKEY123")},
               {"attempt", 3},
               {"block", std::uint64_t{19'000'000}},
               {"lag_s", 1.25},
               {"halted", false},
               {"msg", "a field named msg does not overwrite the message"}});
    const std::string line = cap.text();
    INFO(line);
    REQUIRE(!line.empty());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // exactly one line
    CHECK(line.find("APIKEY123") == std::string::npos);
    const auto j = nlohmann::json::parse(line);
    REQUIRE(j.is_object());
    CHECK(line.rfind("{\"ts\":\"", 0) == 0);
    CHECK(j.at("ts").get<std::string>().size() == std::string("2026-11-21T14:05:00.123Z").size());
    CHECK(j.at("ts").get<std::string>().back() == 'Z');
    CHECK(j.at("level") == "warn");
    CHECK(j.at("msg") == "endpoint https://eth.example:443 failed");
    CHECK(j.at("endpoint") == "primary");
    CHECK(j.at("url") == "https://eth.example:443");
    CHECK(j.at("attempt") == 3);
    CHECK(j.at("block") == 19'000'000);
    CHECK(j.at("lag_s") == 1.25);
    CHECK(j.at("halted") == false);
    CHECK(j.at("msg_") == "a field named msg does not overwrite the message");
}

TEST_CASE("logging: plain spdlog calls from other layers are formatted and redacted too") {
    Capture cap(/*json=*/true);
    spdlog::error("websocket '{}' down: {}", "main", "connect wss://node.example/ws/KEY987: refused");
    const auto j = nlohmann::json::parse(cap.text());
    CHECK(j.at("level") == "error");
    CHECK(j.at("msg") == "websocket 'main' down: connect wss://node.example:443: refused");
    CHECK(j.size() == 3);
}

TEST_CASE("logging: the text format") {
    Capture cap(/*json=*/false);
    log_event(spdlog::level::info, "hedge planned", {{"vault", "0xAb"}, {"trade", -1.5}, {"reason", "outside band"}});
    const std::string line = cap.text();
    INFO(line);
    // "2026-11-21T14:05:00.123Z info    hedge planned vault=0xAb trade=-1.5 reason=\"outside band\"\n"
    REQUIRE(line.size() > 25);
    CHECK(line[4] == '-');
    CHECK(line[10] == 'T');
    CHECK(line[23] == 'Z');
    CHECK(line.substr(24) == " info    hedge planned vault=0xAb trade=-1.5 reason=\"outside band\"\n");
}

TEST_CASE("logging: init_logging writes JSON lines to a file at the chosen level") {
    keeper::test::TempDir dir;
    const std::string path = dir.file("keeper.log");
    const auto previous = spdlog::default_logger();
    REQUIRE(init_logging(LogSettings{"info", true, path}).has_value());
    log_event(spdlog::level::debug, "not written", {});
    log_event(spdlog::level::info, "started", {{"chain_id", 31337}});
    spdlog::default_logger()->flush();
    spdlog::set_default_logger(previous);
    const std::string text = keeper::test::TempDir::read(path);
    INFO(text);
    CHECK(text.find("not written") == std::string::npos);
    const auto j = nlohmann::json::parse(text);
    CHECK(j.at("msg") == "started");
    CHECK(j.at("chain_id") == 31337);

    const auto bad_level = init_logging(LogSettings{"loud", false, std::nullopt});
    REQUIRE_FALSE(bad_level.has_value());
    CHECK(bad_level.error() == "log level 'loud': expected trace, debug, info, warn, error, critical or off");
    // A path through a regular file cannot be created (spdlog creates missing directories).
    const std::string blocked = dir.write("plain-file", "x") + "/keeper.log";
    const auto bad_file = init_logging(LogSettings{"info", false, blocked});
    REQUIRE_FALSE(bad_file.has_value());
    CHECK(bad_file.error().rfind("log file '" + blocked + "': ", 0) == 0);
    spdlog::set_default_logger(previous);
}

TEST_CASE("logging: with console off the log goes to the file alone") {
    keeper::test::TempDir dir;
    const std::string path = dir.file("embedded.log");
    const auto previous = spdlog::default_logger();
    REQUIRE(init_logging(LogSettings{"info", false, path, /*console=*/false}).has_value());
    const auto sinks = spdlog::default_logger()->sinks();
    log_event(spdlog::level::info, "file only", {});
    spdlog::default_logger()->flush();
    spdlog::set_default_logger(previous);
    REQUIRE(sinks.size() == 1);
    CHECK(std::dynamic_pointer_cast<spdlog::sinks::basic_file_sink_mt>(sinks[0]) != nullptr);
    CHECK(keeper::test::TempDir::read(path).find("file only") != std::string::npos);
    // The default keeps stderr as well.
    REQUIRE(init_logging(LogSettings{"info", false, path}).has_value());
    CHECK(spdlog::default_logger()->sinks().size() == 2);
    spdlog::set_default_logger(previous);
}

// The live demo, end to end: a local anvil chain, the project's forge deploy script, a vault
// seeded with written options, the keeper daemon as a child process (`keeper run` on a config
// generated for this chain), a market driven along a seeded price path, and at the end a
// summary and a self-contained HTML report. Everything it starts is stopped when it returns,
// throws, or is interrupted (SIGINT/SIGTERM, see process.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "keeper/demo/market.hpp"
#include "keeper/demo/report.hpp"

namespace keeper::demo {

struct DemoOptions {
    std::string source_dir;     // the repository: contracts/script/Deploy.s.sol, node_modules/
    std::string anvil;          // anvil binary; empty: node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
    std::string forge;          // forge binary; empty: node_modules/.bin/forge
    std::string out_dir;        // report, generated config, keystore, logs, journal
    std::string keeper_binary;  // the binary whose `run` subcommand is the daemon; empty: no keeper
    MarketSpec market;
    std::chrono::milliseconds keeper_wait{2000};
    bool keep_chain{false};     // leave anvil running after the run until a stop request
    std::ostream* progress{nullptr};  // step lines (stderr in the CLI); null: quiet
};

struct DemoResult {
    Summary summary;
    RunInfo info;
    std::string report_path;    // <out>/live.html
    std::string csv_path;       // <out>/live.csv: one row per sampled block
};

/// The source tree this binary was built from (where the forge script and node_modules are).
[[nodiscard]] std::string default_source_dir();

/// Runs the demo. Throws DemoError (one line naming what failed) after stopping what it
/// started.
DemoResult run_demo(const DemoOptions& options);

/// The keeper's TOML configuration for the demo chain (validated by the caller with
/// keeper::config before the daemon starts). Paths are written as given.
struct KeeperConfigInputs {
    std::uint16_t rpc_port{0};
    std::uint64_t chain_id{31337};
    Address vault;
    Address lens;
    std::string keystore_path;
    std::string password_path;
    std::string journal_path;
    std::uint16_t metrics_port{0};
    std::uint64_t step_seconds{900};
};
[[nodiscard]] std::string keeper_config_toml(const KeeperConfigInputs& in);

/// One CSV row per sample (block, time, prices, delta, band, budget).
[[nodiscard]] std::string format_samples_csv(const MarketRecord& record);

/// The vault book written before the market starts (four series around the start price).
[[nodiscard]] std::vector<SeriesSpec> initial_book(double spot);

}  // namespace keeper::demo

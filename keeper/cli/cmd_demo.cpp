// keeper demo: the live demo on a local chain (see keeper/demo/demo.hpp).
//
//   keeper demo [--blocks N] [--seed S] [--out build/demo] [--keep-chain] [--no-keeper]
//
// Starts anvil, deploys the stack with the project's forge script, seeds the vault, starts
// this same binary's `keeper run` on a generated config, drives a seeded market while the
// keeper hedges, then prints a summary and writes <out>/live.html and <out>/live.csv.
// Progress goes to stderr, the summary to stdout. Ctrl-C stops the market early; the report
// of what ran is still written and everything the demo started is stopped.
#include <unistd.h>

#include <climits>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "keeper/cli/command.hpp"
#include "keeper/demo/demo.hpp"
#include "keeper/demo/process.hpp"

namespace keeper::cli {

namespace {

std::string self_executable() {
    char buf[PATH_MAX];
    const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw UsageError("demo", "cannot find this executable (/proc/self/exe)");
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

void register_demo_commands(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "demo", "Live demo: anvil + the forge-deployed vault stack + a simulated market, hedged by `keeper run`; "
                "writes an HTML report");
    struct Args {
        std::uint32_t blocks{240};
        std::uint64_t seed{7};
        std::uint64_t step_seconds{900};
        std::uint32_t write_every{20};
        std::uint32_t keeper_wait_ms{2000};
        std::string out;
        std::string source_dir{demo::default_source_dir()};
        std::string anvil;
        std::string forge;
        bool keep_chain{false};
        bool no_keeper{false};
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--blocks", a->blocks, "Blocks to mine, two per market step (the move, then the keeper's)")
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Seed of the price path")->capture_default_str();
    cmd->add_option("--step-seconds", a->step_seconds, "Chain time per market step")->capture_default_str();
    cmd->add_option("--write-every", a->write_every, "Market steps between option writes (0: none)")
        ->capture_default_str();
    cmd->add_option("--keeper-wait-ms", a->keeper_wait_ms,
                    "Longest wait for the keeper's hedge after a market block")
        ->capture_default_str();
    cmd->add_option("--out", a->out, "Output directory (default: <source-dir>/build/demo)");
    cmd->add_option("--source-dir", a->source_dir, "The repository (forge script, node_modules)")->capture_default_str();
    cmd->add_option("--anvil", a->anvil, "anvil binary (default: from node_modules)");
    cmd->add_option("--forge", a->forge, "forge binary (default: node_modules/.bin/forge)");
    cmd->add_flag("--keep-chain", a->keep_chain, "Leave anvil running after the run, until Ctrl-C");
    cmd->add_flag("--no-keeper", a->no_keeper, "Drive the market without starting the keeper");
    cmd->callback([a, &app] {
        if (a->blocks < 2 || a->blocks % 2 != 0) throw UsageError("--blocks", "must be an even number >= 2");
        if (a->blocks > 20000) throw UsageError("--blocks", "at most 20000");
        if (a->step_seconds < 60 || a->step_seconds > 86400)
            throw UsageError("--step-seconds", "must be within 60 .. 86400");
        if (a->source_dir.empty()) throw UsageError("--source-dir", "required (this build does not know its source)");

        demo::DemoOptions o;
        o.source_dir = a->source_dir;
        o.anvil = a->anvil;
        o.forge = a->forge;
        o.out_dir = a->out.empty() ? a->source_dir + "/build/demo" : a->out;
        o.market.steps = a->blocks / 2;
        o.market.seed = a->seed;
        o.market.step_seconds = a->step_seconds;
        o.market.write_every = a->write_every;
        o.keeper_wait = std::chrono::milliseconds(a->keeper_wait_ms);
        o.keep_chain = a->keep_chain;
        o.progress = &std::cerr;
        if (!a->no_keeper) {
            try {
                (void)app.get_subcommand("run");
            } catch (const CLI::OptionNotFound&) {
                throw UsageError("demo", "this build has no `keeper run` daemon; use --no-keeper");
            }
            o.keeper_binary = self_executable();
        }
        // The demo prints its own progress; the RPC layer's informational lines would only
        // interleave with it (warnings and errors still show).
        spdlog::set_level(spdlog::level::warn);
        demo::install_stop_signals();
        const auto result = demo::run_demo(o);
        std::cout << demo::format_summary(result.summary, result.info) << "  report                       "
                  << result.report_path << "\n  samples                      " << result.csv_path << '\n';
        if (demo::stop_requested()) throw UsageError("demo", "interrupted; the report covers the steps that ran");
    });
}

}  // namespace keeper::cli

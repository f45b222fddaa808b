// The `keeper` binary: utility subcommands over the pure layers (and, later, the daemon).
#include <cstdio>
#include <iostream>

#include "keeper/cli/command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"keeper: on-chain delta-hedging keeper for options vaults"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "keeper 0.1.0");
    keeper::cli::register_util_commands(app);
    keeper::cli::register_abi_commands(app);
    keeper::cli::register_tx_commands(app);
    keeper::cli::register_wallet_commands(app);
    keeper::cli::register_backtest_commands(app);
    keeper::cli::register_run_commands(app);
    keeper::cli::register_demo_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const keeper::cli::UsageError& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

// Shared conventions for the `keeper` subcommands.
//
// Every subcommand group lives in its own cmd_<group>.cpp and exposes one register function,
// called from main.cpp. Conventions (cast's, where cast has the same command):
//  - results go to stdout, one per line, hex with 0x prefix;
//  - bad input raises UsageError naming the argument ("<arg>: <what is wrong>"); main prints
//    "error: <message>" on one line to stderr and exits 1;
//  - secrets never come from argv or the environment by default, and never appear in output.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace keeper::cli {

/// A user error: printed as one line, exit code 1.
class UsageError : public std::runtime_error {
public:
    UsageError(std::string_view what_arg, std::string_view message)
        : std::runtime_error(std::string(what_arg) + ": " + std::string(message)) {}
};

/// Reads all of a file (or standard input for "-"); UsageError naming `what` on failure.
[[nodiscard]] std::string read_input_file(const std::string& path, std::string_view what);

void register_util_commands(CLI::App& app);    // keccak, sig, to-rlp/from-rlp ...
void register_abi_commands(CLI::App& app);     // abi-encode, calldata, abi-decode, decode-error, decode-event
void register_tx_commands(CLI::App& app);      // mktx, decode-tx
void register_wallet_commands(CLI::App& app);  // wallet address/sign/verify/new
void register_backtest_commands(CLI::App& app);  // backtest
void register_run_commands(CLI::App& app);       // run (the daemon)
void register_demo_commands(CLI::App& app);      // demo (the live demo on anvil)

}  // namespace keeper::cli

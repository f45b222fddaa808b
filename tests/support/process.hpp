// Test support: run a reference tool (cast, anvil, forge) and capture what it prints.
#pragma once

#include <string>
#include <vector>

namespace keeper::test {

struct ProcessResult {
    int exit_code{-1};
    std::string out;  // stdout
    std::string err;  // stderr
};

/// Runs argv[0] (a path, or a name looked up in PATH) with the given arguments and optional
/// standard input, waits, and returns its exit code and output. Never goes through a shell.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data = {});

/// Runs the cast binary found at configure time (KEEPER_CAST) and returns stdout with the
/// trailing newline removed; a non-zero exit fails the current Catch2 test with cast's stderr.
std::string cast(const std::vector<std::string>& args, const std::string& stdin_data = {});

/// Runs cast once per argument list, `parallel` processes at a time (each call is a process
/// start and the machine's cores are shared); results come back in input order.
std::vector<ProcessResult> cast_all(const std::vector<std::vector<std::string>>& calls, unsigned parallel = 3);

/// `s` without trailing newlines (what a tool printed, as one value).
std::string trimmed(std::string s);

}  // namespace keeper::test

// Child processes of the demo (anvil, forge, the keeper daemon) and the stop request.
//
// Every child runs in its own process group, so a Ctrl-C at the terminal reaches only the
// demo, which then stops its children in order (the keeper first, with SIGTERM so it can
// finish cleanly, then the node). Each child also gets a parent-death signal, so a demo that
// is killed outright (SIGKILL, a crash) still leaves nothing running. No shell is involved:
// arguments go to execve as they are, and no secret is ever passed in argv or the environment.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "keeper/core/expected.hpp"

namespace keeper::demo {

/// SIGINT and SIGTERM set a flag instead of killing the demo; the driver polls it between
/// steps and unwinds, stopping what it started. Idempotent.
void install_stop_signals();
/// Whether SIGINT or SIGTERM arrived (or request_stop() was called).
[[nodiscard]] bool stop_requested() noexcept;
void request_stop() noexcept;

struct SpawnOptions {
    std::vector<std::string> argv;         // argv[0] is a path (no PATH lookup)
    std::vector<std::string> extra_env;    // "NAME=value", added to the demo's environment
    std::string cwd;                       // empty: the demo's working directory
    std::string log_path;                  // stdout and stderr appended here; empty: /dev/null
    int death_signal{SIGTERM};             // sent to the child if the demo dies first
};

/// A running child. Move-only; the destructor stops it (stop() with a short grace period).
class Child {
public:
    [[nodiscard]] static Expected<Child, std::string> spawn(const SpawnOptions& options);

    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// The exit status if the child has ended (reaped on the way), nullopt while it runs.
    /// A signal death is reported as 128 + signal, as shells do.
    [[nodiscard]] std::optional<int> poll();
    /// SIGTERM, then up to `grace` for it to exit, then SIGKILL. Returns the exit status.
    int stop(std::chrono::milliseconds grace);

private:
    Child(pid_t pid, std::string name) : pid_(pid), name_(std::move(name)) {}
    pid_t pid_{-1};
    std::optional<int> status_;
    std::string name_;
};

struct RunOutput {
    int exit_code{-1};
    std::string output;  // stdout and stderr interleaved
};

/// Runs a command to completion and captures what it prints. Fails when it cannot start, runs
/// past `timeout`, or a stop is requested (the child is then killed).
[[nodiscard]] Expected<RunOutput, std::string> run_captured(const SpawnOptions& options,
                                                            std::chrono::milliseconds timeout);

}  // namespace keeper::demo

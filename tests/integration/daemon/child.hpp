// Test support for the daemon suites: `keeper run` as a child process whose stdout and stderr
// go to one log file, so a test can wait for a line, signal the child (SIGTERM for a graceful
// stop, SIGKILL for a crash) and read everything it printed afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace keeper::test {

class ChildProcess {
public:
    /// Starts `argv` with the current environment plus `env`; output appended to `log_path`.
    ChildProcess(std::vector<std::string> argv, const std::map<std::string, std::string>& env, std::string log_path);
    ~ChildProcess();  // SIGKILL and reap if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    void signal(int sig) const;
    /// Waits for the exit; the exit code, or 128 + signal; nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds limit);
    /// Whether the child has exited (reaped) already.
    [[nodiscard]] bool exited();
    /// Polls the log until it contains `needle` (true) or the child exits or time runs out.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds limit);
    [[nodiscard]] std::string log() const;

private:
    pid_t pid_{-1};
    std::optional<int> status_;
    std::string log_path_;
};

}  // namespace keeper::test

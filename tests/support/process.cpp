#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <thread>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace keeper::test {

namespace {
struct Pipe {
    int fd[2]{-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    }
    ~Pipe() {
        for (const int f : fd)
            if (f >= 0) ::close(f);
    }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
};
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data) {
    ::signal(SIGPIPE, SIG_IGN);
    Pipe in;
    Pipe out;
    Pipe err;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);

    ProcessResult result;
    std::size_t written = 0;
    if (stdin_data.empty()) in.close_end(1);
    std::array<pollfd, 3> fds{};
    std::array<char, 65536> buf{};
    while (true) {
        nfds_t n = 0;
        if (out.fd[0] >= 0) fds[n++] = {out.fd[0], POLLIN, 0};
        if (err.fd[0] >= 0) fds[n++] = {err.fd[0], POLLIN, 0};
        if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
        if (n == 0) break;
        if (::poll(fds.data(), n, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == in.fd[1]) {
                const auto w = ::write(in.fd[1], stdin_data.data() + written, stdin_data.size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if (w < 0 || written == stdin_data.size()) in.close_end(1);
                continue;
            }
            const auto r = ::read(fds[i].fd, buf.data(), buf.size());
            if (r <= 0) {
                (fds[i].fd == out.fd[0] ? out : err).close_end(0);
                continue;
            }
            (fds[i].fd == out.fd[0] ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(r));
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string cast(const std::vector<std::string>& args, const std::string& stdin_data) {
    std::vector<std::string> argv{KEEPER_CAST};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_process(argv, stdin_data);
    if (r.exit_code != 0) {
        std::string cmd = "cast";
        for (const auto& a : args) cmd += " " + a;
        FAIL(cmd << " exited " << r.exit_code << ": " << r.err);
    }
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
    return r.out;
}

std::vector<ProcessResult> cast_all(const std::vector<std::vector<std::string>>& calls, unsigned parallel) {
    std::vector<ProcessResult> results(calls.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < calls.size(); i = next++) {
            std::vector<std::string> argv{KEEPER_CAST};
            argv.insert(argv.end(), calls[i].begin(), calls[i].end());
            results[i] = run_process(argv);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < parallel; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    return results;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace keeper::test

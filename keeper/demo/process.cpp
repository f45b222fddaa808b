#include "keeper/demo/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace keeper::demo {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is set from a signal handler");

extern "C" void on_stop_signal(int /*signo*/) { g_stop.store(true); }

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string basename_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Forks and execs. `out_fd` (or /dev/null when < 0) becomes stdout and stderr of the child.
// Everything the child needs is prepared before fork: between fork and exec only
// async-signal-safe calls are made (the demo has libcurl worker threads).
Expected<pid_t, std::string> fork_exec(const SpawnOptions& o, int out_fd) {
    if (o.argv.empty()) return Unexpected(std::string("empty command"));
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    for (const auto& add : o.extra_env) {
        const auto name = add.substr(0, add.find('=') + 1);
        std::erase_if(env_strings, [&](const std::string& s) { return s.starts_with(name); });
        env_strings.push_back(add);
    }
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<std::string> args = o.argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* cwd = o.cwd.empty() ? nullptr : o.cwd.c_str();
    const int death_signal = o.death_signal;
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) return Unexpected("cannot start " + basename_of(o.argv[0]) + ": fork: " + std::strerror(errno));
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, death_signal);
        if (::getppid() != parent) ::_exit(127);
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = out_fd >= 0 ? out_fd : ::open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0) ::_exit(127);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also in the parent: no window where a signal to the group misses it
    return pid;
}

// Signals the child's whole process group (forge runs solc, anvil may fork), or the child
// alone when the group is already gone.
void signal_group(pid_t pid, int sig) {
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
}

}  // namespace

void install_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() noexcept { return g_stop.load(); }
void request_stop() noexcept { g_stop.store(true); }

Expected<Child, std::string> Child::spawn(const SpawnOptions& options) {
    int fd = -1;
    if (!options.log_path.empty()) {
        fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return Unexpected("cannot open log file '" + options.log_path + "': " + std::strerror(errno));
    }
    auto pid = fork_exec(options, fd);
    if (fd >= 0) ::close(fd);
    if (!pid) return Unexpected(std::move(pid).error());
    return Child(*pid, basename_of(options.argv[0]));
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_), name_(std::move(other.name_)) {}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(2000));
        pid_ = std::exchange(other.pid_, -1);
        status_ = other.status_;
        name_ = std::move(other.name_);
    }
    return *this;
}

Child::~Child() {
    if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(2000));
}

std::optional<int> Child::poll() {
    if (status_ || pid_ <= 0) return status_;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) status_ = decode_status(status);
    return status_;
}

int Child::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (auto s = poll()) return *s;
    signal_group(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto s = poll()) return *s;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    signal_group(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = decode_status(status);
    return *status_;
}

Expected<RunOutput, std::string> run_captured(const SpawnOptions& options, std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Unexpected(std::string("pipe2: ") + std::strerror(errno));
    // The write end must survive exec in the child: dup2 onto 1 and 2 clears O_CLOEXEC there.
    auto pid = fork_exec(options, fds[1]);
    ::close(fds[1]);
    if (!pid) {
        ::close(fds[0]);
        return Unexpected(std::move(pid).error());
    }
    const std::string name = basename_of(options.argv[0]);
    RunOutput result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string failure;
    char buf[8192];
    while (true) {
        if (stop_requested()) {
            failure = name + " interrupted by a stop request";
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            failure = name + " did not finish within " + std::to_string(timeout.count() / 1000) + " s";
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int n = ::poll(&p, 1, 100);
        if (n < 0 && errno != EINTR) {
            failure = std::string("poll: ") + std::strerror(errno);
            break;
        }
        if (n <= 0) continue;
        const auto r = ::read(fds[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;  // EOF: the child closed its output (it is exiting)
        result.output.append(buf, static_cast<std::size_t>(r));
    }
    ::close(fds[0]);
    int status = 0;
    if (!failure.empty()) {
        signal_group(*pid, SIGKILL);
        while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
        }
        return Unexpected(std::move(failure));
    }
    while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = decode_status(status);
    return result;
}

}  // namespace keeper::demo

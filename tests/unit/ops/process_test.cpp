// Process-level behaviour: signals and the terminate handler (each in a forked child where the
// process itself is what is under test).
#include <utility>  // before Asio (Boost 1.74)

#include <csignal>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "keeper/ops/hardening.hpp"
#include "keeper/ops/logging.hpp"
#include "keeper/ops/signals.hpp"

using namespace keeper::ops;

namespace {

struct ChildResult {
    int status{0};
    std::string err;  // what the child wrote to stderr
};

// Runs `body` in a child process with stderr captured.
template <class F>
ChildResult run_child(F body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::dup2(fds[1], STDERR_FILENO);
        // The child is not a test runner: no Catch report on its stdout, default signal actions.
        const int devnull = ::open("/dev/null", O_WRONLY);
        if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
        std::signal(SIGABRT, SIG_DFL);
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        body();
        std::_Exit(0);
    }
    ::close(fds[1]);
    ChildResult r;
    char buf[512];
    for (;;) {
        const auto n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        r.err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    REQUIRE(::waitpid(pid, &r.status, 0) == pid);
    return r;
}

}  // namespace

TEST_CASE("signals: SIGTERM calls on_stop once on the loop, a second signal exits at once") {
    {
        // Scoped: Asio's signal bookkeeping is process-wide; nothing of it may be live at the fork below.
        boost::asio::io_context ioc;
        int stops = 0;
        int seen = 0;
        ShutdownSignals signals(ioc.get_executor(), [&](int s) {
            ++stops;
            seen = s;
            signals.cancel();  // a daemon that finished stopping lets the loop run out of work
        });
        boost::asio::post(ioc, [] { std::raise(SIGTERM); });
        ioc.run();  // returns only because on_stop cancelled the signal wait
        CHECK(stops == 1);
        CHECK(seen == SIGTERM);
        CHECK(signals.received() == SIGTERM);
    }

    const auto child = run_child([] {
        boost::asio::io_context io;
        ShutdownSignals s(io.get_executor(),
                          [](int) { std::raise(SIGINT); });  // stopping "hangs"; the operator presses ^C again
        boost::asio::post(io, [] { std::raise(SIGINT); });
        io.run();
    });
    REQUIRE(WIFEXITED(child.status));
    CHECK(WEXITSTATUS(child.status) == 128 + SIGINT);
}

TEST_CASE("logging: the terminate handler redacts what an uncaught exception says") {
    const auto child = run_child([] {
        install_terminate_handler();
        // Escaping a noexcept function: uncaught for sure (Catch would catch it otherwise).
        const auto fail = [] { throw std::runtime_error("connect to https://mainnet.infura.io/v3/SECRETKEY failed"); };
        [&]() noexcept { fail(); }();
    });
    REQUIRE(WIFSIGNALED(child.status));
    CHECK(WTERMSIG(child.status) == SIGABRT);
    CHECK(child.err == "keeper: fatal: connect to https://mainnet.infura.io:443 failed\n");
}

TEST_CASE("hardening: no core file and not dumpable, for good") {
    // In a child: the test runner itself must stay as it was.
    const ChildResult r = run_child([] {
        if (!forbid_core_dumps()) std::_Exit(10);
        rlimit core{};
        if (::getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) std::_Exit(11);
        if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) std::_Exit(12);
        // The hard limit is 0: an unprivileged process cannot raise it again (root may; the
        // keeper does not run as root).
        const rlimit back{RLIM_INFINITY, RLIM_INFINITY};
        if (::geteuid() != 0 && ::setrlimit(RLIMIT_CORE, &back) == 0) std::_Exit(13);
        // A fatal signal now leaves no core: the child dies of SIGABRT, nothing dumped.
        std::abort();
    });
    REQUIRE(WIFSIGNALED(r.status));
    CHECK(WTERMSIG(r.status) == SIGABRT);
    CHECK_FALSE(WCOREDUMP(r.status));
}

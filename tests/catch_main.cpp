// Catch2's implementation, compiled once (keeper_catch_runner) and shared by every test
// executable and the daemon latency benchmark. main() is not here: the test executables get a
// generated one that calls keeper_catch_run() (tests/CMakeLists.txt), the benchmark has Google
// Benchmark's and runs its Catch cases from tests/bench/daemon_latency_catch.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/failure_log.hpp"

int keeper_catch_run(int argc, char* argv[]);

namespace {

struct Attached {
    std::string path;
    std::string title;
};

std::mutex attached_mutex;
std::vector<Attached> attached;  // guarded by attached_mutex
std::string attached_dir;        // created on first use, one per process

constexpr std::size_t kTailLines = 200;

void print_tail(const Attached& a) {
    std::ifstream in(a.path);
    std::cout << "\n---- " << a.title << ", last " << kTailLines << " lines ----\n";
    if (!in) {
        std::cout << "(nothing was written to " << a.path << ")\n";
        return;
    }
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(std::move(line));
        if (tail.size() > kTailLines) tail.pop_front();
    }
    for (const auto& line : tail) std::cout << line << '\n';
    std::cout << "---- end of " << a.title << " ----" << std::endl;
}

/// Prints the attached logs of a failed test case after Catch's report of the failure, and
/// removes them.
class FailureLogListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        std::vector<Attached> files;
        {
            const std::lock_guard lock(attached_mutex);
            files.swap(attached);
        }
        for (const auto& a : files) {
            if (stats.totals.assertions.failed > 0) print_tail(a);
            std::error_code ec;
            std::filesystem::remove(a.path, ec);
        }
        TestEventListenerBase::testCaseEnded(stats);
    }
    void testRunEnded(const Catch::TestRunStats& stats) override {
        const std::lock_guard lock(attached_mutex);
        if (!attached_dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(attached_dir, ec);
        }
        TestEventListenerBase::testRunEnded(stats);
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(FailureLogListener)

std::string keeper::test::log_file_shown_on_failure(const std::string& title) {
    const std::lock_guard lock(attached_mutex);
    if (attached_dir.empty()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "keeper-logs-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for the test logs");
        attached_dir = pattern;
    }
    std::string path = attached_dir + "/log-" + std::to_string(attached.size() + 1) + ".txt";
    attached.push_back({path, title});
    return path;
}

/// Runs the registered test cases with Catch's command line; the process exit code. Catch allows
/// one session per process, so repeated calls (the benchmark's) reuse it.
int keeper_catch_run(int argc, char* argv[]) {
    static Catch::Session session;
    return session.run(argc, argv);
}
